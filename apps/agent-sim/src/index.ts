// The agent simulator as tests and benchmarks use it: simulated vRouter agents on AgentService and in Tungsten
// Fabric's XMPP dialect, agents with a session to each control replica, fleets of them, config provisioning
// through the REST API, and the CLI's argument parsing and run.
export {
  SimulatedAgent,
  SessionRefusedError,
  PUBLISH_CHUNK,
  type SimulatedAgentOptions,
  type AgentEvents,
} from './simulated-agent.js';
export { type AgentStats, type ReceivedNotice } from './received-state.js';
export { type AgentConfig } from './agent-config.js';
export { AgentFleet, FleetTimeoutError, type AgentFleetOptions, type ConnectOutcome, type ConvergenceReport, type FleetTotals, type MemorySnapshot } from './fleet.js';
export { summarize, type LatencySummary } from './latency-stats.js';
export {
  provisionCluster,
  provisionNetworks,
  provisionVirtualRouters,
  createOrReuse,
  networkBody,
  virtualRouterBody,
  type ProvisionOptions,
  type ProvisionOutcome,
} from './provision.js';
export { SimPlan, agentName, agentAddress, networkName, networkSubnet, vrfName, MAX_AGENTS, MAX_VRFS, MAX_ROUTES_PER_VRF } from './sim-plan.js';
export { parseSimArgs, UsageError, USAGE, EXIT, DEFAULT_TARGETS, type SimArgs, type SimProto, type ParsedArgs } from './cli-args.js';
export { runSim, type SimIo, type SimAgent, type SimFleet } from './run-sim.js';
export {
  XmppSimulatedAgent,
  XMPP_PUBLISH_CHUNK,
  parseTarget,
  type EndOfRibMode,
  type XmppAgentEvents,
  type XmppAgentStats,
  type XmppAgentTls,
  type XmppReceived,
  type XmppSimulatedAgentOptions,
} from './xmpp/xmpp-agent.js';
export { simTlsOf, type SimTls } from './sim-tls.js';
export { XmppFleet, type XmppFleetOptions } from './xmpp/xmpp-fleet.js';
export { IfmapGraph } from './xmpp/ifmap-config.js';
export { scanRoutePush, publishedEntry, pathsOfItem, type ScannedPush } from './xmpp/xmpp-routes.js';
export { type SimReport } from './sim-report.js';
export {
  RedundantAgent,
  controlChannel,
  type ControlSession,
  type ControlSessionOptions,
  type RedundantAgentEvents,
  type RedundantAgentOptions,
} from './redundant/redundant-agent.js';
export { RedundantFleet, type RedundantFleetOptions } from './redundant/redundant-fleet.js';
export { unionOfSessions, unionOfVrf, type SessionRoutes, type VrfRoutes } from './redundant/route-union.js';
export { DEFAULT_RECONNECT_BACKOFF, reconnectDelay, type ReconnectBackoff } from './redundant/reconnect-backoff.js';
