import { describe, expect, it } from '@jest/globals';
import type { PathAttributes, RouteChange } from './route-path.js';
import { RoutingError } from './routing-error.js';
import { RoutingTables } from './routing-tables.js';

const P = '10.1.1.3/32';
const Q = '10.1.1.4/32';

function attrs(overrides: Partial<PathAttributes> = {}): PathAttributes {
  return { nextHop: '192.0.2.1', label: 16, encapsulations: ['MPLSoUDP'], securityGroups: [8000001], sequence: 0, localPreference: 0, ...overrides };
}

/** Who wins, as `agent@originVrf` in send order. */
function winners(tables: RoutingTables, vrf: string, prefix = P): string[] {
  return tables.bestPaths(vrf, prefix).map((path) => `${path.agent}@${path.originVrf}`);
}

function keys(changes: readonly RouteChange[]): string[] {
  return changes.map((change) => `${change.vrf} ${change.prefix}`).sort();
}

/** Red and blue with their own system targets; `shared` is exported and imported by both when asked. */
function twoVrfs(shared = false): RoutingTables {
  const tables = new RoutingTables();
  tables.setVrf('red', ['target:64512:1', ...(shared ? ['target:64512:100'] : [])], ['target:64512:1', ...(shared ? ['target:64512:100'] : [])]);
  tables.setVrf('blue', ['target:64512:2', ...(shared ? ['target:64512:100'] : [])], ['target:64512:2', ...(shared ? ['target:64512:100'] : [])]);
  return tables;
}

describe('RoutingTables best path', () => {
  it('keeps every equal path as ECMP, sorted by next hop, agent, origin VRF', () => {
    const tables = twoVrfs();
    tables.publish('vr-b', 'red', P, attrs({ nextHop: '192.0.2.2' }));
    tables.publish('vr-c', 'red', P, attrs({ nextHop: '192.0.2.1' }));
    tables.publish('vr-a', 'red', P, attrs({ nextHop: '192.0.2.2' }));
    expect(tables.bestPaths('red', P).map((path) => [path.nextHop, path.agent])).toEqual([
      ['192.0.2.1', 'vr-c'],
      ['192.0.2.2', 'vr-a'],
      ['192.0.2.2', 'vr-b'],
    ]);
  });

  it('lets the higher local preference win over a higher sequence', () => {
    const tables = twoVrfs();
    tables.publish('vr-a', 'red', P, attrs({ localPreference: 200, sequence: 1 }));
    tables.publish('vr-b', 'red', P, attrs({ localPreference: 150, sequence: 9 }));
    expect(winners(tables, 'red')).toEqual(['vr-a@red']);
  });

  it('decides by the higher sequence when local preferences are equal', () => {
    const tables = twoVrfs();
    tables.publish('vr-a', 'red', P, attrs({ sequence: 3 }));
    tables.publish('vr-b', 'red', P, attrs({ sequence: 4 }));
    tables.publish('vr-c', 'red', P, attrs({ sequence: 2 }));
    expect(winners(tables, 'red')).toEqual(['vr-b@red']);
  });

  it('treats local preference 0 as 100', () => {
    const tables = twoVrfs();
    tables.publish('vr-a', 'red', P, attrs({ localPreference: 0 }));
    tables.publish('vr-b', 'red', P, attrs({ localPreference: 100 }));
    expect(winners(tables, 'red')).toEqual(['vr-a@red', 'vr-b@red']);
    tables.publish('vr-c', 'red', P, attrs({ localPreference: 99, sequence: 5 }));
    expect(winners(tables, 'red')).toEqual(['vr-a@red', 'vr-b@red']);
    tables.publish('vr-c', 'red', P, attrs({ localPreference: 101 }));
    expect(winners(tables, 'red')).toEqual(['vr-c@red']);
  });

  it('keeps the published attributes and the origin, as copies', () => {
    const tables = twoVrfs();
    const published = attrs({ label: 42, encapsulations: ['VXLAN'], securityGroups: [7, 8] });
    tables.publish('vr-a', 'red', P, published);
    published.encapsulations.push('MPLSoGRE');
    published.securityGroups.length = 0;
    expect(tables.bestPaths('red', P)).toEqual([
      { nextHop: '192.0.2.1', label: 42, encapsulations: ['VXLAN'], securityGroups: [7, 8], sequence: 0, localPreference: 0, agent: 'vr-a', originVrf: 'red', stale: false },
    ]);
  });
});

