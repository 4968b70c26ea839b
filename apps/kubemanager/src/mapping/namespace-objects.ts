import type { V1Namespace } from '@kubernetes/client-node';
import { flatNetworkBody } from './cluster-objects.js';
import { withRuleUuids } from './config-shapes.js';
import { ownerKeyOf, type DesiredObject } from './desired-object.js';
import { annotationsOf, labelsOf, nameOf, uidOf } from './kube-objects.js';
import type { MappingContext } from './mapping-context.js';
import {
  defaultPodNetworkFqName,
  defaultServiceNetworkFqName,
  isolatedPodNetworkFqName,
  isolatedServiceNetworkFqName,
  namespaceProjectFqName,
  namespaceSecurityGroupFqName,
  podIpamFqName,
  serviceIpamFqName,
} from './names.js';
import { objectUuid, Roles } from './object-uuid.js';
import { ownershipAnnotations } from './ownership.js';
import { EGRESS_TO_ANY, INGRESS_FROM_ANY } from './security-group-rules.js';

/** contrail-kube-manager's isolation annotation (contrail-config-model.md §4.3). */
export const ISOLATION_ANNOTATION = 'opencontrail.org/isolation';
/** CN2's isolated-namespace label (contrail-config-model.md §5.2). */
export const ISOLATED_NAMESPACE_LABEL = 'core.juniper.net/isolated-namespace';

/**
 * §3: whether the namespace has networks of its own. Never `default`: its networks are the cluster's (§2), whose
 * names an isolated `default` would take.
 */
export function isIsolated(namespace: V1Namespace | undefined): boolean {
  if (namespace === undefined || nameOf(namespace) === 'default') return false;
  return annotationsOf(namespace)[ISOLATION_ANNOTATION] === 'true' || labelsOf(namespace)[ISOLATED_NAMESPACE_LABEL] === 'true';
}

/** The pod network of a namespace without a network annotation: its own when isolated, else the cluster's. */
export function namespacePodNetwork(cluster: string, name: string, namespace: V1Namespace | undefined): string[] {
  return isIsolated(namespace) ? isolatedPodNetworkFqName(cluster, name) : defaultPodNetworkFqName(cluster);
}

/** Where a namespace's Service VIPs live: its own service network when isolated, else the cluster's. */
export function namespaceServiceNetwork(cluster: string, name: string, namespace: V1Namespace | undefined): string[] {
  return isIsolated(namespace) ? isolatedServiceNetworkFqName(cluster, name) : defaultServiceNetworkFqName(cluster);
}

/** §3 Namespace: its project (none for `default`), its default security group, and its networks when isolated. */
export function namespaceObjects(namespace: V1Namespace, ctx: MappingContext): DesiredObject[] {
  const { cluster } = ctx;
  const name = nameOf(namespace);
  const uid = uidOf(namespace);
  const ownerKey = ownerKeyOf('Namespace', namespace);
  const annotations = ownershipAnnotations({ cluster, kind: 'Namespace', k8sUid: uid, name });
  const object = (type: string, role: string, fqName: string[], parentType: string, body: Record<string, unknown>): DesiredObject => ({
    type,
    uuid: objectUuid(cluster, role, uid),
    fqName,
    parentType,
    body,
    ownerKey,
  });
  const groupUuid = objectUuid(cluster, Roles.securityGroup, uid);
  const objects = [
    object('security-group', Roles.securityGroup, namespaceSecurityGroupFqName(cluster, name), 'project', {
      annotations,
      security_group_entries: { policy_rule: withRuleUuids(groupUuid, [INGRESS_FROM_ANY, EGRESS_TO_ANY]) },
    }),
  ];
  if (name === 'default') return objects;
  objects.unshift(object('project', Roles.project, namespaceProjectFqName(cluster, name), 'domain', { annotations }));
  if (isIsolated(namespace)) {
    objects.push(
      object('virtual-network', Roles.podNetwork, isolatedPodNetworkFqName(cluster, name), 'project', flatNetworkBody(cluster, podIpamFqName(cluster), annotations)),
      object(
        'virtual-network',
        Roles.serviceNetwork,
        isolatedServiceNetworkFqName(cluster, name),
        'project',
        flatNetworkBody(cluster, serviceIpamFqName(cluster), annotations),
      ),
    );
  }
  return objects;
}
