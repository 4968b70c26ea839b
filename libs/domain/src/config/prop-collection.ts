import type { JsonValue } from '#libs/event-store';
import { findProperty, resourceType } from '../schema/index.js';
import { describe as describeValue } from '../schema/value-shapes.js';
import { badRequest } from './config-error.js';
import type { ConfigObject } from './config-object.js';

/** One element edit of `/prop-collection-update` (what vnc_api sends for list and map properties). */
export interface PropCollectionUpdate {
  field: string;
  operation: 'add' | 'modify' | 'delete' | 'set';
  value?: JsonValue;
  /** List index (add: optional, modify/delete: required) or, for a map, the key (delete). */
  position?: JsonValue;
}

/**
 * The new values of the list and map properties an update list touches, ready for an ordinary update. List
 * properties (`propl`) take add / modify / delete by position; map properties (`propm`) take set (keyed by the
 * element's key field) and delete by key. Anything else is a 400 naming the update.
 */
export function applyPropCollectionUpdates(object: ConfigObject, updates: readonly PropCollectionUpdate[]): Record<string, JsonValue> {
  const spec = resourceType(object.type);
  const result: Record<string, JsonValue> = {};
  updates.forEach((update, i) => {
    const where = `updates[${i}]`;
    if (update === null || typeof update !== 'object' || Array.isArray(update)) {
      throw badRequest(`${where} must be an object {field, operation, value, position}, not ${describeValue(update)}`, where);
    }
    if (typeof update.field !== 'string') throw badRequest(`${where}: field must be a property name, not ${describeValue(update.field)}`, `${where}.field`);
    const prop = spec ? findProperty(spec, update.field) : undefined;
    if (!prop || !prop.collection || !prop.collectionField) {
      throw badRequest(`${where}: ${update.field} is not a list or map property of ${object.type}`, `${where}.field`);
    }
    const wrapper = ((result[update.field] ?? object.props[update.field] ?? {}) as Record<string, JsonValue>) || {};
    const items = Array.isArray(wrapper[prop.collectionField]) ? [...(wrapper[prop.collectionField] as JsonValue[])] : [];
    if (prop.collection === 'propl') {
      // Not Number() of a list or object: a list nested thousands deep overflows the stack turning into text.
      const index = update.position === undefined || update.position === null ? undefined : typeof update.position === 'object' ? NaN : Number(update.position);
      if (index !== undefined && (!Number.isInteger(index) || index < 0 || index > items.length)) {
        throw badRequest(`${where}: position ${describeValue(update.position)} is not an index of ${update.field} (0..${items.length})`, `${where}.position`);
      }
      switch (update.operation) {
        case 'add':
          items.splice(index ?? items.length, 0, update.value ?? null);
          break;
        case 'modify':
        case 'delete':
          if (index === undefined || index >= items.length) throw badRequest(`${where}: ${update.operation} needs the position of an element`, `${where}.position`);
          if (update.operation === 'modify') items[index] = update.value ?? null;
          else items.splice(index, 1);
          break;
        default:
          throw badRequest(`${where}: ${update.field} is a list; operation must be add, modify or delete`, `${where}.operation`);
      }
    } else {
      const key = prop.mapKey ?? 'key';
      if (update.operation === 'set') {
        const value = update.value as Record<string, JsonValue> | null | undefined;
        if (!value || typeof value !== 'object' || Array.isArray(value) || value[key] === undefined) {
          throw badRequest(`${where}: set needs a value object with its ${key}`, `${where}.value`);
        }
        const at = items.findIndex((item) => (item as Record<string, JsonValue>)?.[key] === value[key]);
        if (at >= 0) items[at] = value;
        else items.push(value);
      } else if (update.operation === 'delete') {
        const at = items.findIndex((item) => (item as Record<string, JsonValue>)?.[key] === update.position);
        if (at < 0) throw badRequest(`${where}: ${update.field} has no element with ${key} ${describeValue(update.position)}`, `${where}.position`);
        items.splice(at, 1);
      } else {
        throw badRequest(`${where}: ${update.field} is a map; operation must be set or delete`, `${where}.operation`);
      }
    }
    result[update.field] = { ...wrapper, [prop.collectionField]: items };
  });
  return result;
}
