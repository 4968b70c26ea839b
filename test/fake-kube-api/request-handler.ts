import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeApiError, badRequest, methodNotAllowed, notFound, unauthorized } from './errors.js';
import { isJsonObject } from './json.js';
import { JsonPatchError, applyJsonPatch } from './json-patch.js';
import type { ObjectStore } from './object-store.js';
import type { KubeObject } from './objects.js';
import { type ResourceTarget, resolveResource } from './routes.js';
import { type ObjectFilter, allOf, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { WatchStream } from './watch-stream.js';

export interface RequestHandlerOptions {
  /** When set, every resource request must carry `Authorization: Bearer <token>`. */
  token: string | undefined;
  bookmarkIntervalMs: number;
  slowWatcherTimeoutMs: number;
  /** Where open watches are kept, so the server can end them all. */
  watches: Set<WatchStream>;
}

/** The apiserver's default `--max-request-bytes`-like cap on a request body (3 MiB). */
const MAX_BODY_BYTES = 3 * 1024 * 1024;
const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' };
const VERSION = { major: '1', minor: '31', gitVersion: 'v1.31.0-fake', platform: 'linux/amd64' };

/**
 * The REST surface of the fake: list, get, watch, create, replace, patch and delete on every served kind, plus the
 * unauthenticated health and version endpoints. Every failure is answered as a Kubernetes `Status`.
 */
export class RequestHandler {
  constructor(
    private readonly store: ObjectStore,
    private readonly options: RequestHandlerOptions,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (this.servePublic(url.pathname, res)) return;
      this.authenticate(req);
      const target = resolveResource(url.pathname);
      await this.serveResource(req, res, target, url.searchParams);
    } catch (error) {
      sendError(res, error);
    }
  }

  /** `/healthz`, `/livez`, `/readyz`, `/version`: open to anyone, as `system:public-info-viewer` makes them. */
  private servePublic(pathname: string, res: ServerResponse): boolean {
    if (pathname === '/version') {
      sendJson(res, 200, VERSION);
      return true;
    }
    if (['/healthz', '/livez', '/readyz'].includes(pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
      return true;
    }
    return false;
  }

  /** Bearer token authentication (the scheme is case-insensitive, as in the apiserver's bearertoken authenticator). */
  private authenticate(req: IncomingMessage): void {
    if (this.options.token === undefined) return;
    const match = /^bearer\s+(.+)$/i.exec(req.headers.authorization?.trim() ?? '');
    if (match === null || match[1].trim() !== this.options.token) throw unauthorized();
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, target: ResourceTarget, query: URLSearchParams): Promise<void> {
    const { info, namespace, name } = target;
    const onObject = name !== undefined;
    switch (req.method) {
      case 'GET':
        if (isTrue(query.get('watch'))) return this.watch(res, target, query);
        if (onObject) return sendJson(res, 200, this.existing(target));
        return this.list(res, target, query);
      case 'POST': {
        if (onObject || (info.namespaced && namespace === undefined)) throw methodNotAllowed('POST');
        const body = bodyObject(await readJson(req));
        checkNamespace(body, namespace);
        return sendJson(res, 201, this.store.create(info.kind, body));
      }
      case 'PUT': {
        if (!onObject) throw methodNotAllowed('PUT');
        const body = bodyObject(await readJson(req));
        checkNamespace(body, namespace);
        const bodyName = isJsonObject(body.metadata) ? body.metadata.name : undefined;
        if (bodyName !== name) throw badRequest(`the name of the object (${String(bodyName ?? '')}) does not match the name on the URL (${name})`);
        return sendJson(res, 200, this.store.update(info.kind, body));
      }
      case 'PATCH':
        if (!onObject) throw methodNotAllowed('PATCH');
        return sendJson(res, 200, await this.patch(req, target));
      case 'DELETE':
        if (!onObject) throw methodNotAllowed('DELETE');
        await readBody(req);
        return sendJson(res, 200, this.store.delete(info.kind, namespace, name));
      default:
        throw methodNotAllowed(req.method ?? '');
    }
  }

  private existing(target: ResourceTarget): KubeObject {
    const { info, namespace, name } = target;
    const object = this.store.stored(info.kind, namespace, name as string);
    if (object === undefined) throw notFound(info, name as string);
    return object;
  }

  /** A list: `{kind: 'PodList', metadata: {resourceVersion}, items}`. `limit`/`continue` are ignored (one page). */
  private list(res: ServerResponse, target: ResourceTarget, query: URLSearchParams): void {
    const filter = selection(target, query);
    const items: Record<string, unknown>[] = [];
    for (const object of this.store.storedObjects(target.info.kind)) {
      // the real server leaves kind and apiVersion off list items (kubernetes/kubernetes#3030)
      if (filter(object)) items.push(withoutTypeMeta(object));
    }
    const { listKind, apiVersion } = target.info;
    sendJson(res, 200, { kind: listKind, apiVersion, metadata: { resourceVersion: this.store.resourceVersion }, items });
  }

  /**
   * A watch. Without a resourceVersion (or with "0") it starts with an ADDED per current object; with one it replays
   * the kind's changes after it, or answers a 410 ERROR event when that rv is older than the history floor.
   */
  private watch(res: ServerResponse, target: ResourceTarget, query: URLSearchParams): void {
    const filter = selection(target, query);
    const fromRv = parseResourceVersion(query.get('resourceVersion'));
    if (fromRv !== undefined && fromRv > this.store.currentRv) {
      throw new KubeApiError(504, 'Timeout', `Too large resource version: ${fromRv}, current: ${this.store.currentRv}`);
    }
    const stream = new WatchStream(
      res,
      {
        info: target.info,
        filter,
        bookmarks: isTrue(query.get('allowWatchBookmarks')),
        bookmarkIntervalMs: this.options.bookmarkIntervalMs,
        timeoutMs: parseTimeout(query.get('timeoutSeconds')),
        currentRv: () => this.store.currentRv,
        slowWatcherTimeoutMs: this.options.slowWatcherTimeoutMs,
      },
      (ended) => this.options.watches.delete(ended),
    );
    this.options.watches.add(stream);
    const kind = target.info.kind;
    if (fromRv === undefined) {
      stream.sendCurrent(this.store.storedObjects(kind));
    } else {
      let changes;
      try {
        changes = this.store.changesSince(kind, fromRv);
      } catch (error) {
        if (error instanceof KubeApiError) return stream.fail(error);
        throw error;
      }
      for (const change of changes) stream.deliver(change);
    }
    // replay and subscription happen in one synchronous step, so no change can fall between them
    stream.onStop(this.store.subscribe(kind, (change) => stream.deliver(change)));
  }

  private async patch(req: IncomingMessage, target: ResourceTarget): Promise<KubeObject> {
    const { info, namespace } = target;
    const name = target.name as string;
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    switch (mediaType) {
      // a strategic merge patch is taken as a plain merge patch: lists are replaced, not merged by key
      case 'application/merge-patch+json':
      case 'application/strategic-merge-patch+json': {
        const patch = await readJson(req);
        if (!isJsonObject(patch)) throw badRequest('a merge patch must be a JSON object');
        return this.store.mergePatch(info.kind, namespace, name, patch);
      }
      case 'application/json-patch+json': {
        const patch = await readJson(req);
        return this.store.patch(info.kind, namespace, name, (current) => {
          try {
            return applyJsonPatch(current, patch);
          } catch (error) {
            if (error instanceof JsonPatchError) throw new KubeApiError(422, 'Invalid', error.message);
            throw error;
          }
        });
      }
      default:
        await readBody(req);
        throw new KubeApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format (${mediaType || 'no Content-Type'}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
        );
    }
  }
}

/** Namespace of the path, `metadata.name` of an object path, labelSelector and fieldSelector together. */
function selection(target: ResourceTarget, query: URLSearchParams): ObjectFilter {
  const { namespace, name } = target;
  let filter = allOf(parseLabelSelector(query.get('labelSelector')), parseFieldSelector(query.get('fieldSelector')));
  if (namespace !== undefined) filter = allOf((object) => object.metadata.namespace === namespace, filter);
  if (name !== undefined) filter = allOf((object) => object.metadata.name === name, filter);
  return filter;
}

/** strconv.ParseBool's true spellings, as the apiserver decodes `watch` and `allowWatchBookmarks`. */
function isTrue(value: string | null): boolean {
  return value !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}

/** undefined means "from the current state" (absent, empty or "0"). */
function parseResourceVersion(value: string | null): number | undefined {
  if (value === null || value === '' || value === '0') return undefined;
  if (!/^[0-9]+$/.test(value)) throw badRequest(`invalid resource version: ${JSON.stringify(value)}`);
  return Number(value);
}

function parseTimeout(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  if (!/^[0-9]+$/.test(value)) throw badRequest(`invalid timeoutSeconds: ${JSON.stringify(value)}`);
  const seconds = Number(value);
  return seconds === 0 ? undefined : seconds * 1000;
}

function withoutTypeMeta(object: KubeObject): Record<string, unknown> {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest;
}

function checkNamespace(body: Record<string, unknown>, namespace: string | undefined): void {
  if (namespace === undefined) return;
  const meta = isJsonObject(body.metadata) ? body.metadata : undefined;
  if (meta?.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  body.metadata = { ...meta, namespace };
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (!isJsonObject(body)) throw badRequest('the request body must be a JSON object');
  return body;
}

/** The whole body; over MAX_BODY_BYTES it is read to the end and refused with 413. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) throw new KubeApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY_BYTES}`);
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  const body = await readBody(req);
  if (contentType !== '' && !contentType.includes('json')) {
    throw new KubeApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format (${contentType}) - accepted media types include: application/json`);
  }
  if (body.length === 0) throw badRequest('the request body is empty; a JSON object was expected');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, JSON_HEADERS).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: unknown): void {
  const failure = error instanceof KubeApiError ? error : new KubeApiError(500, 'InternalError', `fake API server: ${error instanceof Error ? error.message : String(error)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, failure.code, failure.toStatus());
}
