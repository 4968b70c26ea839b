import type { JsonValue } from '#libs/event-store';
import { ConfigError, notFound } from './config-error.js';
import type { RefEntry } from './config-object.js';
import type { ConfigView } from './config-state.js';
import type { ResourceTypeInfo } from './resource-schema.js';

/** `network_ipam_refs` → `network-ipam`; undefined for keys that are not refs. */
export function refTypeOfKey(key: string): string | undefined {
  if (!key.endsWith('_refs') || key.endsWith('_back_refs')) return undefined;
  return key.slice(0, -'_refs'.length).replace(/_/g, '-');
}

/** `network-ipam` → `network_ipam_refs`. */
export function refKeyOf(refType: string): string {
  return `${refType.replace(/-/g, '_')}_refs`;
}

/**
 * The properties of a body: every key the type declares. With `keepNull` (updates) a null stays, meaning
 * "remove"; on create a null means absent.
 */
export function propsOf(body: Record<string, unknown>, info: ResourceTypeInfo, keepNull: boolean): Record<string, JsonValue> {
  const props: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!info.props.has(key) || value === undefined) continue;
    if (value === null && !keepNull) continue;
    props[key] = value as JsonValue;
  }
  return props;
}

/**
 * The ref sets a body names (`<type>_refs` keys), resolved to uuids. A ref names its target by `uuid` or by `to`
 * (fq_name); a target that does not exist is a 404 naming it. A null or absent list is skipped on create; on
 * update a null list means "remove every ref of that type".
 */
export function refsOf(body: Record<string, unknown>, info: ResourceTypeInfo, state: ConfigView): Record<string, RefEntry[]> {
  const refs: Record<string, RefEntry[]> = {};
  for (const [key, value] of Object.entries(body)) {
    const refType = refTypeOfKey(key);
    if (refType === undefined || !info.refTypes.includes(refType)) continue;
    if (value === null) {
      refs[refType] = [];
      continue;
    }
    if (!Array.isArray(value)) continue;
    refs[refType] = value.map((entry, i) => resolveRef(refType, entry as RawRef, `${key}[${i}]`, state));
  }
  return refs;
}

interface RawRef {
  to?: unknown;
  uuid?: unknown;
  attr?: unknown;
}

export function resolveRef(refType: string, entry: RawRef, where: string, state: ConfigView): RefEntry {
  const attr = (entry.attr ?? null) as JsonValue | null;
  if (typeof entry.uuid === 'string') {
    const target = state.get(entry.uuid);
    if (!target || target.type !== refType) throw notFound(`${where}: ${refType} ${entry.uuid} does not exist`);
    return { uuid: target.uuid, attr };
  }
  if (Array.isArray(entry.to) && entry.to.every((p) => typeof p === 'string')) {
    const uuid = state.uuidOf(refType, entry.to as string[]);
    if (!uuid) throw notFound(`${where}: ${refType} ${(entry.to as string[]).join(':')} does not exist`);
    return { uuid, attr };
  }
  throw new ConfigError(400, `${where}: a ref needs "uuid" or "to" (the target's fq_name)`, where);
}
