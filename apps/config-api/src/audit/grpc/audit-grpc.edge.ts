import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { GrpcServerHost } from '#libs/platform';
import { AuditServiceService, ServingStatus } from '#libs/proto';
import { GrpcAuthGate } from '../../auth/grpc-auth-gate.js';
import { CONFIG_API, type ConfigApi } from '../../config-api.js';
import type { AuditQueries } from '../audit-queries.js';
import { AUDIT_QUERIES } from '../audit.tokens.js';
import { AuditService } from './audit-service.js';

/** The service's name in grpc.health.v1 and on the wire. */
export const AUDIT_SERVICE_NAME = 'contrail.audit.v1.AuditService';

/** Puts AuditService on the process's gRPC server, when there is one (GrpcModule is optional). */
@Injectable()
export class AuditGrpcEdge implements OnModuleInit {
  private readonly logger = new Logger('AuditService');

  constructor(
    @Inject(AUDIT_QUERIES) private readonly audit: AuditQueries,
    @Inject(CONFIG_API) private readonly api: ConfigApi,
    @Optional() private readonly host?: GrpcServerHost,
    @Optional() private readonly gate?: GrpcAuthGate,
  ) {}

  onModuleInit(): void {
    if (!this.host) return;
    const service = new AuditService(
      this.audit,
      this.api.model.schema,
      (error, method) => this.logger.error(`${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      this.gate,
    );
    this.host.addService(AuditServiceService, service.implementation());
    this.host.health.set(AUDIT_SERVICE_NAME, ServingStatus.SERVING);
  }
}