describe('RoutingTables publish and withdraw', () => {
  it('replaces the path of the same agent and reports only real changes', () => {
    const tables = twoVrfs();
    expect(tables.publish('vr-a', 'red', P, attrs({ label: 16 }))).toEqual([{ vrf: 'red', prefix: P }]);
    expect(tables.publish('vr-a', 'red', P, attrs({ label: 17 }))).toEqual([{ vrf: 'red', prefix: P }]);
    expect(tables.bestPaths('red', P).map((path) => path.label)).toEqual([17]);
    expect(tables.pathCount()).toBe(1);
    // The same content again changes nothing.
    expect(tables.publish('vr-a', 'red', P, attrs({ label: 17 }))).toEqual([]);
    // A losing path changes nothing either.
    tables.publish('vr-b', 'red', P, attrs({ sequence: 5 }));
    expect(tables.publish('vr-a', 'red', P, attrs({ label: 18 }))).toEqual([]);
    expect(tables.pathCount()).toBe(2);
  });

  it('withdraws a path and falls back to the next best; a second withdraw is a no-op', () => {
    const tables = twoVrfs();
    tables.publish('vr-a', 'red', P, attrs({ sequence: 2 }));
    tables.publish('vr-b', 'red', P, attrs({ sequence: 1 }));
    expect(tables.withdraw('vr-a', 'red', P)).toEqual([{ vrf: 'red', prefix: P }]);
    expect(winners(tables, 'red')).toEqual(['vr-b@red']);
    expect(tables.withdraw('vr-a', 'red', P)).toEqual([]);
    expect(tables.withdraw('vr-b', 'red', P)).toEqual([{ vrf: 'red', prefix: P }]);
    expect(tables.bestPaths('red', P)).toEqual([]);
    expect(tables.prefixCount('red')).toBe(0);
    expect([...tables.table('red')]).toEqual([]);
    expect(tables.pathCount()).toBe(0);
    expect(tables.withdraw('vr-b', 'nowhere', P)).toEqual([]);
  });

  it('withdrawAll removes every path of the agent in every VRF', () => {
    const tables = twoVrfs();
    tables.publish('vr-a', 'red', P, attrs());
    tables.publish('vr-a', 'red', Q, attrs());
    tables.publish('vr-a', 'blue', P, attrs());
    tables.publish('vr-b', 'red', P, attrs({ nextHop: '192.0.2.9' }));
    expect(keys(tables.withdrawAll('vr-a'))).toEqual([`blue ${P}`, `red ${P}`, `red ${Q}`]);
    expect(winners(tables, 'red')).toEqual(['vr-b@red']);
    expect(tables.prefixCount('blue')).toBe(0);
    expect(tables.pathCount()).toBe(1);
    expect(tables.withdrawAll('vr-a')).toEqual([]);
  });

  it('refuses to publish into an unknown VRF', () => {
    const tables = twoVrfs();
    expect(() => tables.publish('vr-a', 'green', P, attrs())).toThrow(RoutingError);
    expect(() => tables.publish('vr-a', 'green', P, attrs())).toThrow("unknown VRF 'green'");
    try {
      tables.publish('vr-a', 'green', P, attrs());
    } catch (error) {
      expect((error as RoutingError).code).toBe('unknown-vrf');
    }
    expect(tables.pathCount()).toBe(0);
  });

  it('gives the whole table for an initial sync and counts prefixes', () => {
    const tables = twoVrfs();
    tables.publish('vr-a', 'red', P, attrs());
    tables.publish('vr-a', 'red', Q, attrs());
    expect([...tables.table('red')].map(([prefix, paths]) => [prefix, paths.length])).toEqual([
      [P, 1],
      [Q, 1],
    ]);
    expect(tables.prefixCount('red')).toBe(2);
    expect(tables.prefixCount('blue')).toBe(0);
    expect([...tables.table('unknown')]).toEqual([]);
    expect(tables.prefixCount('unknown')).toBe(0);
    expect(tables.bestPaths('unknown', P)).toEqual([]);
  });
});

