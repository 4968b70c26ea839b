import {
  status as GrpcStatus,
  type MethodDefinition,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { EventEmitter } from 'node:events';

/** A request message that did not decode: what a wrapped deserializer hands on instead of throwing. */
class UndecodableRequest {
  constructor(readonly reason: string) {}
}

/** What the caller is told: INVALID_ARGUMENT, naming the method and why the bytes did not decode. */
function refusal(path: string, request: UndecodableRequest): { code: GrpcStatus; details: string } {
  return { code: GrpcStatus.INVALID_ARGUMENT, details: `the request message of ${path} is not valid protobuf: ${request.reason}` };
}

type Callback = (error: { code: GrpcStatus; details: string } | null) => void;
type Listener = (...args: unknown[]) => void;

/**
 * The service with every request deserializer made to hand on a request it cannot decode, and every handler made
 * to answer one with INVALID_ARGUMENT, instead of grpc-js's own INTERNAL "Error deserializing request": bytes that
 * are not the method's message are the caller's mistake, and the caller is told so. A streaming call's handler
 * never sees such a message: the call ends with the status instead.
 */
export function answerUndecodableRequests<Implementation extends UntypedServiceImplementation>(
  service: ServiceDefinition<Implementation>,
  implementation: Implementation,
): { service: ServiceDefinition<Implementation>; implementation: Implementation } {
  const wrappedService: Record<string, MethodDefinition<unknown, unknown>> = {};
  const wrappedImplementation: Record<string, UntypedHandleCall> = {};
  for (const [name, method] of Object.entries(service) as Array<[string, MethodDefinition<unknown, unknown>]>) {
    wrappedService[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return new UndecodableRequest(error instanceof Error ? error.message : String(error));
        }
      },
    };
    const handler = implementation[name];
    if (handler) wrappedImplementation[name] = guard(method, handler as (...args: unknown[]) => void);
  }
  return { service: wrappedService as ServiceDefinition<Implementation>, implementation: { ...implementation, ...wrappedImplementation } as Implementation };
}

function guard(method: MethodDefinition<unknown, unknown>, handler: (...args: unknown[]) => void): UntypedHandleCall {
  const path = method.path;
  if (!method.requestStream) {
    // Unary and server streaming: the one request is decoded before the handler runs.
    return ((call: { request: unknown } & EventEmitter, callback?: Callback) => {
      if (!(call.request instanceof UndecodableRequest)) return handler(call, callback);
      if (callback) return callback(refusal(path, call.request));
      call.emit('error', refusal(path, call.request));
    }) as unknown as UntypedHandleCall;
  }
  // Client and bidirectional streaming: each message arrives as a 'data' event; the handler's listeners get the
  // decoded ones only, and the first undecodable one ends the call.
  return ((call: EventEmitter, callback?: Callback) => {
    let refused = false;
    const wrap = (listener: Listener): Listener => (...args: unknown[]) => {
      const message = args[0];
      if (!(message instanceof UndecodableRequest)) return listener(...args);
      if (refused) return;
      refused = true;
      if (callback) callback(refusal(path, message));
      else call.emit('error', refusal(path, message));
    };
    const wrapped = new WeakMap<Listener, Listener>();
    const wrapOnce = (listener: Listener): Listener => {
      let w = wrapped.get(listener);
      if (!w) wrapped.set(listener, (w = wrap(listener)));
      return w;
    };
    for (const method of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const) {
      const original = call[method].bind(call);
      call[method] = ((event: string | symbol, listener: Listener) => original(event, event === 'data' ? wrapOnce(listener) : listener)) as never;
    }
    for (const method of ['off', 'removeListener'] as const) {
      const original = call[method].bind(call);
      call[method] = ((event: string | symbol, listener: Listener) => original(event, event === 'data' ? (wrapped.get(listener) ?? listener) : listener)) as never;
    }
    return handler(call, callback);
  }) as unknown as UntypedHandleCall;
}
