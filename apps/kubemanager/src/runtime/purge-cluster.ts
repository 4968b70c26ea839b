import type { ConfigApiClient } from '../config-client/config-api-client.js';
import { ownerKeyFromAnnotations } from '../reconcile/plan.js';
import { OWNED_TYPES } from './owned-objects.js';

export interface PurgeProgress {
  (line: string): void;
}

/**
 * Deletes every config object owned by cluster `cluster` (docs/kubemanager.md §1), children first: instance-ips,
 * interfaces, machines, … projects last. An object still held by something else (a back-ref from an object the
 * kubemanager does not own) is left and named. Repeats while it makes progress, so objects made concurrently by a
 * kubemanager that was still stopping are caught too. Answers how many were deleted and what was left.
 */
export async function purgeClusterObjects(client: ConfigApiClient, cluster: string, progress: PurgeProgress = () => {}): Promise<{ deleted: number; left: string[] }> {
  let deleted = 0;
  let left: string[] = [];
  for (let round = 0; round < 5; round++) {
    let progressed = false;
    left = [];
    for (const type of [...OWNED_TYPES].reverse()) {
      const owned = (await client.list(type)).filter((body) => ownerKeyFromAnnotations(body, cluster) !== undefined);
      if (owned.length === 0) continue;
      let gone = 0;
      for (const body of owned) {
        try {
          await client.delete(type, String(body.uuid));
          gone++;
        } catch (error) {
          left.push(`${type} ${((body.fq_name as string[]) ?? []).join(':')}: ${(error as Error).message}`);
        }
      }
      if (gone > 0) {
        progressed = true;
        deleted += gone;
        progress(`deleted ${gone} ${type} object${gone === 1 ? '' : 's'} of cluster ${cluster}`);
      }
    }
    if (left.length === 0 || !progressed) break;
  }
  return { deleted, left };
}
