/**
 * The raw baseline of the XMPP benchmark: a plain `net` server that speaks just enough of the dialect for the same
 * clients (XmppSimulatedAgent) to run against it, and writes the same bytes the bridge would: control's stream
 * header reply, keepalives (0xC8 0x80) every KEEPALIVE_MS per socket, one control end-of-RIB per session after its
 * first VRF subscribe, and, when told, route messages encoded by libs/xmpp (encodeRouteUpdates: 32 items or 256
 * retracts per message) for the same routes the controller would push. No session machine, no routing tables, no
 * per-agent queues beyond the socket's own: it reads and frames what agents send only to find headers and
 * subscribes, and otherwise discards it.
 *
 * Commands, one JSON line each on stdin; each answered by one JSON line on stdout:
 * - {"cmd":"stats"} → {"sockets", "sessions", "subscribers", "keepalivesSent", "bytesIn", "bytesOut"};
 * - {"cmd":"prepare","first","routes","withdraw"?} → {"prepared": n}: encodes the messages for every subscriber now;
 * - {"cmd":"push","first","routes","withdraw"?,"prepared"?} → {"pushed": n, "ms"} once every byte was handed to the
 *   sockets: encodes per subscriber as it goes (the default, as the bridge does) or writes what "prepare" encoded.
 * Route n is prefixOf(n); its one path: next hop PUBLISHER_ADDRESS, label 1000 + (first / routes) mod 1000,
 * MPLSoUDP, origin VRF = the subscribed VRF. Prints `{"port": N}` when listening; ends when stdin closes or on SIGTERM.
 */
import { createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { encodeControlEndOfRib, encodeControlStreamHeader, encodeRouteUpdates, KEEPALIVE_BYTES, XmppFramer, type PushUpdate } from '#libs/xmpp';
import { prefixOf, PUBLISHER_ADDRESS, ROUTES_PER_SESSION_MESSAGE } from './xmpp-routes.js';

const KEEPALIVE_MS = Number(process.env.RAW_KEEPALIVE_MS ?? 30_000);

interface Client {
  socket: Socket;
  framer: XmppFramer;
  name: string | undefined;
  vrf: string | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Messages waiting for 'drain'. */
  queue: string[];
  blocked: boolean;
  prepared: string[];
}

const clients = new Set<Client>();
const counters = { keepalivesSent: 0, bytesIn: 0, bytesOut: 0 };
let waitingForIdle: Array<() => void> = [];

function write(client: Client, data: string): void {
  counters.bytesOut += data.length;
  if (client.blocked) {
    client.queue.push(data);
    return;
  }
  if (!client.socket.write(data)) client.blocked = true;
}

function onDrain(client: Client): void {
  client.blocked = false;
  while (client.queue.length > 0 && !client.blocked) {
    if (!client.socket.write(client.queue.shift()!)) client.blocked = true;
  }
  if (!client.blocked) settleIdle();
}

function settleIdle(): void {
  for (const client of clients) if (client.blocked || client.queue.length > 0) return;
  const waiting = waitingForIdle;
  waitingForIdle = [];
  for (const resolve of waiting) resolve();
}

/** Resolves once every queued message was handed to its socket. */
function idle(): Promise<void> {
  return new Promise((resolve) => {
    waitingForIdle.push(resolve);
    settleIdle();
  });
}

const server = createServer({ noDelay: true }, (socket) => {
  const client: Client = { socket, framer: new XmppFramer(), name: undefined, vrf: undefined, timer: undefined, queue: [], blocked: false, prepared: [] };
  clients.add(client);
  socket.on('data', (chunk: Buffer) => {
    counters.bytesIn += chunk.length;
    let frames;
    try {
      frames = client.framer.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (frame.kind === 'stream-open' && client.name === undefined) {
        client.name = /\sfrom="([^"]*)"/.exec(frame.xml)?.[1] ?? 'agent';
        write(client, encodeControlStreamHeader(client.name));
        client.timer = setInterval(() => {
          counters.keepalivesSent += 1;
          counters.bytesOut += 2;
          if (!client.blocked) client.socket.write(KEEPALIVE_BYTES);
        }, KEEPALIVE_MS);
      } else if (frame.kind === 'stanza' && client.vrf === undefined && frame.xml.includes('/bgp-peer"') && frame.xml.includes('<subscribe node="')) {
        client.vrf = /<subscribe node="([^"]*)"/.exec(frame.xml)![1];
        write(client, encodeControlEndOfRib(client.name!));
      }
    }
  });
  socket.on('drain', () => onDrain(client));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(client.timer);
    clients.delete(client);
    settleIdle();
  });
});

