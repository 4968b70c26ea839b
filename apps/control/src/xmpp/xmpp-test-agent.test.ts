/*
 * Test support (not a spec; `*.test.ts` is left out of the build): the agent side of Tungsten Fabric's XMPP over a
 * raw `net` socket, written with libs/xmpp's agent encoders, for the bridge's specs and the interop e2e. It keeps
 * what control sent it: route tables per VRF (items and retracts applied in order), the IF-MAP config (update and
 * delete blocks applied), every route message and config iq as decoded, end-of-RIBs, keepalives and closes.
 */
import { connect, type Socket } from 'node:net';
import {
  DEFAULT_LOAD_BALANCE,
  decodeStanzaText,
  encodeAgentEndOfRibIqs,
  encodeAgentEndOfRibMessage,
  encodeAgentStreamHeader,
  encodeConfigSubscribe,
  encodeRoutePublish,
  encodeVrfSubscribe,
  encodeVrfUnsubscribe,
  ifmapObjectKey,
  KEEPALIVE_BYTES,
  virtualRouterNode,
  XmppFramer,
  type ConfigMessage,
  type IfmapObject,
  type PushItem,
  type RouteEntry,
  type Stanza,
} from '#libs/xmpp';

export type RouteUpdate = Extract<Stanza, { kind: 'route-update' }>;

/** A route as a test publishes it. */
export interface TestRoute {
  prefix: string;
  nextHop: string;
  label?: number;
  /** Wire names; default gre, udp. */
  encapsulations?: string[];
  securityGroups?: number[];
  sequence?: number;
  localPreference?: number;
}

export interface TestAgentOptions {
  port: number;
  host?: string;
  /** Connect from this address (127.0.0.2 …: another agent address on loopback). */
  localAddress?: string;
  /** Send the stream header at once (default true). */
  header?: boolean;
  /** Send a keepalive every this many ms (TF agents keep their own timer, §1.4). */
  keepaliveMs?: number;
}

/** An inet/inet6 entry as an agent publishes it (§3.2): one next-hop, every member written. */
export function unicastRoute(route: TestRoute): RouteEntry {
  const v6 = route.prefix.includes(':');
  const sequence = route.sequence ?? 0;
  return {
    family: v6 ? 'inet6' : 'inet',
    entry: {
      nlri: { af: v6 ? 2 : 1, safi: 1, address: route.prefix },
      nextHops: [
        {
          af: route.nextHop.includes(':') ? 2 : 1,
          address: route.nextHop,
          mac: '',
          label: route.label ?? 25,
          vni: 0,
          encapsulations: route.encapsulations ?? ['gre', 'udp'],
          virtualNetwork: '',
          tags: [],
          localSequenceNumber: 0,
        },
      ],
      version: 1,
      virtualNetwork: '',
      mobility: { seqno: sequence, sticky: false },
      sequenceNumber: sequence,
      securityGroups: route.securityGroups ?? [],
      communityTags: [],
      localPreference: route.localPreference ?? 0,
      med: 0,
      loadBalance: DEFAULT_LOAD_BALANCE,
      subProtocol: 'interface',
    },
  };
}

export class XmppTestAgent {
  readonly socket: Socket;
  /** Every stanza control sent, decoded, in order. */
  readonly received: Stanza[] = [];
  readonly routeMessages: RouteUpdate[] = [];
  readonly configMessages: ConfigMessage[] = [];
  /** Per VRF: prefix → the pushed item. */
  readonly tables = new Map<string, Map<string, PushItem>>();
  /** The IF-MAP objects control told it about, by ifmapObjectKey. */
  readonly config = new Map<string, IfmapObject>();
  endOfRibs = 0;
  /** Bytes 0xC8 0x80 seen between stanzas. */
  keepalives = 0;
  /** The control header arrived. */
  streamOpened = false;
  /** `</stream:stream>` arrived. */
  streamClosed = false;
  /** The socket is closed. */
  closed = false;
  /** Problems reading what control sent (a test wants this empty). */
  readonly problems: string[] = [];
  readonly connected: Promise<void>;
  private readonly framer = new XmppFramer({ maxStanzaBytes: 64 * 1024 * 1024 });
  private readonly waiters = new Set<() => void>();
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private sequence = 0;

