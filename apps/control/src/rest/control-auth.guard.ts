import { HttpException, Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Counter } from 'prom-client';
import { Metrics } from '#libs/platform';
import { AUTHENTICATOR, admit, httpRefusal, routeAccess, type AuthRefusal, type Authenticator } from '#libs/security';

/**
 * The bearer-token check of the control service on its own (DESIGN §8), as a global guard: the rule and the words
 * of the config API's guard (libs/security's routeAccess, admit and httpRefusal), so /control/* answers alike
 * whether the all-in-one serves it behind the config API's guard or this process serves it. /health and /metrics
 * stay open; the /control/* views are reads: reader, operator, admin, and a kubemanager, whose read right covers
 * every view of the config already. A refusal answers 401 with `WWW-Authenticate: Bearer` or 403 with the reason,
 * in the JSON error body of every other error. Nothing here writes, so there is no refused write to record: refusals
 * are counted on /metrics, with the config API's series.
 */
@Injectable()
export class ControlAuthGuard implements CanActivate {
  private readonly refusals: Counter<'status' | 'reason'>;

  constructor(
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
    @Optional() metrics?: Metrics,
  ) {
    this.refusals = new Counter({
      name: 'contrail_auth_refusals_total',
      help: 'Calls refused by authentication (401) or authorization (403), by status and reason.',
      labelNames: ['status', 'reason'],
      registers: metrics ? [metrics.registry] : [],
    });
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const access = routeAccess(req.method, req.path);
    if (access === 'open') return true;
    const { refusal } = admit(this.authenticator, req.get('authorization'), access, `${req.method} ${req.path}`);
    if (!refusal) return true;
    throw this.refused(refusal, context.switchToHttp().getResponse<Response>());
  }

  private refused(refusal: AuthRefusal, res: Response): HttpException {
    this.refusals.inc({ status: String(refusal.status), reason: refusal.reason });
    const answer = httpRefusal(refusal);
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    return new HttpException({ message: answer.message }, answer.status);
  }
}
