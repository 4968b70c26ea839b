import { shapeOfType, validateResourceBody, type PropertySpec, type RefSpec, type ResourceTypeSpec, type XsdShape } from '#libs/domain';
import { DEFAULT_LIST_LIMITS, LIST_PARAMETERS, MAX_PAGE_LIMIT } from '../rest/list-query.js';

/*
 * The OpenAPI 3.1 description of the REST port (GET /docs/openapi.json), generated from the type registry rather
 * than written per type: every served type gets Contrail's five routes, its body schema lists every property and
 * ref the registry declares. Parameter and header names are the ones the route handlers read (rest/list-query.ts,
 * rest/request-context.ts, rest/resource.controller.ts); the tests compare them with that code.
 */

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1). */
export type Schema = { [keyword: string]: unknown };

export interface Reference {
  $ref: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  description: string;
  required?: boolean;
  schema: Schema;
  style?: 'form' | 'simple';
  explode?: boolean;
}

export interface Header {
  description: string;
  schema: Schema;
}

export interface MediaType {
  schema: Schema;
  example?: unknown;
}

export interface RequestBody {
  description?: string;
  required: boolean;
  content: Record<string, MediaType>;
}

export interface Response {
  description: string;
  headers?: Record<string, Header | Reference>;
  content?: Record<string, MediaType>;
}

export interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  parameters?: Array<Parameter | Reference>;
  requestBody?: RequestBody;
  responses: Record<string, Response | Reference>;
}

