// gRPC AgentService.Session: one stream per input, carrying a few frames: a Hello (mostly valid) and then random
// AgentMessages (subscribe, publish of random routes, withdraw, ack of odd versions, end-of-RIB, goodbye, a second
// hello, an empty body), random bytes, or a ControlMessage (the server's own message type) sent the wrong way.
//
// Oracle: the stream ends within ANSWER_TIMEOUT_MS or stays open without harm; when the server ends it, with a
// refusal code and details (INVALID_ARGUMENT, FAILED_PRECONDITION, ABORTED, UNAVAILABLE; bytes that are no
// AgentMessage: INVALID_ARGUMENT "… is not valid protobuf", counted as `undecodable`), OK after a goodbye; never
// INTERNAL or UNKNOWN; every message the server sends decodes as a ControlMessage.
import { Client, credentials, Metadata, status as GrpcStatus, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { agentProto } from '#libs/proto';
import { SeededRandom } from '../support/seeded-random.js';
import { FIXTURE_AGENT, FIXTURE_VRF } from './config-examples.js';
import { ANSWER_TIMEOUT_MS, UNDECODABLE, type FuzzContext, type FuzzTarget } from './fuzz-target.js';
import type { Outcome } from './fuzz-report.js';
import { EDGE_NUMBERS, EDGE_STRINGS } from './json-mutator.js';

const PATH = '/contrail.control.v1.AgentService/Session';
const CODE_NAMES = Object.fromEntries(Object.entries(GrpcStatus).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k])) as Record<number, string>;
const ENDINGS = new Set([GrpcStatus.INVALID_ARGUMENT, GrpcStatus.FAILED_PRECONDITION, GrpcStatus.ABORTED, GrpcStatus.UNAVAILABLE]);
/** How long the fuzzer waits after its last frame for the server to end the stream. */
const SETTLE_MS = 250;
const identity = (b: Buffer): Buffer => b;

interface Frame {
  bytes: Buffer;
  text: string;
}

export class AgentStreamTarget implements FuzzTarget {
  readonly name = 'agent';
  private readonly client: Client;

  constructor(private readonly ctx: FuzzContext) {
    this.client = new Client(ctx.controller.grpc, credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  }

  async run(inputSeed: number, index: number): Promise<Outcome> {
    const rng = new SeededRandom(inputSeed);
    const frames = this.frames(rng, index);
    const shown = frames.map((f) => f.text).join(' | ');
    const result = await this.session(frames);
    const status = result.code === undefined ? 'open' : (CODE_NAMES[result.code] ?? String(result.code));
    const outcome: Outcome = { status: `${status}${result.notices > 0 ? '+notice' : ''}`, input: shown };
    // A session that broke its connection (a status too large for the client, say) leaves the next call hanging.
    const probe = await this.healthCheck();
    if (probe !== GrpcStatus.OK) outcome.finding = `after this session a health check on the same connection answered ${CODE_NAMES[probe] ?? probe}`;
    else if (result.undecodable) outcome.finding = `the server sent a message that is no ControlMessage: ${result.undecodable}`;
    else if (result.code === undefined || result.code === GrpcStatus.OK) return outcome;
    else if (result.code === GrpcStatus.INVALID_ARGUMENT && UNDECODABLE.test(result.details)) outcome.status = 'undecodable';
    else if (!ENDINGS.has(result.code)) outcome.finding = `${status}: ${result.details}`;
    else if (result.details.trim().length === 0) outcome.finding = `${status} without details`;
    return outcome;
  }

  close(): void {
    this.client.close();
  }

  /** grpc.health.v1.Health/Check of the whole server (an empty request) on this target's connection. */
  private healthCheck(): Promise<number> {
    return new Promise((resolve) =>
      this.client.makeUnaryRequest('/grpc.health.v1.Health/Check', identity, identity, Buffer.alloc(0), new Metadata(), { deadline: Date.now() + 3000 }, (error: ServiceError | null) =>
        resolve(error ? error.code : GrpcStatus.OK),
      ),
    );
  }

  /** Writes the frames, then waits for the end of the stream (or SETTLE_MS of quiet) and cancels. */
  private session(frames: Frame[]): Promise<{ code?: number; details: string; notices: number; undecodable?: string }> {
    return new Promise((resolve) => {
      const call: ClientDuplexStream<Buffer, Buffer> = this.client.makeBidiStreamRequest(PATH, identity, identity, new Metadata(), { deadline: Date.now() + ANSWER_TIMEOUT_MS });
      const result: { code?: number; details: string; notices: number; undecodable?: string } = { details: '', notices: 0 };
      let done = false;
      let quiet: NodeJS.Timeout | undefined;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(quiet);
        call.cancel();
        resolve(result);
      };
      call.on('data', (bytes: Buffer) => {
        try {
          const message = agentProto.ControlMessage.decode(bytes);
          if (message.body?.$case === 'notice') result.notices++;
        } catch (error) {
          result.undecodable ??= `${error instanceof Error ? error.message : String(error)}: ${bytes.toString('hex').slice(0, 100)}`;
        }
      });
      call.on('error', (error: ServiceError) => {
        if (!done) {
          result.code = error.code;
          result.details = error.details;
        }
        finish();
      });
      call.on('status', (status: { code: number; details: string }) => {
        if (!done && result.code === undefined) {
          result.code = status.code;
          result.details = status.details;
        }
        finish();
      });
      void (async () => {
        for (const frame of frames) {
          if (done) return;
          call.write(frame.bytes);
          await new Promise((r) => setTimeout(r, 2));
        }
        quiet = setTimeout(finish, SETTLE_MS);
      })();
    });
  }

