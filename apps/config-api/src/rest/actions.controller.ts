import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { applyPropCollectionUpdates, badRequest, notFound, type PropCollectionUpdate } from '#libs/domain';
import type { JsonValue } from '#libs/event-store';
import { CONFIG_API, type ConfigApi } from '../config-api.js';
import { collectionOf } from './contrail-view.js';
import { http } from './http-errors.js';
import { baseUrlOf, commandMetaOf } from './request-context.js';
import { ConfigViews } from './config-views.js';

/**
 * Contrail's home page and action endpoints (spec §2, vnc-api-client.md). The home page comes first: Contrail's
 * Python client learns every URL from it. Registered before the resource routes, so `/fqname-to-id` is never
 * taken for a collection.
 */
@Controller()
export class ActionsController {
  constructor(
    @Inject(CONFIG_API) private readonly api: ConfigApi,
    private readonly resources: ConfigViews,
  ) {}

  @Get()
  home(@Req() req: Request): unknown {
    const base = baseUrlOf(req);
    const links: JsonValue[] = [];
    for (const type of this.api.model.schema.types()) {
      links.push({ link: { rel: 'collection', href: `${base}/${collectionOf(type)}`, name: type } });
      links.push({ link: { rel: 'resource-base', href: `${base}/${type}`, name: type } });
    }
    for (const [name, path] of ACTIONS) links.push({ link: { rel: 'action', href: `${base}${path}`, name } });
    return { href: base, links };
  }

  /** `{"type": "network-ipam", "fq_name": [...]}` → `{"uuid": ...}`. */
  @Post('fqname-to-id')
  @HttpCode(200)
  fqNameToId(@Req() req: Request): Promise<unknown> {
    return http(() => {
      const { type, fq_name } = objectBody(req.body, ['type', 'fq_name']);
      if (typeof type !== 'string') throw badRequest('type must be a resource type name', 'type');
      if (!isFqName(fq_name)) throw badRequest('fq_name must be a non-empty list of strings', 'fq_name');
      this.resources.knownType(type);
      const uuid = this.api.projection.state.uuidOf(type, fq_name);
      if (!uuid) throw notFound(`${type} ${fq_name.join(':')} does not exist`);
      return { uuid };
    });
  }

  /** `{"uuid": ...}` → `{"type": ..., "fq_name": [...]}`. */
  @Post('id-to-fqname')
  @HttpCode(200)
  idToFqName(@Req() req: Request): Promise<unknown> {
    return http(() => {
      const { uuid } = objectBody(req.body, ['uuid']);
      if (typeof uuid !== 'string') throw badRequest('uuid must be a string', 'uuid');
      const object = this.api.projection.state.get(uuid.toLowerCase());
      if (!object) throw notFound(`no object has uuid ${uuid}`);
      return { type: object.type, fq_name: object.fq_name };
    });
  }

  /** Adds or removes one ref: `{operation, type, uuid, ref-type, ref-uuid | ref-fq-name, attr}` → `{"uuid": ...}`. */
  @Post('ref-update')
  @HttpCode(200)
  refUpdate(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    return http(async () => {
      const body = objectBody(req.body, ['operation', 'type', 'uuid', 'ref-type']);
      const operation = body.operation;
      if (operation !== 'ADD' && operation !== 'DELETE') throw badRequest('operation must be ADD or DELETE', 'operation');
      if (typeof body.type !== 'string' || typeof body.uuid !== 'string' || typeof body['ref-type'] !== 'string') {
        throw badRequest('type, uuid and ref-type must be strings');
      }
      const refFqName = body['ref-fq-name'];
      if (refFqName !== undefined && refFqName !== null && !isFqName(refFqName)) {
        throw badRequest('ref-fq-name must be a list of strings', 'ref-fq-name');
      }
      const refUuid = body['ref-uuid'];
      if (refUuid !== undefined && refUuid !== null && typeof refUuid !== 'string') throw badRequest('ref-uuid must be a string', 'ref-uuid');
      if (!refUuid && !refFqName) throw badRequest('ref-update needs ref-uuid or ref-fq-name');
      const type = this.resources.knownType(body.type);
      const outcome = await this.api.commands.refUpdate(
        {
          type,
          uuid: body.uuid,
          refType: body['ref-type'].replace(/_/g, '-').replace(/-refs$/, ''),
          refUuid: refUuid as string | null | undefined,
          refFqName: refFqName as string[] | null | undefined,
          operation,
          attr: (body.attr ?? null) as JsonValue | null,
        },
        commandMetaOf(req),
      );
      res.setHeader('X-Log-Position', String(outcome.position));
      return { uuid: outcome.uuid };
    });
  }

  /** A list whose parameters come as a JSON body (what the client sends for more than 25 ids). */
  @Post('list-bulk-collection')
  @HttpCode(200)
  listBulk(@Req() req: Request): Promise<unknown> {
    return http(() => {
      const body = objectBody(req.body, ['type']);
      if (typeof body.type !== 'string') throw badRequest('type must be a resource type name', 'type');
      const type = this.resources.knownType(body.type);
      return this.resources.listOf(type, body, baseUrlOf(req));
    });
  }

  /** Element edits of list and map properties: `{uuid, updates: [{field, operation, value, position}]}`. */
  @Post('prop-collection-update')
  @HttpCode(200)
  propCollectionUpdate(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    return http(async () => {
      const body = objectBody(req.body, ['uuid', 'updates']);
      if (typeof body.uuid !== 'string') throw badRequest('uuid must be a string', 'uuid');
      if (!Array.isArray(body.updates) || body.updates.length === 0) throw badRequest('updates must be a non-empty list', 'updates');
      const object = this.api.projection.state.get(body.uuid);
      if (!object) throw notFound(`no object has uuid ${body.uuid}`);
      const props = applyPropCollectionUpdates(object, body.updates as PropCollectionUpdate[]);
      const outcome = await this.api.commands.update(object.type, object.uuid, props, commandMetaOf(req));
      res.setHeader('X-Log-Position', String(outcome.position));
      return {};
    });
  }

  /** `?uuid=&fields=a,b` → the values of list and map properties. */
  @Get('prop-collection-get')
  propCollectionGet(@Req() req: Request): Promise<unknown> {
    return http(() => {
      const uuid = req.query.uuid;
      if (typeof uuid !== 'string') throw badRequest('uuid is required', 'uuid');
      const object = this.api.projection.state.get(uuid);
      if (!object) throw notFound(`no object has uuid ${uuid}`);
      const fields = typeof req.query.fields === 'string' ? req.query.fields.split(',') : Object.keys(object.props);
      const out: Record<string, JsonValue> = {};
      for (const field of fields) out[field] = object.props[field] ?? null;
      return out;
    });
  }
}

/** Action names Contrail's client looks up on the home page, and our paths for them. */
const ACTIONS: ReadonlyArray<[string, string]> = [
  ['name-to-id', '/fqname-to-id'],
  ['id-to-name', '/id-to-fqname'],
  ['ref-update', '/ref-update'],
  ['list-bulk-collection', '/list-bulk-collection'],
  ['prop-collection-get', '/prop-collection-get'],
  ['prop-collection-update', '/prop-collection-update'],
];

function objectBody(body: unknown, required: string[]): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be a JSON object');
  const missing = required.filter((k) => (body as Record<string, unknown>)[k] === undefined);
  if (missing.length > 0) throw badRequest(`the body is missing ${missing.join(', ')}`);
  return body as Record<string, unknown>;
}

function isFqName(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((p) => typeof p === 'string' && p.length > 0);
}
