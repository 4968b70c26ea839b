import { badRequest } from '#libs/domain';
import type { JsonValue, RecordedEvent } from '#libs/event-store';

/*
 * Which events of the log an audit reader asks for (GET /audit/events, AuditService.ReadEvents, `audit log`).
 * Pure: parsing a query into a filter, and testing one event against it. The scanner (event-scan.ts) does the I/O.
 */

/** The most events one page of GET /audit/events or ReadEvents may hold. */
export const MAX_EVENT_PAGE = 1000;
/** A page's size when the client names none. */
export const DEFAULT_EVENT_PAGE = 100;

/** Every criterion is optional; the event must meet all that are given. */
export interface EventFilter {
  /** Exactly this stream, e.g. `virtual-network-<uuid>` or `pool-vn-id`. */
  stream?: string;
  /**
   * Events about this object: its own stream `<type>-<uuid>`, and events elsewhere that name it as `data.uuid`
   * (its name reservation) or `data.owner` (numbers and addresses allocated to it). Lower case.
   */
  uuid?: string;
  /** Any of these event types, e.g. VirtualNetworkCreated. */
  types?: ReadonlySet<string>;
  /**
   * Events whose `data.type` is this resource type. With `fqName` it only says which name is meant: the events
   * are then those about the object(s) of this type that held the name, allocations included.
   */
  objectType?: string;
  /**
   * Events about every object that has held this fq_name (with `objectType`): deleting a network and creating
   * another of the same name gives two uuids. The scanner resolves them from the name's reservation stream.
   */
  fqName?: readonly string[];
  /** `metadata.actor`, as the X-User-Name header or x-user-name gRPC metadata named it. */
  actor?: string;
  /** `metadata.source`: rest, grpc, kubemanager:<cluster> … */
  source?: string;
  /** recordedAt at or after this time (ms since the epoch). */
  since?: number;
  /** recordedAt strictly before this time (ms since the epoch). */
  until?: number;
  /** Global position strictly greater than this: the cursor. 0 = from the start of the log. */
  after: number;
  /** Global position strictly less than this. */
  before?: number;
}

/** A filter and the page size asked for. */
export interface EventQuery {
  filter: EventFilter;
  limit: number;
}

/** The query parameter names GET /audit/events reads; ReadEvents fields map onto them. */
export const EVENT_QUERY_PARAMETERS = [
  'stream',
  'uuid',
  'type',
  'fq_name',
  'object_type',
  'actor',
  'source',
  'since',
  'until',
  'after',
  'before',
  'limit',
] as const;

type Raw = Readonly<Record<string, unknown>>;

/**
 * Reads GET /audit/events parameters (text values, as a query string gives them). Every malformed value is a 400
 * naming the parameter and what it takes; an unknown name is refused too, since a mistyped filter would otherwise
 * answer with the whole log.
 */
export function parseEventQuery(raw: Raw): EventQuery {
  const filter = parseEventFilter(raw, EVENT_QUERY_PARAMETERS);
  const limit = integer(raw, 'limit', 1, MAX_EVENT_PAGE) ?? DEFAULT_EVENT_PAGE;
  return { filter, limit };
}

/** The filter part of the query; `allowed` names the parameters the caller accepts (the CLI has no `limit`). */
export function parseEventFilter(raw: Raw, allowed: readonly string[] = EVENT_QUERY_PARAMETERS.filter((p) => p !== 'limit')): EventFilter {
  const unknown = Object.keys(raw).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    throw badRequest(`unknown parameter ${unknown.join(', ')}; the filters are ${allowed.join(', ')}`, unknown[0]);
  }
  const filter: EventFilter = { after: integer(raw, 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0 };
  const stream = text(raw, 'stream');
  if (stream !== undefined) filter.stream = stream;
  const uuid = text(raw, 'uuid');
  if (uuid !== undefined) filter.uuid = uuid.toLowerCase();
  const types = list(raw, 'type');
  if (types !== undefined) filter.types = new Set(types);
  const objectType = text(raw, 'object_type');
  if (objectType !== undefined) filter.objectType = objectType;
  const fqName = text(raw, 'fq_name');
  if (fqName !== undefined) {
    const parts = fqName.split(':');
    if (parts.some((p) => p.length === 0)) {
      throw badRequest(`fq_name takes the name's parts joined by ':', e.g. default-domain:default-project:blue, not ${JSON.stringify(fqName)}`, 'fq_name');
    }
    if (objectType === undefined) {
      throw badRequest('fq_name needs object_type as well: objects of different types may share a name', 'object_type');
    }
    filter.fqName = parts;
  }
  const actor = text(raw, 'actor');
  if (actor !== undefined) filter.actor = actor;
  const source = text(raw, 'source');
  if (source !== undefined) filter.source = source;
  const since = time(raw, 'since');
  if (since !== undefined) filter.since = since;
  const until = time(raw, 'until');
  if (until !== undefined) filter.until = until;
  if (since !== undefined && until !== undefined && until < since) {
    throw badRequest(`until (${text(raw, 'until')}) is earlier than since (${text(raw, 'since')})`, 'until');
  }
  const before = integer(raw, 'before', 1, Number.MAX_SAFE_INTEGER);
  if (before !== undefined) filter.before = before;
  return filter;
}

