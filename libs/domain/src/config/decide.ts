import type { JsonValue, StreamWrite } from '#libs/event-store';
import { propsOf, refKeyOf, refsOf, resolveRef } from './body.js';
import type { CommandContext } from './command-context.js';
import { ConfigError, badRequest, conflict, notFound } from './config-error.js';
import { EventTypes, resourceEventType } from './config-events.js';
import { streams, type ConfigObject, type RefEntry } from './config-object.js';
import type { ConfigView } from './config-state.js';
import type { ResourceSchema, ResourceTypeInfo } from './resource-schema.js';
import { releaseAllocations, type ObjectDraft, type RuleContext, type TypeRulesTable } from './type-rules.js';
import { WriteSet } from './write-set.js';

/** What a command decided: the atomic write, and the object it concerns. */
export interface Decision {
  writes: StreamWrite[];
  type: string;
  uuid: string;
  fq_name: string[];
}

/** The deciders' fixed inputs: the type registry and each type's rules. */
export interface ConfigModel {
  schema: ResourceSchema;
  rules: TypeRulesTable;
}

const describe = (o: ConfigObject) => `${o.type} ${o.uuid} (${o.fq_name.join(':')})`;

function typeInfo(model: ConfigModel, type: string, action: 'create' | 'update' | 'delete' | 'read'): ResourceTypeInfo {
  const info = model.schema.info(type);
  if (!info) throw notFound(`unknown resource type '${type}'`);
  if (info.systemOnly && action !== 'read') throw new ConfigError(403, `${type} objects are derived by the system and cannot be ${action}d`);
  return info;
}

function checkBody(model: ConfigModel, type: string, body: Record<string, unknown>, mode: 'create' | 'update'): void {
  const problems = model.schema.validateBody(type, body, mode);
  if (problems.length === 0) return;
  const status = problems.some((p) => p.status === 404) ? 404 : problems.some((p) => p.status === 403) ? 403 : 400;
  const message = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');
  throw new ConfigError(status, message, problems[0].path);
}

/** POST /<type>s: a new object, its fq_name reserved and its allocations taken in the same atomic write. */
export function decideCreate(state: ConfigView, model: ConfigModel, type: string, body: Record<string, unknown>, ctx: CommandContext): Decision {
  const info = typeInfo(model, type, 'create');
  checkBody(model, type, body, 'create');
  const uuid = typeof body.uuid === 'string' ? body.uuid.toLowerCase() : ctx.newUuid();
  const holder = state.holderOf(uuid);
  if (holder) throw conflict(`uuid ${uuid} is already used by ${describe(holder)}`);
  const place = placeObject(info, body, state, uuid);
  const named = state.uuidOf(type, place.fq_name);
  if (named) throw conflict(`${type} ${place.fq_name.join(':')} already exists (uuid ${named})`);
  const draft: ObjectDraft = {
    type,
    uuid,
    fq_name: place.fq_name,
    parent_uuid: place.parent_uuid,
    props: propsOf(body, info, false),
    refs: refsOf(body, info, state),
    allocations: [],
  };
  const writes = new WriteSet(state);
  writes.add(streams.fqName(type, draft.fq_name), EventTypes.FqNameReserved, { type, fq_name: draft.fq_name, uuid });
  model.rules[type]?.create?.(draft, { state, writes, command: ctx });
  writes.add(streams.resource(type, uuid), resourceEventType(type, 'Created'), {
    type,
    uuid,
    fq_name: draft.fq_name,
    ...(place.parent_type ? { parent_type: place.parent_type, parent_uuid: place.parent_uuid } : {}),
    props: draft.props,
    refs: refsToJson(draft.refs),
    allocations: draft.allocations,
    at: ctx.at,
  } as unknown as JsonValue);
  return { writes: writes.toWrites(), type, uuid, fq_name: draft.fq_name };
}

/**
 * PUT /<type>/<uuid>: properties present replace; a `<x>_refs` list present replaces that whole ref set; a null
 * removes. fq_name, uuid and parent cannot change. `ifMatch` is the revision the client last saw (ETag).
 */
export function decideUpdate(
  state: ConfigView,
  model: ConfigModel,
  type: string,
  uuid: string,
  body: Record<string, unknown>,
  ctx: CommandContext,
  ifMatch?: number,
): Decision {
  const info = typeInfo(model, type, 'update');
  const object = existing(state, type, uuid);
  body = withoutEchoes(body, object);
  checkBody(model, type, body, 'update');
  for (const key of ['uuid', 'fq_name', 'parent_type', 'parent_uuid'] as const) {
    const value = body[key];
    if (value === undefined || value === null) continue;
    const current = key === 'uuid' ? object.uuid : key === 'fq_name' ? object.fq_name : key === 'parent_type' ? object.parent_type : object.parent_uuid;
    if (JSON.stringify(value) !== JSON.stringify(current)) throw badRequest(`${key} of ${describe(object)} cannot be changed`, key);
  }
  const props = propsOf(body, info, true);
  const refs = refsOf(body, info, state);
  return change(state, model, object, props, refs, ctx, ifMatch);
}

