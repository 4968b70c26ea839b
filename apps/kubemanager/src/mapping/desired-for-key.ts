import type { V1Namespace, V1Node } from '@kubernetes/client-node';
import { clusterObjects } from './cluster-objects.js';
import { parseOwnerKey, type OwnerKey } from './desired-object.js';
import type { DesiredForKey } from './kube-problem.js';
import type { KubeSnapshot } from './kube-snapshot.js';
import type { MappingContext } from './mapping-context.js';
import { namespaceObjects } from './namespace-objects.js';
import { networkPolicyObjects } from './network-policy-objects.js';
import { nodeObjects } from './node-objects.js';
import { podObjects } from './pod-objects.js';
import { serviceObjects } from './service-objects.js';

const NOTHING: DesiredForKey = { objects: [], problems: [] };

/**
 * What one owner key wants now (§2, §3): computed from the Kubernetes objects in `snap` and what `ctx` knows of
 * the config. A key whose object is gone (or is not wired: a finished pod, a headless service) wants nothing,
 * so its objects are deleted. Pure: the same inputs give the same objects, uuids included.
 */
export function desiredForKey(key: OwnerKey, snap: KubeSnapshot, ctx: MappingContext): DesiredForKey {
  const parsed = parseOwnerKey(key);
  if (parsed === undefined) return NOTHING;
  const { kind, id } = parsed;
  switch (kind) {
    case 'Cluster':
      return id === ctx.cluster ? { objects: clusterObjects(ctx), problems: [] } : NOTHING;
    case 'Namespace': {
      const namespace = snap.get('Namespace', id) as V1Namespace | undefined;
      return namespace === undefined ? NOTHING : { objects: namespaceObjects(namespace, ctx), problems: [] };
    }
    case 'Node': {
      const node = snap.get('Node', id) as V1Node | undefined;
      return node === undefined ? NOTHING : nodeObjects(node, ctx);
    }
    case 'Pod': {
      const pod = snap.pod(id);
      return pod === undefined ? NOTHING : podObjects(pod, snap, ctx);
    }
    case 'Service': {
      const service = snap.service(id);
      return service === undefined ? NOTHING : serviceObjects(service, snap, ctx);
    }
    case 'NetworkPolicy': {
      const policy = snap.networkPolicy(id);
      return policy === undefined ? NOTHING : networkPolicyObjects(policy, snap, ctx);
    }
    default: {
      const unknown: never = kind;
      throw new Error(`no mapping for owner kind ${String(unknown)}`);
    }
  }
}
