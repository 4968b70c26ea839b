import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resourceType, type ResourceTypeSpec } from '#libs/domain';
import { withAuditRoutes } from '../audit/audit-openapi.js';
import { withAuthentication } from '../auth/auth-openapi.js';
import { CONFIG_API, type ConfigApi } from '../config-api.js';
import { READ_WAIT_MS } from '../rest/resource.controller.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document.js';
import { INITIALIZER_NAME, swaggerUiAssets, swaggerUiInitializer, swaggerUiPage } from './swagger-ui.js';

/**
 * GET /docs (and /docs/): Swagger UI; GET /docs/openapi.json: the OpenAPI 3.1 document, built once at start from
 * the types the config API serves; GET /docs/<file>: the UI's files from swagger-ui-dist. List this controller
 * before ResourceController: its `GET /:collection` and `GET /:type/:uuid` would take these paths.
 */
@Controller('docs')
export class DocsController {
  private readonly document: OpenApiDocument;
  private readonly page: string;
  private readonly initializer = swaggerUiInitializer();
  private readonly assets = swaggerUiAssets();

  constructor(@Inject(CONFIG_API) api: ConfigApi) {
    const types = api.model.schema
      .types()
      .map((name) => resourceType(name))
      .filter((spec): spec is ResourceTypeSpec => spec !== undefined);
    this.document = withAuthentication(withAuditRoutes(buildOpenApiDocument({ types, version: projectVersion(), readWaitMs: READ_WAIT_MS })));
    this.page = swaggerUiPage(this.document.info.title);
  }

  @Get()
  @Header('Cache-Control', 'no-cache')
  index(@Res({ passthrough: true }) res: Response): string {
    res.type('html');
    return this.page;
  }

  @Get('openapi.json')
  @Header('Cache-Control', 'no-cache')
  openApi(): OpenApiDocument {
    return this.document;
  }

  @Get(INITIALIZER_NAME)
  @Header('Cache-Control', 'no-cache')
  initializerScript(@Res({ passthrough: true }) res: Response): string {
    res.type('js');
    return this.initializer;
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const path = this.assets.get(file);
    if (path === undefined) throw new NotFoundException(`no documentation file ${file}`);
    // Content type from the extension, ETag and Last-Modified for revalidation, Range, HEAD.
    // `root`: the dotfiles rule then applies to the file name only, not to the directories above the package.
    res.sendFile(basename(path), { root: dirname(path) }, (error?: Error) => {
      if (error === undefined || res.headersSent) return;
      res.status(500).json({ statusCode: 500, error: 'Internal Server Error', message: `cannot read ${file}`, path: `/docs/${file}` });
    });
  }
}

/** The controller's version: package.json's, found from this file upwards (source tree or dist/). */
function projectVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
      if (typeof version === 'string') return version;
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}
