import { describe, expect, it } from '@jest/globals';
import { MemorySnapshot, namespace, pod, TestContext } from './kube-fixtures.test.js';
import { networkStatusOf } from './network-status.js';
import { objectUuid } from './object-uuid.js';

describe('networkStatusOf (docs/kubemanager.md §3 write-back)', () => {
  it('lists each interface in order with its network, addresses and MAC, and gives the VM uuid', () => {
    const ctx = new TestContext('east');
    ctx.networks.add('default-domain:shop:storage');
    const p = pod('db-0', 'shop', { annotations: { 'k8s.v1.cni.cncf.io/networks': 'storage' } });
    const uid = p.metadata!.uid!;
    ctx.addresses.set(objectUuid('east', 'vmi', uid), ['10.32.0.7']);
    ctx.macs.set(objectUuid('east', 'vmi', uid), '02:99:45:04:c2:90');
    const snap = new MemorySnapshot([namespace('shop'), p]);
    const { annotations } = networkStatusOf(p, snap, ctx);
    expect(annotations['kube-manager.juniper.net/vm-uuid']).toBe(uid);
    expect(JSON.parse(annotations['k8s.v1.cni.cncf.io/network-status'])).toEqual([
      { name: 'default-domain:east-default:east-default-pod-network', interface: 'eth0', ips: ['10.32.0.7'], mac: '02:99:45:04:c2:90', default: true },
      { name: 'default-domain:shop:storage', interface: 'net1', ips: [] },
    ]);
    // Compact JSON: the runtime looks for `"ips":["` to tell an allocated address.
    expect(annotations['k8s.v1.cni.cncf.io/network-status']).toContain('"ips":["10.32.0.7"]');
  });

  it('writes nothing for a pod that gets no interfaces', () => {
    const ctx = new TestContext('east');
    const p = pod('job', 'shop', { phase: 'Succeeded' });
    expect(networkStatusOf(p, new MemorySnapshot([p]), ctx)).toEqual({ annotations: {} });
  });
});
