/** The kinds the fake serves, spelled as Kubernetes spells them. */
export type KindName = 'Namespace' | 'Node' | 'Pod' | 'Service' | 'EndpointSlice' | 'NetworkPolicy' | 'Event';

/** What the server knows of one kind: where it lives in the URL space and what its objects and lists are called. */
export interface KindInfo {
  readonly kind: KindName;
  /** The resource name in URLs (`pods`). */
  readonly plural: string;
  /** '' for the core group (served under /api), else the API group (served under /apis/{group}). */
  readonly group: string;
  readonly version: string;
  /** `v1` or `{group}/{version}`, as written in an object's `apiVersion`. */
  readonly apiVersion: string;
  readonly namespaced: boolean;
  readonly listKind: string;
}

function kindInfo(kind: KindName, plural: string, group: string, namespaced: boolean): KindInfo {
  const version = 'v1';
  return {
    kind,
    plural,
    group,
    version,
    apiVersion: group === '' ? version : `${group}/${version}`,
    namespaced,
    listKind: `${kind}List`,
  };
}

export const KINDS: readonly KindInfo[] = [
  kindInfo('Namespace', 'namespaces', '', false),
  kindInfo('Node', 'nodes', '', false),
  kindInfo('Pod', 'pods', '', true),
  kindInfo('Service', 'services', '', true),
  kindInfo('Event', 'events', '', true),
  kindInfo('EndpointSlice', 'endpointslices', 'discovery.k8s.io', true),
  kindInfo('NetworkPolicy', 'networkpolicies', 'networking.k8s.io', true),
];

const BY_KIND = new Map<string, KindInfo>(KINDS.map((info) => [info.kind, info]));
const BY_RESOURCE = new Map<string, KindInfo>(KINDS.map((info) => [resourceKey(info.group, info.version, info.plural), info]));

function resourceKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

/** The kind named `kind`, or undefined for a kind the fake does not serve. */
export function findKind(kind: string): KindInfo | undefined {
  return BY_KIND.get(kind);
}

/** The kind served at `/api[s/{group}]/{version}/…/{plural}`, or undefined. */
export function findResource(group: string, version: string, plural: string): KindInfo | undefined {
  return BY_RESOURCE.get(resourceKey(group, version, plural));
}
