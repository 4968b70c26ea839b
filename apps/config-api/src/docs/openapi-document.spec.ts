import type { ArgumentsHost } from '@nestjs/common';
import { NotFoundException } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { CONFIG_MODEL, RESOURCE_TYPES, resourceType, type ResourceTypeSpec } from '#libs/domain';
import { HttpErrorFilter } from '#libs/platform';
import {
  ERROR_STATUSES,
  HTTP_METHODS,
  LIST_PARAMETERS,
  READ_PARAMETERS,
  WRITE_HEADERS,
  buildOpenApiDocument,
  schemaNameOf,
  xsdTypeSchema,
  type OpenApiDocument,
  type Operation,
  type Parameter,
  type Schema,
} from './openapi-document.js';

/** The types the config API serves, as DocsController finds them. */
const SERVED: ResourceTypeSpec[] = CONFIG_MODEL.schema.types().map((name) => resourceType(name)!);
const doc = buildOpenApiDocument({ types: SERVED, version: '1.2.3', readWaitMs: 5000 });

function source(relative: string): string {
  return readFileSync(new URL(relative, import.meta.url), 'utf8');
}

function matchesOf(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((m) => m[1]);
}

/** Follows a local `$ref` (`#/components/...`); undefined when it points nowhere. */
function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let at: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object' || !(key in at)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function deref<T>(value: T | { $ref: string }): T {
  return (typeof value === 'object' && value !== null && '$ref' in value ? resolve(value.$ref) : value) as T;
}

function operations(): Array<{ path: string; method: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => ({ path, method, op: item[method]! })),
  );
}

