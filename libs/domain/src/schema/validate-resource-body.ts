import { validateTypedValue } from './property-validators.js';
import type { RefSpec, ResourceTypeSpec } from './resource-type-spec.js';
import { childTypesOf, findProperty, findRef, resourceType } from './resource-types.js';
import { fieldPath, itemPath, type SchemaProblem } from './schema-problem.js';
import { matchesFormat } from './string-formats.js';
import { describe, isJsonObject, isSet, type JsonObject } from './value-shapes.js';

export interface ValidateResourceBodyOptions {
  /**
   * `client` (default): a REST request; system-only fields and types are refused with 403.
   * `system`: an object the controller derives itself (routing instances, route targets, allocated ids).
   */
  readonly origin?: 'client' | 'system';
  /** `create` (default) or `update` (a PUT carries only the fields that change). */
  readonly operation?: 'create' | 'update';
}

export interface ResourceBodyValidation {
  readonly problems: SchemaProblem[];
}

/**
 * System-only in the schema, yet vnc_api sends them whenever a user sets part of them (`id_perms.enable`,
 * `perms2.share`); contrail-api keeps the client's part and fills in the rest (created, creator, owner …).
 */
const CLIENT_WRITABLE_SYSTEM_PROPERTIES: ReadonlySet<string> = new Set(['id_perms', 'perms2']);

const REF_FIELDS: ReadonlySet<string> = new Set(['to', 'uuid', 'attr', 'href']);

/**
 * Checks the inner object of a create or update body (`{"virtual-network": {…}}` → `{…}`) against the registry:
 * every key must be an identity field, a declared property, a declared `<type>_refs` list, or a read-only
 * back-ref / children list echoed from a GET (ignored); values must have their XSD shape (null means "not set",
 * as vnc_api sends unset fields). Shapes and ranges only — the meaning of subnets, ids and refs is checked where
 * they are allocated and resolved.
 */
export function validateResourceBody(typeName: string, body: unknown, options: ValidateResourceBodyOptions = {}): ResourceBodyValidation {
  const problems: SchemaProblem[] = [];
  const type = resourceType(typeName);
  if (type === undefined) {
    problems.push({ path: '', message: `unknown resource type ${typeName}`, status: 404 });
    return { problems };
  }
  const fromClient = (options.origin ?? 'client') === 'client';
  if (fromClient && !type.creatable) {
    const why = type.implicit ? 'exists implicitly' : 'is derived by the system';
    problems.push({ path: '', message: `${type.name} ${why}; clients cannot create or change it`, status: 403 });
    return { problems };
  }
  if (!isJsonObject(body)) {
    problems.push({ path: '', message: `expected a JSON object for ${type.name}, got ${describe(body)}` });
    return { problems };
  }
  checkIdentity(type, body, problems);
  const ignored = new Set(childTypesOf(type.name).map((child) => child.childrenKey));
  for (const [key, value] of Object.entries(body)) {
    if (IDENTITY_KEYS.has(key) || ignored.has(key) || key.endsWith('_back_refs')) continue;
    const ref = key.endsWith('_refs') ? findRef(type, key) : undefined;
    if (ref !== undefined) {
      checkRefList(ref, value, problems);
      continue;
    }
    const property = findProperty(type, key);
    if (property === undefined) {
      const what = key.endsWith('_refs') ? 'reference' : 'property';
      problems.push({ path: key, message: `unknown ${what} ${key} for ${type.name}` });
      continue;
    }
    if (fromClient && property.presence === 'system-only' && isSet(value) && !CLIENT_WRITABLE_SYSTEM_PROPERTIES.has(key)) {
      // As contrail-api answers a client-supplied virtual_network_network_id (contrail-config-model.md §2).
      problems.push({ path: key, message: `${key} is set by the system; clients may not set it`, status: 403 });
      continue;
    }
    problems.push(...validateTypedValue(property.type, value, key));
  }
  if ((options.operation ?? 'create') === 'create') checkRequired(type, body, problems);
  return { problems };
}

const IDENTITY_KEYS: ReadonlySet<string> = new Set(['uuid', 'fq_name', 'name', 'parent_type', 'parent_uuid', 'href', 'parent_href']);

