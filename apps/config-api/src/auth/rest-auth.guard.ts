import { HttpException, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AUTHENTICATOR, admit, httpRefusal, routeAccess, type Authenticator, type Principal, type RefusedCommand } from '#libs/security';
import { ConfigViews } from '../rest/config-views.js';
import { addressOf, rememberAuth, type CommandOrigin } from './call-auth.js';
import { RefusalRecorder } from './refusal-recorder.js';

/**
 * Authentication and the coarse right of every REST route (libs/security's routeAccess), as a global guard (it runs
 * for the control service's /control/* routes of the all-in-one too, with the rule the control service applies on
 * its own). A refusal answers 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3) or 403, with a message saying why; a
 * refused write is recorded in the audit trail. A call let through carries its principal to the command metadata
 * (request-context.ts). The kubemanager's scope is checked in the command path, where the object is known.
 */
@Injectable()
export class RestAuthGuard implements CanActivate {
  constructor(
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
    private readonly recorder: RefusalRecorder,
    private readonly views: ConfigViews,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const access = routeAccess(req.method, req.path);
    if (access === 'open') return true;
    const origin: CommandOrigin = { address: addressOf(req.socket.remoteAddress), request: `${req.method} ${req.path}` };
    const { principal, refusal } = admit(this.authenticator, req.get('authorization'), access, origin.request);
    if (refusal) {
      await this.recorder.refused(refusal, access === 'write' ? this.refusedWrite(req, origin, principal) : undefined);
      const answer = httpRefusal(refusal);
      const res = context.switchToHttp().getResponse<Response>();
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      throw new HttpException({ message: answer.message }, answer.status);
    }
    const operation = req.path === '/prop-collection-update' ? 'prop-collection-update' : undefined;
    rememberAuth(req, { principal, origin: operation ? { ...origin, operation } : origin });
    return true;
  }

  /** The refused write as far as the request says what it was. */
  private refusedWrite(req: Request, origin: CommandOrigin, principal: Principal | undefined): RefusedCommand {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const command: RefusedCommand = { address: origin.address, protocol: 'rest', operation: 'write', request: origin.request };
    if (principal && principal.authentication !== 'anonymous') command.principal = principal;
    const correlationId = req.get('x-request-id');
    if (correlationId) command.correlationId = correlationId;
    const params = req.params as Record<string, string | undefined>;
    if (req.method === 'POST' && params.collection !== undefined) {
      command.operation = 'create';
      command.type = this.typeOr(() => this.views.typeOfCollection(params.collection!), params.collection);
      const inner = body[command.type];
      if (inner !== null && typeof inner === 'object') {
        const { fq_name: fqName, uuid } = inner as Record<string, unknown>;
        if (Array.isArray(fqName) && fqName.every((p) => typeof p === 'string')) command.fq_name = fqName as string[];
        if (typeof uuid === 'string') command.uuid = uuid;
      }
    } else if ((req.method === 'PUT' || req.method === 'DELETE') && params.type !== undefined) {
      command.operation = req.method === 'PUT' ? 'update' : 'delete';
      command.type = params.type;
      if (params.uuid !== undefined) command.uuid = params.uuid;
    } else if (req.path === '/ref-update' || req.path === '/prop-collection-update') {
      command.operation = req.path.slice(1);
      if (typeof body.type === 'string') command.type = body.type;
      if (typeof body.uuid === 'string') command.uuid = body.uuid;
    }
    return command;
  }

  private typeOr(type: () => string, fallback: string): string {
    try {
      return type();
    } catch {
      return fallback;
    }
  }
}