  private frames(rng: SeededRandom, n: number): Frame[] {
    const frames: Frame[] = [];
    if (rng.chance(0.75)) frames.push(message({ $case: 'hello', value: hello(rng, n) }));
    for (let i = rng.between(0, 7); i > 0; i--) {
      const kind = rng.int(100);
      if (kind < 10) {
        const bytes = rng.bytes(rng.pick([1, 3, 8, 40, 300]));
        frames.push({ bytes, text: `bytes ${bytes.toString('hex').slice(0, 80)}` });
      } else if (kind < 15) {
        const control = agentProto.ControlMessage.fromPartial({ version: rng.pick(EDGE_NUMBERS.filter((v) => Number.isSafeInteger(v) && v >= 0)), body: { $case: 'notice', value: { code: rng.pick(EDGE_STRINGS), message: rng.pick(EDGE_STRINGS) } } });
        frames.push({ bytes: Buffer.from(agentProto.ControlMessage.encode(control).finish()), text: `ControlMessage ${JSON.stringify(control)}` });
      } else {
        frames.push(message(randomBody(rng, n)));
      }
    }
    return frames;
  }
}

function message(body: agentProto.AgentMessage['body']): Frame {
  const value: agentProto.AgentMessage = { body };
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v));
  return { bytes: Buffer.from(agentProto.AgentMessage.encode(value).finish()), text };
}

function hello(rng: SeededRandom, n: number): agentProto.Hello {
  return {
    agentName: rng.chance(0.7) ? rng.pick([FIXTURE_AGENT, `fuzz-agent-${n % 5}`]) : rng.chance(0.9) ? rng.pick(EDGE_STRINGS) : 'a'.repeat(rng.pick([1000, 300_000])),
    address: rng.chance(0.8) ? `192.168.${n % 250}.${1 + (n % 200)}` : rng.chance(0.9) ? rng.pick(EDGE_STRINGS) : '1'.repeat(300_000),
    cluster: rng.pick(['', '', 'default', 'fuzz-cluster', 'no-such-cluster', 'c'.repeat(300_000), ...EDGE_STRINGS.slice(0, 5)]),
    resumeSessionId: rng.chance(0.8) ? '' : rng.pick(EDGE_STRINGS),
    lastAckedVersion: rng.chance(0.8) ? 0 : rng.pick([1, 5, 2 ** 32, 2 ** 53 - 1]),
  };
}

function vrf(rng: SeededRandom): string {
  return rng.chance(0.6) ? FIXTURE_VRF : rng.pick(EDGE_STRINGS);
}

function route(rng: SeededRandom): agentProto.Route {
  const prefix = rng.chance(0.6)
    ? rng.pick(['10.99.0.5/32', '10.99.1.0/24', 'fd00::5/128', '0.0.0.0/0', '::/0'])
    : rng.pick(['10.99.0.5', '10.99.0.5/33', '300.1.1.1/32', 'fd00::/129', 'x/32', '', '10.99.0.5/-1', '10.99.0.5/32/1', ...EDGE_STRINGS.slice(0, 8)]);
  const u32 = () => (rng.chance(0.8) ? rng.int(1_000_000) : rng.pick([0, 2 ** 20, 2 ** 32 - 1, 2 ** 31]));
  return {
    prefix,
    nextHop: rng.chance(0.7) ? '192.168.99.1' : rng.pick(EDGE_STRINGS),
    label: u32(),
    encapsulations: rng.chance(0.7) ? ['gre', 'udp'] : [rng.pick(EDGE_STRINGS), 'vxlan', 'mpls-over-gre'].slice(0, rng.between(0, 3)),
    securityGroups: Array.from({ length: rng.int(3) }, u32),
    sequence: rng.chance(0.8) ? rng.int(100) : rng.pick([0, 2 ** 31, 2 ** 32 - 1]),
    localPreference: u32(),
    interface: rng.chance(0.5) ? '' : rng.pick(EDGE_STRINGS),
  };
}

function randomBody(rng: SeededRandom, n: number): agentProto.AgentMessage['body'] {
  switch (rng.int(10)) {
    case 0:
      return { $case: 'subscribe', value: { vrf: vrf(rng) } };
    case 1:
      return { $case: 'unsubscribe', value: { vrf: vrf(rng) } };
    case 2:
    case 3:
      return { $case: 'publish', value: { vrf: vrf(rng), routes: Array.from({ length: rng.pick([0, 1, 3, 50]) }, () => route(rng)) } };
    case 4:
      return { $case: 'withdraw', value: { vrf: vrf(rng), prefixes: Array.from({ length: rng.between(0, 3) }, () => route(rng).prefix) } };
    case 5:
      return { $case: 'ack', value: { version: rng.pick([0, 1, 2, 3, 100, 2 ** 32, 2 ** 53 - 1]) } };
    case 6:
      return { $case: 'endOfRib', value: {} };
    case 7:
      return { $case: 'goodbye', value: { reason: rng.pick(EDGE_STRINGS) } };
    case 8:
      return { $case: 'hello', value: hello(rng, n) };
    default:
      return undefined;
  }
}
