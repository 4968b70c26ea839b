import type { EnvReader } from '#libs/config';
import type { AuditEngineOptions } from '#libs/projections';

/*
 * The audit engine's environment, read by the config API at start and by the `audit` CLI.
 *
 * | variable             | default | allowed                                                                   |
 * |----------------------|---------|---------------------------------------------------------------------------|
 * | AUDIT_SNAPSHOT_EVERY | 50000   | 1..100000000: events between two in-memory snapshots of the config state |
 *
 * Smaller values make as-of reads and diffs fold fewer events, at the cost of memory for more snapshots.
 */

/** The largest AUDIT_SNAPSHOT_EVERY accepted. */
export const MAX_SNAPSHOT_EVERY = 100_000_000;

/** AuditEngine options from the environment; a bad value is recorded in `reader` (finish throws it). */
export function readAuditOptions(reader: EnvReader): AuditEngineOptions {
  const raw = reader.raw('AUDIT_SNAPSHOT_EVERY');
  if (raw === undefined) return {};
  return { snapshotEvery: reader.integer('AUDIT_SNAPSHOT_EVERY', 0, { min: 1, max: MAX_SNAPSHOT_EVERY, note: 'events between snapshots' }) };
}
