import { agentProto } from '#libs/proto';
import type { RoutePath } from '#libs/routing';
import type { SessionMessage } from '../control-plane/session-messages.js';
import { toControlMessage } from './agent-wire.js';
import { encodeSessionMessage } from './control-message-encoder.js';

const path = (nextHop: string, extra: Partial<RoutePath> = {}): RoutePath => ({
  nextHop,
  label: 17,
  encapsulations: ['MPLSoUDP', 'MPLSoGRE'],
  securityGroups: [8000001],
  sequence: 3,
  localPreference: 0,
  agent: 'vr-1',
  originVrf: 'default-domain:p:red:red',
  stale: false,
  ...extra,
});

const generated = (message: SessionMessage): Buffer => Buffer.from(agentProto.ControlMessage.encode(toControlMessage(message)).finish());

describe('encodeSessionMessage', () => {
  it.each([1, 127, 128, 300, 2 ** 31 + 5, 2 ** 40 + 1])('writes route batches byte for byte as the generated encoder does (version %d)', (version) => {
    const paths = [path('10.0.0.1'), path('10.0.0.2', { localPreference: 200 })];
    const message: SessionMessage = {
      version,
      kind: 'routes',
      updates: [
        { vrf: 'default-domain:p:red:red', prefix: '10.1.0.3/32', paths },
        { vrf: 'default-domain:p:red:red', prefix: '10.1.0.4/32', paths: [] },
        { vrf: 'default-domain:p:blue:blue', prefix: '2001:db8::1/128', paths: [path('10.0.0.9')] },
        { vrf: 'default-domain:p:é:é', prefix: '10.9.0.0/16', paths: [] },
        { vrf: '', prefix: '10.9.0.0/16', paths: [] },
      ],
    };
    expect(encodeSessionMessage(message).equals(generated(message))).toBe(true);
    const decoded = agentProto.ControlMessage.decode(encodeSessionMessage(message));
    expect(decoded.version).toBe(version);
    expect(decoded.body?.$case === 'routes' && decoded.body.value.updates.map((u) => [u.prefix, u.paths.length])).toEqual([
      ['10.1.0.3/32', 2],
      ['10.1.0.4/32', 0],
      ['2001:db8::1/128', 1],
      ['10.9.0.0/16', 0],
      ['10.9.0.0/16', 0],
    ]);
  });

  it('reuses the bytes of an update for the next agent, and never mixes two prefixes or VRFs sharing paths', () => {
    const paths = [path('10.0.0.1')];
    const first: SessionMessage = { version: 1, kind: 'routes', updates: [{ vrf: 'a:b:c:c', prefix: '10.1.0.3/32', paths }] };
    const leaked: SessionMessage = { version: 2, kind: 'routes', updates: [{ vrf: 'a:b:d:d', prefix: '10.1.0.3/32', paths }] };
    const other: SessionMessage = { version: 3, kind: 'routes', updates: [{ vrf: 'a:b:c:c', prefix: '10.1.0.4/32', paths }] };
    for (const message of [first, leaked, other, first, leaked, other]) expect(encodeSessionMessage(message).equals(generated(message))).toBe(true);
  });

  it('encodes every other kind with the generated encoder', () => {
    const messages: SessionMessage[] = [
      { version: 5, kind: 'end-of-rib', vrf: 'a:b:c:c' },
      { version: 0, kind: 'notice', code: 'unknown-vrf', message: 'no VRF' },
      { version: 0, kind: 'routes', updates: [] },
    ];
    for (const message of messages) expect(encodeSessionMessage(message).equals(generated(message))).toBe(true);
  });
});
