// The API documentation as a user opens it: the built controller in its own process, /docs and
// /docs/openapi.json fetched over real HTTP, next to the resource routes whose `GET /:collection` and
// `GET /:type/:uuid` would take those paths if the docs routes were not registered first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerProcess } from './controller-process.js';

interface OpenApi {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, { operationId: string; parameters?: Array<{ $ref?: string; name?: string }> }>>;
  components: { parameters: Record<string, { name: string; in: string }> };
}

describe('API documentation (all-in-one controller, built)', () => {
  let dataDir: string;
  let controller: ControllerProcess;
  let rest: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'contrail-docs-e2e-'));
    controller = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '5000' });
    const listening = await controller.waitForLine((line) => line.msg === 'listening');
    rest = listening.rest as string;
  });

  afterAll(async () => {
    await controller?.ensureStopped();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('GET /docs/openapi.json answers the OpenAPI 3.1 document of every served type', async () => {
    const res = await fetch(`${rest}/docs/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as OpenApi;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(doc.paths['/virtual-networks']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/virtual-network/{uuid}']).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(doc.paths['/routing-instances'])).toEqual(['get']);
    for (const path of ['/', '/fqname-to-id', '/id-to-fqname', '/ref-update', '/list-bulk-collection', '/prop-collection-get', '/health', '/metrics']) {
      expect(doc.paths[path]).toBeDefined();
    }
    const listParameters = doc.paths['/virtual-networks'].get.parameters!.map((p) => doc.components.parameters[p.$ref!.split('/').pop()!].name);
    expect(listParameters).toEqual(expect.arrayContaining(['parent_id', 'detail', 'fields', 'filters', 'page_limit', 'position']));
  });

  it('documents the routes the server really has: every collection of the document answers a list', async () => {
    const doc = (await (await fetch(`${rest}/docs/openapi.json`)).json()) as OpenApi;
    const collections = Object.keys(doc.paths).filter((path) => /^\/[a-z-]+s$/.test(path) && path !== '/metrics');
    expect(collections.length).toBeGreaterThan(10);
    for (const path of collections) {
      const res = await fetch(`${rest}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(Object.keys((await res.json()) as object)).toEqual([path.slice(1)]);
    }
  });

  it.each(['/docs', '/docs/'])('GET %s answers the UI page, which loads its files from /docs/', async (path) => {
    const res = await fetch(`${rest}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('<div id="swagger-ui"></div>');
    expect(page).toContain('src="/docs/swagger-ui-bundle.js"');
    expect(page).not.toMatch(/(?:href|src)="https?:/);
  });

  it.each([
    ['/docs/swagger-ui-bundle.js', /javascript/],
    ['/docs/swagger-ui.css', /^text\/css/],
    ['/docs/favicon-32x32.png', /^image\/png/],
    ['/docs/swagger-initializer.js', /javascript/],
  ])('GET %s answers the file', async (path, contentType) => {
    const res = await fetch(`${rest}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(contentType);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  it('the initializer points the UI at /docs/openapi.json', async () => {
    const script = await (await fetch(`${rest}/docs/swagger-initializer.js`)).text();
    expect(script).toContain('"url":"/docs/openapi.json"');
  });

  it('serves a file again as 304 to a client that holds it', async () => {
    const first = await fetch(`${rest}/docs/swagger-ui.css`);
    await first.arrayBuffer();
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    // fetch() adds `Cache-Control: no-cache` to a conditional request unless told otherwise; a browser revalidating sends this.
    const again = await fetch(`${rest}/docs/swagger-ui.css`, { headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
  });

  it('answers any other file under /docs/ with a JSON 404, and serves nothing outside the UI files', async () => {
    for (const path of ['/docs/index.html', '/docs/package.json', '/docs/..%2Fpackage.json', '/docs/swagger-initializer.jsx']) {
      const res = await fetch(`${rest}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
  });

  it('leaves the Contrail routes and the home page as they were', async () => {
    const home = (await (await fetch(`${rest}/`)).json()) as { links: Array<{ link: { name: string } }> };
    expect(home.links.map((l) => l.link.name)).toContain('virtual-network');
    const unknown = await fetch(`${rest}/docss`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ message: "unknown collection 'docss'" });
  });

  it('counts docs requests by route in /metrics', async () => {
    await fetch(`${rest}/docs/openapi.json`);
    const text = await (await fetch(`${rest}/metrics`)).text();
    expect(text).toMatch(/contrail_http_requests_total\{method="GET",route="\/docs\/openapi\.json",status="200"\} [1-9]/);
    expect(text).toMatch(/contrail_http_requests_total\{method="GET",route="\/docs\/:file",status="200"\} [1-9]/);
  });
});
