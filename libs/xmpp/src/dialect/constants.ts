// Names and limits of the Tungsten Fabric XMPP dialect (xmpp-dialect.md; sources cited there).

/** §1.1 XmppInit::kControlNodeJID. */
export const CONTROL_NODE_JID = 'network-control@contrailsystems.com';
/** §1.1 resources the agent addresses and is addressed as: `<jid>/bgp-peer`, `<jid>/config`. */
export const BGP_PEER_RESOURCE = 'bgp-peer';
export const CONFIG_RESOURCE = 'config';
export const PUBSUB_NAMESPACE = 'http://jabber.org/protocol/pubsub';
export const STREAM_NAMESPACE = 'http://etherx.jabber.org/streams';
/** §1.2 the control node always answers with this stream id. */
export const CONTROL_STREAM_ID = '++123';
/** §1.1 TCP port of the control node. */
export const XMPP_PORT = 5269;

/** §1.4 the keepalive: U+0200 in UTF-8. */
export const KEEPALIVE_BYTES: Buffer = Buffer.from([0xc8, 0x80]);
/** §1.2 closing the stream. */
export const STREAM_CLOSE = '</stream:stream>';

/** §2 the fabric (master) routing instance; the agent subscribes to it with instance-id 0. */
export const MASTER_INSTANCE = 'default-domain:default-project:ip-fabric:__default__';
/** §4 `items@node` of the end-of-RIB marker. */
export const END_OF_RIB_NODE = '0/0/EndOfRib';
/** §7 the virtual-router fq_name is `default-global-system-config:<agent name>`. */
export const GLOBAL_SYSTEM_CONFIG = 'default-global-system-config';

/** §4 kMaxReachCount, kMaxUnreachCount (xmpp_message_builder.h). */
export const MAX_ITEMS_PER_MESSAGE = 32;
export const MAX_RETRACTS_PER_MESSAGE = 256;
/** §6 kObjectsPerMessage (ifmap_encoder.h). */
export const MAX_CONFIG_OBJECTS_PER_MESSAGE = 16;

/** §1.4 kHoldTime; keepalives go every hold/3. */
export const DEFAULT_HOLD_TIME_SECONDS = 90;
/** §1.2 kOpenTime: the agent's header must arrive within this. */
export const OPEN_TIME_SECONDS = 15;
