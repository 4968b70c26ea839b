import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/*
 * The interactive API documentation at /docs: Swagger UI from the `swagger-ui-dist` package, served from this
 * process (no CDN: controllers often run without internet access). Our own index page and initializer replace the
 * package's, which load the Petstore example.
 */

/** Where the UI lives on the REST port. */
export const DOCS_BASE = '/docs';
/** The OpenAPI document the UI shows. */
export const OPENAPI_PATH = `${DOCS_BASE}/openapi.json`;
/** Our initializer script (kept out of the page, so a Content-Security-Policy without inline scripts still works). */
export const INITIALIZER_NAME = 'swagger-initializer.js';

/** The files of swagger-ui-dist the page needs (and the source maps a browser's devtools ask for). */
export const SWAGGER_UI_FILES = [
  'swagger-ui.css',
  'swagger-ui.css.map',
  'index.css',
  'swagger-ui-bundle.js',
  'swagger-ui-bundle.js.map',
  'favicon-32x32.png',
  'favicon-16x16.png',
] as const;

/** The directory of the installed swagger-ui-dist package. */
export function swaggerUiDistDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/** File name → absolute path, for the files of SWAGGER_UI_FILES the installed package has. Nothing else is served. */
export function swaggerUiAssets(dir: string = swaggerUiDistDir()): ReadonlyMap<string, string> {
  const assets = new Map<string, string>();
  for (const name of SWAGGER_UI_FILES) {
    const path = join(dir, name);
    if (existsSync(path)) assets.set(name, path);
  }
  return assets;
}

/** The page at /docs: the UI's stylesheet and bundle from /docs/, then our initializer. */
export function swaggerUiPage(title: string): string {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escapeHtml(title)}</title>
    <link rel="stylesheet" type="text/css" href="${DOCS_BASE}/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="${DOCS_BASE}/index.css">
    <link rel="icon" type="image/png" href="${DOCS_BASE}/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${DOCS_BASE}/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <noscript>The interactive documentation needs JavaScript; the OpenAPI document is at <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a>.</noscript>
    <script src="${DOCS_BASE}/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="${DOCS_BASE}/${INITIALIZER_NAME}" charset="UTF-8"></script>
  </body>
</html>
`;
}

/**
 * Starts Swagger UI on our document. `validatorUrl: null`: the UI would otherwise send the document to
 * validator.swagger.io for its badge. Operations start collapsed (there are five per type); the filter box
 * searches the tags.
 */
export function swaggerUiInitializer(): string {
  const config = {
    url: OPENAPI_PATH,
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    docExpansion: 'none',
    filter: true,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
  };
  return `window.onload = function () {
  window.ui = SwaggerUIBundle(Object.assign(${JSON.stringify(config)}, {
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  }));
};
`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
