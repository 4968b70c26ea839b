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
  type Admission,
  type ControlLimit,
} from './control-plane/control-plane.js';
export type { SessionMessage, ConfigDelta, NoticeCode } from './control-plane/session-messages.js';
export { checkRoutes, type RouteInput } from './control-plane/route-input.js';
export { checkAgentIdentity, readControlOptions, readXmppSettings, CONTROL_OPTIONS, type XmppSettings } from './control-options.js';
export { readXmppTlsMode, XMPP_TLS_MODES, type XmppTlsMode } from './xmpp/xmpp-tls-options.js';
