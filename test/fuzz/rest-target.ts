// REST: POST and PUT of every served type with bodies built from valid examples and then mutated, the action
// routes likewise, lists and reads with random query strings, odd methods, paths and headers.
//
// Oracle: an answer within ANSWER_TIMEOUT_MS; never a 5xx; a 4xx is JSON with its status and a message; a refused
// write leaves no event carrying its X-Request-Id (the correlation id every event of a command records).
import { request } from 'node:http';
import { LIST_PARAMETERS } from '#apps/config-api';
import { SeededRandom } from '../support/seeded-random.js';
import { actionExamples, createExample, SYSTEM_TYPES, updateExample } from './config-examples.js';
import { ANSWER_TIMEOUT_MS, type FuzzContext, type FuzzTarget } from './fuzz-target.js';
import type { Outcome } from './fuzz-report.js';
import { EDGE_NUMBERS, EDGE_STRINGS, mutateJson } from './json-mutator.js';

interface RestInput {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  notes: string[];
  /** Could write to the log. */
  write: boolean;
  /** A valid example sent as it is: it must succeed. */
  intact: boolean;
}

interface Answer {
  status: number;
  text: string;
}

/** The list parameters parseListQuery reads, plus the read parameters every GET takes. */
const QUERY_PARAMETERS: readonly string[] = [...LIST_PARAMETERS, 'position', 'exclude_back_refs', 'exclude_children'];

export class RestTarget implements FuzzTarget {
  readonly name = 'rest';
  private head: number | undefined;

  constructor(private readonly ctx: FuzzContext) {}

