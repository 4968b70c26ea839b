import { describe, expect, it } from '@jest/globals';
import { clusterObjects } from './cluster-objects.js';
import { bodyProblems, byFq, pairs, TestContext } from './kube-fixtures.test.js';
import { objectUuid } from './object-uuid.js';

describe('clusterObjects (docs/kubemanager.md §2)', () => {
  const ctx = new TestContext('east');
  ctx.podSubnets = ['10.32.0.0/12', 'fd00:10:32::/48'];
  const objects = clusterObjects(ctx);
  const named = byFq(objects);

  it('makes the project, the two flat IPAMs, the two default networks and their policy, owned by Cluster/east', () => {
    expect([...named.keys()]).toEqual([
      'project default-domain:east-default',
      'network-ipam default-domain:east-default:east-pod-ipam',
      'network-ipam default-domain:east-default:east-service-ipam',
      'network-policy default-domain:east-default:east-default-pod-service-np',
      'virtual-network default-domain:east-default:east-default-pod-network',
      'virtual-network default-domain:east-default:east-default-service-network',
    ]);
    for (const object of objects) {
      expect(object.ownerKey).toBe('Cluster/east');
      expect(pairs(object.body.annotations)).toEqual({ owner: 'k8s', cluster: 'east', kind: 'Cluster', k8s_uuid: 'east' });
    }
    expect(named.get('project default-domain:east-default')!.uuid).toBe(objectUuid('east', 'project', 'east'));
  });

  it('gives each IPAM the flat-subnet method and the cluster subnets as its own', () => {
    expect(named.get('network-ipam default-domain:east-default:east-pod-ipam')!.body).toMatchObject({
      ipam_subnet_method: 'flat-subnet',
      ipam_subnets: {
        subnets: [{ subnet: { ip_prefix: '10.32.0.0', ip_prefix_len: 12 } }, { subnet: { ip_prefix: 'fd00:10:32::', ip_prefix_len: 48 } }],
      },
    });
    expect(named.get('network-ipam default-domain:east-default:east-service-ipam')!.body.ipam_subnets).toEqual({
      subnets: [{ subnet: { ip_prefix: '10.96.0.0', ip_prefix_len: 12 } }],
    });
  });

  it('makes flat-subnet-only L3 networks on their IPAM, stretched to the cluster, joined by the pod-service policy', () => {
    const policy = ['default-domain', 'east-default', 'east-default-pod-service-np'];
    expect(named.get('virtual-network default-domain:east-default:east-default-pod-network')!.body).toMatchObject({
      network_ipam_refs: [{ to: ['default-domain', 'east-default', 'east-pod-ipam'], attr: { ipam_subnets: [] } }],
      address_allocation_mode: 'flat-subnet-only',
      virtual_network_properties: { forwarding_mode: 'l3' },
      cluster_refs: [{ to: ['default-global-system-config', 'east'] }],
      network_policy_refs: [{ to: policy, attr: { sequence: { major: 0, minor: 0 }, timer: null } }],
    });
    expect(named.get('virtual-network default-domain:east-default:east-default-service-network')!.body.network_ipam_refs).toEqual([
      { to: ['default-domain', 'east-default', 'east-service-ipam'], attr: { ipam_subnets: [] } },
    ]);
  });

  it('lets pods and services talk: one pass rule, <>, pod network to service network, any protocol and port', () => {
    const rules = (named.get('network-policy default-domain:east-default:east-default-pod-service-np')!.body.network_policy_entries as { policy_rule: unknown[] })
      .policy_rule;
    expect(rules).toEqual([
      {
        rule_uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        direction: '<>',
        protocol: 'any',
        ethertype: 'IPv4',
        src_addresses: [{ virtual_network: 'default-domain:east-default:east-default-pod-network' }],
        src_ports: [{ start_port: -1, end_port: -1 }],
        dst_addresses: [{ virtual_network: 'default-domain:east-default:east-default-service-network' }],
        dst_ports: [{ start_port: -1, end_port: -1 }],
        action_list: { simple_action: 'pass' },
      },
    ]);
  });

  it('writes bodies the config API accepts, and the same ones every time', () => {
    expect(bodyProblems(objects)).toEqual([]);
    expect(clusterObjects(ctx)).toEqual(objects);
  });
});
