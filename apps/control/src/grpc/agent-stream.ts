import { Metadata, status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import { agentProto } from '#libs/proto';
import { certificateNames } from '../control-plane/agent-identity.js';
import { HelloRefused, type AgentSession, type ControlPlane, type SessionTransport } from '../control-plane/control-plane.js';
import type { RouteInput } from '../control-plane/route-input.js';
import { toWelcome } from './agent-wire.js';
import { encodeSessionMessage } from './control-message-encoder.js';

/** Responses are written as encoded bytes (see control-message-encoder.ts and AGENT_SERVICE_DEFINITION). */
type AgentCall = ServerDuplexStream<agentProto.AgentMessage, Buffer>;

/** How long a new stream may take to say Hello. */
export const HELLO_TIMEOUT_MS = 10_000;

const REFUSAL_CODES: Record<HelloRefused['code'], GrpcStatus> = {
  invalid: GrpcStatus.INVALID_ARGUMENT,
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  'cluster-mismatch': GrpcStatus.FAILED_PRECONDITION,
  'shutting-down': GrpcStatus.UNAVAILABLE,
  'too-many-sessions': GrpcStatus.RESOURCE_EXHAUSTED,
};

const END_CODES: Record<Parameters<SessionTransport['end']>[0]['code'], GrpcStatus> = {
  replaced: GrpcStatus.ABORTED,
  shutdown: GrpcStatus.UNAVAILABLE,
  'too-far-behind': GrpcStatus.RESOURCE_EXHAUSTED,
};

/** The trailer of a paced session's UNAVAILABLE: the milliseconds after which the agent is to say Hello again. */
export const RETRY_AFTER_TRAILER = 'retry-after-ms';

/**
 * One AgentService.Session call: waits for Hello, opens (or resumes) the agent's session on the control plane, then
 * turns each AgentMessage into a session call and each SessionMessage into a ControlMessage on the stream.
 */
export function serveAgentStream(call: AgentCall, plane: ControlPlane, onOpen?: (session: AgentSession) => void): void {
  let session: AgentSession | undefined;
  let finished = false;
  const fail = (code: GrpcStatus, details: string, metadata?: Metadata): void => {
    if (finished) return;
    finished = true;
    clearTimeout(helloTimer);
    call.emit('error', { code, details, ...(metadata ? { metadata } : {}) });
    session?.closed();
  };
  const helloTimer = setTimeout(() => fail(GrpcStatus.INVALID_ARGUMENT, `no Hello within ${HELLO_TIMEOUT_MS} ms`), HELLO_TIMEOUT_MS);
  helloTimer.unref();

  const transport: SessionTransport = {
    send: (message) => (finished ? true : call.write(encodeSessionMessage(message))),
    end: (reason) => fail(END_CODES[reason.code], reason.message),
  };

  call.on('data', (message: agentProto.AgentMessage) => {
    if (finished) return;
    const body = message.body;
    if (!session) {
      if (body?.$case !== 'hello') return fail(GrpcStatus.INVALID_ARGUMENT, `the first message must be hello, got ${body?.$case ?? 'an empty message'}`);
      clearTimeout(helloTimer);
      try {
        const peerAddress = peerAddressOf(call.getPeer());
        const admission = plane.admit({ agentName: body.value.agentName, peerAddress });
        if (admission.kind !== 'now') {
          // gRPC cannot hold a session before Welcome without the agent's connect timeout running: it comes back.
          const trailer = new Metadata();
          trailer.set(RETRY_AFTER_TRAILER, String(admission.kind === 'hold' ? admission.waitMs : admission.retryAfterMs));
          return fail(GrpcStatus.UNAVAILABLE, admission.kind === 'later' ? admission.message : 'new agent sessions are paced', trailer);
        }
        const opened = plane.open({ ...body.value, peerAddress, certificateNames: certificateNamesOf(call) }, transport);
        session = opened.session;
        call.write(Buffer.from(agentProto.ControlMessage.encode(toWelcome(opened.welcome)).finish()));
        onOpen?.(session);
      } catch (error) {
        if (error instanceof HelloRefused) return fail(REFUSAL_CODES[error.code], error.message);
        throw error;
      }
      return;
    }
    dispatch(session, body, fail, () => {
      finished = true;
      session!.ended();
      call.end();
    });
  });
  call.on('drain', () => session?.drained());
  const closed = (): void => {
    clearTimeout(helloTimer);
    if (!finished) {
      finished = true;
      session?.closed();
    }
  };
  // An end of the stream is a drop (grpc-js ends the request stream on a cancel too): only Goodbye means leaving.
  call.on('end', () => {
    closed();
    call.end();
  });
  call.on('error', closed);
  call.on('cancelled', closed);
  call.on('close', closed);
}

function dispatch(
  session: AgentSession,
  body: agentProto.AgentMessage['body'],
  fail: (code: GrpcStatus, details: string) => void,
  leave: () => void,
): void {
  switch (body?.$case) {
    case 'subscribe':
      return session.subscribe(body.value.vrf);
    case 'unsubscribe':
      return session.unsubscribe(body.value.vrf);
    case 'publish':
      return session.publish(body.value.vrf, body.value.routes.map(toRouteInput));
    case 'withdraw':
      return session.withdraw(body.value.vrf, body.value.prefixes);
    case 'ack':
      return session.ack(body.value.version);
    case 'endOfRib':
      return session.endOfRib();
    case 'goodbye':
      return leave();
    case 'hello':
      return fail(GrpcStatus.INVALID_ARGUMENT, 'hello may only be the first message of a session');
    case undefined:
      return fail(GrpcStatus.INVALID_ARGUMENT, 'an AgentMessage without a body');
  }
}

/**
 * The source address of a call, from grpc-js's peer (`10.0.0.7:51234`, `::1:51234`, `::ffff:10.0.0.7:51234`, or
 * 'unknown'): the IPv4 form of a mapped address; undefined when there is none.
 */
export function peerAddressOf(peer: string): string | undefined {
  const match = /^\[?([0-9a-fA-F:.]+?)\]?:\d+$/.exec(peer);
  if (!match) return undefined;
  const address = match[1]!.toLowerCase();
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function toRouteInput(route: agentProto.Route): RouteInput {
  return {
    prefix: route.prefix,
    nextHop: route.nextHop,
    label: route.label,
    encapsulations: route.encapsulations,
    securityGroups: route.securityGroups,
    sequence: route.sequence,
    localPreference: route.localPreference,
  };
}

/** The names of the stream's TLS client certificate; undefined without TLS or without a client certificate. */
function certificateNamesOf(call: AgentCall): string[] | undefined {
  const peer = call.getAuthContext()?.sslPeerCertificate;
  // A TLS socket answers an empty object when the peer sent no certificate.
  if (!peer || Object.keys(peer).length === 0) return undefined;
  return certificateNames(peer.subject as unknown as Record<string, unknown>, peer.subjectaltname);
}