  async run(inputSeed: number, index: number): Promise<Outcome> {
    const rng = new SeededRandom(inputSeed);
    const input = this.generate(rng, index);
    const requestId = `fuzz-rest-${index}-${inputSeed}`;
    input.headers['x-request-id'] = requestId;
    const shown = describeInput(input);
    try {
      return await this.send(input, requestId, shown);
    } catch (error) {
      // The controller stopped answering the harness's own requests (it died, or hangs): the input is kept.
      this.head = undefined;
      return { status: 'harness-error', input: shown, finding: `the harness failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  private async send(input: RestInput, requestId: string, shown: string): Promise<Outcome> {
    this.head ??= await this.ctx.controller.head();
    const before = this.head;
    let answer: Answer;
    try {
      answer = await sendRequest(this.ctx.controller.rest, input);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // The client refused to send it (a header node:http will not put on the wire): not an input at all.
      if (/Invalid character|ERR_INVALID_CHAR|ERR_HTTP_INVALID_HEADER_VALUE/.test(message)) return { status: 'unsendable', input: shown };
      this.head = undefined;
      return { status: /no answer/.test(message) ? 'timeout' : 'no-answer', input: shown, finding: message };
    }
    const status = String(answer.status);
    const outcome: Outcome = { status, input: shown };
    const accepted = answer.status < 400;
    if (answer.status >= 500) outcome.finding = `answered ${answer.status}: ${answer.text.slice(0, 300)}`;
    // A HEAD answer has no body by definition.
    else if (answer.status >= 400 && input.method !== 'HEAD') outcome.finding = unclearError(answer);
    else if (input.write && !input.intact) outcome.acceptedMutation = true;
    if (input.intact && !accepted && !outcome.finding) outcome.finding = `a valid example was refused: ${answer.status} ${answer.text.slice(0, 300)}`;
    if (input.write) {
      const after = await this.ctx.controller.head();
      this.head = after;
      if (!accepted && after !== before) {
        const writes = await this.ctx.controller.writesOf(requestId, before);
        if (writes.length > 0) outcome.finding ??= `refused with ${answer.status} yet wrote ${writes.map((w) => `${w.type}@${w.globalPosition}`).join(', ')}`;
      }
    }
    return outcome;
  }

  close(): void {}

  private generate(rng: SeededRandom, n: number): RestInput {
    const { fixtures } = this.ctx;
    const kind = rng.int(100);
    let input: RestInput;
    if (kind < 35) {
      const type = rng.pick(fixtures.types);
      const intact = rng.chance(0.08) && !SYSTEM_TYPES.has(type);
      const mutated = mutateJson(rng, { [type]: createExample(type, n, fixtures) }, { intact });
      input = jsonInput('POST', `/${type}s`, mutated.bytes, mutated.notes, true, intact);
    } else if (kind < 55) {
      const type = rng.pick([...fixtures.targets.keys()]);
      const intact = rng.chance(0.08) && !SYSTEM_TYPES.has(type);
      const mutated = mutateJson(rng, { [type]: updateExample(type, n) }, { intact });
      input = jsonInput('PUT', `/${type}/${fixtures.targets.get(type)}`, mutated.bytes, mutated.notes, true, intact);
    } else if (kind < 65) {
      const action = rng.pick(actionExamples(fixtures, n));
      const mutated = mutateJson(rng, action.body);
      input = jsonInput('POST', action.path, mutated.bytes, mutated.notes, true, false);
    } else if (kind < 75) {
      input = { method: 'GET', path: `/${rng.pick(fixtures.types)}s?${randomQuery(rng, fixtures)}`, headers: {}, notes: ['list query'], write: false, intact: false };
    } else if (kind < 80) {
      const type = rng.pick([...fixtures.uuids.keys()]);
      const name = rng.pick(['fields', 'exclude_back_refs', 'exclude_children', 'position']);
      const query = `${name}=${encodeURIComponent(name === 'position' ? belowHead(randomText(rng)) : randomText(rng))}`;
      input = { method: 'GET', path: `/${type}/${fixtures.uuids.get(type)}?${query}`, headers: {}, notes: ['read query'], write: false, intact: false };
    } else if (kind < 85) {
      input = this.deletion(rng);
    } else if (kind < 92) {
      input = this.oddRequest(rng, n);
    } else {
      input = this.auditRead(rng);
    }
    if (rng.chance(0.3)) {
      mutateHeaders(rng, input);
      input.intact = false;
    }
    return input;
  }

  /** DELETE that must be refused: a mangled uuid, or a real one with an If-Match no object can have. */
  private deletion(rng: SeededRandom): RestInput {
    const { targets } = this.ctx.fixtures;
    const type = rng.pick([...targets.keys()]);
    const uuid = targets.get(type)!;
    if (rng.chance(0.5)) {
      return { method: 'DELETE', path: `/${type}/${encodeURIComponent(mangle(rng, uuid))}`, headers: {}, notes: ['delete of a mangled uuid'], write: true, intact: false };
    }
    const ifMatch = rng.pick(['"999999"', '"-1"', 'abc', '""', '*', 'W/"999"', '"1e3"', '"18446744073709551616"']);
    return { method: 'DELETE', path: `/${type}/${uuid}`, headers: { 'if-match': ifMatch }, notes: [`delete with If-Match ${ifMatch}`], write: true, intact: false };
  }

  /** Methods, paths, content types and bodies a JSON API does not expect. */
  private oddRequest(rng: SeededRandom, n: number): RestInput {
    const type = rng.pick(this.ctx.fixtures.types);
    const body = Buffer.from(JSON.stringify({ [type]: createExample(type, n, this.ctx.fixtures) }));
    switch (rng.int(8)) {
      case 0:
        return { method: rng.pick(['PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PUT', 'DELETE']), path: `/${type}s`, headers: { 'content-type': 'application/json' }, body, notes: ['method on a collection'], write: true, intact: false };
      case 1: {
        const path = rng.pick([`/${type}/%ZZ`, `/${type}/%E0%A4%A`, `/${type}/${'a'.repeat(8000)}`, `//${type}s`, `/${type}s/../health`, `/${type}%2Fx/1`, `/${type}/\u00e9`, '/%00', `/${type}s?%=%`, `/${type}/${'%2e'.repeat(10)}`]);
        return { method: rng.pick(['GET', 'PUT', 'DELETE', 'POST']), path, headers: { 'content-type': 'application/json' }, body, notes: ['odd path'], write: true, intact: false };
      }
      case 2:
        return { method: 'POST', path: `/${type}s`, headers: { 'content-type': rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/xml']) }, body, notes: ['content type'], write: true, intact: false };
      case 3:
        return { method: 'POST', path: `/${type}s`, headers: { 'content-type': 'application/json', 'content-encoding': rng.pick(['gzip', 'deflate', 'br', 'bogus', 'identity, gzip']) }, body, notes: ['content encoding'], write: true, intact: false };
      case 4: {
        const size = rng.pick([1024 * 1024 - 10, 1024 * 1024 + 1, 3 * 1024 * 1024]);
        const big = Buffer.alloc(size, 0x20);
        body.copy(big);
        return { method: 'POST', path: `/${type}s`, headers: { 'content-type': 'application/json' }, body: big, notes: [`body of ${size} bytes`], write: true, intact: false };
      }
      case 5:
        return { method: 'POST', path: `/${type}s`, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(0), notes: ['empty body'], write: true, intact: false };
      case 6:
        return { method: 'GET', path: `/${type}s`, headers: { 'content-type': 'application/json' }, body, notes: ['GET with a body'], write: false, intact: false };
      default:
        return { method: 'POST', path: `/${rng.pick(['no-such-things', 'virtual-networkss', 'Virtual-Networks', 'routing-instances', 'route-targets', 'config-roots'])}`, headers: { 'content-type': 'application/json' }, body, notes: ['unknown or read-only collection'], write: true, intact: false };
    }
  }

  private auditRead(rng: SeededRandom): RestInput {
    const { uuids } = this.ctx.fixtures;
    const uuid = rng.pick([...uuids.values()]);
    const value = () => encodeURIComponent(randomText(rng));
    const path = rng.pick([
      () => `/audit/events?${rng.pick(['stream', 'uuid', 'type', 'fq_name', 'object_type', 'actor', 'source', 'since', 'until', 'after', 'before', 'limit'])}=${value()}&${rng.pick(['limit', 'after', 'since'])}=${value()}`,
      () => `/audit/objects/${uuid}?${rng.pick(['position', 'time'])}=${value()}`,
      () => `/audit/projects/${uuid}?position=${value()}`,
      () => `/audit/diff?from=${value()}&to=${value()}`,
      () => `/audit/clusters/${encodeURIComponent(rng.pick(['default', 'fuzz-cluster', randomText(rng)]))}?position=${value()}`,
      () => `/prop-collection-get?uuid=${rng.chance(0.5) ? uuid : value()}&fields=${value()}`,
      () => `/control/clusters/${encodeURIComponent(randomText(rng))}`,
    ])();
    return { method: 'GET', path, headers: {}, notes: ['read query'], write: false, intact: false };
  }
}

function jsonInput(method: string, path: string, body: Buffer, notes: string[], write: boolean, intact: boolean): RestInput {
  return { method, path, headers: { 'content-type': 'application/json' }, body, notes, write, intact };
}

/** A query string of list parameters with odd values, repeated names and encodings. */
function randomQuery(rng: SeededRandom, fixtures: FuzzContext['fixtures']): string {
  const parts: string[] = [];
  const count = rng.between(1, 5);
  for (let i = 0; i < count; i++) {
    const name = rng.chance(0.9) ? rng.pick(QUERY_PARAMETERS) : rng.pick(['filters[a]', 'detail[]', '__proto__', 'constructor[prototype]', 'x']);
    const value = rng.pick([
      () => randomText(rng),
      () => rng.pick([...fixtures.uuids.values()]),
      () => [...fixtures.uuids.values()].slice(0, rng.between(1, 5)).join(','),
      () => `${rng.pick(['display_name', 'mtu', 'fq_name', '__proto__'])}==${randomText(rng)}`,
      () => rng.pick(['true', 'false', 'True', '1', '0', '']),
      () => String(rng.pick(EDGE_NUMBERS)),
    ])();
    const safe = name === 'position' ? belowHead(value) : value;
    parts.push(`${encodeURIComponent(name)}=${rng.chance(0.1) ? safe.replace(/./, '%') : encodeURIComponent(safe)}`);
  }
  return parts.join('&');
}

/**
 * A `position` a read need not wait for: one beyond the head makes a read wait 5 s and answer 503, as documented,
 * which is no finding and would only slow the run down.
 */
function belowHead(value: string): string {
  const n = Number(value);
  return Number.isFinite(n) && n > 1 ? '1' : value;
}

function randomText(rng: SeededRandom): string {
  return rng.chance(0.7) ? rng.pick(EDGE_STRINGS) : String(rng.pick(EDGE_NUMBERS));
}

function mangle(rng: SeededRandom, uuid: string): string {
  switch (rng.int(5)) {
    case 0:
      return uuid.toUpperCase();
    case 1:
      return uuid.slice(0, -1);
    case 2:
      return `${uuid}x`;
    case 3:
      return uuid.replace(/-/g, '');
    default:
      return rng.pick(EDGE_STRINGS) || 'empty';
  }
}

function mutateHeaders(rng: SeededRandom, input: RestInput): void {
  const edits = rng.between(1, 3);
  for (let i = 0; i < edits; i++) {
    const [name, value] = rng.pick<[string, string]>([
      ['if-match', rng.pick(['"abc"', '*', '"-1"', '"99999999999999999999"', 'W/"1"', '"0"', ''])],
      ['idempotency-key', rng.pick(['', 'k'.repeat(201), 'k'.repeat(200), 'same-key', ' ', 'é'])],
      ['x-user-name', rng.pick(['', 'a'.repeat(10_000), 'admin', '\t', 'a\u00ff'])],
      ['x-actor', rng.pick(['', 'root', 'x'.repeat(300)])],
      ['accept', rng.pick(['application/xml', '*/*', 'text/html', ''])],
      ['content-type', rng.pick(['application/json', 'application/json; charset=utf-8', 'text/json', 'application/merge-patch+json', ''])],
      ['if-none-match', rng.pick(['"0"', '*', 'x'])],
      ['content-encoding', rng.pick(['identity', 'gzip'])],
    ]);
    input.headers[name] = value;
    input.notes.push(`header ${name}: ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`);
  }
}

/** An error answer is clear when it is JSON with its status and a message. */
function unclearError(answer: Answer): string | undefined {
  if (answer.text.length === 0) return `${answer.status} with an empty body`;
  let body: { statusCode?: unknown; message?: unknown };
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `${answer.status} whose body is not JSON: ${answer.text.slice(0, 200)}`;
  }
  const message = body.message;
  const hasMessage = (typeof message === 'string' && message.length > 0) || (Array.isArray(message) && message.length > 0);
  if (!hasMessage || body.statusCode !== answer.status) return `${answer.status} without a clear message: ${answer.text.slice(0, 200)}`;
  return undefined;
}

/** Sends with node:http (raw bytes, any header); rejects with "no answer" after ANSWER_TIMEOUT_MS. */
function sendRequest(base: string, input: RestInput): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let req: ReturnType<typeof request>;
    try {
      // A body always with its length: without one, node:http sends a GET's or DELETE's body as the next request.
      const headers = input.body && input.body.length > 0 ? { ...input.headers, 'content-length': String(input.body.length) } : input.headers;
      req = request(`${base}${input.path}`, { method: input.method, headers, timeout: ANSWER_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
    } catch (error) {
      reject(error);
      return;
    }
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    if (input.body && input.body.length > 0) req.end(input.body);
    else req.end();
  });
}

function describeInput(input: RestInput): string {
  const body = input.body ? input.body.toString('utf8') : '';
  const headers = Object.entries(input.headers)
    .filter(([name]) => name !== 'x-request-id')
    .map(([name, value]) => `${name}: ${value.length > 60 ? `${value.slice(0, 60)}…(${value.length})` : value}`)
    .join('; ');
  return `${input.method} ${input.path.length > 300 ? `${input.path.slice(0, 300)}…` : input.path} [${headers}] {${input.notes.join('; ')}} ${body.length > 600 ? `${body.slice(0, 600)}…(${body.length} bytes)` : body}`;
}
