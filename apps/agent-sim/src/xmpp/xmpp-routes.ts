// Between the agent protocol's shapes (agentProto.Route / Path, what the gRPC simulator and run-sim speak) and the TF
// dialect's entries (libs/xmpp), for the XMPP simulated agent: what it publishes, and what a route push means to its
// tables. Also the cheap scan of a route push that benchmarks use instead of a full decode.
import type { agentProto } from '#libs/proto';
import {
  controlEncapsulations,
  DEFAULT_LOAD_BALANCE,
  END_OF_RIB_NODE,
  splitFamilyNode,
  virtualNetworkOfVrf,
  wireEncapsulations,
  type PushItem,
  type RouteEntry,
  type RouteFamily,
} from '#libs/xmpp';

/** inet6 when the prefix has a ':' (§3.3: the node is `2/1/<vrf>/<v6prefix/len>`), inet otherwise. */
export function unicastFamilyOf(prefix: string): 'inet' | 'inet6' {
  return prefix.includes(':') ? 'inet6' : 'inet';
}

/**
 * The entry an agent publishes for a route (§3.1, §3.2 "Agent → control node"): exactly one next-hop, af 1 with the
 * vRouter's IPv4 address (also for inet6 routes, §3.3) unless the route names its own next hop; the VN of the VRF on
 * the next-hop; every other member written with its unset value, as the generated encoder does (§3.4).
 */
export function publishedEntry(route: agentProto.Route, vrf: string, vhostAddress: string): RouteEntry {
  const family = unicastFamilyOf(route.prefix);
  const nextHop = route.nextHop === '' ? vhostAddress : route.nextHop;
  return {
    family,
    entry: {
      nlri: { af: family === 'inet6' ? 2 : 1, safi: 1, address: route.prefix },
      nextHops: [
        {
          af: nextHop.includes(':') ? 2 : 1,
          address: nextHop,
          mac: '',
          label: route.label,
          vni: 0,
          encapsulations: wireEncapsulations(route.encapsulations),
          virtualNetwork: virtualNetworkOfVrf(vrf),
          tags: [],
          localSequenceNumber: 0,
        },
      ],
      version: 1,
      virtualNetwork: '',
      mobility: { seqno: route.sequence, sticky: false },
      sequenceNumber: route.sequence,
      securityGroups: [...route.securityGroups],
      communityTags: [],
      localPreference: route.localPreference,
      med: 0,
      loadBalance: DEFAULT_LOAD_BALANCE,
      subProtocol: 'interface',
    },
  };
}

/** A withdraw's entry: the nlri is all the control node reads (§3.1), the rest is left unset. */
export function withdrawnEntry(prefix: string): RouteEntry {
  const family = unicastFamilyOf(prefix);
  return {
    family,
    entry: {
      nlri: { af: family === 'inet6' ? 2 : 1, safi: 1, address: prefix },
      nextHops: [],
      version: 1,
      virtualNetwork: '',
      mobility: { seqno: 0, sticky: false },
      sequenceNumber: 0,
      securityGroups: [],
      communityTags: [],
      localPreference: 0,
      med: 0,
      loadBalance: DEFAULT_LOAD_BALANCE,
      subProtocol: 'interface',
    },
  };
}

/**
 * A pushed item as the gRPC agent's tables hold a prefix: one Path per next-hop (ECMP), encapsulations in the
 * control plane's names, the entry-level attributes (security groups, sequence, local preference) on every path.
 * The dialect carries the next-hop's VN, not its VRF: originVrf is the VN's default VRF (`<vn fq>:<vn name>`),
 * which is what the control plane's origin VRF is for routes published into a network's own VRF; agent is not
 * carried at all ('').
 */
export function pathsOfItem(item: PushItem): agentProto.Path[] {
  const route = item.route;
  if (route.family !== 'inet' && route.family !== 'inet6' && route.family !== 'inet-labeled') return [];
  const entry = route.entry;
  const sequence = entry.mobility?.seqno ?? entry.sequenceNumber;
  return entry.nextHops.map((nextHop) => ({
    nextHop: nextHop.address,
    label: nextHop.label,
    encapsulations: controlEncapsulations(nextHop.encapsulations),
    securityGroups: [...entry.securityGroups],
    sequence,
    localPreference: entry.localPreference,
    originVrf: defaultVrfOf(nextHop.virtualNetwork || entry.virtualNetwork),
    agent: '',
  }));
}

/** A VN's default routing instance: its fq_name plus its own name (routing-semantics §1). */
export function defaultVrfOf(virtualNetwork: string): string {
  if (virtualNetwork === '' || virtualNetwork === 'unresolved') return '';
  return `${virtualNetwork}:${virtualNetwork.slice(virtualNetwork.lastIndexOf(':') + 1)}`;
}

/** What a scan of a route push found without decoding the entries. */
export type ScannedPush =
  | { kind: 'end-of-rib' }
  | { kind: 'route-update'; family: RouteFamily; vrf: string; items: string[]; retracts: string[] }
  | { kind: 'other' };

const ITEMS_NODE = '<items node="';
const ITEM_ID = '<item id="';
const RETRACT_ID = '<retract id="';

/**
 * The ids of a `<message>` route push, found by searching the text for `<items node="`, `<item id="` and
 * `<retract id="` as libs/xmpp's encoder writes them (§4: the id is the first attribute, the prefix needs no
 * escaping). Only for benchmarks, where both the controller and the raw baseline send that encoder's bytes: it
 * does not check the XML or the entries. Anything else is 'other' (decode it in full).
 */
export function scanRoutePush(xml: string): ScannedPush {
  if (!xml.startsWith('<message')) return { kind: 'other' };
  const at = xml.indexOf(ITEMS_NODE);
  if (at < 0) return { kind: 'other' };
  const nodeStart = at + ITEMS_NODE.length;
  const node = xml.slice(nodeStart, xml.indexOf('"', nodeStart));
  if (node === END_OF_RIB_NODE) return { kind: 'end-of-rib' };
  let split;
  try {
    split = splitFamilyNode(node, 'event/items@node');
  } catch {
    return { kind: 'other' };
  }
  const items = idsAfter(xml, ITEM_ID, nodeStart);
  const retracts = items.length === 0 ? idsAfter(xml, RETRACT_ID, nodeStart) : [];
  return { kind: 'route-update', family: split.family, vrf: split.rest, items, retracts };
}

function idsAfter(xml: string, marker: string, from: number): string[] {
  const ids: string[] = [];
  let at = xml.indexOf(marker, from);
  while (at >= 0) {
    const start = at + marker.length;
    const end = xml.indexOf('"', start);
    ids.push(xml.slice(start, end));
    at = xml.indexOf(marker, end);
  }
  return ids;
}
