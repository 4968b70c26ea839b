import type { JsonValue } from '#libs/event-store';
import { ConfigError, badRequest, type ConfigObject, type ConfigState } from '#libs/domain';

/** GET /<type>s parameters (spec §2, API `http_resource_list`). */
export interface ListQuery {
  parentIds?: string[];
  parentFqName?: string[];
  parentType?: string;
  backRefIds?: string[];
  objUuids?: string[];
  fqNames?: string[][];
  detail: boolean;
  count: boolean;
  fields?: string[];
  /** key → accepted values; several values of one key are OR'd, keys are AND'ed. */
  filters?: Map<string, JsonValue[]>;
  shared: boolean;
  excludeHrefs: boolean;
  pageMarker?: string;
  pageLimit?: number;
}

/** The names of the list parameters, as parseListQuery reads them (REST query, list-bulk body, gRPC List). */
export const LIST_PARAMETERS = [
  'parent_id',
  'parent_fq_name_str',
  'parent_type',
  'back_ref_id',
  'obj_uuids',
  'fq_names',
  'detail',
  'count',
  'fields',
  'filters',
  'shared',
  'exclude_hrefs',
  'page_marker',
  'page_limit',
] as const;

/**
 * How much one list answers (LIST_MAX_PAGE, LIST_MAX_UNPAGED). Contrail's clients list without paging, so a list
 * without page_limit is answered whole, up to `maxUnpaged` objects; beyond that it is refused (413) with the advice to
 * page, so that one request cannot make the API render a million objects into one answer.
 */
export interface ListLimits {
  /** The largest page_limit (default 10,000). */
  maxPage: number;
  /** The most objects a list without page_limit answers (default 100,000); 0 = no limit. `count` is never limited. */
  maxUnpaged: number;
}

export const DEFAULT_LIST_LIMITS: ListLimits = { maxPage: 10_000, maxUnpaged: 100_000 };

/** The largest page a client may ask for by default (LIST_MAX_PAGE). */
export const MAX_PAGE_LIMIT = DEFAULT_LIST_LIMITS.maxPage;

/** A list refused because it asks for more than a limit allows; `limit` names it for contrail_limit_hits_total. */
export class ListLimitError extends ConfigError {
  constructor(
    readonly limit: 'list_page_limit' | 'list_unpaged',
    status: 400 | 413,
    message: string,
    field?: string,
  ) {
    super(status, message, field);
  }
}

type Raw = Record<string, unknown>;

/**
 * Reads list parameters from a query string or a list-bulk-collection body. Values may be comma-separated strings
 * or arrays; booleans may be Python-style (`True`). A malformed value is a 400 naming the parameter.
 */
export function parseListQuery(raw: Raw, maxPage = DEFAULT_LIST_LIMITS.maxPage): ListQuery {
  const q: ListQuery = {
    detail: bool(raw, 'detail'),
    count: bool(raw, 'count'),
    shared: bool(raw, 'shared'),
    excludeHrefs: bool(raw, 'exclude_hrefs'),
  };
  q.parentIds = list(raw, 'parent_id');
  q.backRefIds = list(raw, 'back_ref_id');
  q.objUuids = list(raw, 'obj_uuids');
  q.fields = list(raw, 'fields');
  const fqNames = list(raw, 'fq_names');
  if (fqNames) q.fqNames = fqNames.map((f) => f.split(':'));
  const parentFq = one(raw, 'parent_fq_name_str');
  if (parentFq !== undefined) q.parentFqName = parentFq.split(':');
  q.parentType = one(raw, 'parent_type');
  q.pageMarker = one(raw, 'page_marker');
  const limit = one(raw, 'page_limit');
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > maxPage) {
      const message = `page_limit must be an integer from 1 to ${maxPage} (LIST_MAX_PAGE), not ${JSON.stringify(limit)}`;
      if (Number.isInteger(n) && n > maxPage) throw new ListLimitError('list_page_limit', 400, message, 'page_limit');
      throw badRequest(message, 'page_limit');
    }
    q.pageLimit = n;
  }
  const filters = list(raw, 'filters');
  if (filters) {
    q.filters = new Map();
    for (const f of filters) {
      const at = f.indexOf('==');
      if (at <= 0) throw badRequest(`filters takes key==value pairs separated by commas, not ${JSON.stringify(f)}`, 'filters');
      const key = f.slice(0, at);
      const text = f.slice(at + 2);
      let value: JsonValue;
      try {
        value = JSON.parse(text) as JsonValue;
      } catch {
        value = text;
      }
      q.filters.set(key, [...(q.filters.get(key) ?? []), value]);
    }
  }
  return q;
}

