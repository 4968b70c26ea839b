import { badRequest, unknownPath } from './errors.js';
import { type KindInfo, findResource } from './kinds.js';

/** What a resource path names: a collection (all namespaces, or one) or one object. */
export interface ResourceTarget {
  info: KindInfo;
  /** Set for `/namespaces/{ns}/…` paths of a namespaced kind. */
  namespace: string | undefined;
  /** Set for an object path. */
  name: string | undefined;
}

function segmentsOf(pathname: string): string[] {
  try {
    return pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    throw badRequest(`malformed URL path: ${pathname}`);
  }
}

/**
 * Resolves the REST paths of the kinds the fake serves (404 for anything else):
 *   /api/v1/{plural}[/{name}]                          a cluster-scoped kind, or a namespaced kind in all namespaces
 *   /api/v1/namespaces/{ns}/{plural}[/{name}]          a namespaced kind
 *   /apis/{group}/{version}/… the same for a named group.
 * Subresources (`/status`, `/finalize`…) are not served.
 */
export function resolveResource(pathname: string): ResourceTarget {
  const segments = segmentsOf(pathname);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 2) {
    [group, version, rest] = ['', segments[1], segments.slice(2)];
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
  } else {
    throw unknownPath();
  }
  if (rest.some((segment) => segment === '')) throw unknownPath();
  const target = rest[0] === 'namespaces' && rest.length >= 3 ? namespacedTarget(group, version, rest) : clusterTarget(group, version, rest);
  if (target === undefined) throw unknownPath();
  return target;
}

function namespacedTarget(group: string, version: string, rest: string[]): ResourceTarget | undefined {
  const [, namespace, plural, name, ...extra] = rest;
  const info = findResource(group, version, plural);
  if (info === undefined || !info.namespaced || extra.length > 0) return undefined;
  return { info, namespace, name };
}

function clusterTarget(group: string, version: string, rest: string[]): ResourceTarget | undefined {
  const [plural, name, ...extra] = rest;
  if (plural === undefined || extra.length > 0) return undefined;
  const info = findResource(group, version, plural);
  if (info === undefined) return undefined;
  // a namespaced kind is listed across namespaces at /{plural}, but its objects live only under /namespaces/{ns}
  if (info.namespaced && name !== undefined) return undefined;
  return { info, namespace: undefined, name };
}
