import type { agentProto } from '#libs/proto';

export type Table = Map<string, agentProto.Path[]>;

/** What one RouteBatch did to the tables. */
export interface BatchEffect {
  updates: number;
  withdrawals: number;
  /** Updates for a VRF the agent does not subscribe to: dropped. */
  ignored: number;
}

/** The agent's copy of the tables of the VRFs it subscribes to: prefix → best paths, as control sent them. */
export class RouteTables {
  private readonly byVrf = new Map<string, Table>();

  /** Applies a batch: an update replaces the prefix's paths, an update without paths removes the prefix. */
  apply(batch: agentProto.RouteBatch, subscribed: (vrf: string) => boolean): BatchEffect {
    const effect: BatchEffect = { updates: 0, withdrawals: 0, ignored: 0 };
    for (const update of batch.updates) {
      if (!subscribed(update.vrf)) {
        effect.ignored += 1;
        continue;
      }
      effect.updates += 1;
      if (update.paths.length === 0) {
        effect.withdrawals += 1;
        this.byVrf.get(update.vrf)?.delete(update.prefix);
      } else {
        this.tableOf(update.vrf).set(update.prefix, update.paths);
      }
    }
    return effect;
  }

  /** An empty table for a VRF just subscribed, so a VRF without routes still shows up. */
  open(vrf: string): void {
    this.tableOf(vrf);
  }

  drop(vrf: string): void {
    this.byVrf.delete(vrf);
  }

  clear(): void {
    this.byVrf.clear();
  }

  table(vrf: string): ReadonlyMap<string, readonly agentProto.Path[]> {
    return this.byVrf.get(vrf) ?? new Map();
  }

  all(): ReadonlyMap<string, ReadonlyMap<string, readonly agentProto.Path[]>> {
    return this.byVrf;
  }

  size(vrf: string): number {
    return this.byVrf.get(vrf)?.size ?? 0;
  }

  /** Prefixes held over every VRF. */
  get routeCount(): number {
    let n = 0;
    for (const table of this.byVrf.values()) n += table.size;
    return n;
  }

  private tableOf(vrf: string): Table {
    let table = this.byVrf.get(vrf);
    if (!table) {
      table = new Map();
      this.byVrf.set(vrf, table);
    }
    return table;
  }
}