export const HTTP_METHODS = ['get', 'post', 'put', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export type PathItem = { [M in HttpMethod]?: Operation };

export interface Tag {
  name: string;
  description: string;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  tags: Tag[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, Schema>;
    parameters: Record<string, Parameter>;
    headers: Record<string, Header>;
    responses: Record<string, Response>;
  };
}

export interface OpenApiOptions {
  /** The types the resource routes serve (the registry's types less config-root), in the order to list them. */
  types: readonly ResourceTypeSpec[];
  /** info.version: the version of the controller. */
  version: string;
  /** How long a read waits for `?position=N` before it answers 503. */
  readWaitMs: number;
}

export { LIST_PARAMETERS };

/** Query parameters of `GET /<type>/{uuid}`. */
export const READ_PARAMETERS = ['fields', 'exclude_back_refs', 'exclude_children', 'position'] as const;

/** Request headers of the writes, as rest/request-context.ts reads them into the event metadata. */
export const WRITE_HEADERS = ['Idempotency-Key', 'X-User-Name', 'X-Actor', 'X-Request-Id'] as const;

/** The HTTP errors the API answers, all with the JSON body of the platform's error filter. */
export const ERROR_STATUSES = {
  400: ['BadRequest', 'The request is malformed: a bad parameter, header or body (the message names it).'],
  403: ['Forbidden', 'The type or field is set by the system: clients may not create, change or delete it.'],
  404: ['NotFound', 'The type, the object, its parent or a ref target does not exist.'],
  409: ['Conflict', 'The change conflicts with the current state: the fq_name is taken, children or back-refs remain, a pool is exhausted.'],
  412: ['PreconditionFailed', 'If-Match names a revision that is not the current one.'],
  413: [
    'PayloadTooLarge',
    'The request body is larger than the limit (REST_BODY_LIMIT_BYTES), or a list without `page_limit` would answer more objects than LIST_MAX_UNPAGED.',
  ],
  503: ['ServiceUnavailable', 'The event log is unavailable, or `?position=N` was not reached in time.'],
} as const satisfies Record<number, readonly [string, string]>;
type ErrorStatus = keyof typeof ERROR_STATUSES;

const JSON_MEDIA = 'application/json';

const refTo = (kind: keyof OpenApiDocument['components'], name: string): Reference => ({ $ref: `#/components/${kind}/${name}` });
/** In OpenAPI 3.1 a schema reference is itself a JSON Schema. */
const schemaRef = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const param = (name: string): Reference => refTo('parameters', name);

/** `virtual-network` → `VirtualNetwork`: the component name of a type's schema. */
export function schemaNameOf(type: string): string {
  return type
    .split(/[-_]/)
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/** `virtual-network-router` → `VirtualNetworkRouter` for operation ids: `listVirtualNetworkRouters`. */
const operationIdOf = (verb: string, type: string, plural = false) => `${verb}${schemaNameOf(type)}${plural ? 's' : ''}`;

/** Builds the document. Pure: the same registry gives the same document. */
export function buildOpenApiDocument(options: OpenApiOptions): OpenApiDocument {
  const doc: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'contrail-es config API',
      version: options.version,
      description: [
        'The Contrail-compatible REST config API of the contrail-es controller, generated from its type registry.',
        'Bodies are wrapped in the type name (`{"virtual-network": {...}}`); a null value means "not set", as vnc_api sends it.',
        'Beyond Contrail: every write answers with its log position (`X-Log-Position`), objects carry `ETag` = their revision,',
        '`PUT` and `DELETE` honour `If-Match`, writes honour `Idempotency-Key`, and reads wait for `?position=N`.',
      ].join(' '),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: [
      { name: 'actions', description: "Contrail's home page and action endpoints." },
      ...options.types.map((spec) => ({ name: spec.name, description: tagDescriptionOf(spec) })),
      { name: 'operations', description: 'Health and metrics of the process.' },
    ],
    paths: {},
    components: {
      schemas: commonSchemas(),
      parameters: parameters(options),
      headers: headers(),
      responses: errorResponses(),
    },
  };
  Object.assign(doc.paths, actionPaths());
  for (const spec of options.types) {
    const name = schemaNameOf(spec.name);
    doc.components.schemas[name] = objectSchema(spec, options.types);
    doc.components.schemas[`${name}Envelope`] = envelope(spec.name, schemaRef(name), `A ${spec.name} wrapped in its type name.`);
    doc.components.schemas[`${name}List`] = listSchema(spec);
    Object.assign(doc.paths, resourcePaths(spec));
  }
  Object.assign(doc.paths, operationsPaths());
  return doc;
}

function tagDescriptionOf(spec: ResourceTypeSpec): string {
  const origin = spec.origin === 'own' ? ' Ours (a CN2-style addition), not in vnc_api.' : '';
  const writes = spec.creatable ? '' : ' Derived by the controller: clients may list and read it; writes are refused with 403.';
  return `\`/${spec.plural}\` and \`/${spec.name}/{uuid}\`.${origin}${writes}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Resource routes

function resourcePaths(spec: ResourceTypeSpec): Record<string, PathItem> {
  const name = schemaNameOf(spec.name);
  const collection: PathItem = { get: listOperation(spec, name) };
  const item: PathItem = { get: readOperation(spec, name) };
  if (spec.creatable) {
    collection.post = createOperation(spec, name);
    item.put = updateOperation(spec, name);
    item.delete = deleteOperation(spec);
  }
  return { [`/${spec.plural}`]: collection, [`/${spec.name}/{uuid}`]: item };
}

function createOperation(spec: ResourceTypeSpec, name: string): Operation {
  return {
    operationId: operationIdOf('create', spec.name),
    tags: [spec.name],
    summary: `Create a ${spec.name}`,
    description:
      'The object names its place by `fq_name`, `parent_uuid` or neither (then the default parent is used); `uuid` may be ' +
      'given or left to the server. Refs name their target by `uuid` or `to` (its fq_name). The answer carries the identity ' +
      'and what the system filled in (ids, addresses, MACs).',
    parameters: WRITE_HEADERS.map(param),
    requestBody: {
      required: true,
      content: { [JSON_MEDIA]: { schema: schemaRef(`${name}Envelope`), example: { [spec.name]: createExample(spec) } } },
    },
    responses: {
      200: jsonResponse(`The ${spec.name} was created (or Idempotency-Key repeated an earlier create).`, schemaRef(`${name}Envelope`), {
        'X-Log-Position': refTo('headers', 'X-Log-Position'),
        ETag: refTo('headers', 'ETag'),
        'Idempotent-Replayed': refTo('headers', 'Idempotent-Replayed'),
      }),
      ...errors(400, 403, 404, 409, 413, 503),
    },
  };
}

function listOperation(spec: ResourceTypeSpec, name: string): Operation {
  return {
    operationId: operationIdOf('list', spec.name, true),
    tags: [spec.name],
    summary: `List ${spec.name} objects`,
    description:
      'Selected objects in creation order: their identity by default, whole objects with `detail`, only how many with `count`. ' +
      'Selectors are AND-ed; several values of one selector are OR-ed. `marker` is present when `page_limit` was given.',
    parameters: [...LIST_PARAMETERS, 'position'].map(param),
    responses: {
      200: jsonResponse(`The selected ${spec.name} objects.`, schemaRef(`${name}List`)),
      ...errors(400, 404, 413, 503),
    },
  };
}

function readOperation(spec: ResourceTypeSpec, name: string): Operation {
  return {
    operationId: operationIdOf('read', spec.name),
    tags: [spec.name],
    summary: `Read a ${spec.name}`,
    description: 'The object with every property, its refs, back-refs and children, and id_perms with its times.',
    parameters: [param('uuid'), ...READ_PARAMETERS.map(param), param('If-None-Match')],
    responses: {
      200: jsonResponse(`The ${spec.name}.`, schemaRef(`${name}Envelope`), { ETag: refTo('headers', 'ETag') }),
      304: { description: 'If-None-Match names the current revision: not modified.', headers: { ETag: refTo('headers', 'ETag') } },
      ...errors(400, 404, 503),
    },
  };
}

function updateOperation(spec: ResourceTypeSpec, name: string): Operation {
  return {
    operationId: operationIdOf('update', spec.name),
    tags: [spec.name],
    summary: `Update a ${spec.name}`,
    description:
      'Changes the properties and ref lists the body names; the rest stay. A null property removes it, a null ref list ' +
      'removes every ref of that type.',
    parameters: [param('uuid'), param('If-Match'), ...WRITE_HEADERS.map(param)],
    requestBody: {
      required: true,
      content: { [JSON_MEDIA]: { schema: schemaRef(`${name}Envelope`), example: { [spec.name]: { display_name: `renamed ${spec.name}` } } } },
    },
    responses: {
      200: jsonResponse(`The ${spec.name} was updated: its uuid and href.`, schemaRef(`${name}Envelope`), {
        'X-Log-Position': refTo('headers', 'X-Log-Position'),
        ETag: refTo('headers', 'ETag'),
        'Idempotent-Replayed': refTo('headers', 'Idempotent-Replayed'),
      }),
      ...errors(400, 403, 404, 409, 412, 413, 503),
    },
  };
}

function deleteOperation(spec: ResourceTypeSpec): Operation {
  return {
    operationId: operationIdOf('delete', spec.name),
    tags: [spec.name],
    summary: `Delete a ${spec.name}`,
    description: 'Refused with 409, naming them, while children or back-refs remain; releases what the object held.',
    parameters: [param('uuid'), param('If-Match'), ...WRITE_HEADERS.map(param)],
    responses: {
      200: jsonResponse(`The ${spec.name} was deleted.`, { type: 'object', maxProperties: 0 }, { 'X-Log-Position': refTo('headers', 'X-Log-Position') }),
      ...errors(400, 403, 404, 409, 412, 503),
    },
  };
}

/** The smallest body that creates one, for the UI's "Try it out". */
function createExample(spec: ResourceTypeSpec): Record<string, unknown> {
  const name = `example-${spec.name}`;
  const parent = spec.defaultParent;
  if (!parent || parent.type === 'config-root') return { fq_name: [name] };
  return { fq_name: [...parent.fqName, name], parent_type: parent.type };
}

// ---------------------------------------------------------------------------------------------------------------
// Action and operations routes

function actionPaths(): Record<string, PathItem> {
  const typeName = { type: 'string', description: 'A resource type, e.g. `virtual-network`.' };
  return {
    '/': {
      get: {
        operationId: 'home',
        tags: ['actions'],
        summary: 'Home page: the link of every collection, resource base and action',
        description: "Contrail's Python client learns every URL from it.",
        responses: { 200: jsonResponse('The links.', schemaRef('HomePage')) },
      },
    },
    '/fqname-to-id': {
      post: {
        operationId: 'fqNameToId',
        tags: ['actions'],
        summary: 'The uuid of an object named by type and fq_name',
        requestBody: jsonBody(
          { type: 'object', required: ['type', 'fq_name'], properties: { type: typeName, fq_name: schemaRef('FqName') } },
          { type: 'project', fq_name: ['default-domain', 'default-project'] },
        ),
        responses: {
          200: jsonResponse('Its uuid.', { type: 'object', required: ['uuid'], properties: { uuid: uuidSchema() } }),
          ...errors(400, 404, 413),
        },
      },
    },
    '/id-to-fqname': {
      post: {
        operationId: 'idToFqName',
        tags: ['actions'],
        summary: 'The type and fq_name of an object named by uuid',
        requestBody: jsonBody({ type: 'object', required: ['uuid'], properties: { uuid: uuidSchema() } }),
        responses: {
          200: jsonResponse('Its type and fq_name.', {
            type: 'object',
            required: ['type', 'fq_name'],
            properties: { type: typeName, fq_name: schemaRef('FqName') },
          }),
          ...errors(400, 404, 413),
        },
      },
    },
    '/ref-update': {
      post: {
        operationId: 'refUpdate',
        tags: ['actions'],
        summary: 'Add or remove one ref of an object',
        parameters: WRITE_HEADERS.map(param),
        requestBody: jsonBody(
          {
            type: 'object',
            required: ['operation', 'type', 'uuid', 'ref-type'],
            properties: {
              operation: { type: 'string', enum: ['ADD', 'DELETE'] },
              type: typeName,
              uuid: uuidSchema('The object whose ref changes.'),
              'ref-type': { type: 'string', description: 'The target type (`network-ipam`; `network_ipam_refs` is accepted too).' },
              'ref-uuid': { type: ['string', 'null'], format: 'uuid', description: 'The target, by uuid …' },
              'ref-fq-name': { type: ['array', 'null'], items: { type: 'string' }, description: '… or by fq_name.' },
              attr: { description: "The link's attribute (its XSD type depends on the ref); null when the link carries none." },
            },
          },
          {
            operation: 'ADD',
            type: 'virtual-network',
            uuid: '00000000-0000-0000-0000-000000000000',
            'ref-type': 'network-ipam',
            'ref-fq-name': ['default-domain', 'default-project', 'default-network-ipam'],
            attr: null,
          },
        ),
        responses: {
          200: jsonResponse('The ref was added or removed.', { type: 'object', required: ['uuid'], properties: { uuid: uuidSchema() } }, {
            'X-Log-Position': refTo('headers', 'X-Log-Position'),
          }),
          ...errors(400, 403, 404, 409, 413, 503),
        },
      },
    },
    '/list-bulk-collection': {
      post: {
        operationId: 'listBulkCollection',
        tags: ['actions'],
        summary: 'A list whose parameters come as a JSON body',
        description: 'What the client sends for more than 25 ids. Takes the list parameters of `GET /<type>s`, as strings or lists.',
        requestBody: jsonBody(
          {
            type: 'object',
            required: ['type'],
            properties: {
              type: typeName,
              ...Object.fromEntries(LIST_PARAMETERS.map((name) => [name, bulkParameterSchema(name)])),
            },
          },
          { type: 'virtual-network', obj_uuids: [], detail: true },
        ),
        responses: {
          200: jsonResponse('The list answer of `GET /<type>s`, under the collection name.', { type: 'object' }),
          ...errors(400, 404, 413),
        },
      },
    },
    '/prop-collection-update': {
      post: {
        operationId: 'propCollectionUpdate',
        tags: ['actions'],
        summary: 'Edits elements of list properties (add, modify, delete by position) and map properties (set, delete by key)',
        description: 'The object and its element edits, as vnc_api sends them.',
        requestBody: jsonBody(
          {
            type: 'object',
            required: ['uuid', 'updates'],
            properties: {
              uuid: uuidSchema(),
              updates: {
                type: 'array',
                minItems: 1,
                items: {
                  type: 'object',
                  required: ['field', 'operation'],
                  properties: {
                    field: { type: 'string' },
                    operation: { type: 'string', enum: ['add', 'modify', 'delete', 'set'] },
                    value: {},
                    position: { description: 'List index, or the key of a map element.' },
                  },
                },
              },
            },
          },
          { uuid: '8f2a1c3d-4b5e-4f60-8a1b-2c3d4e5f6a7b', updates: [{ field: 'annotations', operation: 'set', value: { key: 'owner', value: 'k8s' } }] },
        ),
        responses: {
          200: jsonResponse('Empty; the write\'s log position is in X-Log-Position.', { type: 'object' }),
          ...errors(400, 404, 413),
        },
      },
    },
    '/prop-collection-get': {
      get: {
        operationId: 'propCollectionGet',
        tags: ['actions'],
        summary: 'The values of list and map properties of one object',
        parameters: [
          { name: 'uuid', in: 'query', required: true, description: 'The object.', schema: uuidSchema() },
          {
            name: 'fields',
            in: 'query',
            description: 'Comma-separated property names; all properties when absent.',
            schema: { type: 'array', items: { type: 'string' } },
            style: 'form',
            explode: false,
          },
        ],
        responses: {
          200: jsonResponse('Property name → value (null when unset).', { type: 'object', additionalProperties: true }),
          ...errors(400, 404),
        },
      },
    },
  };
}

function operationsPaths(): Record<string, PathItem> {
  return {
    '/health': {
      get: {
        operationId: 'health',
        tags: ['operations'],
        summary: 'Readiness: can the process read its event log',
        responses: {
          200: jsonResponse('Ready.', schemaRef('Health')),
          503: jsonResponse('The event log cannot be read; the reason says why.', schemaRef('Health')),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        tags: ['operations'],
        summary: 'Prometheus metrics of the process',
        responses: {
          200: { description: 'Prometheus text exposition.', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Parameters, headers, responses

function parameters(options: OpenApiOptions): Record<string, Parameter> {
  const query = (name: string, description: string, schema: Schema): Parameter => ({ name, in: 'query', description, schema });
  const commaList = (name: string, description: string, items: Schema = { type: 'string' }): Parameter => ({
    ...query(name, `${description} Comma-separated, or the parameter repeated.`, { type: 'array', items }),
    style: 'form',
    explode: false,
  });
  const flag = (name: string, description: string) => query(name, `${description} \`true\`/\`false\` (also \`1\`/\`0\`, \`True\`).`, { type: 'boolean', default: false });
  const header = (name: string, description: string, schema: Schema = { type: 'string' }): Parameter => ({ name, in: 'header', description, schema });
  const listed: Record<(typeof LIST_PARAMETERS)[number], Parameter> = {
    parent_id: commaList('parent_id', 'Only children of these parents (uuids).', uuidSchema()),
    parent_fq_name_str: query('parent_fq_name_str', "Only children of the parent with this fq_name, colon-joined (`default-domain:default-project`).", { type: 'string' }),
    parent_type: query('parent_type', 'The type of the parent named by `parent_fq_name_str`.', { type: 'string' }),
    back_ref_id: commaList('back_ref_id', 'Only objects that ref one of these uuids.', uuidSchema()),
    obj_uuids: commaList('obj_uuids', 'Only these objects (uuids).', uuidSchema()),
    fq_names: commaList('fq_names', 'Only objects with these fq_names, each colon-joined.'),
    detail: flag('detail', 'Whole objects instead of their identity.'),
    count: flag('count', 'Only the number of selected objects: `{"<type>s": {"count": n}}`.'),
    fields: commaList('fields', 'Only these properties and ref lists (with the identity fields).'),
    filters: commaList('filters', 'Only objects whose property equals a value: `key==value` (the value is JSON or a plain string; `name` is the last fq_name element).'),
    shared: flag('shared', 'Only objects with `is_shared` true.'),
    exclude_hrefs: flag('exclude_hrefs', 'Leave out `href` and `parent_href`.'),
    page_marker: query('page_marker', 'The uuid after which the page starts: the `marker` of the previous page.', uuidSchema()),
    page_limit: query(
      'page_limit',
      `Page size, at most LIST_MAX_PAGE (default ${MAX_PAGE_LIMIT}); the answer then carries \`marker\` (null on the last page). ` +
        `Without it a list answers at most LIST_MAX_UNPAGED objects (default ${DEFAULT_LIST_LIMITS.maxUnpaged}): more is a 413 that asks for pages.`,
      { type: 'integer', minimum: 1 },
    ),
  };
  const read: Record<(typeof READ_PARAMETERS)[number], Parameter> = {
    fields: listed.fields,
    exclude_back_refs: flag('exclude_back_refs', 'Leave out the `<type>_back_refs` lists.'),
    exclude_children: flag('exclude_children', 'Leave out the children lists.'),
    position: query(
      'position',
      `Answer only once the read side has applied this log position (an \`X-Log-Position\` of an earlier write): read-your-writes. 503 when not reached within ${options.readWaitMs} ms.`,
      { type: 'integer', minimum: 0 },
    ),
  };
  const writes: Record<(typeof WRITE_HEADERS)[number], Parameter> = {
    'Idempotency-Key': header(
      'Idempotency-Key',
      'The command id: a repeated request with the same key answers with the first outcome and writes nothing (then `Idempotent-Replayed: true`).',
      { type: 'string', minLength: 1, maxLength: 200 },
    ),
    'X-User-Name': header('X-User-Name', 'Who is calling (as Keystone middleware sets it), recorded in the event metadata; `anonymous` when absent.'),
    'X-Actor': header('X-Actor', 'Who is calling, when `X-User-Name` is absent.'),
    'X-Request-Id': header('X-Request-Id', 'Correlation id recorded in the event metadata.'),
  };
  return {
    uuid: { name: 'uuid', in: 'path', required: true, description: 'The uuid of the object.', schema: uuidSchema() },
    ...listed,
    ...read,
    ...writes,
    'If-Match': header('If-Match', 'Only if the object is at this revision: an `ETag` this API gave out, e.g. `"3"`; 412 otherwise.', { type: 'string', examples: ['"3"'] }),
    'If-None-Match': header('If-None-Match', 'The `ETag` the client holds: 304 when it is still current.', { type: 'string', examples: ['"3"'] }),
  };
}

