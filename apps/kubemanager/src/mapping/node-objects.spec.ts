import { describe, expect, it } from '@jest/globals';
import { bodyProblems, node, pairs, TestContext } from './kube-fixtures.test.js';
import { nodeObjects } from './node-objects.js';

describe('nodeObjects (docs/kubemanager.md §3 Node)', () => {
  const ctx = new TestContext('east');

  it('makes virtual-router C__n at the first InternalIP, in cluster C', () => {
    const n = node('worker-1', [
      { type: 'Hostname', address: 'worker-1' },
      { type: 'ExternalIP', address: '203.0.113.7' },
      { type: 'InternalIP', address: '192.168.10.11' },
      { type: 'InternalIP', address: '192.168.10.12' },
    ]);
    const { objects, problems } = nodeObjects(n, ctx);
    expect(problems).toEqual([]);
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({
      type: 'virtual-router',
      fqName: ['default-global-system-config', 'east__worker-1'],
      parentType: 'global-system-config',
      ownerKey: `Node/${n.metadata!.uid}`,
      body: { virtual_router_ip_address: '192.168.10.11', cluster_refs: [{ to: ['default-global-system-config', 'east'] }] },
    });
    expect(pairs(objects[0].body.annotations)).toMatchObject({ kind: 'Node', name: 'worker-1' });
    expect(bodyProblems(objects)).toEqual([]);
  });

  it('falls back to the ExternalIP', () => {
    const { objects } = nodeObjects(node('edge', [{ type: 'ExternalIP', address: '203.0.113.9' }]), ctx);
    expect(objects[0].body.virtual_router_ip_address).toBe('203.0.113.9');
  });

  it('makes nothing for a node without an address, and says so', () => {
    const { objects, problems } = nodeObjects(node('lost', [{ type: 'Hostname', address: 'lost' }]), ctx);
    expect(objects).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ kind: 'Node', name: 'lost', reason: 'NoNodeAddress', message: expect.stringContaining('east__lost') })]);
  });
});
