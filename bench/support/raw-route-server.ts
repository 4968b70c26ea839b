/**
 * The raw baseline of the control benchmark: a plain @grpc/grpc-js server with one bidirectional method that speaks
 * the agent protocol's codecs (AgentMessage in, ControlMessage out, the same generated ts-proto encode/decode the
 * control service registers) and nothing else: no routing tables, no per-agent queues, no acks, no windows.
 *
 * A stream that sends Subscribe{vrf} becomes a subscriber and gets a Welcome (version 0) back. A stream that sends
 * Hello (the publisher) and then Ack{version: R} starts a round: the server builds ceil(R / BATCH) RouteBatch
 * ControlMessages (BATCH updates each, one path each, fresh prefixes every round, like the routes a publisher agent
 * would leak) and writes all of them to every subscriber, waiting for 'drain' whenever a stream is full.
 * Prints `{"port": N}` when listening. Ends by itself when its parent goes (stdin closes) or on SIGTERM.
 */
import { Server, ServerCredentials, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { agentProto } from '#libs/proto';
import { RAW_ROUTE_SERVICE } from './raw-route-service.js';

const BATCH = Number(process.env.RAW_BATCH_ROUTES ?? 256);

type Call = ServerDuplexStream<agentProto.AgentMessage, agentProto.ControlMessage>;

interface Subscriber {
  call: Call;
  vrf: string;
  /** The version of the last message written to it. */
  version: number;
  /** Messages still to write (a round that came while the previous one was being written waits behind it). */
  queue: agentProto.ControlMessage['body'][];
  writing: boolean;
}

const subscribers = new Set<Subscriber>();
let round = 0;

/** The route n (over every round) as a /32 in 11.0.0.0/8 and above: distinct prefixes for 16M routes. */
function prefixOf(n: number): string {
  return `${11 + (n >>> 24)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/32`;
}

function batches(vrf: string, routes: number, publisher: { name: string; address: string }): agentProto.ControlMessage['body'][] {
  const first = round * routes;
  round += 1;
  const bodies: agentProto.ControlMessage['body'][] = [];
  for (let start = 0; start < routes; start += BATCH) {
    const updates: agentProto.RouteUpdate[] = [];
    for (let i = start; i < Math.min(routes, start + BATCH); i++) {
      updates.push({
        vrf,
        prefix: prefixOf(first + i),
        paths: [
          {
            nextHop: publisher.address,
            label: 1000 + round,
            encapsulations: ['MPLSoUDP'],
            securityGroups: [],
            sequence: 0,
            localPreference: 0,
            originVrf: vrf,
            agent: publisher.name,
          },
        ],
      });
    }
    bodies.push({ $case: 'routes', value: { updates } });
  }
  return bodies;
}

/** Writes what waits for the subscriber, pausing on a full stream until 'drain'. */
function pump(sub: Subscriber): void {
  if (sub.writing) return;
  sub.writing = true;
  const step = (): void => {
    while (sub.queue.length > 0) {
      const body = sub.queue.shift();
      sub.version += 1;
      if (!sub.call.write({ version: sub.version, body })) {
        sub.call.once('drain', step);
        return;
      }
    }
    sub.writing = false;
  };
  step();
}

const implementation: UntypedServiceImplementation = {
  session: (call: Call) => {
    let publisher: { name: string; address: string } | undefined;
    let sub: Subscriber | undefined;
    call.on('data', (message: agentProto.AgentMessage) => {
      const body = message.body;
      if (body?.$case === 'subscribe') {
        sub = { call, vrf: body.value.vrf, version: 0, queue: [], writing: false };
        subscribers.add(sub);
        call.write({ version: 0, body: { $case: 'welcome', value: agentProto.Welcome.fromPartial({ sessionId: `raw-${subscribers.size}` }) } });
      } else if (body?.$case === 'hello') {
        publisher = { name: body.value.agentName, address: body.value.address };
        call.write({ version: 0, body: { $case: 'welcome', value: agentProto.Welcome.fromPartial({ sessionId: 'raw-publisher' }) } });
      } else if (body?.$case === 'ack' && publisher) {
        const vrfs = new Set([...subscribers].map((s) => s.vrf));
        for (const vrf of vrfs) {
          const bodies = batches(vrf, body.value.version, publisher);
          for (const s of subscribers) {
            if (s.vrf !== vrf) continue;
            s.queue.push(...bodies);
            pump(s);
          }
        }
      }
    });
    const gone = (): void => {
      if (sub) subscribers.delete(sub);
    };
    call.on('end', () => {
      gone();
      call.end();
    });
    call.on('error', gone);
    call.on('cancelled', gone);
    call.on('close', gone);
  },
};

const server = new Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
server.addService(RAW_ROUTE_SERVICE, implementation);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

const stop = (): void => {
  server.forceShutdown();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
