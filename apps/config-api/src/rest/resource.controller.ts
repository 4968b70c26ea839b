import { Controller, Delete, Get, HttpCode, Inject, Post, Put, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ConfigError, badRequest, notFound, type ConfigObject } from '#libs/domain';
import type { JsonValue } from '#libs/event-store';
import { CONFIG_API, type ConfigApi } from '../config-api.js';
import type { CommandOutcome } from '../commands/config-command.service.js';
import { keyOf, renderObject } from './contrail-view.js';
import { ConfigViews } from './config-views.js';
import { http } from './http-errors.js';
import { baseUrlOf, commandMetaOf, ifMatchOf, positionOf } from './request-context.js';

/** How long a read waits for `?position=N` before it answers 503. */
export const READ_WAIT_MS = 5_000;

/**
 * Contrail's resource routes (spec §2): POST /<type>s, GET /<type>s, GET|PUT|DELETE /<type>/<uuid>. Bodies are
 * wrapped in the type name; answers follow the Contrail shapes. Beyond Contrail: every write answers with its log
 * position (X-Log-Position), objects carry ETag = their stream revision, PUT and DELETE honour If-Match, POST
 * honours Idempotency-Key, and reads wait for `?position=N`.
 */
@Controller()
export class ResourceController {
  constructor(
    @Inject(CONFIG_API) private readonly api: ConfigApi,
    private readonly views: ConfigViews,
  ) {}

  @Post(':collection')
  @HttpCode(200)
  create(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    return http(async () => {
      const type = this.views.typeOfCollection(req.params.collection as string);
      const body = unwrap(type, req.body);
      const outcome = await this.api.commands.create(type, body, commandMetaOf(req));
      this.writeHeaders(res, outcome);
      const object = this.api.projection.state.get(outcome.uuid);
      const out: Record<string, JsonValue> = { uuid: outcome.uuid, fq_name: outcome.fq_name, href: `${baseUrlOf(req)}/${type}/${outcome.uuid}` };
      if (object) {
        out.name = object.fq_name[object.fq_name.length - 1];
        if (object.parent_uuid && object.parent_type) {
          out.parent_type = object.parent_type;
          out.parent_uuid = object.parent_uuid;
          out.parent_href = `${baseUrlOf(req)}/${object.parent_type}/${object.parent_uuid}`;
        }
        Object.assign(out, systemFilled(object));
      }
      return { [type]: out };
    });
  }

  @Get(':collection')
  list(@Req() req: Request): Promise<unknown> {
    return http(async () => {
      const type = this.views.typeOfCollection(req.params.collection as string);
      await this.waitForPosition(req);
      return this.views.listOf(type, req.query as Record<string, unknown>, baseUrlOf(req));
    });
  }

  @Get(':type/:uuid')
  read(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    return http(async () => {
      const type = this.views.knownType(req.params.type as string);
      await this.waitForPosition(req);
      const object = this.object(type, req.params.uuid as string);
      const etag = `"${object.revision}"`;
      res.setHeader('ETag', etag);
      if (req.get('if-none-match') === etag) {
        res.status(304);
        return undefined;
      }
      const q = req.query as Record<string, unknown>;
      const fields = typeof q.fields === 'string' && q.fields.length > 0 ? q.fields.split(',') : undefined;
      return {
        [type]: renderObject(object, this.api.projection.state, this.api.model.schema, {
          baseUrl: baseUrlOf(req),
          fields,
          excludeBackRefs: isTrue(q.exclude_back_refs),
          excludeChildren: isTrue(q.exclude_children),
        }),
      };
    });
  }

  @Put(':type/:uuid')
  update(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    return http(async () => {
      const type = this.views.knownType(req.params.type as string);
      const body = unwrap(type, req.body);
      const uuid = req.params.uuid as string;
      const outcome = await this.api.commands.update(type, uuid, body, commandMetaOf(req), ifMatchOf(req));
      this.writeHeaders(res, outcome);
      return { [type]: { uuid, href: `${baseUrlOf(req)}/${type}/${uuid}` } };
    });
  }

  @Delete(':type/:uuid')
  remove(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    return http(async () => {
      const type = this.views.knownType(req.params.type as string);
      const outcome = await this.api.commands.delete(type, req.params.uuid as string, commandMetaOf(req), ifMatchOf(req));
      res.setHeader('X-Log-Position', String(outcome.position));
      return {};
    });
  }

  private writeHeaders(res: Response, outcome: CommandOutcome): void {
    res.setHeader('X-Log-Position', String(outcome.position));
    const object = this.api.projection.state.get(outcome.uuid);
    if (object) res.setHeader('ETag', `"${object.revision}"`);
    if (outcome.repeated) res.setHeader('Idempotent-Replayed', 'true');
  }

  private async waitForPosition(req: Request): Promise<void> {
    const position = positionOf(req);
    if (position === undefined) return;
    try {
      await this.api.projection.waitFor(position, READ_WAIT_MS);
    } catch {
      throw new ConfigError(503, `log position ${position} was not reached within ${READ_WAIT_MS} ms (at ${this.api.projection.position})`);
    }
  }

  private object(type: string, uuid: string): ConfigObject {
    const object = this.api.projection.state.get(uuid);
    if (!object || object.type !== type) throw notFound(`${type} ${uuid} does not exist`);
    return object;
  }
}

/** `{"virtual-network": {...}}` → the inner object; anything else is a 400 that shows the expected shape. */
export function unwrap(type: string, body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`the body must be a JSON object {"${type}": {...}}`);
  }
  const keys = Object.keys(body);
  const inner = (body as Record<string, unknown>)[type];
  if (keys.length !== 1 || inner === null || typeof inner !== 'object' || Array.isArray(inner)) {
    throw badRequest(`the body must be {"${type}": {...}}, not an object with keys [${keys.join(', ')}]`);
  }
  return inner as Record<string, unknown>;
}

/** What the system filled in on create, which Contrail's create answer carries too. */
function systemFilled(object: ConfigObject): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const key of ['virtual_network_network_id', 'instance_ip_address', 'virtual_machine_interface_mac_addresses', 'security_group_id', 'subnet_uuid']) {
    if (object.props[key] !== undefined) out[key] = object.props[key];
  }
  if (object.refs['network-ipam']) out[`${keyOf('network-ipam')}_refs`] = object.refs['network-ipam'].map((r) => ({ uuid: r.uuid, attr: r.attr }));
  return out;
}

function isTrue(value: unknown): boolean {
  return typeof value === 'string' && /^(true|1)$/i.test(value);
}
