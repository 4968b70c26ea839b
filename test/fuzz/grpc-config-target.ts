// gRPC ConfigService: random bytes as a request of each method, valid requests with a mutated object_json (the REST
// examples, mutated) and odd field values, valid requests whose encoding is then mangled, and Watch requests.
//
// Oracle: a status within ANSWER_TIMEOUT_MS; never INTERNAL, UNKNOWN or UNAVAILABLE (bytes that are no message of the
// method: INVALID_ARGUMENT "… is not valid protobuf", counted as `undecodable`); refusals carry details; a refused
// write leaves no event carrying its x-request-id.
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import {
  CreateRequest,
  DeleteRequest,
  FqNameToIdRequest,
  GetRequest,
  IdToFqNameRequest,
  ListRequest,
  RefOperation,
  RefUpdateRequest,
  UpdateRequest,
  WatchRequest,
} from '#libs/proto';
import { SeededRandom } from '../support/seeded-random.js';
import { createExample, FIXTURE_VN, updateExample } from './config-examples.js';
import { ANSWER_TIMEOUT_MS, UNDECODABLE, type FuzzContext, type FuzzTarget } from './fuzz-target.js';
import type { Outcome } from './fuzz-report.js';
import { EDGE_STRINGS, mutateJson } from './json-mutator.js';

const SERVICE = '/contrail.config.v1.ConfigService';
const WRITES = new Set(['Create', 'Update', 'Delete', 'RefUpdate']);
const UNARY = ['Create', 'Get', 'List', 'Update', 'Delete', 'RefUpdate', 'FqNameToId', 'IdToFqName'] as const;
type Unary = (typeof UNARY)[number];
const CODE_NAMES = Object.fromEntries(Object.entries(GrpcStatus).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k])) as Record<number, string>;
/** Codes a refusal may have: each names what was wrong in its details. */
const REFUSALS = new Set([
  GrpcStatus.INVALID_ARGUMENT,
  GrpcStatus.NOT_FOUND,
  GrpcStatus.ALREADY_EXISTS,
  GrpcStatus.FAILED_PRECONDITION,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.ABORTED,
  GrpcStatus.PERMISSION_DENIED,
  GrpcStatus.UNAUTHENTICATED,
  GrpcStatus.OUT_OF_RANGE,
]);

interface GrpcInput {
  method: Unary | 'Watch';
  bytes: Buffer;
  text: string;
  write: boolean;
}

const identity = (b: Buffer): Buffer => b;

export class GrpcConfigTarget implements FuzzTarget {
  readonly name = 'grpc';
  private readonly client: Client;
  private head: number | undefined;