/**
 * The objects of `type` a list query selects, in creation order, and the marker of the next page. A list without
 * page_limit (and without count) that would answer more than `limits.maxUnpaged` objects is a ListLimitError (413).
 */
export function selectObjects(
  state: ConfigState,
  type: string,
  q: ListQuery,
  limits: ListLimits = DEFAULT_LIST_LIMITS,
): { items: ConfigObject[]; marker: string | null } {
  let parentIds = q.parentIds;
  if (q.parentFqName) {
    const candidates = q.parentType ? [q.parentType] : [...new Set([...state.all()].map((o) => o.type))];
    const found = candidates.map((t) => state.uuidOf(t, q.parentFqName!)).filter((u): u is string => u !== undefined);
    parentIds = [...(parentIds ?? []), ...found];
    if (found.length === 0) return { items: [], marker: null };
  }
  const parents = parentIds ? new Set(parentIds) : undefined;
  const uuids = q.objUuids ? new Set(q.objUuids.map((u) => u.toLowerCase())) : undefined;
  const backRefs = q.backRefIds ? new Set(q.backRefIds) : undefined;
  const fqNames = q.fqNames ? new Set(q.fqNames.map((f) => f.join(':'))) : undefined;
  const selected: ConfigObject[] = [];
  for (const object of state.all()) {
    if (object.type !== type) continue;
    if (parents && !(object.parent_uuid && parents.has(object.parent_uuid))) continue;
    if (uuids && !uuids.has(object.uuid)) continue;
    if (fqNames && !fqNames.has(object.fq_name.join(':'))) continue;
    if (backRefs && !Object.values(object.refs).some((entries) => entries.some((r) => backRefs.has(r.uuid)))) continue;
    if (q.filters && !matchesFilters(object, q.filters)) continue;
    if (q.shared && object.props.is_shared !== true) continue;
    selected.push(object);
  }
  let start = 0;
  if (q.pageMarker) {
    const at = selected.findIndex((o) => o.uuid === q.pageMarker);
    start = at >= 0 ? at + 1 : 0;
  }
  if (q.pageLimit === undefined) {
    const total = selected.length - start;
    if (!q.count && limits.maxUnpaged > 0 && total > limits.maxUnpaged) {
      throw new ListLimitError(
        'list_unpaged',
        413,
        `this list of ${type} would answer ${total} objects, more than the ${limits.maxUnpaged} a list answers without paging ` +
          `(LIST_MAX_UNPAGED): ask for pages with page_limit (up to ${limits.maxPage}) and page_marker, or for count=true`,
        'page_limit',
      );
    }
    return { items: selected.slice(start), marker: null };
  }
  const items = selected.slice(start, start + q.pageLimit);
  const more = start + q.pageLimit < selected.length;
  return { items, marker: more ? items[items.length - 1].uuid : null };
}

function matchesFilters(object: ConfigObject, filters: Map<string, JsonValue[]>): boolean {
  for (const [key, values] of filters) {
    const name = object.fq_name[object.fq_name.length - 1];
    // display_name defaults to the name, as GET shows it (and Contrail stores it).
    const actual = key === 'name' ? name : key === 'display_name' ? (object.props.display_name ?? name) : object.props[key];
    if (!values.some((v) => JSON.stringify(v) === JSON.stringify(actual))) return false;
  }
  return true;
}

function one(raw: Raw, key: string): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null || value === '') return undefined;
  // The last of a repeated query parameter; a list inside (a JSON body's) is no string either, and String() of one
  // nested thousands deep overflows the stack.
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  if (last === undefined) return undefined;
  if (typeof last === 'object' && last !== null) throw badRequest(`${key} must be a string`, key);
  return String(last);
}

function list(raw: Raw, key: string): string[] | undefined {
  const value = raw[key];
  if (value === undefined || value === null || value === '') return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => {
    if (Array.isArray(v) && key === 'fq_names' && v.every((part) => typeof part === 'string')) return [v.join(':')];
    if (typeof v === 'object' && v !== null) throw badRequest(`${key} must be a comma-separated string or a list`, key);
    return String(v).split(',');
  });
  const cleaned = parts.map((p) => p.trim()).filter((p) => p.length > 0);
  return cleaned.length > 0 ? cleaned : undefined;
}

function bool(raw: Raw, key: string): boolean {
  const value = one(raw, key);
  if (value === undefined) return false;
  if (/^(true|1)$/i.test(value)) return true;
  if (/^(false|0)$/i.test(value)) return false;
  throw badRequest(`${key} must be true or false, not ${JSON.stringify(value)}`, key);
}
