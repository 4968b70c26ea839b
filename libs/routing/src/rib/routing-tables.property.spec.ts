import { describe, expect, it } from '@jest/globals';
import type { PathAttributes, RouteChange, RoutePath } from './route-path.js';
import { RoutingError } from './routing-error.js';
import { RoutingTables } from './routing-tables.js';
import { mulberry32 as prng } from '../../../../test/support/seeded-random.js';

const VRFS = ['a', 'b', 'c', 'd', 'e', 'f'];
const TARGETS = ['t1', 't2', 't3', 't4', 't5'];
const AGENTS = ['vr1', 'vr2', 'vr3', 'vr4'];
const PREFIXES = ['10.0.0.1/32', '10.0.0.2/32', '10.0.0.3/32', '10.0.1.0/24', 'fd00::1/128'];

/** The obvious, slow computation the tables must agree with. */
class BruteForce {
  readonly vrfs = new Map<string, { imports: Set<string>; exports: Set<string> }>();
  readonly paths = new Map<string, RoutePath & { prefix: string }>();

  table(vrf: string): Map<string, RoutePath[]> {
    const table = new Map<string, RoutePath[]>();
    const viewer = this.vrfs.get(vrf);
    if (viewer === undefined) return table;
    for (const prefix of PREFIXES) {
      const visible = [...this.paths.values()].filter(
        (path) => path.prefix === prefix && [...this.vrfs.get(path.originVrf)!.exports].some((target) => viewer.imports.has(target)),
      );
      if (visible.length === 0) continue;
      const preference = (path: RoutePath): number => path.localPreference || 100;
      const topPreference = Math.max(...visible.map(preference));
      const preferred = visible.filter((path) => preference(path) === topPreference);
      const topSequence = Math.max(...preferred.map((path) => path.sequence));
      const best = preferred
        .filter((path) => path.sequence === topSequence)
        .map(({ prefix: _prefix, ...path }) => path)
        .sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
      table.set(prefix, best);
    }
    return table;
  }
}

/** Sort key matching (next hop, agent, origin VRF) for the plain ASCII names used here. */
function key(path: RoutePath): string {
  return `${path.nextHop}\u0000${path.agent}\u0000${path.originVrf}`;
}

function withoutStale(paths: readonly RoutePath[] | undefined): unknown {
  return (paths ?? []).map(({ stale: _stale, ...rest }) => rest);
}

function snapshot(model: BruteForce): Map<string, Map<string, RoutePath[]>> {
  return new Map(VRFS.map((vrf) => [vrf, model.table(vrf)]));
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function subset(random: () => number): string[] {
  return TARGETS.filter(() => random() < 0.3);
}

function randomAttributes(random: () => number): PathAttributes {
  return {
    nextHop: pick(random, ['192.0.2.1', '192.0.2.2', '192.0.2.3']),
    label: Math.floor(random() * 4),
    encapsulations: random() < 0.5 ? ['MPLSoUDP'] : ['MPLSoUDP', 'VXLAN'],
    securityGroups: random() < 0.5 ? [] : [Math.floor(random() * 3)],
    sequence: Math.floor(random() * 3),
    localPreference: pick(random, [0, 100, 100, 200]),
  };
}

/** Applies one random operation to both; returns the changes the tables reported. */
function step(random: () => number, tables: RoutingTables, model: BruteForce): RouteChange[] {
  const roll = random();
  const agent = pick(random, AGENTS);
  const vrf = pick(random, VRFS);
  const prefix = pick(random, PREFIXES);
  if (roll < 0.1) {
    const imports = subset(random);
    const exports = subset(random);
    model.vrfs.set(vrf, { imports: new Set(imports), exports: new Set(exports) });
    return tables.setVrf(vrf, imports, exports);
  }
  if (roll < 0.13) {
    model.vrfs.delete(vrf);
    for (const [id, path] of model.paths) if (path.originVrf === vrf) model.paths.delete(id);
    return tables.removeVrf(vrf);
  }
  if (roll < 0.6) {
    const attributes = randomAttributes(random);
    if (!model.vrfs.has(vrf)) {
      expect(() => tables.publish(agent, vrf, prefix, attributes)).toThrow(RoutingError);
      return [];
    }
    model.paths.set(`${agent} ${vrf} ${prefix}`, { ...structuredClone(attributes), agent, originVrf: vrf, stale: false, prefix });
    return tables.publish(agent, vrf, prefix, attributes);
  }
  if (roll < 0.8) {
    model.paths.delete(`${agent} ${vrf} ${prefix}`);
    return tables.withdraw(agent, vrf, prefix);
  }
  if (roll < 0.84) {
    for (const [id, path] of model.paths) if (path.agent === agent) model.paths.delete(id);
    return tables.withdrawAll(agent);
  }
  if (roll < 0.92) {
    for (const path of model.paths.values()) if (path.agent === agent) path.stale = true;
    tables.markStale(agent);
    return [];
  }
  for (const [id, path] of model.paths) if (path.agent === agent && path.stale) model.paths.delete(id);
  return tables.sweepStale(agent);
}

describe('RoutingTables against a brute-force computation', () => {
  it.each([1, 2, 3, 42, 20240601, 777])('agrees after every step and reports exactly the changed keys (seed %p)', (seed) => {
    const random = prng(seed);
    const tables = new RoutingTables();
    const model = new BruteForce();
    let reportedTotal = 0;
    for (let i = 0; i < 600; i++) {
      const before = snapshot(model);
      const changes = step(random, tables, model);
      const after = snapshot(model);

      for (const vrf of VRFS) {
        const expected = after.get(vrf)!;
        const actual = new Map(tables.table(vrf));
        expect({ step: i, vrf, table: actual }).toEqual({ step: i, vrf, table: expected });
        expect(tables.prefixCount(vrf)).toBe(expected.size);
        expect(tables.hasVrf(vrf)).toBe(model.vrfs.has(vrf));
        for (const prefix of PREFIXES) expect(tables.bestPaths(vrf, prefix)).toEqual(expected.get(prefix) ?? []);
      }
      expect(tables.pathCount()).toBe(model.paths.size);

      const reported = changes.map((change) => `${change.vrf} ${change.prefix}`);
      expect(new Set(reported).size).toBe(reported.length);
      const changed: string[] = [];
      for (const vrf of VRFS) {
        for (const prefix of PREFIXES) {
          const was = withoutStale(before.get(vrf)!.get(prefix));
          const is = withoutStale(after.get(vrf)!.get(prefix));
          if (JSON.stringify(was) !== JSON.stringify(is)) changed.push(`${vrf} ${prefix}`);
        }
      }
      // Only real changes are reported (⊆ the keys touched), and every real change is (⊇).
      expect({ step: i, reported: reported.sort() }).toEqual({ step: i, reported: changed.sort() });
      reportedTotal += reported.length;
    }
    // The run exercised something.
    expect(reportedTotal).toBeGreaterThan(100);
  });
});