function headers(): Record<string, Header> {
  return {
    'X-Log-Position': { description: 'The log position of the write; pass it as `?position=` to read your own write.', schema: { type: 'integer', minimum: 0 } },
    ETag: { description: "The object's revision (its stream revision), quoted: `\"3\"`. Use it in If-Match and If-None-Match.", schema: { type: 'string' } },
    'Idempotent-Replayed': { description: '`true` when Idempotency-Key repeated an earlier command: nothing was written.', schema: { type: 'string', enum: ['true'] } },
  };
}

function errorResponses(): Record<string, Response> {
  const out: Record<string, Response> = {};
  for (const [status, [name, description]] of Object.entries(ERROR_STATUSES)) {
    out[name] = { description: `${status}: ${description}`, content: { [JSON_MEDIA]: { schema: schemaRef('Error') } } };
  }
  return out;
}

function errors(...statuses: ErrorStatus[]): Record<string, Reference> {
  return Object.fromEntries(statuses.map((status) => [String(status), refTo('responses', ERROR_STATUSES[status][0])]));
}

function jsonResponse(description: string, schema: Schema, responseHeaders?: Record<string, Header | Reference>): Response {
  return { description, ...(responseHeaders ? { headers: responseHeaders } : {}), content: { [JSON_MEDIA]: { schema } } };
}

