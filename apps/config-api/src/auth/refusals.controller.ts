import { Controller, Get, Inject, Req } from '@nestjs/common';
import type { Request } from 'express';
import { badRequest } from '#libs/domain';
import { COMMAND_REFUSED, REFUSALS_STREAM } from '#libs/security';
import { CONFIG_API, type ConfigApi } from '../config-api.js';
import { parseEventQuery } from '../audit/event-filter.js';
import { scanEvents } from '../audit/event-scan.js';
import { http } from '../rest/http-errors.js';

/** The filters GET /audit/refusals takes: the audit events' own, on the refusals' stream. */
export const REFUSAL_QUERY_PARAMETERS = ['actor', 'since', 'until', 'after', 'before', 'limit'] as const;

/**
 * The audit trail of refused commands: `GET /audit/refusals?actor=&since=&until=&after=&before=&limit=` →
 * `{refusals: [{position, recordedAt, actor, address, protocol, operation, request, type, uuid, fq_name, status,
 * reason, message, at}], next}`, paged as /audit/events (`after=next` goes on). The same events are in
 * /audit/events (`type=CommandRefused`, or `stream=command-refusals`). `actor` is `unauthenticated` for a caller
 * that presented no usable credentials. Listed before ResourceController, whose `GET /:type/:uuid` would take it.
 */
@Controller('audit')
export class RefusalsController {
  constructor(@Inject(CONFIG_API) private readonly api: ConfigApi) {}

  @Get('refusals')
  refusals(@Req() req: Request): Promise<unknown> {
    return http(async () => {
      const raw = req.query as Record<string, unknown>;
      const unknown = Object.keys(raw).filter((name) => !(REFUSAL_QUERY_PARAMETERS as readonly string[]).includes(name));
      if (unknown.length > 0) throw badRequest(`unknown parameter ${unknown.join(', ')}; the filters are ${REFUSAL_QUERY_PARAMETERS.join(', ')}`, unknown[0]);
      const page = await scanEvents(this.api.store, parseEventQuery({ ...raw, stream: REFUSALS_STREAM, type: COMMAND_REFUSED }));
      return {
        refusals: page.events.map((event) => ({ position: event.globalPosition, recordedAt: event.recordedAt, ...(event.data as object) })),
        next: page.next,
      };
    });
  }
}
