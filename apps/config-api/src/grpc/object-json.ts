import type { ConfigObject, ConfigState, ResourceSchema } from '#libs/domain';
import { renderObject } from '../rest/contrail-view.js';

export interface ObjectJsonOptions {
  fields?: readonly string[];
  excludeBackRefs?: boolean;
  excludeChildren?: boolean;
}

/**
 * An object as REST's GET answers it, `{"<type>": {...}}`, without hrefs: they are REST URLs, and a gRPC client
 * addresses objects by uuid. Refs' target names, back-refs and children come from `state`.
 */
export function objectJsonOf(object: ConfigObject, state: ConfigState, schema: ResourceSchema, options: ObjectJsonOptions = {}): string {
  const view = renderObject(object, state, schema, { baseUrl: '', excludeHrefs: true, ...options });
  return JSON.stringify({ [object.type]: view });
}
