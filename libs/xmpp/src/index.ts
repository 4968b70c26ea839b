// The Tungsten Fabric XMPP dialect (../shared/specs/xmpp-dialect.md) as pure code: no Nest, no sockets, no timers.
export { XmppCodecError, XmppError, XmppFramingError, XmlSyntaxError } from './errors.js';

export { attribute, childElement, childElements, childText, findDescendant, xmlElement, type XmlElement } from './xml/xml-element.js';
export { DEFAULT_MAX_XML_DEPTH, parseXml, type XmlParseOptions } from './xml/xml-parser.js';
export { escapeAttribute, escapeText, serializeElement } from './xml/xml-writer.js';

export { DEFAULT_MAX_STANZA_BYTES, XmppFramer, type Frame, type FramerOptions } from './framing/framer.js';

export * from './dialect/constants.js';
export { FAMILY_CODES, familyNodePrefix, familyOf, splitFamilyNode, type FamilyCode, type RouteFamily } from './dialect/families.js';
export { decodeStreamHeader, encodeAgentStreamHeader, encodeControlStreamHeader, type StreamHeader } from './dialect/stream-header.js';
export {
  STREAM_ERROR_NAMESPACE,
  TLS_NAMESPACE,
  decodeStartTls,
  decodeStartTlsAnswer,
  decodeStreamError,
  decodeStreamFeatures,
  encodeProceed,
  encodeStartTls,
  encodeStreamError,
  encodeStreamFeatures,
  encodeTlsFailure,
  type StreamErrorCondition,
  type StreamFeatures,
} from './dialect/starttls.js';
export { channelOf, type Channel, type StanzaAddress } from './dialect/stanza-envelope.js';
export {
  configSubjectNode,
  encodeConfigSubscribe,
  encodeConfigUnsubscribe,
  encodeVrfSubscribe,
  encodeVrfUnsubscribe,
  virtualRouterNode,
  type ConfigSubject,
  type ConfigSubscription,
  type VrfSubscribeInput,
  type VrfSubscription,
} from './dialect/subscribe.js';
export { MAX_LABEL, type EntryContext, type EntryPurpose, type Mobility } from './dialect/entry-common.js';
export { decodeUnicastEntry, DEFAULT_LOAD_BALANCE, type LoadBalance, type UnicastEntry, type UnicastNextHop } from './dialect/unicast-entry.js';
export { decodeEnetEntry, enetItemId, type EnetEntry, type EnetNextHop } from './dialect/enet-entry.js';
export { decodeMcastEntry, mcastItemId, type McastEntry, type McastNextHop } from './dialect/mcast-entry.js';
export {
  agentRouteOf,
  controlEncapsulations,
  decodeItemEntry,
  routeKey,
  wireEncapsulations,
  type AgentRoute,
  type RouteEntry,
} from './dialect/route-entry.js';
export {
  decodePublishItems,
  encodeAgentEndOfRibIqs,
  encodeRoutePublish,
  publishNode,
  PublishPairer,
  type CollectionStanza,
  type ItemRejection,
  type PublishOutcome,
  type PublishStanza,
  type RoutePublishInput,
} from './dialect/publish.js';
export {
  encodeAgentEndOfRibMessage,
  encodeControlEndOfRib,
  encodeRouteItems,
  encodeRouteItemsMessage,
  encodeRouteRetractMessage,
  encodeRouteRetracts,
  encodeRouteUpdates,
  itemsNode,
  unicastEntryForPaths,
  virtualNetworkOfVrf,
  type EndOfRibMessage,
  type PushItem,
  type PushPath,
  type PushUpdate,
  type RouteUpdateMessage,
} from './dialect/route-push.js';
export {
  decodeConfig,
  encodeConfigMessage,
  encodeConfigMessages,
  ifmapObjectKey,
  type ConfigBlock,
  type ConfigMessage,
  type IfmapIdentity,
  type IfmapLink,
  type IfmapNode,
  type IfmapObject,
  type IfmapOperation,
} from './dialect/ifmap.js';
export { agentConfigGraph, diffIfmapGraphs, uuidOfIdPerms } from './dialect/agent-config-graph.js';
export { AGENT_STANZA_KINDS, decodeStanza, decodeStanzaText, type Stanza } from './dialect/stanza.js';

export {
  XmppServerSession,
  type AgentIdentity,
  type AgentRequest,
  type ServerSessionOptions,
  type SessionAction,
  type SessionState,
} from './session/server-session.js';
export { decideAdmission, sameAddress, type AdmissionDecision, type AdmissionOptions, type RegisteredSession, type SessionRegistry } from './session/admission.js';
