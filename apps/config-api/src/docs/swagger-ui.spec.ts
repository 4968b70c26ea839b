import { readFileSync } from 'node:fs';
import { OPENAPI_PATH, SWAGGER_UI_FILES, swaggerUiAssets, swaggerUiDistDir, swaggerUiInitializer, swaggerUiPage } from './swagger-ui.js';

describe('Swagger UI page', () => {
  it('finds every file it serves in the installed swagger-ui-dist, and nothing else', () => {
    const assets = swaggerUiAssets();
    expect([...assets.keys()]).toEqual([...SWAGGER_UI_FILES]);
    for (const [name, path] of assets) expect(path).toBe(`${swaggerUiDistDir()}/${name}`);
    expect(swaggerUiAssets('/nonexistent').size).toBe(0);
  });

  it('loads everything from /docs/ on this server: no CDN, no absolute URLs', () => {
    const page = swaggerUiPage('contrail-es <config> API');
    expect(page).toContain('<title>contrail-es &lt;config&gt; API</title>');
    const urls = [...page.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls).toEqual([
      '/docs/swagger-ui.css',
      '/docs/index.css',
      '/docs/favicon-32x32.png',
      '/docs/favicon-16x16.png',
      '/docs/openapi.json',
      '/docs/swagger-ui-bundle.js',
      '/docs/swagger-initializer.js',
    ]);
    for (const url of urls.filter((u) => u !== OPENAPI_PATH && u !== '/docs/swagger-initializer.js')) {
      expect(SWAGGER_UI_FILES).toContain(url.slice('/docs/'.length));
    }
  });

  it('starts the UI on our document without the online validator', () => {
    const script = swaggerUiInitializer();
    expect(script).toContain(`"url":"${OPENAPI_PATH}"`);
    expect(script).toContain('"validatorUrl":null');
    expect(script).not.toMatch(/https?:\/\//);
  });

  it('finds SwaggerUIBundle, which the initializer calls, in the installed bundle', () => {
    const bundle = readFileSync(`${swaggerUiDistDir()}/swagger-ui-bundle.js`, 'utf8');
    expect(bundle).toContain('SwaggerUIBundle');
  });
});
