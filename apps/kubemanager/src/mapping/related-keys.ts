import type { KubernetesObject, V1EndpointSlice, V1Pod } from '@kubernetes/client-node';
import { ownerKeyOf, type OwnerKey } from './desired-object.js';
import { labelsOf, nameOf, namespaceOf, SERVICE_NAME_LABEL, uidOf, type KubeKind } from './kube-objects.js';
import type { KubeSnapshot } from './kube-snapshot.js';

/**
 * §5 "related keys": the owner keys whose desired objects may change when `object` (of `kind`) changes, its own
 * key first. Called with the object before and after a change (the before may have been in selections the after
 * left). A pod marks every NetworkPolicy (their peers are pod addresses) and the Services whose EndpointSlices
 * name it; an EndpointSlice its Service; a NetworkPolicy the pods of its namespace; a Namespace its pods and
 * Services, and every NetworkPolicy (a namespaceSelector may select it).
 */
export function keysAffectedBy(kind: KubeKind, object: KubernetesObject, snap: KubeSnapshot): OwnerKey[] {
  const keys = new Set<OwnerKey>();
  const namespace = namespaceOf(object);
  switch (kind) {
    case 'Namespace': {
      const name = nameOf(object);
      keys.add(ownerKeyOf('Namespace', object));
      for (const pod of snap.podsIn(name)) keys.add(ownerKeyOf('Pod', pod));
      for (const service of snap.services()) if (namespaceOf(service) === name) keys.add(ownerKeyOf('Service', service));
      for (const policy of snap.networkPolicies()) keys.add(ownerKeyOf('NetworkPolicy', policy));
      break;
    }
    case 'Node':
      keys.add(ownerKeyOf('Node', object));
      break;
    case 'Pod': {
      keys.add(ownerKeyOf('Pod', object));
      for (const policy of snap.networkPolicies()) keys.add(ownerKeyOf('NetworkPolicy', policy));
      for (const service of snap.services()) {
        if (namespaceOf(service) !== namespace) continue;
        const slices = snap.endpointSlicesOf(namespace, nameOf(service));
        if (namesPod(slices, object as V1Pod)) keys.add(ownerKeyOf('Service', service));
      }
      break;
    }
    case 'Service':
      keys.add(ownerKeyOf('Service', object));
      break;
    case 'EndpointSlice': {
      const service = snap.serviceNamed(namespace, labelsOf(object)[SERVICE_NAME_LABEL] ?? '');
      if (service !== undefined) keys.add(ownerKeyOf('Service', service));
      break;
    }
    case 'NetworkPolicy':
      keys.add(ownerKeyOf('NetworkPolicy', object));
      for (const pod of snap.podsIn(namespace)) keys.add(ownerKeyOf('Pod', pod));
      break;
    default: {
      const unknown: never = kind;
      throw new Error(`no related keys for kind ${String(unknown)}`);
    }
  }
  return [...keys];
}

function namesPod(slices: Iterable<V1EndpointSlice>, pod: V1Pod): boolean {
  const uid = uidOf(pod);
  for (const slice of slices) {
    if ((slice.endpoints ?? []).some((endpoint) => endpoint.targetRef?.kind === 'Pod' && endpoint.targetRef.uid === uid)) return true;
  }
  return false;
}
