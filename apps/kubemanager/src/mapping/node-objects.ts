import type { V1Node } from '@kubernetes/client-node';
import { refTo } from './config-shapes.js';
import { ownerKeyOf } from './desired-object.js';
import { nameOf, uidOf } from './kube-objects.js';
import type { DesiredForKey } from './kube-problem.js';
import type { MappingContext } from './mapping-context.js';
import { clusterFqName, virtualRouterFqName, virtualRouterName } from './names.js';
import { objectUuid, Roles } from './object-uuid.js';
import { ownershipAnnotations } from './ownership.js';

/** The node's first InternalIP, else its first ExternalIP. */
export function nodeAddress(node: V1Node): string | undefined {
  const addresses = node.status?.addresses ?? [];
  return (addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => a.type === 'ExternalIP'))?.address;
}

/** §3 Node: the virtual-router `C__n` its vRouter agent says hello as, in cluster C. */
export function nodeObjects(node: V1Node, ctx: MappingContext): DesiredForKey {
  const { cluster } = ctx;
  const name = nameOf(node);
  const key = ownerKeyOf('Node', node);
  const address = nodeAddress(node);
  if (address === undefined) {
    const message = `node ${name} has no InternalIP or ExternalIP address: no virtual-router ${virtualRouterName(cluster, name)} until it has one`;
    return { objects: [], problems: [{ key, kind: 'Node', name, reason: 'NoNodeAddress', message }] };
  }
  const uid = uidOf(node);
  const router = {
    type: 'virtual-router',
    uuid: objectUuid(cluster, Roles.virtualRouter, uid),
    fqName: virtualRouterFqName(cluster, name),
    parentType: 'global-system-config',
    body: {
      annotations: ownershipAnnotations({ cluster, kind: 'Node', k8sUid: uid, name }),
      virtual_router_ip_address: address,
      cluster_refs: [refTo(clusterFqName(cluster))],
    },
    ownerKey: key,
  };
  return { objects: [router], problems: [] };
}
