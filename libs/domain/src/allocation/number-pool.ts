/**
 * Integer allocation over a closed range, as Contrail's ZooKeeper IndexAllocator hands out VN ids and VXLAN
 * VNIs (spec §3): the lowest free number first. Pure: the caller holds the set of numbers in use.
 */
import { AllocationError } from './allocation-error.js';

export interface NumberPool {
  /** What a number of this pool is, in words, for messages: `virtual network id`. */
  readonly name: string;
  /** The request field a refused number is reported on. */
  readonly field: string;
  readonly min: number;
  readonly max: number;
}

/**
 * The lowest free number not below `from` (default `min`); numbers under `from` must be known taken. Throws
 * `EXHAUSTED` when none is left (it looks below `from` again before saying so).
 */
export function nextFreeNumber(pool: NumberPool, used: ReadonlySet<number>, from = pool.min): number {
  const start = Math.max(pool.min, Math.trunc(from));
  for (let n = start; n <= pool.max; n++) if (!used.has(n)) return n;
  for (let n = pool.min; n < start && n <= pool.max; n++) if (!used.has(n)) return n;
  throw new AllocationError('EXHAUSTED', pool.field, `no ${pool.name} is left: all of ${pool.min}..${pool.max} are in use`);
}

/** Checks that a specific number can be taken and returns it. `INVALID` out of range, `IN_USE` when taken. */
export function checkRequestedNumber(pool: NumberPool, used: ReadonlySet<number>, requested: number): number {
  if (!Number.isSafeInteger(requested) || requested < pool.min || requested > pool.max) {
    const message = `${pool.name} ${String(requested)} is out of range: ${pool.min} to ${pool.max}`;
    throw new AllocationError('INVALID', pool.field, message);
  }
  if (used.has(requested)) {
    throw new AllocationError('IN_USE', pool.field, `${pool.name} ${requested} is already in use`);
  }
  return requested;
}
