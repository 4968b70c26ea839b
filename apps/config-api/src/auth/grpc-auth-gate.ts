import { Inject, Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { AUTHENTICATOR, admit, type Authenticator, type Principal, type RefusedCommand, type Right } from '#libs/security';
import { grpcPeerAddress, rememberAuth, type CommandOrigin } from './call-auth.js';
import { RefusalRecorder } from './refusal-recorder.js';

/** What the gate needs of a call: its metadata and its peer. */
export interface GatedCall {
  metadata: Metadata;
  getPeer(): string;
}

/** ConfigService's writes, by method name, with the operation recorded when one is refused. */
const CONFIG_WRITES: Readonly<Record<string, string>> = { Create: 'create', Update: 'update', Delete: 'delete', RefUpdate: 'ref-update' };

/**
 * Authentication and the coarse right of every ConfigService and AuditService call, from the `authorization`
 * metadata (`Bearer <token>`), with the same checks and words as REST's guard (rest-auth.guard.ts): UNAUTHENTICATED
 * for a 401, PERMISSION_DENIED for a 403, a refused write recorded. ConfigService's Create, Update, Delete and
 * RefUpdate are writes, its other calls (Watch included) reads; every AuditService call needs the audit right.
 * grpc.health.v1 and the agents' AgentService are not gated here.
 */
@Injectable()
export class GrpcAuthGate {
  constructor(
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
    private readonly recorder: RefusalRecorder,
  ) {}

  /** The right a method of `service` needs. */
  static rightOf(service: 'ConfigService' | 'AuditService', method: string): Right {
    if (service === 'AuditService') return 'audit';
    return CONFIG_WRITES[method] !== undefined ? 'write' : 'read';
  }

  /**
   * Lets the call through (and keeps its principal for the command metadata), or throws the AuthRefusal after
   * recording it. `target` describes a write's object (type, uuid, fq_name) for the audit trail, when it is refused.
   */
  async admit(
    call: GatedCall,
    service: 'ConfigService' | 'AuditService',
    method: string,
    target: () => Pick<RefusedCommand, 'type' | 'uuid' | 'fq_name'> = () => ({}),
  ): Promise<Principal> {
    const right = GrpcAuthGate.rightOf(service, method);
    const origin: CommandOrigin = { address: grpcPeerAddress(call.getPeer()), request: `${service}/${method}` };
    const { principal, refusal } = admit(this.authenticator, text(call.metadata, 'authorization'), right, origin.request);
    if (refusal) {
      let command: RefusedCommand | undefined;
      if (right === 'write') {
        command = { address: origin.address, protocol: 'grpc', operation: CONFIG_WRITES[method]!, request: origin.request, ...defined(target()) };
        if (principal && principal.authentication !== 'anonymous') command.principal = principal;
        const correlationId = text(call.metadata, 'x-request-id');
        if (correlationId) command.correlationId = correlationId;
      }
      await this.recorder.refused(refusal, command);
      throw refusal;
    }
    rememberAuth(call, { principal, origin });
    return principal;
  }
}

function text(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0))) as Partial<T>;
}
