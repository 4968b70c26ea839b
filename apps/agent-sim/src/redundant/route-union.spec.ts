import { describe, expect, it } from '@jest/globals';
import { agentProto } from '#libs/proto';
import { unionOfSessions, unionOfVrf, type VrfRoutes } from './route-union.js';

const RED = 'default-domain:default-project:red:red';
const BLUE = 'default-domain:default-project:blue:blue';

function path(nextHop: string, label = 16): agentProto.Path {
  return agentProto.Path.fromPartial({ nextHop, label, encapsulations: ['MPLSoUDP'], originVrf: RED, agent: `vr-${nextHop}` });
}

function table(entries: Record<string, agentProto.Path[]>): VrfRoutes {
  return new Map(Object.entries(entries));
}

describe('unionOfVrf', () => {
  it('is empty without a live session', () => {
    expect(unionOfVrf([]).size).toBe(0);
  });

  it('is the one session\'s table itself when only one holds anything', () => {
    const only = table({ '10.0.0.1/32': [path('192.168.0.1')] });
    expect(unionOfVrf([only])).toBe(only);
    expect(unionOfVrf([new Map(), only])).toBe(only);
  });

  it('holds every prefix some session holds', () => {
    const first = table({ '10.0.0.1/32': [path('192.168.0.1')] });
    const second = table({ '10.0.0.2/32': [path('192.168.0.2')] });
    expect([...unionOfVrf([first, second]).keys()].sort()).toEqual(['10.0.0.1/32', '10.0.0.2/32']);
  });

  it('keeps a prefix both sessions report once, with the best paths of the first (most preferred) session', () => {
    const preferred = [path('192.168.0.1', 17)];
    const first = table({ '10.0.0.1/32': preferred });
    const second = table({ '10.0.0.1/32': [path('192.168.0.1', 18), path('192.168.0.9')], '10.0.0.2/32': [path('192.168.0.2')] });
    const union = unionOfVrf([first, second]);
    expect(union.size).toBe(2);
    expect(union.get('10.0.0.1/32')).toBe(preferred);
    expect(unionOfVrf([second, first]).get('10.0.0.1/32')).toHaveLength(2);
  });

  it('leaves the sessions\' tables as they were', () => {
    const first = table({ '10.0.0.1/32': [path('192.168.0.1')] });
    const second = table({ '10.0.0.2/32': [path('192.168.0.2')] });
    unionOfVrf([first, second]);
    expect([...first.keys()]).toEqual(['10.0.0.1/32']);
    expect([...second.keys()]).toEqual(['10.0.0.2/32']);
  });
});

describe('unionOfSessions', () => {
  it('joins every VRF of every session, an empty table (a subscription not filled yet) included', () => {
    const one = new Map([[RED, table({ '10.0.0.1/32': [path('192.168.0.1')] })]]);
    const two = new Map([
      [RED, table({ '10.0.0.1/32': [path('192.168.0.1')], '10.0.0.2/32': [path('192.168.0.2')] })],
      [BLUE, table({})],
    ]);
    const union = unionOfSessions([one, two]);
    expect([...union.keys()].sort()).toEqual([BLUE, RED]);
    expect(union.get(RED)!.size).toBe(2);
    expect(union.get(BLUE)!.size).toBe(0);
  });

  it('is empty without a live session', () => {
    expect(unionOfSessions([]).size).toBe(0);
  });
});