function subscribers(): Client[] {
  return [...clients].filter((c) => c.vrf !== undefined && !c.socket.destroyed);
}

/** The routes first … first + routes − 1 as the control plane's updates (no paths: withdrawn), in session-message chunks. */
function updateChunks(vrf: string, first: number, routes: number, withdraw: boolean): PushUpdate[][] {
  const label = 1000 + (Math.floor(first / Math.max(1, routes)) % 1000);
  const chunks: PushUpdate[][] = [];
  for (let start = 0; start < routes; start += ROUTES_PER_SESSION_MESSAGE) {
    const chunk: PushUpdate[] = [];
    for (let i = start; i < Math.min(routes, start + ROUTES_PER_SESSION_MESSAGE); i++) {
      const prefix = prefixOf(first + i);
      chunk.push({
        prefix,
        paths: withdraw ? [] : [{ nextHop: PUBLISHER_ADDRESS, label, encapsulations: ['MPLSoUDP'], securityGroups: [], sequence: 0, localPreference: 0, originVrf: vrf }],
      });
    }
    chunks.push(chunk);
  }
  return chunks;
}

const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface RoutesCommand {
  first: number;
  routes: number;
  withdraw?: boolean;
  prepared?: boolean;
}

function prepare(command: RoutesCommand): number {
  let messages = 0;
  for (const client of subscribers()) {
    client.prepared = updateChunks(client.vrf!, command.first, command.routes, command.withdraw === true).map((chunk) => encodeRouteUpdates(client.name!, client.vrf!, chunk).join(''));
    messages += client.prepared.length;
  }
  return messages;
}

/** Per session-message chunk, for every subscriber: encode (or take what was prepared) and write, as the bridge does. */
async function push(command: RoutesCommand): Promise<number> {
  const subs = subscribers();
  const chunks = command.prepared ? undefined : new Map(subs.map((c) => [c, updateChunks(c.vrf!, command.first, command.routes, command.withdraw === true)]));
  const count = Math.ceil(command.routes / ROUTES_PER_SESSION_MESSAGE);
  for (let k = 0; k < count; k++) {
    for (const client of subs) {
      const data = command.prepared ? client.prepared[k]! : encodeRouteUpdates(client.name!, client.vrf!, chunks!.get(client)![k]!).join('');
      write(client, data);
    }
    if (k % 4 === 3) await yieldToIo();
  }
  for (const client of subs) client.prepared = [];
  await idle();
  return count * subs.length;
}

function answer(body: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(body)}\n`);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  void (async () => {
    const command = JSON.parse(line) as RoutesCommand & { cmd: string };
    if (command.cmd === 'stats') {
      answer({ sockets: clients.size, sessions: [...clients].filter((c) => c.name !== undefined).length, subscribers: subscribers().length, ...counters });
    } else if (command.cmd === 'prepare') {
      answer({ prepared: prepare(command) });
    } else if (command.cmd === 'push') {
      const t0 = performance.now();
      const pushed = await push(command);
      answer({ pushed, ms: performance.now() - t0 });
    }
  })();
});
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address !== 'string') answer({ port: address.port });
});
