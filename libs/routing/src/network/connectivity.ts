import type { ConfigObject, ConfigView } from '#libs/domain';
import { policiesOf, rulesOf } from './acl.js';
import { Types, asList, asRecord, asString, fqNameOf, fqOf, refUuids, type Json } from './object-fields.js';

/** Symmetric VN-to-VN connections, by VN uuid. */
export type Connections = Map<string, Set<string>>;

function connect(connections: Connections, a: string, b: string): void {
  if (a === b) return;
  let set = connections.get(a);
  if (!set) connections.set(a, (set = new Set()));
  set.add(b);
  let back = connections.get(b);
  if (!back) connections.set(b, (back = new Set()));
  back.add(a);
}

/**
 * Which VNs are connected (semantics §2): by network policies attached to both sides, and by virtual network
 * routers. `networks` holds every live VN by uuid, `routers` every live VNR.
 */
export function connectionsOf(source: ConfigView, networks: ReadonlyMap<string, ConfigObject>, routers: Iterable<ConfigObject>): Connections {
  const connections: Connections = new Map();
  connectByPolicies(source, networks, connections);
  connectByRouters(source, networks, routers, connections);
  return connections;
}

/** A rule connects only when it simply passes: no service chain, no deny, and an action list at all. */
function connects(rule: Json): boolean {
  const actions = asRecord(rule.action_list);
  return actions !== undefined && asList(actions.apply_service).length === 0 && actions.simple_action === 'pass';
}

function networkNames(addresses: unknown, self: string): string[] {
  const out: string[] = [];
  for (const address of asList(addresses)) {
    const name = asString(asRecord(address)?.virtual_network);
    if (name !== undefined) out.push(name === 'local' ? self : name);
  }
  return out;
}

interface Listing {
  /** VNs A lists by name (uuids, A excluded). */
  named: Set<string>;
  /** A lists `any`. */
  any: boolean;
}

/** What a VN lists through its policies' passing rules in which it is a source or a destination. */
function listingOf(source: ConfigView, vn: ConfigObject, networks: ReadonlyMap<string, ConfigObject>): Listing {
  const self = fqOf(vn);
  const listing: Listing = { named: new Set(), any: false };
  const list = (names: string[]): void => {
    for (const name of names) {
      if (name === 'any') {
        listing.any = true;
        continue;
      }
      const uuid = source.uuidOf(Types.virtualNetwork, fqNameOf(name));
      // Names of no existing VN are ignored.
      if (uuid !== undefined && uuid !== vn.uuid && networks.has(uuid)) listing.named.add(uuid);
    }
  };
  for (const policy of policiesOf(vn, (uuid) => source.get(uuid))) {
    for (const rule of rulesOf(policy, 'network_policy_entries')) {
      if (!connects(rule)) continue;
      const sources = networkNames(rule.src_addresses, self);
      const destinations = networkNames(rule.dst_addresses, self);
      if (sources.includes(self)) list(destinations);
      if (destinations.includes(self)) list(sources);
    }
  }
  return listing;
}

/**
 * TF's schema transformer: A and B are connected when each lists the other. `any` stands for every other VN of the
 * lister's project and every VN that lists the lister by name.
 */
function connectByPolicies(source: ConfigView, networks: ReadonlyMap<string, ConfigObject>, connections: Connections): void {
  const listings = new Map<string, Listing>();
  const byProject = new Map<string | undefined, string[]>();
  const listedBy = new Map<string, string[]>();
  for (const vn of networks.values()) {
    const listing = listingOf(source, vn, networks);
    listings.set(vn.uuid, listing);
    const project = byProject.get(vn.parent_uuid);
    if (project) project.push(vn.uuid);
    else byProject.set(vn.parent_uuid, [vn.uuid]);
    for (const other of listing.named) {
      const listers = listedBy.get(other);
      if (listers) listers.push(vn.uuid);
      else listedBy.set(other, [vn.uuid]);
    }
  }
  const lists = (a: string, b: string): boolean => {
    const listing = listings.get(a)!;
    if (listing.named.has(b)) return true;
    if (!listing.any) return false;
    return networks.get(a)!.parent_uuid === networks.get(b)!.parent_uuid || listings.get(b)!.named.has(a);
  };
  for (const [a, listing] of listings) {
    const candidates = new Set(listing.named);
    if (listing.any) {
      for (const b of byProject.get(networks.get(a)!.parent_uuid) ?? []) candidates.add(b);
      for (const b of listedBy.get(a) ?? []) candidates.add(b);
    }
    for (const b of candidates) if (b !== a && lists(b, a)) connect(connections, a, b);
  }
}

/** `key=value` labels a VN carries through its tags. */
function labelsOf(source: ConfigView, vn: ConfigObject): Set<string> {
  const labels = new Set<string>();
  for (const uuid of refUuids(vn, Types.tag)) {
    const tag = source.get(uuid);
    if (tag?.type !== Types.tag) continue;
    const key = asString(tag.props.tag_type_name);
    const value = asString(tag.props.tag_value);
    if (key !== undefined && value !== undefined) labels.add(`${key}=${value}`);
  }
  return labels;
}

/** The VNs a VNR selects: those it refs, and with a non-empty selector the VNs of its project carrying every label. */
function selectedBy(router: ConfigObject, networks: ReadonlyMap<string, ConfigObject>, labels: (vn: ConfigObject) => Set<string>): Set<string> {
  const selected = new Set(refUuids(router, Types.virtualNetwork).filter((uuid) => networks.has(uuid)));
  const matchLabels = asRecord(asRecord(router.props.virtual_network_selector)?.match_labels);
  const wanted = Object.entries(matchLabels ?? {}).map(([key, value]) => `${key}=${String(value)}`);
  if (wanted.length === 0) return selected;
  for (const vn of networks.values()) {
    if (vn.parent_uuid !== router.parent_uuid || selected.has(vn.uuid)) continue;
    const carried = labels(vn);
    if (wanted.every((label) => carried.has(label))) selected.add(vn.uuid);
  }
  return selected;
}

/** CN2: a mesh connects its VNs; two meshes that ref each other, or a paired hub and spoke, connect across. */
function connectByRouters(source: ConfigView, networks: ReadonlyMap<string, ConfigObject>, routers: Iterable<ConfigObject>, connections: Connections): void {
  const labelCache = new Map<string, Set<string>>();
  const labels = (vn: ConfigObject): Set<string> => {
    let carried = labelCache.get(vn.uuid);
    if (!carried) labelCache.set(vn.uuid, (carried = labelsOf(source, vn)));
    return carried;
  };
  const selection = new Map<string, { type: string; networks: Set<string>; peers: string[] }>();
  for (const router of routers) {
    selection.set(router.uuid, {
      type: asString(router.props.virtual_network_router_type) ?? '',
      networks: selectedBy(router, networks, labels),
      peers: refUuids(router, Types.virtualNetworkRouter),
    });
  }
  const across = (a: Set<string>, b: Set<string>): void => {
    for (const x of a) for (const y of b) connect(connections, x, y);
  };
  for (const [uuid, router] of selection) {
    if (router.type === 'mesh') across(router.networks, router.networks);
    // Either side's ref pairs them, so walking every router's own refs covers both directions.
    for (const other of router.peers) {
      const peer = selection.get(other);
      if (!peer || other === uuid) continue;
      const pair = [router.type, peer.type].sort().join('-');
      if (pair === 'mesh-mesh' || pair === 'hub-spoke') across(router.networks, peer.networks);
    }
  }
}
