import type { OpenApiDocument, Operation, Parameter, PathItem, Reference, Schema } from '../docs/openapi-document.js';
import { DEFAULT_EVENT_PAGE, EVENT_QUERY_PARAMETERS, MAX_EVENT_PAGE } from './event-filter.js';
import { NDJSON_CONTENT_TYPE } from './log-export.js';

/*
 * The /audit/* routes in the OpenAPI document (GET /docs/openapi.json), beside the Contrail routes the registry
 * generates. The event filters are listed from EVENT_QUERY_PARAMETERS, the list the parser reads.
 */

const TAG = 'audit';
/** Said of every read that folds the log to a point. */
const CATCHING_UP =
  'Right after a start the audit engine replays the log in the background; until it is past the point asked for, the read waits for it a while, then answers 503 with how far it is.';

const response = (name: string): Reference => ({ $ref: `#/components/responses/${name}` });
/** In OpenAPI 3.1 a schema reference is itself a JSON Schema. */
const schemaRef = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (description: string, schema: Schema) => ({ description, content: { 'application/json': { schema } } });
const positionHeader = { 'X-Log-Position': { description: 'The log position the answer reflects.', schema: { type: 'integer' } } };

const EVENT_PARAMETERS: Readonly<Record<(typeof EVENT_QUERY_PARAMETERS)[number], [string, Schema]>> = {
  stream: ['Exactly this stream, e.g. `virtual-network-<uuid>` or `pool-vn-id`.', { type: 'string' }],
  uuid: ['Events about this object: its stream, its name reservation, numbers and addresses allocated to it.', { type: 'string' }],
  type: ['Event types, comma-separated, e.g. `VirtualNetworkCreated,VirtualNetworkDeleted`.', { type: 'string' }],
  fq_name: ['Events about every object that has held this name (parts joined by `:`); needs `object_type`.', { type: 'string' }],
  object_type: ['Events whose data names this resource type, e.g. `virtual-network`.', { type: 'string' }],
  actor: ['`metadata.actor`: who made the change (the `X-User-Name` of the write).', { type: 'string' }],
  source: ['`metadata.source`: `rest`, `grpc`, `bootstrap`, `kubemanager:<cluster>` …', { type: 'string' }],
  since: ['Recorded at or after this ISO 8601 time (a date alone is midnight UTC; a time needs `Z` or an offset).', { type: 'string' }],
  until: ['Recorded before this ISO 8601 time.', { type: 'string' }],
  after: ['Positions after this one: the cursor (`next` of the previous page).', { type: 'integer', minimum: 0 }],
  before: ['Positions before this one.', { type: 'integer', minimum: 1 }],
  limit: [`Events per page, 1 to ${MAX_EVENT_PAGE}; default ${DEFAULT_EVENT_PAGE}.`, { type: 'integer', minimum: 1, maximum: MAX_EVENT_PAGE }],
};

function query(name: string, description: string, schema: Schema, required = false): Parameter {
  return { name, in: 'query', description, schema, ...(required ? { required } : {}) };
}

const UUID: Parameter = { name: 'uuid', in: 'path', required: true, description: 'The uuid of the object.', schema: { type: 'string' } };
const CLUSTER: Parameter = {
  name: 'cluster',
  in: 'path',
  required: true,
  description: 'The cluster: `default` (virtual routers that name none), or the name of a cluster object or of one a virtual router or a network refers to.',
  schema: { type: 'string' },
};
const AS_OF: Parameter[] = [
  query('position', 'The state after the event at this log position (give this or `time`).', { type: 'integer', minimum: 0 }),
  query('time', 'The state at the last position recorded at or before this ISO 8601 time (give this or `position`).', { type: 'string' }),
];

function operation(operationId: string, summary: string, description: string, rest: Omit<Operation, 'operationId' | 'summary' | 'description' | 'tags'>): Operation {
  return { operationId, tags: [TAG], summary, description, ...rest };
}

