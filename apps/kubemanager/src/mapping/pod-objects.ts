import type { V1Pod } from '@kubernetes/client-node';
import { refTo } from './config-shapes.js';
import { ownerKeyOf, type DesiredObject } from './desired-object.js';
import { nameOf, namespaceOf, uidOf } from './kube-objects.js';
import type { DesiredForKey } from './kube-problem.js';
import type { KubeSnapshot } from './kube-snapshot.js';
import type { MappingContext } from './mapping-context.js';
import { hostIdOf, virtualMachineFqName } from './names.js';
import { keyValuePairs, ownershipAnnotations } from './ownership.js';
import { podInterfaces, podIsWired } from './pod-interfaces.js';

/**
 * §3 Pod: its virtual-machine (uuid = the pod's UID, as contrail-kube-manager does) and, per interface, a
 * virtual-machine-interface bound to the node's virtual-router and an instance-ip whose address the controller
 * allocates. Nothing for a pod that is not wired (so its config is deleted).
 */
export function podObjects(pod: V1Pod, snap: KubeSnapshot, ctx: MappingContext): DesiredForKey {
  if (!podIsWired(pod)) return { objects: [], problems: [] };
  const { cluster } = ctx;
  const namespace = namespaceOf(pod);
  const name = nameOf(pod);
  const uid = uidOf(pod);
  const key = ownerKeyOf('Pod', pod);
  const annotations = ownershipAnnotations({ cluster, kind: 'Pod', k8sUid: uid, namespace, name });
  const machine = virtualMachineFqName(cluster, namespace, name);
  const bindings = keyValuePairs({ host_id: hostIdOf(cluster, pod.spec!.nodeName!) });
  const { interfaces, problems } = podInterfaces(pod, snap, ctx);
  const objects: DesiredObject[] = [
    { type: 'virtual-machine', uuid: uid, fqName: machine, body: { annotations, server_type: 'container' }, ownerKey: key },
  ];
  for (const port of interfaces) {
    objects.push(
      {
        type: 'virtual-machine-interface',
        uuid: port.vmiUuid,
        fqName: port.vmiFqName,
        parentType: 'project',
        body: {
          annotations,
          virtual_machine_refs: [refTo(machine)],
          virtual_network_refs: [refTo(port.network)],
          virtual_machine_interface_bindings: bindings,
          security_group_refs: port.securityGroups.map((group) => refTo(group)),
        },
        ownerKey: key,
      },
      {
        type: 'instance-ip',
        uuid: port.instanceIpUuid,
        fqName: port.instanceIpFqName,
        body: { annotations, virtual_network_refs: [refTo(port.network)], virtual_machine_interface_refs: [refTo(port.vmiFqName)] },
        ownerKey: key,
      },
    );
  }
  return { objects, problems };
}
