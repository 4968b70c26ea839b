import { ServerInterceptingCall, status as GrpcStatus, type ServerInterceptingCallInterface, type ServerInterceptor } from '@grpc/grpc-js';

type PartialStatusObject = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];

/** What grpc-js says when a request message is over `grpc.max_receive_message_length` (before or after inflating). */
const OVERSIZED = /^Received message larger than max \((\d+) vs\.? (\d+)\)$|^Received message that decompresses to a size larger than (\d+)$/;

/** The settings of a message size limit: the bytes, the variable that sets them, what to call on each refusal. */
export interface MessageSizeLimit {
  maxBytes: number;
  /** Named in the status details, e.g. GRPC_MAX_MESSAGE_BYTES. */
  setting: string;
  onHit(): void;
}

/**
 * grpc-js refuses a request message over `grpc.max_receive_message_length` as soon as its length prefix arrives
 * (nothing of it is buffered) with RESOURCE_EXHAUSTED, straight from the call under every interceptor. This
 * interceptor, which must be the first of the server's (it is handed that call), counts those refusals and words
 * them for the client: the size, the limit and the setting that raises it.
 */
export function messageSizeLimitInterceptor(limit: MessageSizeLimit): ServerInterceptor {
  return (_method, call) => {
    const send = call.sendStatus.bind(call);
    call.sendStatus = (status: PartialStatusObject): void => {
      const match = status.code === GrpcStatus.RESOURCE_EXHAUSTED ? OVERSIZED.exec(status.details) : null;
      if (!match) return send(status);
      limit.onHit();
      const size = match[1] === undefined ? 'decompressed to more than the limit' : `of ${match[1]} bytes`;
      send({ ...status, details: `the request message ${size} is larger than the limit of ${limit.maxBytes} bytes (${limit.setting})` });
    };
    return new ServerInterceptingCall(call);
  };
}
