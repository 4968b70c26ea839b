import { Controller, Get, HttpCode, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { JsonValue } from '#libs/event-store';
import { CONFIG_API, type ConfigApi } from '../config-api.js';
import { renderObject } from '../rest/contrail-view.js';
import { http } from '../rest/http-errors.js';
import { baseUrlOf } from '../rest/request-context.js';
import { AUDIT_QUERIES } from './audit.tokens.js';
import { asOfOf, onlyParameters, type AuditQueries, type ObjectsAsOf } from './audit-queries.js';
import { parseEventQuery } from './event-filter.js';
import { ExportInterrupted, NDJSON_CONTENT_TYPE, exportLog } from './log-export.js';

type Query = Record<string, unknown>;

/**
 * The audit routes (DESIGN §4, §6): the log read with filters and a cursor, objects, projects and clusters' desired
 * states as they were at a position or time, the diff of two points, replay verification of every projection, and
 * the whole log as NDJSON. List it before ResourceController, whose `GET /:type/:uuid` would take /audit/events,
 * /audit/diff and /audit/export.
 *
 * Answers as of a point say which position they reflect (`X-Log-Position`); a diff names both ends.
 */
@Controller('audit')
export class AuditController {
  private readonly logger = new Logger('AuditExport');

  constructor(
    @Inject(AUDIT_QUERIES) private readonly audit: AuditQueries,
    @Inject(CONFIG_API) private readonly api: ConfigApi,
  ) {}

  /** `?stream=&uuid=&type=&fq_name=&object_type=&actor=&source=&since=&until=&after=&before=&limit=` → `{events, next}`. */
  @Get('events')
  events(@Req() req: Request): Promise<unknown> {
    return http(() => this.audit.events(parseEventQuery(req.query as Query)));
  }

  /** The object as it was: rendered as GET /<type>/<uuid> answered then. */
  @Get('objects/:uuid')
  objectAt(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    return http(async () => {
      const query = req.query as Query;
      onlyParameters(query, ['position', 'time']);
      const found = await this.audit.objectAt(req.params.uuid as string, asOfOf(query, 'position', 'time', true));
      res.setHeader('X-Log-Position', String(found.position));
      return this.render(found, req)[0];
    });
  }

  /** `{position, objects: [{"project": …}, {"<type>": …}, …]}`: the project first, parents before children. */
  @Get('projects/:uuid')
  projectAt(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    return http(async () => {
      const query = req.query as Query;
      onlyParameters(query, ['position', 'time']);
      const found = await this.audit.projectAt(req.params.uuid as string, asOfOf(query, 'position', 'time', true));
      res.setHeader('X-Log-Position', String(found.position));
      return { position: found.position, objects: this.render(found, req) };
    });
  }

  /** `{position, clusters}`: the names of the clusters of the desired state then. */
  @Get('clusters')
  clustersAt(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    return http(async () => {
      const query = req.query as Query;
      onlyParameters(query, ['position', 'time']);
      const found = await this.audit.clustersAt(asOfOf(query, 'position', 'time', true));
      res.setHeader('X-Log-Position', String(found.position));
      return found;
    });
  }

  /**
   * A cluster's desired state then, what its agents would have been sent, in the shape of GET
   * /control/clusters/<cluster>: `{cluster, position, virtualRouters, vrfs, routeTargets}`.
   */
  @Get('clusters/:cluster')
  clusterAt(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    return http(async () => {
      const query = req.query as Query;
      onlyParameters(query, ['position', 'time']);
      const state = await this.audit.clusterAt(req.params.cluster as string, asOfOf(query, 'position', 'time', true));
      res.setHeader('X-Log-Position', String(state.position));
      return state;
    });
  }

  /** `?from=N|from_time=ISO&to=N|to_time=ISO` (to defaults to the head) → `{from, to, created, deleted, changed}`. */
  @Get('diff')
  diff(@Req() req: Request): Promise<unknown> {
    return http(() => {
      const query = req.query as Query;
      onlyParameters(query, ['from', 'from_time', 'to', 'to_time']);
      return this.audit.diff(asOfOf(query, 'from', 'from_time', true), asOfOf(query, 'to', 'to_time', false));
    });
  }

  /**
   * Rebuilds every projection from a replay of the log (the config state, and the desired state when control runs
   * here) and compares each with the live one; 200 either way, `ok` and `projections` say which.
   */
  @Post('verify')
  @HttpCode(200)
  verify(@Req() req: Request): Promise<unknown> {
    return http(() => {
      onlyParameters(req.query as Query, []);
      return this.audit.verify();
    });
  }

  /**
   * The log up to its head as NDJSON, one RecordedEvent per line, streamed: a page is read only when the client
   * has taken the previous one. X-Log-Position names the last position the export holds.
   */
  @Get('export')
  async export(@Req() req: Request, @Res() res: Response): Promise<void> {
    const head = await http(async () => {
      onlyParameters(req.query as Query, []);
      return this.api.store.headPosition();
    });
    res.status(200);
    res.setHeader('Content-Type', NDJSON_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="contrail-log-${head}.ndjson"`);
    res.setHeader('X-Log-Position', String(head));
    try {
      await exportLog(this.api.store, res, { head });
      res.end();
    } catch (error) {
      if (error instanceof ExportInterrupted) return;
      this.logger.error(`export failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      // The status line is gone: cutting the connection is the only way to tell the client the body is incomplete.
      res.destroy();
    }
  }

  private render(found: ObjectsAsOf, req: Request): Array<Record<string, JsonValue>> {
    const baseUrl = baseUrlOf(req);
    return found.objects.map((object) => ({ [object.type]: renderObject(object, found.state, this.api.model.schema, { baseUrl }) }));
  }
}
