import type { OpenApiDocument, Parameter, Schema } from '../docs/openapi-document.js';
import { REFUSAL_QUERY_PARAMETERS } from './refusals.controller.js';

/*
 * Authentication in the OpenAPI document (GET /docs/openapi.json): the bearer scheme, so the API browser offers an
 * Authorize button, optional at the top level (anonymous access may be on: README "Authentication and roles"), and
 * the audit trail of refused commands, GET /audit/refusals.
 */

export type DocumentWithAuthentication = OpenApiDocument & {
  security: Array<Record<string, string[]>>;
  components: OpenApiDocument['components'] & { securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }> };
};

const REFUSAL_PARAMETERS: Readonly<Record<(typeof REFUSAL_QUERY_PARAMETERS)[number], [string, Schema]>> = {
  actor: ['Refusals of this actor; `unauthenticated` for callers without usable credentials.', { type: 'string' }],
  since: ['Recorded at or after this ISO 8601 time.', { type: 'string' }],
  until: ['Recorded before this ISO 8601 time.', { type: 'string' }],
  after: ['Positions after this one: the cursor (`next` of the previous page).', { type: 'integer', minimum: 0 }],
  before: ['Positions before this one.', { type: 'integer', minimum: 1 }],
  limit: ['Refusals per page, 1 to 1000; default 100.', { type: 'integer', minimum: 1, maximum: 1000 }],
};

const REFUSAL: Schema = {
  type: 'object',
  required: ['position', 'recordedAt', 'actor', 'address', 'protocol', 'operation', 'request', 'status', 'reason', 'message', 'at'],
  properties: {
    position: { type: 'integer' },
    recordedAt: { type: 'string' },
    actor: { type: 'string' },
    address: { type: 'string' },
    protocol: { enum: ['rest', 'grpc'] },
    operation: { type: 'string', description: 'create, update, delete, ref-update or prop-collection-update.' },
    request: { type: 'string', description: '`POST /virtual-networks`, `ConfigService/Create` …' },
    type: { type: 'string' },
    uuid: { type: 'string' },
    fq_name: { type: 'array', items: { type: 'string' } },
    status: { enum: [401, 403] },
    reason: { type: 'string', description: 'missing-credentials, malformed, unknown-token, expired, not-yet-valid, bad-signature, unknown-key, unsupported-alg, wrong-issuer, wrong-audience, role or scope.' },
    message: { type: 'string' },
    at: { type: 'string' },
  },
};

/** The document with the bearer scheme and GET /audit/refusals added. */
export function withAuthentication(doc: OpenApiDocument): DocumentWithAuthentication {
  const parameters: Parameter[] = REFUSAL_QUERY_PARAMETERS.map((name) => ({ name, in: 'query', description: REFUSAL_PARAMETERS[name][0], schema: REFUSAL_PARAMETERS[name][1] }));
  return {
    ...doc,
    security: [{ bearer: [] }, {}],
    components: {
      ...doc.components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token of AUTH_TOKENS_FILE, or a JWT verified with AUTH_JWT_KEYS_FILE / AUTH_JWT_SECRET_FILE. 401 without usable credentials, 403 when the role does not allow the call.',
        },
      },
    },
    paths: {
      ...doc.paths,
      '/audit/refusals': {
        get: {
          operationId: 'auditReadRefusals',
          tags: ['audit'],
          summary: 'Refused commands, a page at a time',
          description: 'The audit trail of refused writes (401 and 403): who, from where, what and why, in log order, at most 10 recorded per source address and second. The same events are in /audit/events with `type=CommandRefused`.',
          parameters,
          responses: {
            '200': {
              description: 'A page of refusals.',
              content: { 'application/json': { schema: { type: 'object', required: ['refusals', 'next'], properties: { refusals: { type: 'array', items: REFUSAL }, next: { type: ['integer', 'null'] } } } } },
            },
            '400': { $ref: '#/components/responses/BadRequest' },
          },
        },
      },
    },
  };
}
