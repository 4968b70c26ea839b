import type { JsonValue } from '#libs/event-store';
import { refKeyOf, type ConfigObject, type ConfigState, type ResourceSchema } from '#libs/domain';

/** Collection name of a type: `virtual-network` → `virtual-networks` (Contrail adds an s to every type). */
export const collectionOf = (type: string) => `${type}s`;
/** JSON key form: `virtual-network` → `virtual_network`. */
export const keyOf = (type: string) => type.replace(/-/g, '_');

export interface ViewOptions {
  baseUrl: string;
  /** Only these properties (plus the identity fields). */
  fields?: readonly string[];
  excludeBackRefs?: boolean;
  excludeChildren?: boolean;
  excludeHrefs?: boolean;
}

/** The identity part every answer about an object carries. */
export function identity(object: ConfigObject, options: ViewOptions): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { uuid: object.uuid, fq_name: object.fq_name };
  if (!options.excludeHrefs) out.href = `${options.baseUrl}/${object.type}/${object.uuid}`;
  return out;
}

/**
 * An object as Contrail's GET /<type>/<uuid> shows it (spec §1.1): identity, parent, every property, id_perms with
 * its times, refs with the target's fq_name and href, back-refs and children grouped by type.
 */
export function renderObject(object: ConfigObject, state: ConfigState, schema: ResourceSchema, options: ViewOptions): Record<string, JsonValue> {
  const out = identity(object, options);
  out.name = object.fq_name[object.fq_name.length - 1];
  if (object.parent_uuid && object.parent_type) {
    out.parent_type = object.parent_type;
    out.parent_uuid = object.parent_uuid;
    if (!options.excludeHrefs) out.parent_href = `${options.baseUrl}/${object.parent_type}/${object.parent_uuid}`;
  }
  const wanted = options.fields ? new Set(options.fields) : undefined;
  const want = (key: string) => wanted === undefined || wanted.has(key);
  const props: Record<string, JsonValue> = {
    display_name: out.name,
    perms2: { owner: 'cloud-admin', owner_access: 7, global_access: 0, share: [] },
    ...object.props,
    id_perms: idPerms(object),
  };
  for (const [key, value] of Object.entries(props)) if (want(key)) out[key] = value;
  for (const [refType, entries] of Object.entries(object.refs)) {
    const key = refKeyOf(refType);
    if (!want(key)) continue;
    out[key] = entries.map((ref) => link(state.get(ref.uuid), ref.uuid, refType, ref.attr, options));
  }
  if (!options.excludeBackRefs) {
    for (const referrer of state.backRefs(object.uuid)) {
      const key = `${keyOf(referrer.type)}_back_refs`;
      if (!want(key)) continue;
      const attrs = (referrer.refs[object.type] ?? []).filter((r) => r.uuid === object.uuid);
      const list = (out[key] ?? []) as JsonValue[];
      for (const ref of attrs) list.push(link(referrer, referrer.uuid, referrer.type, ref.attr, options));
      out[key] = list;
    }
  }
  if (!options.excludeChildren) {
    for (const child of state.children(object.uuid)) {
      const key = `${keyOf(child.type)}s`;
      if (!want(key)) continue;
      const list = (out[key] ?? []) as JsonValue[];
      list.push(link(child, child.uuid, child.type, undefined, options));
      out[key] = list;
    }
  }
  void schema;
  return out;
}

function link(target: ConfigObject | undefined, uuid: string, type: string, attr: JsonValue | null | undefined, options: ViewOptions): JsonValue {
  const out: Record<string, JsonValue> = { to: target?.fq_name ?? [], uuid };
  if (!options.excludeHrefs) out.href = `${options.baseUrl}/${type}/${uuid}`;
  if (attr !== undefined) out.attr = attr;
  return out;
}

/** IdPermsType with the uuid split as Contrail stores it and the times of the first and last event. */
function idPerms(object: ConfigObject): JsonValue {
  const given = (object.props.id_perms ?? {}) as Record<string, JsonValue>;
  const hex = object.uuid.replace(/-/g, '');
  return {
    enable: true,
    user_visible: true,
    description: null,
    creator: null,
    permissions: { owner: 'cloud-admin', owner_access: 7, other_access: 7, group: 'cloud-admin-group', group_access: 7 },
    ...given,
    uuid: { uuid_mslong: BigInt(`0x${hex.slice(0, 16)}`).toString(), uuid_lslong: BigInt(`0x${hex.slice(16)}`).toString() },
    created: object.created,
    last_modified: object.last_modified,
  } as JsonValue;
}
