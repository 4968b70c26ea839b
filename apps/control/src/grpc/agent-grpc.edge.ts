import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { GrpcServerHost } from '#libs/platform';
import { agentProto, ServingStatus } from '#libs/proto';
import { ControlPlane } from '../control-plane/control-plane.js';
import { serveAgentStream } from './agent-stream.js';

export const AGENT_SERVICE_NAME = 'contrail.control.v1.AgentService';

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
    const implementation: agentProto.AgentServiceServer = {
      session: (call) => {
        try {
          serveAgentStream(call, this.plane);
        } catch (error) {
          this.logger.error(`Session failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        }
      },
    };
    this.host.addService(agentProto.AgentServiceService, implementation);
    this.host.health.set(AGENT_SERVICE_NAME, ServingStatus.SERVING);
    this.host.onShutdown(() => this.plane.shutdown());
  }
}
