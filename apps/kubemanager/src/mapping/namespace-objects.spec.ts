import { describe, expect, it } from '@jest/globals';
import { bodyProblems, byFq, namespace, pairs, TestContext } from './kube-fixtures.test.js';
import { isIsolated, namespaceObjects } from './namespace-objects.js';
import { objectUuid } from './object-uuid.js';

describe('namespaceObjects (docs/kubemanager.md §3 Namespace)', () => {
  const ctx = new TestContext('east');

  it('makes the project and its default security group, allowing any ingress and any egress', () => {
    const ns = namespace('shop');
    const objects = namespaceObjects(ns, ctx);
    const named = byFq(objects);
    expect([...named.keys()]).toEqual(['project default-domain:east-shop', 'security-group default-domain:east-shop:east-shop-default-sg']);
    const group = named.get('security-group default-domain:east-shop:east-shop-default-sg')!;
    expect(group.uuid).toBe(objectUuid('east', 'sg', ns.metadata!.uid!));
    expect(group.ownerKey).toBe(`Namespace/${ns.metadata!.uid}`);
    expect(pairs(group.body.annotations)).toEqual({ owner: 'k8s', cluster: 'east', kind: 'Namespace', k8s_uuid: ns.metadata!.uid, name: 'shop' });
    const [ingress, egress] = (group.body.security_group_entries as { policy_rule: Array<Record<string, unknown>> }).policy_rule;
    expect(ingress).toMatchObject({
      direction: '>',
      protocol: 'any',
      ethertype: 'IPv4',
      src_addresses: [{ subnet: { ip_prefix: '0.0.0.0', ip_prefix_len: 0 } }],
      dst_addresses: [{ security_group: 'local' }],
      src_ports: [{ start_port: 0, end_port: 65535 }],
      dst_ports: [{ start_port: 0, end_port: 65535 }],
    });
    expect(egress).toMatchObject({ src_addresses: [{ security_group: 'local' }], dst_addresses: [{ subnet: { ip_prefix: '0.0.0.0', ip_prefix_len: 0 } }] });
    expect(ingress.rule_uuid).not.toBe(egress.rule_uuid);
    expect(bodyProblems(objects)).toEqual([]);
  });

  it('makes only the default group for namespace default: its project is the cluster’s', () => {
    const objects = namespaceObjects(namespace('default'), ctx);
    expect(objects.map((o) => `${o.type} ${o.fqName.join(':')}`)).toEqual(['security-group default-domain:east-default:east-default-default-sg']);
  });

  it.each([
    ['the opencontrail.org/isolation annotation', { annotations: { 'opencontrail.org/isolation': 'true' } }],
    ['the CN2 isolated-namespace label', { labels: { 'core.juniper.net/isolated-namespace': 'true' } }],
  ])('gives an isolated namespace (by %s) its own flat pod and service networks', (_how, meta) => {
    const objects = namespaceObjects(namespace('vault', meta), ctx);
    const named = byFq(objects);
    expect(named.get('virtual-network default-domain:east-vault:east-vault-pod-network')!.body).toMatchObject({
      network_ipam_refs: [{ to: ['default-domain', 'east-default', 'east-pod-ipam'], attr: { ipam_subnets: [] } }],
      address_allocation_mode: 'flat-subnet-only',
      cluster_refs: [{ to: ['default-global-system-config', 'east'] }],
    });
    expect(named.get('virtual-network default-domain:east-vault:east-vault-service-network')!.body).toMatchObject({
      network_ipam_refs: [{ to: ['default-domain', 'east-default', 'east-service-ipam'], attr: { ipam_subnets: [] } }],
    });
    expect(bodyProblems(objects)).toEqual([]);
  });

  it('never isolates default (its networks are the cluster’s) and reads only "true"', () => {
    expect(isIsolated(namespace('default', { annotations: { 'opencontrail.org/isolation': 'true' } }))).toBe(false);
    expect(isIsolated(namespace('shop', { annotations: { 'opencontrail.org/isolation': 'yes' } }))).toBe(false);
    expect(isIsolated(undefined)).toBe(false);
  });
});
