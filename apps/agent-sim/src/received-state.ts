import type { agentProto } from '#libs/proto';
import { applyConfigUpdate, emptyConfig, type AgentConfig } from './agent-config.js';
import { RouteTables } from './route-tables.js';

export interface AgentStats {
  /** ControlMessages after Welcome. */
  messages: number;
  /** RouteUpdates applied (withdrawals included). */
  routeUpdates: number;
  withdrawals: number;
  /** RouteUpdates for VRFs not subscribed: dropped. */
  ignoredUpdates: number;
  configUpdates: number;
  endOfRibs: number;
  notices: number;
  acks: number;
  publishedRoutes: number;
  withdrawnRoutes: number;
}

export interface ReceivedNotice extends agentProto.Notice {
  version: number;
  at: number;
}

/** What applying one message did, for the agent to react to. */
export type Applied = { kind: 'routes' | 'endOfRib' } | { kind: 'config' } | { kind: 'notice'; notice: ReceivedNotice } | { kind: 'empty' };

/** What control told an agent: the tables of its subscribed VRFs, its config, EndOfRibs, notices, and counts. */
export class ReceivedState {
  readonly stats: AgentStats = { messages: 0, routeUpdates: 0, withdrawals: 0, ignoredUpdates: 0, configUpdates: 0, endOfRibs: 0, notices: 0, acks: 0, publishedRoutes: 0, withdrawnRoutes: 0 };
  readonly notices: ReceivedNotice[] = [];
  readonly subscribed = new Set<string>();
  readonly endOfRibs = new Set<string>();
  readonly routes = new RouteTables();
  config: AgentConfig = emptyConfig();

  /** Applies a ControlMessage that follows Welcome. */
  apply(message: agentProto.ControlMessage, at: number): Applied {
    this.stats.messages += 1;
    const body = message.body;
    switch (body?.$case) {
      case 'routes': {
        const effect = this.routes.apply(body.value, (vrf) => this.subscribed.has(vrf));
        this.stats.routeUpdates += effect.updates;
        this.stats.withdrawals += effect.withdrawals;
        this.stats.ignoredUpdates += effect.ignored;
        return { kind: 'routes' };
      }
      case 'config':
        applyConfigUpdate(this.config, body.value);
        this.stats.configUpdates += 1;
        return { kind: 'config' };
      case 'endOfRib':
        this.endOfRibs.add(body.value.vrf);
        this.stats.endOfRibs += 1;
        return { kind: 'endOfRib' };
      case 'notice': {
        const notice = { ...body.value, version: message.version, at };
        this.notices.push(notice);
        this.stats.notices += 1;
        return { kind: 'notice', notice };
      }
      default:
        return { kind: 'empty' };
    }
  }

  subscribing(vrf: string): void {
    // A new subscription gets its own EndOfRib; control ignores a repeated one, so the old EndOfRib stands.
    if (!this.subscribed.has(vrf)) this.endOfRibs.delete(vrf);
    this.subscribed.add(vrf);
    this.routes.open(vrf);
  }

  unsubscribing(vrf: string): void {
    this.subscribed.delete(vrf);
    this.endOfRibs.delete(vrf);
    this.routes.drop(vrf); // control sends no withdraws: the agent drops the table itself
  }

  /** Every subscribed VRF has had its EndOfRib. */
  get allEndOfRibs(): boolean {
    for (const vrf of this.subscribed) if (!this.endOfRibs.has(vrf)) return false;
    return true;
  }

  /** A new session: control will send everything again. Subscriptions stay (the agent asks for them again). */
  clear(): void {
    this.routes.clear();
    this.endOfRibs.clear();
    this.config = emptyConfig();
  }
}