function jsonBody(schema: Schema, example?: unknown): RequestBody {
  return { required: true, content: { [JSON_MEDIA]: example === undefined ? { schema } : { schema, example } } };
}

function bulkParameterSchema(name: string): Schema {
  const flags = new Set(['detail', 'count', 'shared', 'exclude_hrefs']);
  if (flags.has(name)) return { type: ['boolean', 'string'] };
  if (name === 'page_limit') return { type: ['integer', 'string'] };
  if (name === 'fq_names') return { type: ['array', 'string'], items: { oneOf: [{ type: 'string' }, schemaRef('FqName')] } };
  return { type: ['array', 'string'], items: { type: 'string' } };
}

// ---------------------------------------------------------------------------------------------------------------
// Schemas

function uuidSchema(description?: string): Schema {
  return description === undefined ? { type: 'string', format: 'uuid' } : { type: 'string', format: 'uuid', description };
}

function commonSchemas(): Record<string, Schema> {
  return {
    Error: {
      type: 'object',
      description: 'Every error answer (the platform error filter).',
      required: ['statusCode', 'error', 'message', 'path'],
      properties: {
        statusCode: { type: 'integer', description: 'The HTTP status.' },
        error: { type: 'string', description: 'Its name, e.g. `Not Found`.' },
        message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'What went wrong.' },
        path: { type: 'string', description: 'The path asked for.' },
      },
    },
    FqName: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, description: 'Fully qualified name: the names from the top parent down.' },
    ListEntry: {
      type: 'object',
      description: 'An object in a list without `detail`: its identity, and the properties `fields` asked for.',
      required: ['uuid', 'fq_name'],
      properties: { uuid: uuidSchema(), fq_name: schemaRef('FqName'), href: { type: 'string', format: 'uri' } },
      additionalProperties: true,
    },
    Link: {
      type: 'object',
      description: 'A read-only link to another object: a back-ref or a child.',
      properties: { to: schemaRef('FqName'), uuid: uuidSchema(), href: { type: 'string', format: 'uri' }, attr: {} },
    },
    HomePage: {
      type: 'object',
      required: ['href', 'links'],
      properties: {
        href: { type: 'string', format: 'uri' },
        links: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              link: {
                type: 'object',
                required: ['rel', 'href', 'name'],
                properties: {
                  rel: { type: 'string', enum: ['collection', 'resource-base', 'action'] },
                  href: { type: 'string', format: 'uri' },
                  name: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
    Health: {
      type: 'object',
      required: ['status', 'uptimeSeconds'],
      properties: {
        status: { type: 'string', enum: ['ok', 'unavailable'] },
        reason: { type: 'string', description: 'Why the log cannot be read (status `unavailable`).' },
        store: { type: 'object', properties: { kind: { type: 'string' }, headPosition: { type: 'integer' } } },
        uptimeSeconds: { type: 'integer' },
      },
    },
  };
}

/** `{"<type>": {...}}`. */
function envelope(type: string, inner: Schema, description: string): Schema {
  return { type: 'object', description, required: [type], properties: { [type]: inner }, additionalProperties: false };
}

function listSchema(spec: ResourceTypeSpec): Schema {
  return {
    type: 'object',
    required: [spec.plural],
    properties: {
      [spec.plural]: {
        oneOf: [
          { type: 'array', items: schemaRef('ListEntry'), description: 'Without `detail` or `count`.' },
          { type: 'array', items: schemaRef(`${schemaNameOf(spec.name)}Envelope`), description: 'With `detail`.' },
          { type: 'object', required: ['count'], properties: { count: { type: 'integer', minimum: 0 } }, description: 'With `count`.' },
        ],
      },
      marker: { type: ['string', 'null'], description: 'With `page_limit`: the `page_marker` of the next page; null on the last.' },
    },
  };
}

/** A type's body: identity, every property and ref list the registry declares, then the read-only back-refs and children. */
function objectSchema(spec: ResourceTypeSpec, served: readonly ResourceTypeSpec[]): Schema {
  const properties: Record<string, Schema> = {
    uuid: uuidSchema('Given on create, or chosen by the server when absent or null.'),
    name: { type: 'string', minLength: 1, description: 'The last element of fq_name.' },
    fq_name: schemaRef('FqName'),
  };
  const parents = spec.parents.filter((p) => p !== 'config-root');
  if (parents.length > 0) {
    properties.parent_type = { type: 'string', enum: [...parents] };
    properties.parent_uuid = uuidSchema();
    properties.parent_href = { type: 'string', format: 'uri', readOnly: true };
  }
  properties.href = { type: 'string', format: 'uri', readOnly: true };
  for (const property of spec.properties) properties[property.name] = propertySchema(spec, property);
  for (const ref of spec.refs) properties[ref.field] = refListSchema(ref);
  for (const referrer of served) {
    if (referrer.refs.some((r) => r.to === spec.name)) {
      properties[`${referrer.jsonName}_back_refs`] = linkList(`The ${referrer.name} objects that ref this one.`);
    }
  }
  for (const child of served) {
    if (child.parents.includes(spec.name)) properties[child.childrenKey] = linkList(`The ${child.name} children.`);
  }
  return {
    type: 'object',
    title: spec.name,
    description: `A ${spec.name} as the API reads and writes it, inside \`{"${spec.name}": {...}}\`. Read-only fields are ignored in a write.`,
    properties,
  };
}

function linkList(description: string): Schema {
  return { type: 'array', readOnly: true, description, items: schemaRef('Link') };
}

function refListSchema(ref: RefSpec): Schema {
  const item: Schema = {
    type: 'object',
    description: `A ref to a ${ref.to}: name it by \`uuid\` or by \`to\` (its fq_name).`,
    properties: {
      to: schemaRef('FqName'),
      uuid: uuidSchema(),
      href: { type: 'string', format: 'uri', readOnly: true },
      attr: ref.attrType === null ? { type: ['object', 'null'], description: 'The link carries no data.' } : xsdTypeSchema(ref.attrType),
    },
  };
  const notes = [`Refs to ${ref.to} (XSD link \`${ref.link}\`).`, ...presenceNotes(ref.presence, ref.interpreted)];
  return { type: ['array', 'null'], description: notes.join(' '), items: item };
}

function propertySchema(spec: ResourceTypeSpec, property: PropertySpec): Schema {
  const schema = property.collection ? collectionSchema(property) : xsdTypeSchema(property.type);
  const writable = clientMayWrite(spec, property);
  const notes = [String(schema.description ?? `XSD type \`${property.type}\`.`), ...presenceNotes(property.presence, property.interpreted)];
  if (property.presence === 'system-only') notes.push(writable ? 'Clients may change it.' : 'Read-only: a client that sets it gets 403.');
  if (property.collection) notes.push(`Also editable item by item (${property.collection}).`);
  const out: Schema = { ...schema, description: notes.join(' ') };
  if (property.default !== undefined) out.default = property.default;
  if (!writable) out.readOnly = true;
  return out;
}

/**
 * May a client set this property? Asked of the body validator the write routes use, so the answer is theirs: a
 * system-only property is refused with 403 unless the validator lets clients change it (id_perms, perms2). For a
 * type clients cannot write at all the question does not arise (its write routes are not listed).
 */
function clientMayWrite(spec: ResourceTypeSpec, property: PropertySpec): boolean {
  if (property.presence !== 'system-only' || !spec.creatable) return true;
  const { problems } = validateResourceBody(spec.name, { [property.name]: 0 }, { operation: 'update' });
  return !problems.some((problem) => problem.status === 403 && problem.path === property.name);
}

function presenceNotes(presence: PropertySpec['presence'], interpreted: boolean): string[] {
  const notes: string[] = [];
  if (presence === 'required') notes.push('Required by the schema.');
  if (presence === 'system-only') notes.push('Filled in by the system.');
  if (!interpreted) notes.push('Stored and returned as sent.');
  return notes;
}

/** A ListProperty or MapProperty: `{"<collectionField>": [...]}`. */
function collectionSchema(property: PropertySpec): Schema {
  const shape = shapeOfType(property.type);
  const field = property.collectionField;
  const items = shape?.kind === 'complex' && field !== undefined ? shape.type.fields[field] : undefined;
  if (field === undefined || items === undefined) return objectOf(property.type);
  const keyNote = property.mapKey ? ` keyed by \`${property.mapKey}\`` : '';
  return {
    type: 'object',
    description: `XSD type \`${property.type}\`: a ${property.collection === 'propm' ? 'map' : 'list'}${keyNote}.`,
    properties: { [field]: schemaOfShape(items) },
  };
}

/** The JSON Schema of an XSD type: in full for simple types, a plain object for complex ones. */
export function xsdTypeSchema(typeName: string): Schema {
  const shape = shapeOfType(typeName);
  if (shape === undefined) return objectOf(typeName);
  const schema = schemaOfShape(shape);
  return { ...schema, description: schema.description ?? `XSD type \`${typeName}\`.` };
}

function objectOf(typeName: string): Schema {
  return { type: 'object', description: `XSD type \`${typeName}\`.` };
}

/** Simple shapes in full; a complex type becomes an object named by its type, not expanded. */
function schemaOfShape(shape: XsdShape): Schema {
  switch (shape.kind) {
    case 'string': {
      const out: Schema = { type: 'string' };
      if (shape.format !== undefined) out.format = shape.format;
      if (shape.oneOf !== undefined) out.enum = [...shape.oneOf];
      return out;
    }
    case 'integer': {
      const out: Schema = { type: 'integer' };
      if (shape.min !== undefined) out.minimum = shape.min;
      if (shape.max !== undefined) out.maximum = shape.max;
      return out;
    }
    case 'boolean':
      return { type: 'boolean' };
    case 'list':
      return { type: 'array', items: schemaOfShape(shape.item) };
    case 'map':
      return { type: 'object', additionalProperties: schemaOfShape(shape.value) };
    case 'complex':
      return objectOf(shape.type.name);
    case 'object':
      return objectOf(shape.typeName);
    case 'either':
      return { oneOf: shape.options.map(schemaOfShape), description: `${shape.description[0].toUpperCase()}${shape.description.slice(1)}.` };
    case 'any':
      return {};
    default: {
      const unknown: never = shape;
      throw new Error(`no such shape: ${JSON.stringify(unknown)}`);
    }
  }
}