/** True when `event` meets every criterion of `filter`. `holders`: the uuids `filter.fqName` resolved to. */
export function matchesEvent(filter: EventFilter, event: RecordedEvent, holders?: ReadonlySet<string>): boolean {
  if (event.globalPosition <= filter.after) return false;
  if (filter.before !== undefined && event.globalPosition >= filter.before) return false;
  if (filter.stream !== undefined && event.streamId !== filter.stream) return false;
  if (filter.types !== undefined && !filter.types.has(event.type)) return false;
  if (filter.actor !== undefined && event.metadata.actor !== filter.actor) return false;
  if (filter.source !== undefined && event.metadata.source !== filter.source) return false;
  if (filter.since !== undefined || filter.until !== undefined) {
    const at = Date.parse(event.recordedAt);
    if (filter.since !== undefined && !(at >= filter.since)) return false;
    if (filter.until !== undefined && !(at < filter.until)) return false;
  }
  const data = objectData(event.data);
  // With fq_name, the type only picks the name's reservation stream: the holders' allocations name no type.
  if (filter.objectType !== undefined && filter.fqName === undefined && data?.type !== filter.objectType) return false;
  if (filter.uuid !== undefined && !mentions(event, data, filter.uuid)) return false;
  if (filter.fqName !== undefined) {
    if (!holders || ![...holders].some((uuid) => mentions(event, data, uuid))) return false;
  }
  return true;
}

/** The event belongs to the object's own stream, or names it as the holder of a name, number or address. */
function mentions(event: RecordedEvent, data: Record<string, JsonValue> | undefined, uuid: string): boolean {
  if (data?.uuid === uuid || data?.owner === uuid) return true;
  return event.streamId.endsWith(`-${uuid}`);
}

function objectData(data: JsonValue): Record<string, JsonValue> | undefined {
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? data : undefined;
}

/** ISO 8601 as a client writes it: a date (midnight UTC), or a date and time with Z or an offset. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * An ISO 8601 time in ms since the epoch. A date and time without a zone is refused rather than read in the
 * server's local zone, which the client may not know.
 */
export function parseTime(value: string, name: string): number {
  const at = ISO_TIME.test(value) && isCalendarDate(value.slice(0, 10)) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) {
    throw badRequest(
      `${name} must be an ISO 8601 time such as 2026-11-26T10:30:00Z (a date alone means midnight UTC; a time needs Z or an offset), not ${JSON.stringify(value)}`,
      name,
    );
  }
  return at;
}

/** `2026-02-30` is not a day, though Date.parse rolls it over into March. */
function isCalendarDate(date: string): boolean {
  const [year, month, day] = date.split('-').map(Number);
  const check = new Date(Date.UTC(year, month - 1, day));
  return check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day;
}

/** A log position given as text: an integer from `min`. */
export function parsePosition(value: string, name: string, min = 0): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw badRequest(`${name} must be a log position (an integer >= ${min}), not ${JSON.stringify(value)}`, name);
  }
  return n;
}

/** A single text value: absent and '' are undefined; a repeated parameter is refused. */
export function text(raw: Raw, name: string): string | undefined {
  const value = raw[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`${name} takes one value, given ${Array.isArray(value) ? value.length : 'a structured value'}`, name);
  return value;
}

/** Comma-separated values, or the parameter repeated. */
function list(raw: Raw, name: string): string[] | undefined {
  const value = raw[name];
  if (value === undefined || value === null || value === '') return undefined;
  const values = Array.isArray(value) ? value : [value];
  if (values.some((v) => typeof v !== 'string')) throw badRequest(`${name} takes names separated by commas`, name);
  const parts = (values as string[]).flatMap((v) => v.split(',')).map((p) => p.trim()).filter((p) => p.length > 0);
  return parts.length > 0 ? parts : undefined;
}

function integer(raw: Raw, name: string, min: number, max: number): number | undefined {
  const value = text(raw, name);
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw badRequest(`${name} must be ${range}, not ${JSON.stringify(value)}`, name);
  }
  return n;
}

function time(raw: Raw, name: string): number | undefined {
  const value = text(raw, name);
  return value === undefined ? undefined : parseTime(value, name);
}
