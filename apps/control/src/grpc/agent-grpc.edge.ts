import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { GrpcServerHost } from '#libs/platform';
import { agentProto, ServingStatus } from '#libs/proto';
import { ControlPlane } from '../control-plane/control-plane.js';
import { serveAgentStream } from './agent-stream.js';

export const AGENT_SERVICE_NAME = 'contrail.control.v1.AgentService';

/**
 * AgentService as generated, except that responses are handed to grpc-js already encoded: route updates are
 * encoded once for all the agents they go to (control-message-encoder.ts).
 */
export const AGENT_SERVICE_DEFINITION = {
  session: { ...agentProto.AgentServiceService.session, responseSerialize: (bytes: Buffer): Buffer => bytes },
} as const;

/** Puts AgentService on the process's gRPC server; on shutdown the control plane ends every agent stream. */
@Injectable()
export class AgentGrpcEdge implements OnModuleInit {
  private readonly logger = new Logger('AgentService');

  constructor(
    @Inject(ControlPlane) private readonly plane: ControlPlane,
    @Optional() private readonly host?: GrpcServerHost,
  ) {}

  onModuleInit(): void {
    if (!this.host) return;
    const implementation = {
      session: (call: ServerDuplexStream<agentProto.AgentMessage, Buffer>) => {
        try {
          serveAgentStream(call, this.plane);
        } catch (error) {
          this.logger.error(`Session failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        }
      },
    };
    this.host.addService(AGENT_SERVICE_DEFINITION, implementation);
    this.host.health.set(AGENT_SERVICE_NAME, ServingStatus.SERVING);
    this.host.onShutdown(() => this.plane.shutdown());
  }
}
