export { AgentUpdateQueue } from './agent-update-queue.js';
export type { Outgoing, QueueOptions, RouteEntry, RouteLookup } from './outgoing.js';
