import type { JsonValue } from '#libs/event-store';
import type { CommandContext } from './command-context.js';
import { ConfigError } from './config-error.js';
import { EventTypes } from './config-events.js';
import { streams, type Allocation, type ConfigObject, type NumberPoolName, type RefEntry } from './config-object.js';
import type { ConfigView } from './config-state.js';
import type { WriteSet } from './write-set.js';

/** An object as a command would leave it, before it is written. Rules fill system properties and allocate. */
export interface ObjectDraft {
  type: string;
  uuid: string;
  fq_name: string[];
  parent_uuid?: string;
  props: Record<string, JsonValue>;
  refs: Record<string, RefEntry[]>;
  allocations: Allocation[];
}

export interface RuleContext {
  state: ConfigView;
  writes: WriteSet;
  command: CommandContext;
}

/**
 * What a resource type adds to the generic create / update / delete: its own checks, system-filled properties
 * and allocations (each allocation an event on its pool stream, written with the object).
 */
export interface TypeRules {
  create?(draft: ObjectDraft, ctx: RuleContext): void;
  update?(draft: ObjectDraft, previous: ConfigObject, ctx: RuleContext): void;
  delete?(object: ConfigObject, ctx: RuleContext): void;
}

export type TypeRulesTable = Readonly<Record<string, TypeRules>>;

/** Takes `number` (or the lowest free one in [min, max]) from a pool for `owner`. */
export function allocateNumber(
  ctx: RuleContext,
  draft: ObjectDraft,
  pool: NumberPoolName,
  range: { min: number; max: number },
  requested?: number,
): number {
  const used = ctx.state.numbersInUse(pool);
  const taken = new Set(draft.allocations.flatMap((a) => (a.kind === 'number' && a.pool === pool ? [a.number] : [])));
  let n: number | undefined = requested;
  if (n !== undefined) {
    const owner = used.get(n);
    if ((owner !== undefined && owner !== draft.uuid) || taken.has(n)) {
      throw new ConfigError(400, `${pool} ${n} is already in use${owner ? ` by ${owner}` : ''}`);
    }
    if (n < range.min || n > range.max) throw new ConfigError(400, `${pool} ${n} is outside ${range.min}..${range.max}`);
    if (owner === draft.uuid) return n;
  } else {
    for (let candidate = range.min; candidate <= range.max; candidate++) {
      if (!used.has(candidate) && !taken.has(candidate)) {
        n = candidate;
        break;
      }
    }
    if (n === undefined) throw new ConfigError(409, `the ${pool} pool is exhausted (${range.min}..${range.max})`);
  }
  ctx.writes.add(streams.numberPool(pool), EventTypes.NumberAllocated, { pool, number: n, owner: draft.uuid });
  draft.allocations.push({ kind: 'number', pool, number: n });
  return n;
}

/** Takes an address of a subnet for `owner`; the caller has chosen it (allocation rules live with the type). */
export function allocateAddress(ctx: RuleContext, draft: ObjectDraft, subnetUuid: string, address: string): void {
  ctx.writes.add(streams.addressPool(subnetUuid), EventTypes.AddressAllocated, { subnet_uuid: subnetUuid, address, owner: draft.uuid });
  draft.allocations.push({ kind: 'address', subnet_uuid: subnetUuid, address });
}

/** Gives back one allocation of a draft (an update that drops a subnet's VNI, say). */
export function releaseAllocation(ctx: RuleContext, draft: ObjectDraft, allocation: Allocation): void {
  draft.allocations = draft.allocations.filter((a) => a !== allocation);
  releaseAllocations(ctx, draft.uuid, [allocation]);
}

/** Gives back what an object held: one release event per allocation, on its pool stream. */
export function releaseAllocations(ctx: RuleContext, owner: string, allocations: readonly Allocation[]): void {
  for (const a of allocations) {
    if (a.kind === 'number') ctx.writes.add(streams.numberPool(a.pool), EventTypes.NumberReleased, { pool: a.pool, number: a.number, owner });
    else ctx.writes.add(streams.addressPool(a.subnet_uuid), EventTypes.AddressReleased, { subnet_uuid: a.subnet_uuid, address: a.address, owner });
  }
}
