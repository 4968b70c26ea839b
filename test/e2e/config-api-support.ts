// Shared by the config-api-*.e2e.ts files: runs the built controller on a temp DATA_DIR and talks to its Contrail
// REST API over real HTTP with Node's fetch, as a script or the Python vnc_api client would.
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerProcess, type Exit } from './controller-process.js';

export type Json = any;

export interface Answer {
  status: number;
  headers: Headers;
  /** The parsed JSON body; null for an empty one. */
  body: Json;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Sent as it is, instead of JSON.stringify(body): malformed JSON. */
  raw?: string;
}

/** A controller process and the base URL of its REST API. */
export class RunningController {
  private constructor(
    readonly process: ControllerProcess,
    readonly api: ConfigApi,
  ) {}

  /** Starts the built controller on `dataDir` with REST_PORT/GRPC_PORT/XMPP_PORT 0 and waits for 'listening'. */
  static async start(dataDir: string, env: Record<string, string> = {}): Promise<RunningController> {
    const process = new ControllerProcess({
      REST_PORT: '0',
      GRPC_PORT: '0',
      XMPP_PORT: '0',
      DATA_DIR: dataDir,
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...env,
    });
    try {
      const listening = await process.waitForLine((line) => line.msg === 'listening');
      return new RunningController(process, new ConfigApi(listening.rest as string));
    } catch (error) {
      await process.ensureStopped();
      throw error;
    }
  }

  /** SIGTERM, and the exit it led to. */
  async stop(): Promise<Exit> {
    this.process.kill('SIGTERM');
    return this.process.exited;
  }
}

/** A fresh DATA_DIR and its removal. */
export function tempDataDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'contrail-config-api-e2e-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Contrail's REST API of one controller. */
export class ConfigApi {
  constructor(readonly base: string) {}

  async request(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Answer> {
    const hasBody = options.raw !== undefined || body !== undefined;
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...(hasBody ? { 'content-type': 'application/json; charset="UTF-8"' } : {}), ...options.headers },
      body: options.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    let parsed: Json = null;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(`${method} ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
      }
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  get(path: string, options?: RequestOptions): Promise<Answer> {
    return this.request('GET', path, undefined, options);
  }

  post(path: string, body: unknown, options?: RequestOptions): Promise<Answer> {
    return this.request('POST', path, body, options);
  }

  put(path: string, body: unknown, options?: RequestOptions): Promise<Answer> {
    return this.request('PUT', path, body, options);
  }

  delete(path: string, options?: RequestOptions): Promise<Answer> {
    return this.request('DELETE', path, undefined, options);
  }

  /** POST /<type>s; fails the test unless the answer is 200. Returns the create answer's inner object. */
  async create(type: string, inner: Record<string, unknown>, options?: RequestOptions): Promise<Json> {
    const answer = await this.post(`/${type}s`, { [type]: inner }, options);
    if (answer.status !== 200) {
      throw new Error(`creating ${type} ${JSON.stringify(inner.fq_name)} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    return answer.body[type];
  }

  /** GET /<type>/<uuid>; fails the test unless 200. Returns the inner object. */
  async read(type: string, uuid: string, query = ''): Promise<Json> {
    const answer = await this.get(`/${type}/${uuid}${query}`);
    if (answer.status !== 200) throw new Error(`reading ${type} ${uuid} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body[type];
  }

  /** POST /fqname-to-id. */
  async uuidOf(type: string, fqName: string[]): Promise<string> {
    const answer = await this.post('/fqname-to-id', { type, fq_name: fqName });
    if (answer.status !== 200) throw new Error(`${type} ${fqName.join(':')} has no uuid: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.uuid as string;
  }

  /** The head of the event log, as GET /health reports it. */
  async head(): Promise<number> {
    const answer = await this.get('/health');
    if (answer.status !== 200) throw new Error(`GET /health answered ${answer.status}`);
    return answer.body.store.headPosition as number;
  }

  /** Runs `work` and fails the test if the event log moved meanwhile: a refused request must write nothing. */
  async expectNothingWritten<T>(work: () => Promise<T>): Promise<T> {
    const before = await this.head();
    const result = await work();
    const after = await this.head();
    if (after !== before) throw new Error(`the log moved from ${before} to ${after}: a refused request wrote events`);
    return result;
  }

  /**
   * POSTs `size` bytes with node:http, which (unlike fetch) reads an answer the server sends before it has read
   * the whole body, as it does for a body over the limit.
   */
  postBytes(path: string, size: number): Promise<{ status: number; body: Json }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${this.base}${path}`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': size } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
        },
      );
      req.on('error', reject);
      const name = 'x'.repeat(size - 100);
      const body = JSON.stringify({ project: { fq_name: ['default-domain', 'too-big'], display_name: name } });
      req.end(body.padEnd(size, ' '));
    });
  }
}

/** The error body every refusal carries. */
export function errorBody(status: number, message: string | RegExp): Json {
  return expect.objectContaining({
    statusCode: status,
    error: expect.any(String),
    message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
    path: expect.any(String),
  });
}

/** `{"ip_prefix": "10.1.0.0", "ip_prefix_len": 24}` from '10.1.0.0/24'. */
export function subnet(cidr: string): { ip_prefix: string; ip_prefix_len: number } {
  const [prefix, len] = cidr.split('/');
  return { ip_prefix: prefix!, ip_prefix_len: Number(len) };
}

export const DEFAULT_IPAM = ['default-domain', 'default-project', 'default-network-ipam'];

/** A virtual-network body with the given subnets on one IPAM ref. */
export function networkBody(fqName: string[], subnets: Array<Record<string, unknown>>, ipam: string[] = DEFAULT_IPAM, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    fq_name: fqName,
    parent_type: 'project',
    network_ipam_refs: [{ to: ipam, attr: { ipam_subnets: subnets } }],
    ...extra,
  };
}

/** IPv4 address text → number, for range checks. */
export function ipv4(text: string): number {
  return text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** Counts of each value: [200, 409, 409] → {200: 1, 409: 2}. */
export function tally<T extends string | number>(values: T[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}