describe('RoutingTables leaking by route target', () => {
  it('keeps VRFs with distinct targets apart', () => {
    const tables = twoVrfs();
    expect(tables.publish('vr-a', 'red', P, attrs())).toEqual([{ vrf: 'red', prefix: P }]);
    expect(tables.bestPaths('blue', P)).toEqual([]);
  });

  it('leaks through a shared route target, keeping the origin VRF', () => {
    const tables = twoVrfs(true);
    expect(keys(tables.publish('vr-a', 'red', P, attrs()))).toEqual([`blue ${P}`, `red ${P}`]);
    expect(winners(tables, 'blue')).toEqual(['vr-a@red']);
    tables.publish('vr-b', 'blue', P, attrs({ nextHop: '192.0.2.7' }));
    expect(winners(tables, 'red')).toEqual(['vr-a@red', 'vr-b@blue']);
    expect(winners(tables, 'blue')).toEqual(['vr-a@red', 'vr-b@blue']);
    expect(keys(tables.withdraw('vr-a', 'red', P))).toEqual([`blue ${P}`, `red ${P}`]);
  });

  it('leaks one way when a VRF imports what another exports', () => {
    const tables = twoVrfs();
    tables.setVrf('blue', ['target:64512:2', 'target:64512:1'], ['target:64512:2']);
    expect(keys(tables.publish('vr-a', 'red', P, attrs()))).toEqual([`blue ${P}`, `red ${P}`]);
    expect(keys(tables.publish('vr-b', 'blue', Q, attrs()))).toEqual([`blue ${Q}`]);
    expect(tables.bestPaths('red', Q)).toEqual([]);
  });

  it('does not show a VRF its own paths when none of its exports is imported by itself', () => {
    const tables = new RoutingTables();
    tables.setVrf('odd', ['target:1:1'], ['target:1:2']);
    expect(tables.publish('vr-a', 'odd', P, attrs())).toEqual([]);
    expect(tables.bestPaths('odd', P)).toEqual([]);
    expect(tables.pathCount()).toBe(1);
  });

  it('leaks and unleaks when targets change, reporting exactly the changed keys', () => {
    const tables = twoVrfs();
    tables.publish('vr-a', 'red', P, attrs());
    tables.publish('vr-a', 'red', Q, attrs());
    tables.publish('vr-b', 'blue', P, attrs({ sequence: 1 }));
    // blue starts importing red: Q appears in blue; P stays blue's own (higher sequence).
    expect(keys(tables.setVrf('blue', ['target:64512:2', 'target:64512:1'], ['target:64512:2']))).toEqual([`blue ${Q}`]);
    expect(winners(tables, 'blue', Q)).toEqual(['vr-a@red']);
    // red starts importing blue too: its P switches to blue's path.
    expect(keys(tables.setVrf('red', ['target:64512:1', 'target:64512:2'], ['target:64512:1']))).toEqual([`red ${P}`]);
    expect(winners(tables, 'red', P)).toEqual(['vr-b@blue']);
    // The same targets again, in another order and with duplicates: nothing.
    expect(tables.setVrf('red', ['target:64512:2', 'target:64512:1', 'target:64512:2'], ['target:64512:1'])).toEqual([]);
    // red stops exporting: blue loses Q; red stops seeing itself, its table keeps only blue's P.
    expect(keys(tables.setVrf('red', ['target:64512:1', 'target:64512:2'], ['target:64512:9']))).toEqual([`blue ${Q}`, `red ${Q}`]);
    expect(tables.bestPaths('blue', Q)).toEqual([]);
    expect(winners(tables, 'red', P)).toEqual(['vr-b@blue']);
    expect(tables.targetsOf('red')).toEqual({ importTargets: ['target:64512:1', 'target:64512:2'], exportTargets: ['target:64512:9'] });
    expect(tables.targetsOf('green')).toBeUndefined();
  });

  it('fills a new VRF from the VRFs it imports', () => {
    const tables = twoVrfs(true);
    tables.publish('vr-a', 'red', P, attrs());
    tables.publish('vr-b', 'blue', Q, attrs());
    expect(keys(tables.setVrf('green', ['target:64512:100'], ['target:64512:3']))).toEqual([`green ${P}`, `green ${Q}`]);
    expect(tables.hasVrf('green')).toBe(true);
    expect(tables.prefixCount('green')).toBe(2);
  });

  it('removeVrf withdraws its paths everywhere and drops its whole table', () => {
    const tables = twoVrfs(true);
    tables.publish('vr-a', 'red', P, attrs());
    tables.publish('vr-b', 'blue', Q, attrs());
    tables.publish('vr-b', 'blue', P, attrs({ nextHop: '192.0.2.9' }));
    expect(keys(tables.removeVrf('red'))).toEqual([`blue ${P}`, `red ${P}`, `red ${Q}`]);
    expect(tables.hasVrf('red')).toBe(false);
    expect(winners(tables, 'blue')).toEqual(['vr-b@blue']);
    expect(tables.bestPaths('red', Q)).toEqual([]);
    expect(tables.pathCount()).toBe(2);
    // The agent's index forgot the removed paths.
    expect(keys(tables.withdrawAll('vr-a'))).toEqual([]);
    expect(tables.removeVrf('red')).toEqual([]);
    expect(() => tables.publish('vr-a', 'red', P, attrs())).toThrow(RoutingError);
    // A VRF of the same name starts empty.
    expect(keys(tables.setVrf('red', ['target:64512:100'], ['target:64512:1']))).toEqual([`red ${P}`, `red ${Q}`]);
    expect(winners(tables, 'red')).toEqual(['vr-b@blue']);
  });
});

