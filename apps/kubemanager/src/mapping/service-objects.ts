import type { V1Service } from '@kubernetes/client-node';
import { inAnyCidr, refTo } from './config-shapes.js';
import { ownerKeyOf, type DesiredObject } from './desired-object.js';
import { nameOf, namespaceOf, uidOf } from './kube-objects.js';
import type { DesiredForKey } from './kube-problem.js';
import type { KubeSnapshot } from './kube-snapshot.js';
import type { MappingContext } from './mapping-context.js';
import { namespaceServiceNetwork } from './namespace-objects.js';
import { serviceVipFqName } from './names.js';
import { objectUuid, Roles } from './object-uuid.js';
import { ownershipAnnotations } from './ownership.js';
import { primaryInterfaceOf, type PodInterface } from './pod-interfaces.js';

const WITH_VIP = new Set(['ClusterIP', 'NodePort', 'LoadBalancer']);

/** A Service with a virtual IP: type ClusterIP (the default), NodePort or LoadBalancer, not headless. */
export function serviceHasVip(service: V1Service): boolean {
  const clusterIp = service.spec?.clusterIP;
  return WITH_VIP.has(service.spec?.type ?? 'ClusterIP') && clusterIp !== undefined && clusterIp !== '' && clusterIp !== 'None';
}

/**
 * The primary interfaces of a Service's backends: the pods its EndpointSlices name (`targetRef.kind: Pod`, by
 * UID) in endpoints whose `conditions.ready` is not false, that have a primary interface; sorted by uuid.
 */
export function serviceBackends(service: V1Service, snap: KubeSnapshot, ctx: MappingContext): PodInterface[] {
  const namespace = namespaceOf(service);
  const found = new Map<string, PodInterface>();
  for (const slice of snap.endpointSlicesOf(namespace, nameOf(service))) {
    for (const endpoint of slice.endpoints ?? []) {
      const target = endpoint.targetRef;
      if (endpoint.conditions?.ready === false || target?.kind !== 'Pod' || !target.uid) continue;
      const pod = snap.pod(target.uid);
      if (pod === undefined || namespaceOf(pod) !== namespace) continue;
      const port = primaryInterfaceOf(pod, snap, ctx);
      if (port !== undefined) found.set(port.vmiUuid, port);
    }
  }
  return [...found.values()].sort((a, b) => (a.vmiUuid < b.vmiUuid ? -1 : a.vmiUuid > b.vmiUuid ? 1 : 0));
}

/**
 * §3 Service: its VIP, an instance-ip with the clusterIP on the namespace's service network that refs the primary
 * interfaces of its ready backends (their agents publish it: ECMP). Headless and ExternalName services get
 * nothing; a clusterIP outside the service subnets gets a problem and no VIP (the controller could not allocate it).
 */
export function serviceObjects(service: V1Service, snap: KubeSnapshot, ctx: MappingContext): DesiredForKey {
  if (!serviceHasVip(service)) return { objects: [], problems: [] };
  const { cluster } = ctx;
  const namespace = namespaceOf(service);
  const name = nameOf(service);
  const uid = uidOf(service);
  const key = ownerKeyOf('Service', service);
  const clusterIp = service.spec!.clusterIP!;
  if (!inAnyCidr(clusterIp, ctx.serviceSubnets)) {
    const message = `clusterIP ${clusterIp} of service ${namespace}/${name} is outside the service subnets of cluster ${cluster} (${ctx.serviceSubnets.join(', ')}): it gets no VIP`;
    return { objects: [], problems: [{ key, kind: 'Service', namespace, name, reason: 'ClusterIpOutsideServiceSubnets', message }] };
  }
  const vip: DesiredObject = {
    type: 'instance-ip',
    uuid: objectUuid(cluster, Roles.serviceVip, uid),
    fqName: serviceVipFqName(cluster, namespace, name, uid),
    body: {
      annotations: ownershipAnnotations({ cluster, kind: 'Service', k8sUid: uid, namespace, name }),
      instance_ip_address: clusterIp,
      virtual_network_refs: [refTo(namespaceServiceNetwork(cluster, namespace, snap.namespace(namespace)))],
      virtual_machine_interface_refs: serviceBackends(service, snap, ctx).map((port) => refTo(port.vmiFqName)),
    },
    ownerKey: key,
  };
  return { objects: [vip], problems: [] };
}
