// The control service as other apps compose it (the all-in-one controller) and as tests drive it.
export { ControlModule } from './control.module.js';
export { DEFAULT_CONTROL_OPTIONS, type ControlOptions, type ControlModuleOptions, type XmppListenOptions } from './control-options.js';
export { XmppBridge, DEFAULT_XMPP_PORT, type XmppBridgeOptions, type XmppBridgeCounters, type XmppLog } from './xmpp/xmpp-bridge.js';
export {
  ControlPlane,
  AgentSession,
  HelloRefused,
  type SessionTransport,
  type HelloInput,
  type WelcomeInfo,
  type AgentInfo,
  type AgentProtocol,
} from './control-plane/control-plane.js';
export type { SessionMessage, ConfigDelta, NoticeCode } from './control-plane/session-messages.js';
export { checkRoutes, type RouteInput } from './control-plane/route-input.js';
export { readControlOptions, CONTROL_OPTIONS } from './control-options.js';
