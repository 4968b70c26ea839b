import type { JsonValue } from '#libs/event-store';
import { badRequest, type ConfigObject, type ConfigState } from '#libs/domain';

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

/** The largest page a client may ask for. */
export const MAX_PAGE_LIMIT = 10_000;

type Raw = Record<string, unknown>;

/**
 * Reads list parameters from a query string or a list-bulk-collection body. Values may be comma-separated strings
 * or arrays; booleans may be Python-style (`True`). A malformed value is a 400 naming the parameter.
 */
export function parseListQuery(raw: Raw): ListQuery {
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
    if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_LIMIT) {
      throw badRequest(`page_limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, not ${JSON.stringify(limit)}`, 'page_limit');
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

/** The objects of `type` a list query selects, in creation order, and the marker of the next page. */
export function selectObjects(state: ConfigState, type: string, q: ListQuery): { items: ConfigObject[]; marker: string | null } {
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
  if (q.pageLimit === undefined) return { items: selected.slice(start), marker: null };
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
  if (Array.isArray(value)) return value.length > 0 ? String(value[value.length - 1]) : undefined;
  if (typeof value === 'object') throw badRequest(`${key} must be a string`, key);
  return String(value);
}

function list(raw: Raw, key: string): string[] | undefined {
  const value = raw[key];
  if (value === undefined || value === null || value === '') return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => {
    if (Array.isArray(v) && key === 'fq_names') return [v.join(':')];
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