/** POST /ref-update: adds (or re-attributes) one ref, or removes it. */
export function decideRefUpdate(
  state: ConfigView,
  model: ConfigModel,
  command: { type: string; uuid: string; refType: string; refUuid?: string | null; refFqName?: string[] | null; operation: 'ADD' | 'DELETE'; attr?: JsonValue | null },
  ctx: CommandContext,
): Decision {
  const info = typeInfo(model, command.type, 'update');
  const object = existing(state, command.type, command.uuid);
  if (!info.refTypes.includes(command.refType)) {
    throw badRequest(`${command.type} has no refs to ${command.refType}; allowed: ${info.refTypes.join(', ') || 'none'}`, 'ref-type');
  }
  const ref = { uuid: command.refUuid ?? undefined, to: command.refFqName ?? undefined, attr: command.attr };
  // The attr of an added ref gets the same shape checks as in a POST or PUT body.
  if (command.operation === 'ADD') checkBody(model, command.type, { [refKeyOf(command.refType)]: [{ ...ref, attr: ref.attr ?? null }] }, 'update');
  const target = resolveRef(command.refType, ref, 'ref', state);
  const current = object.refs[command.refType] ?? [];
  const others = current.filter((r) => r.uuid !== target.uuid);
  const next = command.operation === 'ADD' ? [...others, target] : others;
  return change(state, model, object, {}, { [command.refType]: next }, ctx);
}

/** DELETE /<type>/<uuid>: refused (409, naming them) while children or back-refs remain; releases what it held. */
export function decideDelete(state: ConfigView, model: ConfigModel, type: string, uuid: string, ctx: CommandContext, ifMatch?: number): Decision {
  typeInfo(model, type, 'delete');
  const object = existing(state, type, uuid);
  checkRevision(object, ifMatch);
  const children = state.children(uuid);
  if (children.length > 0) {
    throw conflict(`cannot delete ${describe(object)}: children still present: [${children.map(describe).join(', ')}]`);
  }
  const referrers = state.backRefs(uuid);
  if (referrers.length > 0) {
    throw conflict(`cannot delete ${describe(object)}: still referred to by [${referrers.map(describe).join(', ')}]`);
  }
  const writes = new WriteSet(state);
  const rctx: RuleContext = { state, writes, command: ctx };
  model.rules[type]?.delete?.(object, rctx);
  releaseAllocations(rctx, uuid, object.allocations);
  writes.add(streams.fqName(type, object.fq_name), EventTypes.FqNameReleased, { type, fq_name: object.fq_name, uuid });
  const stream = streams.resource(type, uuid);
  writes.add(stream, resourceEventType(type, 'Deleted'), { type, uuid, fq_name: object.fq_name, at: ctx.at }).expect(stream, object.revision);
  return { writes: writes.toWrites(), type, uuid, fq_name: object.fq_name };
}

/** The common tail of update and ref-update: merge, let the type's rules act, write only what changed. */
function change(
  state: ConfigView,
  model: ConfigModel,
  object: ConfigObject,
  props: Record<string, JsonValue>,
  refs: Record<string, RefEntry[]>,
  ctx: CommandContext,
  ifMatch?: number,
): Decision {
  checkRevision(object, ifMatch);
  const draft: ObjectDraft = {
    type: object.type,
    uuid: object.uuid,
    fq_name: object.fq_name,
    parent_uuid: object.parent_uuid,
    props: { ...object.props },
    refs: { ...object.refs },
    allocations: [...object.allocations],
  };
  for (const [key, value] of Object.entries(props)) {
    if (value === null) delete draft.props[key];
    else draft.props[key] = value;
  }
  for (const [refType, entries] of Object.entries(refs)) {
    if (entries.length === 0) delete draft.refs[refType];
    else draft.refs[refType] = entries;
  }
  const writes = new WriteSet(state);
  model.rules[object.type]?.update?.(draft, object, { state, writes, command: ctx });
  const propsDelta: Record<string, JsonValue> = {};
  for (const key of new Set([...Object.keys(object.props), ...Object.keys(draft.props)])) {
    if (!sameJson(object.props[key], draft.props[key])) propsDelta[key] = draft.props[key] ?? null;
  }
  const refsDelta: Record<string, RefEntry[]> = {};
  for (const refType of new Set([...Object.keys(object.refs), ...Object.keys(draft.refs)])) {
    if (!sameJson(object.refs[refType], draft.refs[refType])) refsDelta[refType] = draft.refs[refType] ?? [];
  }
  const allocationsChanged = !sameJson(object.allocations, draft.allocations);
  const stream = streams.resource(object.type, object.uuid);
  writes
    .add(stream, resourceEventType(object.type, 'Updated'), {
      type: object.type,
      uuid: object.uuid,
      props: propsDelta,
      refs: refsToJson(refsDelta),
      ...(allocationsChanged ? { allocations: draft.allocations } : {}),
      at: ctx.at,
    } as unknown as JsonValue)
    .expect(stream, object.revision);
  return { writes: writes.toWrites(), type: object.type, uuid: object.uuid, fq_name: object.fq_name };
}

