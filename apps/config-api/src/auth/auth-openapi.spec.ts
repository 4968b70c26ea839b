import { describe, expect, it } from '@jest/globals';
import { CONFIG_MODEL, resourceType, type ResourceTypeSpec } from '#libs/domain';
import { withAuditRoutes } from '../audit/audit-openapi.js';
import { buildOpenApiDocument, type Parameter } from '../docs/openapi-document.js';
import { withAuthentication } from './auth-openapi.js';
import { REFUSAL_QUERY_PARAMETERS } from './refusals.controller.js';

const types: ResourceTypeSpec[] = CONFIG_MODEL.schema.types().map((name) => resourceType(name)!);
const doc = withAuthentication(withAuditRoutes(buildOpenApiDocument({ types, version: '1.2.3', readWaitMs: 5000 })));

describe('authentication in the OpenAPI document', () => {
  it('declares the bearer scheme, optional at the top level (anonymous access may be on)', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }, {}]);
  });

  it('documents GET /audit/refusals with exactly the filters its controller reads, under the audit tag', () => {
    const operation = doc.paths['/audit/refusals'].get!;
    expect(operation.tags).toEqual(['audit']);
    expect((operation.parameters as Parameter[]).map((p) => p.name)).toEqual([...REFUSAL_QUERY_PARAMETERS]);
    expect(doc.components.responses.BadRequest).toBeDefined();
  });
});
