import type { RoutePath } from '../rib/index.js';

/** One route of a RouteBatch: the best paths of (vrf, prefix) when it was sent; paths [] withdraws it. */
export interface RouteEntry {
  vrf: string;
  prefix: string;
  paths: RoutePath[];
}

/** A message for the agent, numbered; the session turns it into a ControlMessage. */
export type Outgoing =
  /** The session builds the ConfigUpdate itself; full = resend everything. */
  | { version: number; kind: 'config'; full: boolean }
  /** At most maxBatchRoutes entries. */
  | { version: number; kind: 'routes'; updates: RouteEntry[] }
  | { version: number; kind: 'end-of-rib'; vrf: string };

export interface QueueOptions {
  /** The most messages sent and not yet acked (Welcome.window), e.g. 32. */
  window: number;
  /** The most routes in one RouteBatch, e.g. 256. */
  maxBatchRoutes: number;
}

/** Where the queue reads route contents at send time (RoutingTables fits). */
export interface RouteLookup {
  bestPaths(vrf: string, prefix: string): RoutePath[];
  table(vrf: string): Iterable<[string, RoutePath[]]>;
}