function parametersOf(op: Operation): Parameter[] {
  return (op.parameters ?? []).map((p) => deref(p));
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refsIn(item, out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') out.push(item);
      else refsIn(item, out);
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  describe('structure', () => {
    it('is an OpenAPI 3.1 document with info, tags, paths and components', () => {
      expect(doc).toMatchObject({
        openapi: '3.1.0',
        info: { title: expect.any(String), version: '1.2.3', license: { identifier: 'Apache-2.0' } },
      });
      expect(Object.keys(doc.paths).length).toBeGreaterThan(2 * SERVED.length);
      for (const kind of ['schemas', 'parameters', 'headers', 'responses'] as const) {
        for (const name of Object.keys(doc.components[kind])) expect(name).toMatch(/^[a-zA-Z0-9.\-_]+$/);
      }
    });

    it('is plain JSON: serialising and parsing it gives it back', () => {
      expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    });

    it('has only references that resolve', () => {
      const refs = refsIn(doc);
      expect(refs.length).toBeGreaterThan(100);
      const dangling = [...new Set(refs)].filter((ref) => resolve(ref) === undefined);
      expect(dangling).toEqual([]);
    });

    it('gives every operation a unique id, a tag that exists, responses and a declared path parameter per template', () => {
      const ids = operations().map(({ op }) => op.operationId);
      expect(new Set(ids).size).toBe(ids.length);
      const tags = new Set(doc.tags.map((t) => t.name));
      for (const { path, method, op } of operations()) {
        const where = `${method.toUpperCase()} ${path}`;
        for (const tag of op.tags) expect({ where, tag, known: tags.has(tag) }).toEqual({ where, tag, known: true });
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        const params = parametersOf(op);
        const keys = params.map((p) => `${p.in}:${p.name.toLowerCase()}`);
        expect({ where, duplicates: keys.filter((k, i) => keys.indexOf(k) !== i) }).toEqual({ where, duplicates: [] });
        const templated = matchesOf(path, /\{(\w+)\}/g);
        const declared = params.filter((p) => p.in === 'path');
        expect({ where, path: declared.map((p) => p.name) }).toEqual({ where, path: templated });
        for (const p of declared) expect(p.required).toBe(true);
        for (const p of params) expect(p.schema).toBeDefined();
      }
    });

    it('is built from the types it is given, and the same types give the same document', () => {
      const one = buildOpenApiDocument({ types: [RESOURCE_TYPES['virtual-network']], version: '1', readWaitMs: 1 });
      expect(Object.keys(one.paths).filter((p) => p.includes('virtual') || p.includes('project'))).toEqual([
        '/virtual-networks',
        '/virtual-network/{uuid}',
      ]);
      expect(buildOpenApiDocument({ types: SERVED, version: '1.2.3', readWaitMs: 5000 })).toEqual(doc);
    });
  });

  describe('resource routes', () => {
    it('lists the served types (all but config-root) and each of their schemas', () => {
      expect(SERVED.map((s) => s.name)).not.toContain('config-root');
      expect(SERVED.length).toBe(Object.keys(RESOURCE_TYPES).length - 1);
      expect(doc.paths['/config-roots']).toBeUndefined();
      for (const spec of SERVED) {
        const name = schemaNameOf(spec.name);
        expect(doc.components.schemas[name]).toBeDefined();
        expect(doc.components.schemas[`${name}Envelope`]).toBeDefined();
        expect(doc.components.schemas[`${name}List`]).toBeDefined();
        expect(doc.tags.map((t) => t.name)).toContain(spec.name);
      }
    });

    it.each(SERVED.map((spec) => [spec.name, spec] as const))('%s: Contrail routes, writes only when clients may write', (_name, spec) => {
      const collection = doc.paths[`/${spec.plural}`];
      const item = doc.paths[`/${spec.name}/{uuid}`];
      expect(Object.keys(collection).sort()).toEqual(spec.creatable ? ['get', 'post'] : ['get']);
      expect(Object.keys(item).sort()).toEqual(spec.creatable ? ['delete', 'get', 'put'] : ['get']);
    });

    it('has the routes of virtual-network with their parameters, headers and answers', () => {
      const list = doc.paths['/virtual-networks'].get!;
      expect(parametersOf(list).map((p) => p.name)).toEqual([...LIST_PARAMETERS, 'position']);
      const read = doc.paths['/virtual-network/{uuid}'].get!;
      expect(parametersOf(read).map((p) => `${p.in}:${p.name}`)).toEqual([
        'path:uuid',
        'query:fields',
        'query:exclude_back_refs',
        'query:exclude_children',
        'query:position',
        'header:If-None-Match',
      ]);
      expect(Object.keys(read.responses)).toEqual(['200', '304', '400', '404', '503']);
      expect(Object.keys(deref(read.responses['200']).headers!)).toEqual(['ETag']);
      const create = doc.paths['/virtual-networks'].post!;
      expect(parametersOf(create).map((p) => p.name)).toEqual([...WRITE_HEADERS]);
      expect(Object.keys(deref(create.responses['200']).headers!)).toEqual(['X-Log-Position', 'ETag', 'Idempotent-Replayed']);
      expect(create.requestBody!.content['application/json'].example).toEqual({
        'virtual-network': { fq_name: ['default-domain', 'default-project', 'example-virtual-network'], parent_type: 'project' },
      });
      const update = doc.paths['/virtual-network/{uuid}'].put!;
      expect(parametersOf(update).map((p) => p.name)).toEqual(['uuid', 'If-Match', ...WRITE_HEADERS]);
      expect(Object.keys(update.responses)).toEqual(['200', '400', '403', '404', '409', '412', '413', '503']);
      const remove = doc.paths['/virtual-network/{uuid}'].delete!;
      expect(parametersOf(remove).map((p) => p.name)).toEqual(['uuid', 'If-Match', ...WRITE_HEADERS]);
      expect(Object.keys(deref(remove.responses['200']).headers!)).toEqual(['X-Log-Position']);
    });

    it.each(SERVED.map((spec) => [spec.name, spec] as const))('%s: the body has every property and ref of the type, wrapped in its name', (_n, spec) => {
      const name = schemaNameOf(spec.name);
      expect(doc.components.schemas[`${name}Envelope`]).toMatchObject({
        type: 'object',
        required: [spec.name],
        properties: { [spec.name]: { $ref: `#/components/schemas/${name}` } },
        additionalProperties: false,
      });
      const properties = doc.components.schemas[name].properties as Record<string, Schema>;
      for (const key of ['uuid', 'name', 'fq_name', 'href']) expect(properties[key]).toBeDefined();
      for (const property of spec.properties) expect(properties[property.name]).toBeDefined();
      for (const ref of spec.refs) {
        expect(properties[ref.field]).toMatchObject({ type: ['array', 'null'], items: { type: 'object' } });
        expect(Object.keys((properties[ref.field].items as Schema).properties as Schema)).toEqual(['to', 'uuid', 'href', 'attr']);
      }
    });

    it('adds the read-only back-refs and children lists', () => {
      const vn = doc.components.schemas.VirtualNetwork.properties as Record<string, Schema>;
      expect(vn.virtual_machine_interface_back_refs).toMatchObject({ type: 'array', readOnly: true });
      expect(vn.instance_ip_back_refs).toMatchObject({ type: 'array', readOnly: true });
      expect(vn.routing_instances).toMatchObject({ type: 'array', readOnly: true });
      const project = doc.components.schemas.Project.properties as Record<string, Schema>;
      expect(project.virtual_networks).toMatchObject({ type: 'array', readOnly: true });
      expect(vn.parent_type).toEqual({ type: 'string', enum: ['project'] });
      expect((doc.components.schemas.Domain.properties as Schema).parent_type).toBeUndefined();
    });

    it('lists under the collection name: identities, whole objects with detail, a count with count', () => {
      expect(doc.components.schemas.VirtualNetworkList).toMatchObject({
        required: ['virtual-networks'],
        properties: {
          'virtual-networks': {
            oneOf: [
              { type: 'array', items: { $ref: '#/components/schemas/ListEntry' } },
              { type: 'array', items: { $ref: '#/components/schemas/VirtualNetworkEnvelope' } },
              { type: 'object', required: ['count'] },
            ],
          },
          marker: { type: ['string', 'null'] },
        },
      });
    });
  });

  describe('property schemas', () => {
    const vn = doc.components.schemas.VirtualNetwork.properties as Record<string, Schema>;

    it('describes simple XSD types in full', () => {
      expect(vn.mtu).toMatchObject({ type: 'integer', minimum: 0, maximum: 9216 });
      expect(vn.is_shared).toMatchObject({ type: 'boolean' });
      expect(vn.display_name).toMatchObject({ type: 'string' });
      expect(vn.virtual_network_category).toMatchObject({ type: 'string', enum: ['infra', 'tenant', 'internal', 'routed'], default: 'tenant' });
      expect(vn.flood_unknown_unicast).toMatchObject({ type: 'boolean', default: false });
      expect(xsdTypeSchema('IpAddressType')).toMatchObject({ type: 'string', format: 'ip-address' });
      expect(xsdTypeSchema('U32BitHexInt')).toMatchObject({ oneOf: [{ type: 'integer', minimum: 0, maximum: 0xffffffff }, { type: 'string', format: 'hex32' }] });
    });

    it('describes complex XSD types as objects naming their type', () => {
      expect(vn.virtual_network_properties).toEqual({ type: 'object', description: 'XSD type `VirtualNetworkType`.' });
      expect(vn.provider_properties).toMatchObject({ type: 'object', description: expect.stringContaining('ProviderDetails') });
      expect(xsdTypeSchema('NoSuchType')).toEqual({ type: 'object', description: 'XSD type `NoSuchType`.' });
    });

    it('describes list and map properties as their wrapper object', () => {
      expect(vn.annotations).toMatchObject({ type: 'object', properties: { key_value_pair: { type: 'array', items: { type: 'object' } } } });
      expect(vn.route_target_list).toMatchObject({ type: 'object' });
    });

    it('marks as read-only what clients may not set, as the body validator decides', () => {
      expect(vn.virtual_network_network_id).toMatchObject({ type: 'integer', readOnly: true });
      expect(vn.id_perms.readOnly).toBeUndefined();
      expect(vn.perms2.readOnly).toBeUndefined();
      expect(vn.display_name.readOnly).toBeUndefined();
      expect((doc.components.schemas.SecurityGroup.properties as Record<string, Schema>).security_group_id.readOnly).toBe(true);
    });

    it('gives each ref its attribute type', () => {
      expect(vn.network_ipam_refs).toMatchObject({ items: { properties: { attr: { type: 'object', description: 'XSD type `VnSubnetsType`.' } } } });
      expect(vn.tag_refs).toMatchObject({ items: { properties: { attr: { type: ['object', 'null'] } } } });
    });
  });

  describe('names as the code reads them', () => {
    const listQuery = source('../rest/list-query.ts');
    const requestContext = source('../rest/request-context.ts');
    const resourceController = source('../rest/resource.controller.ts');
    const actionsController = source('../rest/actions.controller.ts');

    it('documents exactly the list parameters rest/list-query.ts reads', () => {
      const read = matchesOf(listQuery, /\b(?:one|list|bool)\(raw, '(\w+)'/g);
      expect(new Set(read)).toEqual(new Set(LIST_PARAMETERS));
    });

    it('documents exactly the query parameters the read handler and positionOf read', () => {
      const read = [...matchesOf(resourceController, /\bq\.(\w+)/g), ...matchesOf(requestContext, /req\.query\.(\w+)/g)];
      expect(new Set(read)).toEqual(new Set(READ_PARAMETERS));
    });

    it('documents exactly the request headers the handlers read', () => {
      const read = [...matchesOf(requestContext, /req\.get\('([\w-]+)'\)/g), ...matchesOf(resourceController, /req\.get\('([\w-]+)'\)/g)];
      const documented = new Set(
        operations()
          .flatMap(({ op }) => parametersOf(op))
          .filter((p) => p.in === 'header')
          .map((p) => p.name.toLowerCase()),
      );
      expect(documented).toEqual(new Set(read.filter((name) => name !== 'host')));
    });

    it('documents every route of the actions controller', () => {
      const routes = [...actionsController.matchAll(/@(Get|Post)\((?:'([^']*)')?\)/g)].map(([, verb, path]) => `${verb.toLowerCase()} /${path ?? ''}`);
      expect(routes.length).toBeGreaterThan(5);
      for (const route of routes) {
        const [method, path] = route.split(' ') as [(typeof HTTP_METHODS)[number], string];
        expect({ route, documented: doc.paths[path]?.[method] !== undefined }).toEqual({ route, documented: true });
      }
      expect(doc.paths['/health'].get).toBeDefined();
      expect(doc.paths['/metrics'].get!.responses['200']).toMatchObject({ content: { 'text/plain': { schema: { type: 'string' } } } });
    });
  });

  describe('errors', () => {
    it('answers 400/403/404/409/412/413/503, each with the error body', () => {
      expect(Object.keys(ERROR_STATUSES)).toEqual(['400', '403', '404', '409', '412', '413', '503']);
      const used = new Set(operations().flatMap(({ op }) => Object.keys(op.responses)));
      for (const [status, [name]] of Object.entries(ERROR_STATUSES)) {
        expect(used).toContain(status);
        expect(doc.components.responses[name]).toMatchObject({
          description: expect.stringMatching(new RegExp(`^${status}: `)),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        });
      }
    });

    it('describes the body the platform error filter writes', () => {
      let written: Record<string, unknown> = {};
      const res = { headersSent: false, status: () => res, json: (body: Record<string, unknown>) => (written = body), end: () => undefined };
      const host = { switchToHttp: () => ({ getRequest: () => ({ method: 'GET', url: '/x/y' }), getResponse: () => res }) } as unknown as ArgumentsHost;
      const logger = { child: () => logger, error: () => undefined } as unknown as Logger;
      new HttpErrorFilter(logger, 1024).catch(new NotFoundException('virtual-network 1 does not exist'), host);
      const schema = doc.components.schemas.Error;
      expect([...(schema.required as string[])].sort()).toEqual(Object.keys(written).sort());
      expect(Object.keys(schema.properties as Schema).sort()).toEqual(Object.keys(written).sort());
    });
  });

  describe('actions', () => {
    it('has the action endpoints with their bodies', () => {
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/', '/fqname-to-id', '/id-to-fqname', '/ref-update', '/list-bulk-collection', '/prop-collection-get']),
      );
      const fqNameToId = doc.paths['/fqname-to-id'].post!;
      expect(fqNameToId.requestBody!.content['application/json'].schema).toMatchObject({ required: ['type', 'fq_name'] });
      const refUpdate = doc.paths['/ref-update'].post!;
      expect(refUpdate.requestBody!.content['application/json'].schema).toMatchObject({
        required: ['operation', 'type', 'uuid', 'ref-type'],
        properties: { operation: { enum: ['ADD', 'DELETE'] } },
      });
      const bulk = doc.paths['/list-bulk-collection'].post!;
      expect(Object.keys((bulk.requestBody!.content['application/json'].schema as Schema).properties as Schema)).toEqual(['type', ...LIST_PARAMETERS]);
      const typed: OpenApiDocument['paths'][string] = doc.paths['/prop-collection-get'];
      expect(parametersOf(typed.get!).map((p) => p.name)).toEqual(['uuid', 'fields']);
    });
  });
});