function checkIdentity(type: ResourceTypeSpec, body: JsonObject, problems: SchemaProblem[]): void {
  const { uuid, fq_name: fqName, name, parent_type: parentType, parent_uuid: parentUuid, href, parent_href: parentHref } = body;
  // "uuid": null asks the server to allocate one (vnc-api-client.md).
  checkUuid(uuid, 'uuid', problems);
  checkUuid(parentUuid, 'parent_uuid', problems);
  if (isSet(fqName) && !isFqName(fqName)) {
    problems.push({ path: 'fq_name', message: `expected a non-empty list of non-empty strings, got ${describe(fqName)}` });
  }
  if (isSet(name) && (typeof name !== 'string' || name === '')) {
    problems.push({ path: 'name', message: `expected a non-empty string, got ${describe(name)}` });
  }
  if (isSet(parentType)) {
    const allowed = type.parents.length === 0 ? ['config-root'] : type.parents;
    if (typeof parentType !== 'string' || !(allowed as readonly string[]).includes(parentType)) {
      const message = `${describe(parentType)} is not a parent type of ${type.name}; expected ${allowed.join(' or ')}`;
      problems.push({ path: 'parent_type', message });
    }
  }
  for (const [key, value] of [['href', href], ['parent_href', parentHref]] as const) {
    if (isSet(value) && typeof value !== 'string') problems.push({ path: key, message: `expected a string, got ${describe(value)}` });
  }
}

function checkUuid(value: unknown, path: string, problems: SchemaProblem[]): void {
  if (isSet(value) && (typeof value !== 'string' || !matchesFormat('uuid', value))) {
    problems.push({ path, message: `expected a UUID, got ${describe(value)}` });
  }
}

function isFqName(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 && value.every((part) => typeof part === 'string' && part !== '');
}

/** A `<type>_refs` list: `[{to: fq_name, uuid, attr}]`; either `to` or `uuid` names the target, both may. */
function checkRefList(ref: RefSpec, value: unknown, problems: SchemaProblem[]): void {
  if (!isSet(value)) return;
  if (!Array.isArray(value)) {
    problems.push({ path: ref.field, message: `expected a list of refs, got ${describe(value)}` });
    return;
  }
  value.forEach((item: unknown, i) => {
    const path = itemPath(ref.field, i);
    if (!isJsonObject(item)) {
      problems.push({ path, message: `expected a ref {to, uuid, attr}, got ${describe(item)}` });
      return;
    }
    for (const key of Object.keys(item)) {
      if (!REF_FIELDS.has(key)) problems.push({ path: fieldPath(path, key), message: `unknown field ${key} in a ref` });
    }
    const { to, uuid, attr } = item;
    if (isSet(to) && !isFqName(to)) {
      const message = `expected an fq_name (a non-empty list of non-empty strings), got ${describe(to)}`;
      problems.push({ path: fieldPath(path, 'to'), message });
    }
    checkUuid(uuid, fieldPath(path, 'uuid'), problems);
    if (!isSet(to) && !isSet(uuid)) problems.push({ path, message: `a ref to ${ref.to} needs to (its fq_name) or uuid` });
    if (ref.attrType !== null) {
      problems.push(...validateTypedValue(ref.attrType, attr, fieldPath(path, 'attr')));
    } else if (isSet(attr) && !isJsonObject(attr)) {
      // The link carries no data; contrail-api ignores an attr object here, anything else is malformed.
      problems.push({ path: fieldPath(path, 'attr'), message: `expected null or an object, got ${describe(attr)}` });
    }
  });
}

/**
 * contrail-api does not enforce the schema's `required` on create (it fills in MACs and addresses, tolerates VNs
 * without IPAM), so neither do we for Contrail's types; our own types declare only what they truly need.
 */
function checkRequired(type: ResourceTypeSpec, body: JsonObject, problems: SchemaProblem[]): void {
  if (type.origin !== 'own') return;
  for (const property of type.properties) {
    if (property.presence === 'required' && !isSet(body[property.name])) {
      problems.push({ path: property.name, message: `${property.name} is required for ${type.name}` });
    }
  }
}