function paths(): Record<string, PathItem> {
  return {
    '/audit/events': {
      get: operation('auditReadEvents', 'Events of the log, filtered, a page at a time', 'Events that match every filter given, in log order. At most 100,000 events are read per request: a sparse filter may answer few or no events and a `next` cursor. Ask again with `after=next`; `next` is null once the end of the log (or `before`) was reached.', {
        parameters: EVENT_QUERY_PARAMETERS.map((name) => query(name, ...EVENT_PARAMETERS[name])),
        responses: {
          '200': json('A page of events.', {
            type: 'object',
            required: ['events', 'next'],
            properties: { events: { type: 'array', items: schemaRef('RecordedEvent') }, next: { type: ['integer', 'null'] } },
          }),
          '400': response('BadRequest'),
          '503': response('ServiceUnavailable'),
        },
      }),
    },
    '/audit/objects/{uuid}': {
      get: operation('auditObjectAt', 'An object as it was', `The object as \`GET /<type>/<uuid>\` answered at that point, its refs, back-refs and children as of then. ${CATCHING_UP}`, {
        parameters: [UUID, ...AS_OF],
        responses: {
          '200': { ...json('`{"<type>": {...}}`', { type: 'object' }), headers: positionHeader },
          '400': response('BadRequest'),
          '404': response('NotFound'),
          '503': response('ServiceUnavailable'),
        },
      }),
    },
    '/audit/projects/{uuid}': {
      get: operation('auditProjectAt', 'A project and everything under it, as it was', `The project first, then every object under it by parent, recursively, parents before children. ${CATCHING_UP}`, {
        parameters: [UUID, ...AS_OF],
        responses: {
          '200': {
            ...json('The objects, each `{"<type>": {...}}`.', { type: 'object', properties: { position: { type: 'integer' }, objects: { type: 'array', items: { type: 'object' } } } }),
            headers: positionHeader,
          },
          '400': response('BadRequest'),
          '404': response('NotFound'),
          '503': response('ServiceUnavailable'),
        },
      }),
    },
    '/audit/clusters': {
      get: operation('auditClustersAt', 'The clusters of the desired state, as they were', `The names of the clusters at that point: \`default\` always, and every cluster the config named then. ${CATCHING_UP}`, {
        parameters: AS_OF,
        responses: {
          '200': {
            ...json('The cluster names, sorted.', { type: 'object', required: ['position', 'clusters'], properties: { position: { type: 'integer' }, clusters: { type: 'array', items: { type: 'string' } } } }),
            headers: positionHeader,
          },
          '400': response('BadRequest'),
          '503': response('ServiceUnavailable'),
        },
      }),
    },
    '/audit/clusters/{cluster}': {
      get: operation(
        'auditClusterAt',
        "A cluster's desired state, as it was",
        `What the cluster's agents would have received at that point: the desired state the control service derives from the config (\`GET /control/clusters/{cluster}\` serves it live), derived from the config state as it was then. A cluster that did not exist then is a 404 naming the clusters there were. ${CATCHING_UP}`,
        {
          parameters: [CLUSTER, ...AS_OF],
          responses: {
            '200': { ...json('The desired state.', schemaRef('ClusterDesiredState')), headers: positionHeader },
            '400': response('BadRequest'),
            '404': response('NotFound'),
            '503': response('ServiceUnavailable'),
          },
        },
      ),
    },
    '/audit/diff': {
      get: operation('auditDiff', 'What changed between two points', 'Objects created, deleted and changed after `from` up to and including `to` (default: the head): the fields that differ with their values before and after (null: not set), and the events that made the change with actor, source and time.', {
        parameters: [
          query('from', 'The first point, a log position (or give `from_time`).', { type: 'integer', minimum: 0 }),
          query('from_time', 'The first point, an ISO 8601 time.', { type: 'string' }),
          query('to', 'The second point, a log position (or `to_time`; default the head).', { type: 'integer', minimum: 0 }),
          query('to_time', 'The second point, an ISO 8601 time.', { type: 'string' }),
        ],
        responses: { '200': json('The diff.', schemaRef('ConfigDiff')), '400': response('BadRequest'), '503': response('ServiceUnavailable') },
      }),
    },
    '/audit/verify': {
      post: operation(
        'auditVerify',
        'Check that replaying the log gives the live projections',
        'Rebuilds every projection from a replay of the log from position 0 and compares each with the live one by digest: the config state at its position, and (when the control service runs in the process) the per-cluster desired state, kept up to date run by run, against the one derived from the replay at its position. `ok` is true when every projection agrees; one that does not (still a 200) names its first difference. The top-level `position`, digests, `objects` and `firstDivergence` are the config projection\'s, as in `projections[0]`.',
        {
          responses: {
            '200': json('The report.', {
              type: 'object',
              required: ['ok', 'position', 'liveDigest', 'rebuiltDigest', 'objects', 'projections'],
              properties: {
                ok: { type: 'boolean' },
                position: { type: 'integer' },
                liveDigest: { type: 'string' },
                rebuiltDigest: { type: 'string' },
                objects: { type: 'integer' },
                firstDivergence: schemaRef('ConfigDivergence'),
                projections: { type: 'array', items: schemaRef('ProjectionCheck') },
              },
            }),
            '400': response('BadRequest'),
          },
        },
      ),
    },
    '/audit/export': {
      get: operation('auditExport', 'The whole log as NDJSON', 'Every event up to the head (as it was when the export began), one RecordedEvent per line in position order, streamed. `npm run audit -- import` seeds a new store from it.', {
        responses: {
          '200': {
            description: 'One event per line.',
            headers: { 'X-Log-Position': { description: 'The last position the export holds.', schema: { type: 'integer' } } },
            content: { [NDJSON_CONTENT_TYPE]: { schema: { type: 'string' } } },
          },
          '400': response('BadRequest'),
        },
      }),
    },
  };
}

