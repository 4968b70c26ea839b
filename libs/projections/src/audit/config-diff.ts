import type { JsonValue, RecordedEvent } from '#libs/event-store';
import { canonicalJson, refKeyOf, resourceEventKind, type ConfigObject } from '#libs/domain';

/** What changed in the config between two log positions: `from` exclusive, `to` inclusive. */
export interface ConfigDiff {
  from: number;
  to: number;
  /** Objects absent at `from` and present at `to`, in the order of their first event in the range. */
  created: ObjectChange[];
  /** Objects present at `from` and absent at `to`. */
  deleted: ObjectChange[];
  /** Objects present at both whose fields differ. An object changed and changed back is not listed. */
  changed: ObjectChange[];
}

export interface ObjectChange {
  type: string;
  uuid: string;
  fq_name: string[];
  /** Field by field; for a created object every field it has (before null), for a deleted one every field it had. */
  fields: FieldChange[];
  /** The object's own events in the range (`<Type>Created|Updated|Deleted`), oldest first. */
  events: EventRef[];
}

export interface FieldChange {
  /** A property key, a ref set as its JSON key (`network_policy_refs`), `fq_name`, `parent_type`, `parent_uuid` or `allocations`. */
  field: string;
  before: JsonValue | null;
  after: JsonValue | null;
}

/** Who made a change, through what, and when: the event's envelope. */
export interface EventRef {
  position: number;
  type: string;
  /** metadata.actor; '' when the event has none. */
  actor: string;
  /** metadata.source ('rest', 'grpc', 'kubemanager:<cluster>' …); '' when the event has none. */
  source: string;
  recordedAt: string;
}

export function eventRefOf(event: RecordedEvent): EventRef {
  const { actor, source } = event.metadata;
  return {
    position: event.globalPosition,
    type: event.type,
    actor: typeof actor === 'string' ? actor : '',
    source: typeof source === 'string' ? source : '',
    recordedAt: event.recordedAt,
  };
}

/** The uuid of the object a `<Type>Created|Updated|Deleted` event folds into; undefined for the other events. */
export function resourceUuidOf(event: Pick<RecordedEvent, 'type' | 'data'>): string | undefined {
  if (resourceEventKind(event.type) === undefined) return undefined;
  const uuid = (event.data as { uuid?: unknown } | null)?.uuid;
  return typeof uuid === 'string' ? uuid : undefined;
}

/** The order fields are listed in: where the object sits, its props and ref sets by name, then the bookkeeping. */
const FIELD_RANK: ReadonlyMap<string, number> = new Map([
  ['type', 0],
  ['fq_name', 1],
  ['parent_type', 2],
  ['parent_uuid', 3],
  ['allocations', 5],
  ['created', 6],
  ['last_modified', 7],
  ['revision', 8],
]);
const rankOf = (field: string) => FIELD_RANK.get(field) ?? 4;

/**
 * The fields of an object by name. `bookkeeping` adds what every event changes or nobody sets (type, created,
 * last_modified, revision): a diff leaves them out, a replay check needs them.
 */
export function objectFields(object: ConfigObject | undefined, bookkeeping = false): Map<string, JsonValue> {
  const out = new Map<string, JsonValue>();
  if (!object) return out;
  if (bookkeeping) out.set('type', object.type);
  out.set('fq_name', object.fq_name);
  if (object.parent_type !== undefined) out.set('parent_type', object.parent_type);
  if (object.parent_uuid !== undefined) out.set('parent_uuid', object.parent_uuid);
  for (const [key, value] of Object.entries(object.props)) out.set(key, value);
  for (const [refType, entries] of Object.entries(object.refs)) out.set(refKeyOf(refType), entries as unknown as JsonValue);
  if (object.allocations.length > 0) out.set('allocations', object.allocations as unknown as JsonValue);
  if (bookkeeping) {
    out.set('created', object.created);
    out.set('last_modified', object.last_modified);
    out.set('revision', object.revision);
  }
  return out;
}

/** The fields whose values differ (compared as canonical JSON), in listing order; absent is null. */
export function fieldChanges(before: ConfigObject | undefined, after: ConfigObject | undefined, bookkeeping = false): FieldChange[] {
  const a = objectFields(before, bookkeeping);
  const b = objectFields(after, bookkeeping);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => rankOf(x) - rankOf(y) || (x < y ? -1 : x > y ? 1 : 0));
  const changes: FieldChange[] = [];
  for (const field of names) {
    const was = a.get(field) ?? null;
    const is = b.get(field) ?? null;
    if (canonicalJson(was) !== canonicalJson(is)) changes.push({ field, before: was, after: is });
  }
  return changes;
}

/** One object's change over a range, or undefined when it is the same at both ends (or absent at both). */
export function objectChange(before: ConfigObject | undefined, after: ConfigObject | undefined, events: EventRef[]): ObjectChange | undefined {
  const object = after ?? before;
  if (!object) return undefined;
  const fields = fieldChanges(before, after);
  if (before && after && fields.length === 0) return undefined;
  return { type: object.type, uuid: object.uuid, fq_name: object.fq_name, fields, events };
}