  constructor(
    readonly name: string,
    options: TestAgentOptions,
  ) {
    this.socket = connect({ port: options.port, host: options.host ?? '127.0.0.1', ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    this.socket.setNoDelay(true);
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('error', () => undefined);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('close', () => {
      this.closed = true;
      if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
      this.notify();
    });
    if (options.header ?? true) this.send(encodeAgentStreamHeader(name));
    if (options.keepaliveMs !== undefined) {
      this.keepaliveTimer = setInterval(() => this.send(KEEPALIVE_BYTES), options.keepaliveMs);
      this.keepaliveTimer.unref();
    }
  }

  send(data: string | Uint8Array): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(data);
  }

  subscribe(vrf: string, instanceId: number | undefined = 1, options: { noRibOut?: boolean } = {}): void {
    this.send(encodeVrfSubscribe({ from: this.name, vrf, ...(instanceId === undefined ? {} : { instanceId }), ...options }));
  }

  unsubscribe(vrf: string): void {
    this.send(encodeVrfUnsubscribe({ from: this.name, vrf, instanceId: 1 }));
  }

  /** Publish + associate pairs, back to back (§3.1), one route per pair. */
  publish(vrf: string, routes: readonly TestRoute[]): void {
    this.send(routes.flatMap((route) => encodeRoutePublish({ from: this.name, vrf, route: unicastRoute(route), op: 'associate', sequence: ++this.sequence })).join('\n'));
  }

  /** Publish + dissociate pairs. */
  withdraw(vrf: string, prefixes: readonly string[]): void {
    const pairs = prefixes.flatMap((prefix) =>
      encodeRoutePublish({ from: this.name, vrf, route: unicastRoute({ prefix, nextHop: '0.0.0.0' }), op: 'dissociate', sequence: ++this.sequence }),
    );
    this.send(pairs.join('\n'));
  }

  /** The agent's end-of-RIB: the empty publish + collection TF's control node recognises, or the message form. */
  endOfRib(form: 'iqs' | 'message' = 'iqs'): void {
    this.send(form === 'iqs' ? encodeAgentEndOfRibIqs(this.name, ++this.sequence).join('\n') : encodeAgentEndOfRibMessage(this.name));
  }

  /** `virtual-router:default-global-system-config:<name>` on the config channel (§6). */
  configSubscribe(): void {
    this.send(encodeConfigSubscribe(this.name, { type: 'virtual-router', fqName: virtualRouterNode(this.name).slice('virtual-router:'.length) }));
  }

  table(vrf: string): ReadonlyMap<string, PushItem> {
    return this.tables.get(vrf) ?? new Map();
  }

  /** Next-hop addresses of a prefix in a VRF. */
  nextHops(vrf: string, prefix: string): string[] {
    const item = this.table(vrf).get(prefix);
    if (!item || item.route.family === 'evpn' || item.route.family === 'ermvpn') return [];
    return item.route.entry.nextHops.map((n) => n.address);
  }

  /** Config objects of a type (nodes; links have type 'link:<metadata>'). */
  configOf(type: string): IfmapObject[] {
    return [...this.config.values()].filter((o) => (o.kind === 'node' ? o.type === type : `link:${o.metadata}` === type));
  }

  waitFor(predicate: (agent: XmppTestAgent) => boolean, timeoutMs = 5000, what = 'a condition'): Promise<void> {
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const check = (): void => {
        if (!predicate(this)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Waits for the socket to close (control closed the session). */
  waitForClose(timeoutMs = 5000): Promise<void> {
    return this.waitFor((a) => a.closed, timeoutMs, 'the connection to close');
  }

  /** Sends `</stream:stream>` and ends the socket. */
  end(): void {
    this.send('</stream:stream>');
    this.socket.end();
  }

  /** Cuts the connection (a crash, a cable pulled). */
  destroy(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    for (let i = 0; i + 1 < chunk.length; i++) if (chunk[i] === 0xc8 && chunk[i + 1] === 0x80) this.keepalives += 1;
    try {
      for (const frame of this.framer.push(chunk)) {
        if (frame.kind === 'stream-open') this.streamOpened = true;
        else if (frame.kind === 'stream-close') this.streamClosed = true;
        else this.take(decodeStanzaText(frame.xml));
      }
    } catch (error) {
      this.problems.push(error instanceof Error ? error.message : String(error));
    }
    this.notify();
  }

  private take(stanza: Stanza): void {
    this.received.push(stanza);
    if (stanza.kind === 'end-of-rib') {
      this.endOfRibs += 1;
    } else if (stanza.kind === 'route-update') {
      this.routeMessages.push(stanza);
      if (stanza.rejected.length > 0) this.problems.push(`rejected items: ${JSON.stringify(stanza.rejected)}`);
      let table = this.tables.get(stanza.vrf);
      if (!table) this.tables.set(stanza.vrf, (table = new Map()));
      // §4: a message with retracts is processed for its retracts only.
      if (stanza.retracts.length > 0) for (const id of stanza.retracts) table.delete(id);
      else for (const item of stanza.items) table.set(item.id, item);
    } else if (stanza.kind === 'config') {
      this.configMessages.push(stanza);
      for (const block of stanza.blocks) {
        for (const object of block.objects) {
          if (block.op === 'update') this.config.set(ifmapObjectKey(object), object);
          else this.config.delete(ifmapObjectKey(object));
        }
      }
    } else {
      this.problems.push(`unexpected ${stanza.kind} from control`);
    }
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
