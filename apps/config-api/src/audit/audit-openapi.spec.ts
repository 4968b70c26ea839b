import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { CONFIG_MODEL, resourceType, type ResourceTypeSpec } from '#libs/domain';
import { HTTP_METHODS, buildOpenApiDocument, type Parameter } from '../docs/openapi-document.js';
import { withAuditRoutes } from './audit-openapi.js';
import { EVENT_QUERY_PARAMETERS } from './event-filter.js';

const SERVED: ResourceTypeSpec[] = CONFIG_MODEL.schema.types().map((name) => resourceType(name)!);
const base = buildOpenApiDocument({ types: SERVED, version: '1.2.3', readWaitMs: 5000 });
const doc = withAuditRoutes(base);

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

function resolves(ref: string): boolean {
  let at: unknown = doc;
  for (const key of ref.slice(2).split('/')) {
    if (at === null || typeof at !== 'object' || !(key in at)) return false;
    at = (at as Record<string, unknown>)[key];
  }
  return true;
}

describe('the audit routes in the OpenAPI document', () => {
  it('documents every route of the audit controller, under the audit tag', () => {
    const controller = readFileSync(new URL('./audit.controller.ts', import.meta.url), 'utf8');
    const routes = [...controller.matchAll(/@(Get|Post)\('([^']*)'\)/g)].map(([, verb, path]) => [verb.toLowerCase(), `/audit/${path.replace(/:(\w+)/g, '{$1}')}`]);
    expect(routes).toHaveLength(8);
    for (const [method, path] of routes) {
      const operation = doc.paths[path]?.[method as (typeof HTTP_METHODS)[number]];
      expect({ method, path, tags: operation?.tags }).toEqual({ method, path, tags: ['audit'] });
    }
  });

  it('lists exactly the event filters the parser reads', () => {
    const names = (doc.paths['/audit/events'].get!.parameters as Parameter[]).map((p) => p.name);
    expect(names).toEqual([...EVENT_QUERY_PARAMETERS]);
  });

  it('has only references that resolve, and keeps the rest of the document', () => {
    for (const ref of refsIn(doc)) expect({ ref, resolves: resolves(ref) }).toEqual({ ref, resolves: true });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(Object.keys(base.paths)));
    expect(doc.tags.map((t) => t.name)).toEqual([...base.tags.map((t) => t.name), 'audit']);
  });

  it("documents a cluster's desired state as of a point, and verify per projection", () => {
    const cluster = doc.paths['/audit/clusters/{cluster}'].get!;
    expect((cluster.parameters as Parameter[]).map((p) => p.name)).toEqual(['cluster', 'position', 'time']);
    expect(Object.keys(cluster.responses)).toEqual(['200', '400', '404', '503']);
    expect(JSON.stringify(doc.paths['/audit/verify'].post!.responses['200'])).toContain('#/components/schemas/ProjectionCheck');
    expect(JSON.stringify(doc)).not.toContain('not served yet');
  });
});
