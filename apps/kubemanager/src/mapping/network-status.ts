import type { V1Pod } from '@kubernetes/client-node';
import type { KubeSnapshot } from './kube-snapshot.js';
import { uidOf } from './kube-objects.js';
import type { MappingContext } from './mapping-context.js';
import { fqString } from './names.js';
import { podInterfaces } from './pod-interfaces.js';

/** Multus's annotation, which CN2's kubemanager writes on every pod (contrail-config-model.md §5.2). */
export const NETWORK_STATUS_ANNOTATION = 'k8s.v1.cni.cncf.io/network-status';
export const VM_UUID_ANNOTATION = 'kube-manager.juniper.net/vm-uuid';

/** One entry of the network-status list. */
export interface InterfaceStatus {
  name: string;
  interface: string;
  ips: string[];
  mac?: string;
  default?: true;
}

/**
 * §3 write-back: the annotations the pod should carry — per interface in order its network, name, addresses and
 * MAC (as far as the controller has allocated them), and the VM uuid. None for a pod that gets no config. The
 * runtime patches only the values that differ from the pod's.
 */
export function networkStatusOf(pod: V1Pod, snap: KubeSnapshot, ctx: MappingContext): { annotations: Record<string, string> } {
  const { interfaces } = podInterfaces(pod, snap, ctx);
  if (interfaces.length === 0) return { annotations: {} };
  const status = interfaces.map((port): InterfaceStatus => {
    const entry: InterfaceStatus = { name: fqString(port.network), interface: port.interfaceName, ips: ctx.addressesOf(port.vmiUuid) };
    const mac = ctx.macOf(port.vmiUuid);
    if (mac !== undefined) entry.mac = mac;
    if (port.index === 0) entry.default = true;
    return entry;
  });
  return { annotations: { [NETWORK_STATUS_ANNOTATION]: JSON.stringify(status), [VM_UUID_ANNOTATION]: uidOf(pod) } };
}
