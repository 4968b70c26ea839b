/**
 * A request the routing code refuses: unknown VRF, malformed prefix, an ack out of range … The session turns it into
 * a Notice (or aborts the stream); `code` is the Notice code to use.
 */
export class RoutingError extends Error {
  readonly code: string;

  constructor(message: string, code = 'bad-request') {
    super(message);
    this.name = 'RoutingError';
    this.code = code;
  }
}