  constructor(private readonly ctx: FuzzContext) {
    this.client = new Client(ctx.controller.grpc, credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  }

  async run(inputSeed: number, index: number): Promise<Outcome> {
    const rng = new SeededRandom(inputSeed);
    const input = this.generate(rng, index);
    const requestId = `fuzz-grpc-${index}-${inputSeed}`;
    const shown = `${input.method} ${input.text}`;
    try {
      return await this.send(rng, input, requestId, shown);
    } catch (error) {
      // The controller stopped answering the harness's own requests (it died, or hangs): the input is kept.
      this.head = undefined;
      return { status: 'harness-error', input: shown, finding: `the harness failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  private async send(rng: SeededRandom, input: GrpcInput, requestId: string, shown: string): Promise<Outcome> {
    this.head ??= await this.ctx.controller.head();
    const before = this.head;
    const metadata = new Metadata();
    metadata.set('x-request-id', requestId);
    // grpc-js sends only printable ASCII in metadata values.
    if (rng.chance(0.1)) metadata.set('x-user-name', rng.pick(EDGE_STRINGS.filter((v) => /^[\x20-\x7e]+$/.test(v))));
    const result = input.method === 'Watch' ? await this.watch(input.bytes, metadata) : await this.unary(input.method, input.bytes, metadata);
    const outcome = this.judge(result, shown);
    if (input.write) {
      const after = await this.ctx.controller.head();
      this.head = after;
      if (result.code !== GrpcStatus.OK && after !== before) {
        const writes = await this.ctx.controller.writesOf(requestId, before);
        if (writes.length > 0) outcome.finding ??= `refused (${CODE_NAMES[result.code]}) yet wrote ${writes.map((w) => `${w.type}@${w.globalPosition}`).join(', ')}`;
      } else if (result.code === GrpcStatus.OK) {
        outcome.acceptedMutation = true;
      }
    }
    return outcome;
  }

  close(): void {
    this.client.close();
  }

  private judge(result: { code: number; details: string; httpStatus?: string }, shown: string): Outcome {
    const name = CODE_NAMES[result.code] ?? String(result.code);
    if (result.code === GrpcStatus.OK) return { status: 'OK', input: shown };
    if (result.code === GrpcStatus.INVALID_ARGUMENT && UNDECODABLE.test(result.details)) return { status: 'undecodable', input: shown };
    if (result.code === GrpcStatus.CANCELLED && result.details === 'watch ended by the fuzzer') return { status: 'watch-open', input: shown };
    const outcome: Outcome = { status: name, input: shown };
    if (!REFUSALS.has(result.code)) outcome.finding = `${name}: ${result.details}`;
    else if (result.details.trim().length === 0) outcome.finding = `${name} without details`;
    return outcome;
  }

  private unary(method: Unary, bytes: Buffer, metadata: Metadata): Promise<{ code: number; details: string }> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(`${SERVICE}/${method}`, identity, identity, bytes, metadata, { deadline: Date.now() + ANSWER_TIMEOUT_MS }, (error: ServiceError | null) =>
        resolve(error ? { code: error.code, details: error.details } : { code: GrpcStatus.OK, details: '' }),
      );
    });
  }

  /** A Watch: its first event or its end, whichever comes first within 300 ms; then the fuzzer cancels it. */
  private watch(bytes: Buffer, metadata: Metadata): Promise<{ code: number; details: string }> {
    return new Promise((resolve) => {
      const call = this.client.makeServerStreamRequest(`${SERVICE}/Watch`, identity, identity, bytes, metadata, { deadline: Date.now() + ANSWER_TIMEOUT_MS });
      let settled = false;
      const settle = (result: { code: number; details: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
        call.cancel();
      };
      const timer = setTimeout(() => settle({ code: GrpcStatus.CANCELLED, details: 'watch ended by the fuzzer' }), 300);
      call.on('data', () => settle({ code: GrpcStatus.OK, details: '' }));
      call.on('error', (error: ServiceError) => settle({ code: error.code, details: error.details }));
      call.on('end', () => settle({ code: GrpcStatus.OK, details: '' }));
    });
  }

  private generate(rng: SeededRandom, n: number): GrpcInput {
    const method: Unary | 'Watch' = rng.chance(0.08) ? 'Watch' : rng.pick(UNARY);
    const write = WRITES.has(method);
    const kind = rng.int(100);
    if (kind < 20) {
      const bytes = rng.bytes(rng.pick([0, 1, 2, 5, 16, 64, 512]));
      return { method, bytes, text: `random bytes ${bytes.toString('hex').slice(0, 200)}`, write };
    }
    const message = this.message(rng, method, n);
    if (kind < 35) {
      const bytes = mangle(rng, message.bytes);
      return { method, bytes, text: `mangled encoding of ${message.text} → ${bytes.toString('hex').slice(0, 200)}`, write };
    }
    return { method, ...message, write };
  }

  /** A request of `method` with odd field values; object_json from a mutated example. */
  private message(rng: SeededRandom, method: Unary | 'Watch', n: number): { bytes: Buffer; text: string } {
    const { fixtures } = this.ctx;
    const type = rng.chance(0.9) ? rng.pick(fixtures.types) : rng.pick(EDGE_STRINGS);
    // Writes aim at the update targets, reads at any fixture: the objects examples refer to stay as they were.
    const pool = WRITES.has(method) ? fixtures.targets : fixtures.uuids;
    const uuid = rng.chance(0.8) ? (pool.get(type) ?? rng.pick([...pool.values()])) : rng.pick(EDGE_STRINGS);
    const json = (example: Record<string, unknown>) => {
      const mutated = mutateJson(rng, rng.chance(0.5) ? { [type]: example } : example, { intact: rng.chance(0.1) });
      return { text: mutated.bytes.toString('utf8'), notes: mutated.notes.join('; ') };
    };
    const smallPosition = () => rng.pick([0, 0, 0, 1]);
    const list = () => (rng.chance(0.5) ? [] : Array.from({ length: rng.between(1, 4) }, () => rng.pick(EDGE_STRINGS)));
    const encode = <T>(codec: { encode(m: T): { finish(): Uint8Array } }, message: T, notes = '') => ({
      bytes: Buffer.from(codec.encode(message).finish()),
      text: `${JSON.stringify(message, (_k, v: unknown) => (typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}…(${v.length})` : v))}${notes ? ` {${notes}}` : ''}`,
    });
    switch (method) {
      case 'Create': {
        const body = json(createExample(type, n, fixtures));
        const key = rng.pick(['', '', `fuzz-key-${n % 7}`, 'k'.repeat(201), '\u0000']);
        return encode(CreateRequest, { type, objectJson: body.text, idempotencyKey: key }, body.notes);
      }
      case 'Update': {
        const body = json(updateExample(type, n));
        const ifMatch = rng.chance(0.3) ? rng.pick([0, 1, 999_999]) : undefined;
        return encode(UpdateRequest, { type, uuid, objectJson: body.text, ifMatchRevision: ifMatch }, body.notes);
      }
      case 'Delete':
        // Never a revision an object has: a delete must be refused, so that the fixtures stay.
        return encode(DeleteRequest, { type, uuid: rng.chance(0.5) ? `${uuid}x` : uuid, ifMatchRevision: rng.pick([999_999, 123_456]) });
      case 'Get':
        return encode(GetRequest, { type, uuid, minPosition: smallPosition(), fields: list(), excludeBackRefs: rng.chance(0.5), excludeChildren: rng.chance(0.5) });
      case 'List': {
        const parameters: Record<string, string> = {};
        for (let i = rng.int(4); i > 0; i--) parameters[rng.pick(['detail', 'count', 'fields', 'filters', 'page_limit', 'page_marker', 'parent_id', 'obj_uuids', 'fq_names', 'back_ref_id', 'x', '__proto__'])] = rng.pick(EDGE_STRINGS);
        return encode(ListRequest, { type, parameters, minPosition: smallPosition() });
      }
      case 'RefUpdate': {
        const attr = rng.chance(0.5) ? '' : json({ sequence: { major: 0, minor: 0 } }).text;
        return encode(RefUpdateRequest, {
          type,
          uuid,
          refType: rng.pick(['network-policy', 'network_policy_refs', 'security-group', 'virtual-network', 'no-such', '']),
          refUuid: rng.chance(0.5) ? rng.pick([...fixtures.uuids.values()]) : '',
          refFqName: rng.chance(0.5) ? FIXTURE_VN : list(),
          operation: rng.pick([RefOperation.ADD, RefOperation.DELETE, RefOperation.OPERATION_UNSPECIFIED, 7 as RefOperation]),
          attrJson: attr,
        });
      }
      case 'FqNameToId':
        return encode(FqNameToIdRequest, { type, fqName: rng.chance(0.5) ? FIXTURE_VN : list(), minPosition: smallPosition() });
      case 'IdToFqName':
        return encode(IdToFqNameRequest, { uuid, minPosition: smallPosition() });
      default:
        return encode(WatchRequest, { fromPosition: rng.pick([0, 1, 5, 2 ** 40, 2 ** 53 - 1]), types: rng.chance(0.5) ? [] : [type] });
    }
  }
}

/** Flips, cuts or repeats bytes of a valid encoding. */
function mangle(rng: SeededRandom, bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  switch (rng.int(4)) {
    case 0:
      for (let i = rng.between(1, 4); i > 0 && copy.length > 0; i--) copy[rng.int(copy.length)] = rng.int(256);
      return copy;
    case 1:
      return copy.subarray(0, rng.int(copy.length + 1));
    case 2:
      return Buffer.concat([copy, copy]);
    default:
      return Buffer.concat([copy, rng.bytes(rng.between(1, 32))]);
  }
}