function schemas(): Record<string, Schema> {
  const change: Schema = {
    type: 'object',
    properties: {
      type: { type: 'string' },
      uuid: { type: 'string' },
      fq_name: schemaRef('FqName'),
      fields: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, before: {}, after: {} } } },
      events: {
        type: 'array',
        items: { type: 'object', properties: { position: { type: 'integer' }, type: { type: 'string' }, actor: { type: 'string' }, source: { type: 'string' }, recordedAt: { type: 'string' } } },
      },
    },
  };
  return {
    RecordedEvent: {
      type: 'object',
      description: 'An event as the log holds it.',
      required: ['eventId', 'type', 'streamId', 'streamRevision', 'globalPosition', 'recordedAt', 'data', 'metadata'],
      properties: {
        eventId: { type: 'string', format: 'uuid' },
        type: { type: 'string' },
        streamId: { type: 'string' },
        streamRevision: { type: 'integer' },
        globalPosition: { type: 'integer' },
        recordedAt: { type: 'string', format: 'date-time' },
        data: {},
        metadata: { type: 'object', description: '`actor`, `source`, `correlationId`, `commandId` …' },
      },
    },
    ClusterDesiredState: {
      type: 'object',
      description: "What one cluster's agents are told (docs/routing-semantics.md §5); lists sorted by name (route targets by target).",
      required: ['cluster', 'position', 'virtualRouters', 'vrfs', 'routeTargets'],
      properties: {
        cluster: { type: 'string' },
        position: { type: 'integer' },
        virtualRouters: { type: 'array', description: 'Each virtual router with its agent config: interfaces, VRFs, ACLs, security groups.', items: { type: 'object' } },
        vrfs: { type: 'array', description: 'The VRFs its agents use, and those of networks stretched to the cluster.', items: { type: 'object' } },
        routeTargets: {
          type: 'array',
          items: { type: 'object', properties: { target: { type: 'string' }, importedBy: { type: 'array', items: { type: 'string' } }, exportedBy: { type: 'array', items: { type: 'string' } } } },
        },
      },
    },
    ConfigDivergence: {
      type: 'object',
      description: 'Where two config states differ first: an object (the one whose last event is earliest), then a pool, then a stream revision.',
      properties: { uuid: { type: 'string' }, type: { type: 'string' }, field: { type: 'string' }, live: {}, rebuilt: {} },
    },
    DesiredStateDivergence: {
      type: 'object',
      description: 'Where two desired states differ first: clusters by name, then within one its virtual routers, VRFs and route targets.',
      properties: {
        cluster: { type: 'string' },
        kind: { type: 'string', enum: ['cluster', 'virtual-router', 'vrf', 'route-target'] },
        name: { type: 'string' },
        field: { type: 'string' },
        live: {},
        rebuilt: {},
      },
    },
    ProjectionCheck: {
      type: 'object',
      required: ['projection', 'ok', 'position', 'liveDigest', 'rebuiltDigest'],
      properties: {
        projection: { type: 'string', enum: ['config', 'desired-state'] },
        ok: { type: 'boolean' },
        position: { type: 'integer' },
        liveDigest: { type: 'string' },
        rebuiltDigest: { type: 'string' },
        objects: { type: 'integer', description: 'config: objects in the rebuilt state.' },
        clusters: { type: 'integer', description: 'desired-state: clusters in the rebuilt desired state.' },
        firstDivergence: { oneOf: [schemaRef('ConfigDivergence'), schemaRef('DesiredStateDivergence')] },
      },
    },
    ConfigDiff: {
      type: 'object',
      properties: {
        from: { type: 'integer' },
        to: { type: 'integer' },
        created: { type: 'array', items: change },
        deleted: { type: 'array', items: change },
        changed: { type: 'array', items: change },
      },
    },
  };
}

/** The document with the audit tag, routes and schemas added. */
export function withAuditRoutes(doc: OpenApiDocument): OpenApiDocument {
  return {
    ...doc,
    tags: [
      ...doc.tags,
      { name: TAG, description: "The event log read back: events; objects, projects and clusters' desired states as of a point; diffs; replay verification of every projection; export." },
    ],
    paths: { ...doc.paths, ...paths() },
    components: { ...doc.components, schemas: { ...doc.components.schemas, ...schemas() } },
  };
}
