// An in-test XMPP control node on a real socket (127.0.0.1, port 0), scripted by the test, to check the simulated
// agent's side of the dialect. It frames and decodes what the agent sends and writes what the test tells it to, with
// libs/xmpp's control-side encoders; it is not the bridge.
import { createServer, type Server, type Socket } from 'node:net';
import {
  decodeStanzaText,
  decodeStreamHeader,
  encodeConfigMessages,
  encodeControlEndOfRib,
  encodeControlStreamHeader,
  encodeRouteUpdates,
  KEEPALIVE_BYTES,
  STREAM_CLOSE,
  XmppFramer,
  type IfmapOperation,
  type PushUpdate,
  type Stanza,
  type StreamHeader,
} from '#libs/xmpp';

/** Polls `check` until it holds. */
export async function until(check: () => boolean, timeoutMs = 5000, what = 'a condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One agent connection as the fake sees it. */
export class FakeXmppSession {
  /** Every byte the agent sent, in order. */
  bytes = Buffer.alloc(0);
  header: StreamHeader | undefined;
  /** Stanzas in order, as text and decoded (undefined when they do not decode). */
  readonly stanzas: Array<{ xml: string; stanza: Stanza | undefined }> = [];
  /** Reads that carried nothing but keepalive bytes / whitespace. */
  keepalives = 0;
  streamClosed = false;
  ended = false;
  closed = false;
  private readonly framer = new XmppFramer();

  constructor(
    readonly socket: Socket,
    private readonly autoReply: boolean,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => (this.ended = true));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  /** The decoded stanzas of one kind. */
  ofKind<K extends Stanza['kind']>(kind: K): Array<Stanza & { kind: K }> {
    return this.stanzas.flatMap((s) => (s.stanza?.kind === kind ? [s.stanza as Stanza & { kind: K }] : []));
  }

  /** The agent's bytes as text. */
  get text(): string {
    return this.bytes.toString('utf8');
  }

  replyHeader(): void {
    this.send(encodeControlStreamHeader(this.header?.from ?? 'unknown'));
  }

  send(data: string | Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  keepalive(): void {
    this.send(KEEPALIVE_BYTES);
  }

  /** §4 route messages for the agent's routes in `vrf`, in one write. */
  pushRoutes(vrf: string, updates: PushUpdate[]): string[] {
    const messages = encodeRouteUpdates(this.header!.from, vrf, updates);
    this.send(messages.join(''));
    return messages;
  }

  endOfRib(): void {
    this.send(encodeControlEndOfRib(this.header!.from));
  }

  config(operations: IfmapOperation[]): string[] {
    const messages = encodeConfigMessages(this.header!.from, operations);
    this.send(messages.join('\n'));
    return messages;
  }

  closeStream(): void {
    this.send(STREAM_CLOSE);
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.bytes = Buffer.concat([this.bytes, chunk]);
    const frames = this.framer.push(chunk);
    if (frames.length === 0 && this.framer.bufferedBytes === 0) this.keepalives += 1;
    for (const frame of frames) {
      if (frame.kind === 'stream-open') {
        this.header = decodeStreamHeader(frame.xml);
        if (this.autoReply) this.replyHeader();
      } else if (frame.kind === 'stream-close') {
        this.streamClosed = true;
      } else {
        let stanza: Stanza | undefined;
        try {
          stanza = decodeStanzaText(frame.xml);
        } catch {
          stanza = undefined;
        }
        this.stanzas.push({ xml: frame.xml, stanza });
      }
    }
  }
}

export class FakeXmppControl {
  readonly sessions: FakeXmppSession[] = [];

  private constructor(
    private readonly server: Server,
    readonly target: string,
  ) {}

  /** Listens on 127.0.0.1:0; with autoReply (default) each agent header is answered with control's header. */
  static async start(options: { autoReply?: boolean } = {}): Promise<FakeXmppControl> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    const control = new FakeXmppControl(server, `127.0.0.1:${address.port}`);
    server.on('connection', (socket) => control.sessions.push(new FakeXmppSession(socket, options.autoReply ?? true)));
    return control;
  }

  /** The n-th connection (1-based), once it has sent its header. */
  async session(n = 1, timeoutMs = 5000): Promise<FakeXmppSession> {
    await until(() => this.sessions[n - 1]?.header !== undefined, timeoutMs, `session ${n}`);
    return this.sessions[n - 1]!;
  }

  async stop(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
