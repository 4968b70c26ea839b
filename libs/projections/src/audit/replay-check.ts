import type { JsonValue } from '#libs/event-store';
import { streams, type ConfigState } from '#libs/domain';
import { fieldChanges } from './config-diff.js';
import type { DesiredStateDivergence } from './desired-state-check.js';

/**
 * Whether the live projections are exactly what a replay of the log from position 0 gives (DESIGN §4): one check
 * per projection, the config state always and the per-cluster desired state when the process has one. The
 * top-level position, digests, objects and first divergence are the config projection's (`projections[0]`).
 */
export interface VerifyReport {
  /** Every projection agrees with its rebuild. */
  ok: boolean;
  /** The live config state's position, to which the log was replayed. */
  position: number;
  /** `ConfigState.digest()` of each side. */
  liveDigest: string;
  rebuiltDigest: string;
  /** Where the two config states differ first; absent when they agree. See `firstDivergence`. */
  firstDivergence?: Divergence;
  /** Objects in the rebuilt state. */
  objects: number;
  /** The config projection first, then the desired state (when there is one). */
  projections: ProjectionCheck[];
}

export type ProjectionCheck = ConfigCheck | DesiredStateCheck;

/** The config projection against a fold of the log from 0 to its position. */
export interface ConfigCheck {
  projection: 'config';
  ok: boolean;
  position: number;
  liveDigest: string;
  rebuiltDigest: string;
  objects: number;
  firstDivergence?: Divergence;
}

/**
 * The desired-state projection (kept up to date run by run) against `NetworkModel.build` of a fold of the log from
 * 0 to its position; digests are `NetworkModel.digest()`.
 */
export interface DesiredStateCheck {
  projection: 'desired-state';
  ok: boolean;
  position: number;
  liveDigest: string;
  rebuiltDigest: string;
  /** Clusters in the rebuilt desired state. */
  clusters: number;
  firstDivergence?: DesiredStateDivergence;
}

export interface Divergence {
  /** An object's uuid; for a pool or a stream revision, the stream id (`pool-vn-id`, `pool-ipam-<subnet>`). */
  uuid: string;
  /** The object's type; `pool` or `stream` for the others; `log` when only the positions differ. */
  type: string;
  /** The first differing field of the object, the number or address in a pool, `revision` of a stream. */
  field?: string;
  live: JsonValue | null;
  rebuilt: JsonValue | null;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The first place two states differ, by per-object digests. Objects come first: of those that differ, the one
 * whose last event in the log is earliest (`lastEvent`, the rebuild's record; objects the log never touched go
 * last), then by uuid; within it the first differing field, bookkeeping (created, last_modified, revision) last.
 * Then the pools, then the stream revisions. Undefined when the states hold the same things.
 */
export function firstDivergence(live: ConfigState, rebuilt: ConfigState, lastEvent: ReadonlyMap<string, number>): Divergence | undefined {
  return objectDivergence(live, rebuilt, lastEvent) ?? poolDivergence(live, rebuilt) ?? revisionDivergence(live, rebuilt);
}

function objectDivergence(live: ConfigState, rebuilt: ConfigState, lastEvent: ReadonlyMap<string, number>): Divergence | undefined {
  const liveDigests = live.objectDigests();
  const rebuiltDigests = rebuilt.objectDigests();
  const differing: string[] = [];
  for (const [uuid, digest] of rebuiltDigests) if (liveDigests.get(uuid) !== digest) differing.push(uuid);
  for (const uuid of liveDigests.keys()) if (!rebuiltDigests.has(uuid)) differing.push(uuid);
  if (differing.length === 0) return undefined;
  const at = (uuid: string) => lastEvent.get(uuid) ?? Number.POSITIVE_INFINITY;
  const uuid = differing.sort((a, b) => at(a) - at(b) || compareText(a, b))[0];
  const before = live.get(uuid);
  const after = rebuilt.get(uuid);
  const type = (after ?? before)!.type;
  if (!before || !after) {
    return { uuid, type, live: (before ?? null) as unknown as JsonValue, rebuilt: (after ?? null) as unknown as JsonValue };
  }
  const field = fieldChanges(before, after, true)[0];
  // Digests differ but no field does: a difference in shape only (an empty list against none, say).
  if (!field) return { uuid, type, live: before as unknown as JsonValue, rebuilt: after as unknown as JsonValue };
  return { uuid, type, field: field.field, live: field.before, rebuilt: field.after };
}

function poolDivergence(live: ConfigState, rebuilt: ConfigState): Divergence | undefined {
  const liveNumbers = live.numberPools();
  const rebuiltNumbers = rebuilt.numberPools();
  for (const pool of union(liveNumbers.keys(), rebuiltNumbers.keys()).sort()) {
    const a = liveNumbers.get(pool) ?? new Map<number, string>();
    const b = rebuiltNumbers.get(pool) ?? new Map<number, string>();
    for (const n of union(a.keys(), b.keys()).sort((x, y) => x - y)) {
      if (a.get(n) === b.get(n)) continue;
      return { uuid: streams.numberPool(pool), type: 'pool', field: String(n), live: a.get(n) ?? null, rebuilt: b.get(n) ?? null };
    }
  }
  const liveAddresses = live.addressPools();
  const rebuiltAddresses = rebuilt.addressPools();
  for (const subnet of union(liveAddresses.keys(), rebuiltAddresses.keys()).sort()) {
    const a = liveAddresses.get(subnet) ?? new Map<string, string>();
    const b = rebuiltAddresses.get(subnet) ?? new Map<string, string>();
    for (const address of union(a.keys(), b.keys()).sort()) {
      if (a.get(address) !== b.get(address)) {
        return { uuid: streams.addressPool(subnet), type: 'pool', field: address, live: a.get(address) ?? null, rebuilt: b.get(address) ?? null };
      }
    }
  }
  return undefined;
}

function revisionDivergence(live: ConfigState, rebuilt: ConfigState): Divergence | undefined {
  const a = live.streamRevisions();
  const b = rebuilt.streamRevisions();
  for (const stream of union(a.keys(), b.keys()).sort()) {
    if (a.get(stream) === b.get(stream)) continue;
    return { uuid: stream, type: 'stream', field: 'revision', live: a.get(stream) ?? null, rebuilt: b.get(stream) ?? null };
  }
  return undefined;
}

function union<T>(a: Iterable<T>, b: Iterable<T>): T[] {
  return [...new Set([...a, ...b])];
}
