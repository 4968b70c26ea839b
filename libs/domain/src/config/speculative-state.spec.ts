import { describe, expect, it } from '@jest/globals';
import type { StreamWrite } from '#libs/event-store';
import { ConfigState } from './config-state.js';
import { SpeculativeState } from './speculative-state.js';

const created = (type: string, uuid: string, fq: string[], extra: Record<string, unknown> = {}) => ({
  type: `${type === 'virtual-network' ? 'VirtualNetwork' : 'InstanceIp'}Created`,
  data: { type, uuid, fq_name: fq, props: {}, refs: {}, allocations: [], at: 't', ...extra },
});

function committed(): ConfigState {
  const state = new ConfigState();
  let position = 0;
  const apply = (streamId: string, streamRevision: number, type: string, data: unknown) =>
    state.apply({ type, streamId, streamRevision, globalPosition: ++position, data: data as never });
  const vn = created('virtual-network', 'vn-1', ['d', 'p', 'blue']);
  apply('virtual-network-vn-1', 0, vn.type, vn.data);
  apply('pool-ipam-s1', 0, 'AddressAllocated', { subnet_uuid: 's1', address: '10.0.0.9', owner: 'x' });
  return state;
}

describe('SpeculativeState', () => {
  it('counts held decisions in stream revisions, names, numbers and addresses until released', () => {
    const state = committed();
    const view = new SpeculativeState(state);
    const writes: StreamWrite[] = [
      { streamId: 'fqname-instance-ip-a', events: [{ type: 'FqNameReserved', data: { type: 'instance-ip', fq_name: ['a'], uuid: 'ip-1' } }] },
      { streamId: 'pool-ipam-s1', events: [{ type: 'AddressAllocated', data: { subnet_uuid: 's1', address: '10.0.0.8', owner: 'ip-1' } }] },
      { streamId: 'pool-vn-id', events: [{ type: 'NumberAllocated', data: { pool: 'vn-id', number: 5, owner: 'vn-2' } }] },
    ];
    const held = view.hold(writes);
    expect(view.revision('pool-ipam-s1')).toBe(1);
    expect(view.revision('fqname-instance-ip-a')).toBe(0);
    expect(view.uuidOf('instance-ip', ['a'])).toBe('ip-1');
    const addresses = view.addressValuesInUse('s1');
    expect(addresses.has(0x0a000008n)).toBe(true);
    expect(addresses.has(0x0a000009n)).toBe(true);
    expect(addresses.size).toBe(2);
    expect(view.numbersInUse('vn-id').get(5)).toBe('vn-2');
    view.release(held);
    expect(view.revision('pool-ipam-s1')).toBe(0);
    expect(view.uuidOf('instance-ip', ['a'])).toBeUndefined();
    expect(view.addressValuesInUse('s1').size).toBe(1);
    expect(view.size).toBe(0);
  });

  it('treats an object being deleted as gone and one being created as a referrer and child', () => {
    const view = new SpeculativeState(committed());
    const ip = created('instance-ip', 'ip-1', ['a'], { refs: { 'virtual-network': [{ uuid: 'vn-1', attr: null }] } });
    const held = view.hold([{ streamId: 'instance-ip-ip-1', events: [{ type: ip.type, data: ip.data as never }] }]);
    expect(view.backRefs('vn-1').map((o) => o.uuid)).toEqual(['ip-1']);
    view.release(held);
    expect(view.backRefs('vn-1')).toEqual([]);
    view.hold([{ streamId: 'virtual-network-vn-1', events: [{ type: 'VirtualNetworkDeleted', data: { type: 'virtual-network', uuid: 'vn-1', fq_name: ['d', 'p', 'blue'], at: 't' } }] }]);
    expect(view.get('vn-1')).toBeUndefined();
  });

  it('a closed stream reopened at the revision the store told counts from it, until forgotten; an open one is not overridden', () => {
    const state = committed();
    const view = new SpeculativeState(state);
    state.apply({ type: 'VirtualNetworkDeleted', streamId: 'virtual-network-vn-1', streamRevision: 1, globalPosition: 10, data: { type: 'virtual-network', uuid: 'vn-1', fq_name: ['d', 'p', 'blue'], at: 't' } as never });
    expect(state.revision('virtual-network-vn-1')).toBeUndefined();
    const forget = view.reopen('virtual-network-vn-1', 1);
    expect(view.revision('virtual-network-vn-1')).toBe(1);
    const held = view.hold([{ streamId: 'virtual-network-vn-1', events: [created('virtual-network', 'vn-1', ['d', 'p', 'blue'])] }]);
    expect(view.revision('virtual-network-vn-1')).toBe(2);
    view.release(held);
    forget();
    expect(view.revision('virtual-network-vn-1')).toBeUndefined();
    // The state knows the pool stream: what the store said of it earlier changes nothing.
    view.reopen('pool-ipam-s1', 7)();
    view.reopen('pool-ipam-s1', 7);
    expect(view.revision('pool-ipam-s1')).toBe(0);
  });

  it('settled resolves once every decision held at the call is released, not before', async () => {
    const view = new SpeculativeState(committed());
    await view.settled(); // nothing held: at once
    const a = view.hold([{ streamId: 'pool-vn-id', events: [{ type: 'NumberAllocated', data: { pool: 'vn-id', number: 5, owner: 'vn-2' } }] }]);
    const b = view.hold([{ streamId: 'pool-vn-id', events: [{ type: 'NumberAllocated', data: { pool: 'vn-id', number: 6, owner: 'vn-3' } }] }]);
    let done = false;
    const settled = view.settled().then(() => (done = true));
    view.release(a);
    await Promise.resolve();
    expect(done).toBe(false);
    view.hold([]); // held after the call: not waited for
    view.release(b);
    await settled;
    expect(done).toBe(true);
  });
});