/**
 * A PUT body without what a GET of the object shows and the PUT would not change, so a body read, edited and
 * written back is accepted: properties equal to their stored value (system-set ones such as
 * virtual_network_network_id included) and the parts of id_perms the system keeps (uuid, created, last_modified).
 */
function withoutEchoes(body: Record<string, unknown>, object: ConfigObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key in object.props && sameJson(value, object.props[key])) continue;
    if (key === 'id_perms' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const { uuid: _uuid, created: _created, last_modified: _lastModified, ...rest } = value as Record<string, unknown>;
      out[key] = rest;
      continue;
    }
    out[key] = value;
  }
  return out;
}

function existing(state: ConfigView, type: string, uuid: string): ConfigObject {
  const object = state.get(uuid);
  if (!object || object.type !== type) throw notFound(`${type} ${uuid} does not exist`);
  return object;
}

function checkRevision(object: ConfigObject, ifMatch: number | undefined): void {
  if (ifMatch !== undefined && ifMatch !== object.revision) {
    throw new ConfigError(412, `${describe(object)} is at revision ${object.revision}, not ${ifMatch} (If-Match)`);
  }
}

/** Where a new object hangs: its fq_name and parent, from fq_name, parent_uuid or the type's default parent. */
function placeObject(
  info: ResourceTypeInfo,
  body: Record<string, unknown>,
  state: ConfigView,
  uuid: string,
): { fq_name: string[]; parent_type?: string; parent_uuid?: string } {
  const fq = Array.isArray(body.fq_name) ? (body.fq_name as string[]) : undefined;
  const name = typeof body.name === 'string' ? body.name : undefined;
  if (fq && name !== undefined && fq[fq.length - 1] !== name) {
    throw badRequest(`name '${name}' is not the last element of fq_name ${fq.join(':')}`, 'name');
  }
  // A type that may be global (tag) and has no default parent is global when the body names no parent.
  const parentNamed = typeof body.parent_uuid === 'string' || (typeof body.parent_type === 'string' && body.parent_type !== 'config-root');
  const globalByDefault = info.rootAllowed === true && fq === undefined && !parentNamed && info.defaultParentFqName === undefined;
  if (info.parents.length === 0 || (info.rootAllowed && fq?.length === 1) || globalByDefault) {
    if (fq && fq.length !== 1) throw badRequest(`a ${info.type} has a one-element fq_name, not ${fq.join(':')}`, 'fq_name');
    return { fq_name: fq ?? [name ?? uuid] };
  }
  const parentType = typeof body.parent_type === 'string' ? body.parent_type : undefined;
  if (parentType !== undefined && !info.parents.includes(parentType)) {
    throw badRequest(`parent_type '${parentType}' cannot hold a ${info.type}; allowed: ${info.parents.join(', ')}`, 'parent_type');
  }
  const candidates = parentType ? [parentType] : info.parents;
  if (fq) {
    if (fq.length < 2) throw badRequest(`fq_name ${fq.join(':')} of a ${info.type} must start with its parent's fq_name`, 'fq_name');
    const parentFq = fq.slice(0, -1);
    for (const candidate of candidates) {
      const parentUuid = state.uuidOf(candidate, parentFq);
      if (parentUuid) {
        if (typeof body.parent_uuid === 'string' && body.parent_uuid !== parentUuid) {
          throw badRequest(`parent_uuid ${body.parent_uuid} is not the uuid of ${candidate} ${parentFq.join(':')}`, 'parent_uuid');
        }
        return { fq_name: fq, parent_type: candidate, parent_uuid: parentUuid };
      }
    }
    throw notFound(`parent ${candidates.join(' or ')} ${parentFq.join(':')} of ${info.type} ${fq.join(':')} does not exist`);
  }
  if (typeof body.parent_uuid === 'string') {
    const parent = state.get(body.parent_uuid);
    if (!parent) throw notFound(`parent ${body.parent_uuid} does not exist`);
    if (!candidates.includes(parent.type)) {
      throw badRequest(`a ${parent.type} cannot hold a ${info.type}; allowed parents: ${info.parents.join(', ')}`, 'parent_uuid');
    }
    return { fq_name: [...parent.fq_name, name ?? uuid], parent_type: parent.type, parent_uuid: parent.uuid };
  }
  const parentFq = info.defaultParentFqName;
  if (!parentFq) throw badRequest(`a ${info.type} needs fq_name or parent_uuid`, 'fq_name');
  for (const candidate of candidates) {
    const parentUuid = state.uuidOf(candidate, parentFq);
    if (parentUuid) return { fq_name: [...parentFq, name ?? uuid], parent_type: candidate, parent_uuid: parentUuid };
  }
  throw notFound(`default parent ${parentFq.join(':')} of ${info.type} does not exist`);
}

function refsToJson(refs: Record<string, RefEntry[]>): JsonValue {
  return refs as unknown as JsonValue;
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    // Nested deeper than JSON.stringify goes: no stored value is (the log refuses them), and the checks refuse it.
    return false;
  }
}
