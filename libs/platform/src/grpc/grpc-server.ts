import { Server, ServerCredentials, type ServerOptions, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { isIPv6 } from 'node:net';
import { answerUndecodableRequests } from './undecodable-requests.js';

/**
 * A @grpc/grpc-js server with the two things every service needs around it: binding that reports the port it got
 * (port 0 = any free port) and a shutdown that lets calls finish, then cuts them after a deadline. Plain TypeScript:
 * Nest hosts it (GrpcServerHost), but it does not know Nest.
 */
export class GrpcServer {
  private readonly server: Server;
  private stopping: Promise<'graceful' | 'forced'> | undefined;

  constructor(options: ServerOptions = {}) {
    this.server = new Server(options);
  }

  /** Adds a service whose callers are told INVALID_ARGUMENT for a request that is not its message (undecodable-requests.ts). */
  addService<Implementation extends UntypedServiceImplementation>(
    service: ServiceDefinition<Implementation>,
    implementation: Implementation,
  ): void {
    const wrapped = answerUndecodableRequests(service, implementation);
    this.server.addService(wrapped.service, wrapped.implementation);
  }

  /** Binds (without TLS unless `credentials` say otherwise) and starts serving; resolves with the port bound. */
  listen(host: string, port: number, credentials: ServerCredentials = ServerCredentials.createInsecure()): Promise<number> {
    const address = `${isIPv6(host) ? `[${host}]` : host}:${port}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, credentials, (error, boundPort) => {
        if (error) reject(new Error(`gRPC cannot listen on ${address}: ${error.message}`, { cause: error }));
        else resolve(boundPort);
      });
    });
  }

  /**
   * Refuses new calls at once, lets open calls finish for up to `timeoutMs`, then cancels what is left
   * (tryShutdown, then forceShutdown). Safe to call more than once: every caller waits for the same shutdown.
   */
  shutdown(timeoutMs: number): Promise<'graceful' | 'forced'> {
    this.stopping ??= new Promise((resolve) => {
      const deadline = setTimeout(() => {
        this.server.forceShutdown();
        resolve('forced');
      }, timeoutMs);
      this.server.tryShutdown(() => {
        clearTimeout(deadline);
        resolve('graceful');
      });
    });
    return this.stopping;
  }
}
