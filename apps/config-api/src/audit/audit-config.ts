import type { EnvReader } from '#libs/config';
import { DEFAULT_SNAPSHOT_EVERY } from '#libs/projections';

/*
 * The audit engine's environment, read with the rest of the controller's (apps/controller's controller-config.ts),
 * so that a bad value stops the start with every other problem and exit code 2.
 *
 * | variable             | default | allowed                                                                   |
 * |----------------------|---------|---------------------------------------------------------------------------|
 * | AUDIT_SNAPSHOT_EVERY | 50000   | 1..100000000: events between two in-memory snapshots of the config state |
 *
 * Smaller values make as-of reads and diffs fold fewer events, at the cost of memory for more snapshots.
 */

/** The largest AUDIT_SNAPSHOT_EVERY accepted. */
export const MAX_SNAPSHOT_EVERY = 100_000_000;

/** What ConfigApiModule.forRoot takes for the audit plane. */
export interface AuditSettings {
  /** Events between two snapshots of the audit engine (AUDIT_SNAPSHOT_EVERY). */
  snapshotEvery: number;
}

/** AUDIT_SNAPSHOT_EVERY, checked; a bad value is recorded in `reader` (its `finish` throws them all). */
export function readAuditSettings(reader: EnvReader): AuditSettings {
  return {
    snapshotEvery: reader.integer('AUDIT_SNAPSHOT_EVERY', DEFAULT_SNAPSHOT_EVERY, { min: 1, max: MAX_SNAPSHOT_EVERY, note: 'events between snapshots' }),
  };
}