describe('RoutingTables graceful restart', () => {
  it('keeps stale paths in use, sweeps those not republished, and publish clears the mark', () => {
    const tables = twoVrfs(true);
    tables.publish('vr-a', 'red', P, attrs());
    tables.publish('vr-a', 'red', Q, attrs());
    tables.publish('vr-b', 'red', P, attrs({ nextHop: '192.0.2.9' }));
    tables.markStale('vr-a');
    expect(tables.bestPaths('red', P).map((path) => [path.agent, path.stale])).toEqual([
      ['vr-a', true],
      ['vr-b', false],
    ]);
    expect(tables.bestPaths('blue', Q)[0]!.stale).toBe(true);
    // Republishing the same route clears the mark and changes nothing on the wire.
    expect(tables.publish('vr-a', 'red', P, attrs())).toEqual([]);
    expect(tables.bestPaths('red', P)[0]).toMatchObject({ agent: 'vr-a', stale: false });
    expect(tables.bestPaths('blue', P)[0]).toMatchObject({ agent: 'vr-a', stale: false });
    expect(keys(tables.sweepStale('vr-a'))).toEqual([`blue ${Q}`, `red ${Q}`]);
    expect(winners(tables, 'red')).toEqual(['vr-a@red', 'vr-b@red']);
    expect(tables.sweepStale('vr-a')).toEqual([]);
    expect(tables.sweepStale('vr-b')).toEqual([]);
    expect(tables.pathCount()).toBe(2);
  });

  it('clearStale makes every path of the agent current again', () => {
    const tables = twoVrfs();
    tables.publish('vr-a', 'red', P, attrs());
    tables.markStale('vr-a');
    tables.clearStale('vr-a');
    expect(tables.bestPaths('red', P)[0]!.stale).toBe(false);
    expect(tables.sweepStale('vr-a')).toEqual([]);
    expect(tables.pathCount()).toBe(1);
  });
});

describe('RoutingTables at scale', () => {
  it('handles 1,000 VRFs and 100k paths, publishing into a VRF seen by 10 in microseconds', () => {
    const tables = new RoutingTables();
    // Groups of 10 VRFs share a target; each has its own system target too.
    for (let v = 0; v < 1000; v++) {
      const group = `target:64512:${10000 + Math.floor(v / 10)}`;
      tables.setVrf(`vrf-${v}`, [`target:64512:${v}`, group], [`target:64512:${v}`, group]);
    }
    for (let i = 0; i < 100_000; i++) {
      const v = i % 1000;
      tables.publish(`vr-${i % 50}`, `vrf-${v}`, `10.${v >> 8}.${v & 255}.${Math.floor(i / 1000)}/32`, attrs());
    }
    expect(tables.pathCount()).toBe(100_000);
    expect(tables.prefixCount('vrf-0')).toBe(1000);
    const rounds = 20_000;
    const started = process.hrtime.bigint();
    let changed = 0;
    for (let i = 0; i < rounds; i++) {
      const v = (i * 7) % 1000;
      changed += tables.publish('vr-x', `vrf-${v}`, `10.${v >> 8}.${v & 255}.${i % 100}/32`, attrs({ sequence: i + 1 })).length;
    }
    const microsEach = Number(process.hrtime.bigint() - started) / 1000 / rounds;
    expect(changed).toBe(rounds * 10);
    // Typically a few µs; the bound only guards against an accidental full scan.
    expect(microsEach).toBeLessThan(200);
  });
});
