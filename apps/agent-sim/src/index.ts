// The agent simulator as tests and benchmarks use it: simulated vRouter agents on AgentService, fleets of them,
// config provisioning through the REST API, and the CLI's argument parsing and run.
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
export { parseSimArgs, UsageError, USAGE, EXIT, type SimArgs, type ParsedArgs } from './cli-args.js';
export { runSim, type SimIo } from './run-sim.js';
export { type SimReport } from './sim-report.js';
