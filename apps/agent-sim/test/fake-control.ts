// An in-test AgentService on a real socket (127.0.0.1, port 0), scripted by the test, to check the simulated agent's
// side of the protocol. It is not a control service: it says only what a test tells it to.
import { Server, ServerCredentials, status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import { agentProto } from '#libs/proto';

type ControlBody = NonNullable<agentProto.ControlMessage['body']>;
type AgentBody = NonNullable<agentProto.AgentMessage['body']>;
type BodyOf<K extends AgentBody['$case']> = Extract<AgentBody, { $case: K }>['value'];

/** Polls `check` until it holds (the fake's state changes on socket events). */
export async function until(check: () => boolean, timeoutMs = 5000, what = 'a condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One Session stream as the server sees it. */
export class FakeSession {
  readonly received: agentProto.AgentMessage[] = [];
  /** The version of the last message sent. */
  version = 0;
  ended = false;
  cancelled = false;
  /** The agent half-closed its side (a clean end). */
  halfClosed = false;

  constructor(readonly call: ServerDuplexStream<agentProto.AgentMessage, agentProto.ControlMessage>) {
    call.on('data', (m: agentProto.AgentMessage) => this.received.push(m));
    // A client's cancel also ends the readable side, and the stream's close (which grpc-js reports as 'cancelled'
    // after a status as well) comes a little later: a half-close is an 'end' with the call still open a while on.
    call.on('end', () =>
      setTimeout(() => {
        if (call.cancelled || this.ended) return;
        this.halfClosed = true;
        this.ended = true;
        call.end();
      }, 20),
    );
    call.on('cancelled', () => {
      if (this.ended) return; // grpc-js reports the stream's close after a status too
      this.cancelled = true;
      this.ended = true;
    });
    call.on('error', () => undefined);
  }

  get hello(): agentProto.Hello | undefined {
    const first = this.received[0]?.body;
    return first?.$case === 'hello' ? first.value : undefined;
  }

  /** Sends Welcome (version 0); later messages continue after resumedAfter when resumed. */
  welcome(welcome: Partial<agentProto.Welcome> = {}): void {
    const value = agentProto.Welcome.fromPartial({ sessionId: 'session-1', window: 64, holdTimeSeconds: 30, ...welcome });
    this.version = value.resumed ? value.resumedAfter : 0;
    this.call.write({ version: 0, body: { $case: 'welcome', value } });
  }

  /** Sends the next message of the session; answers its version. */
  send(body: ControlBody): number {
    this.version += 1;
    this.call.write({ version: this.version, body });
    return this.version;
  }

  /** Sends with a version of the test's choosing (to provoke anomalies). */
  sendAt(version: number, body: ControlBody): void {
    this.call.write({ version, body });
  }

  routes(updates: Array<agentProto.DeepPartial<agentProto.RouteUpdate>>): number {
    return this.send({ $case: 'routes', value: agentProto.RouteBatch.fromPartial({ updates }) });
  }

  config(update: agentProto.DeepPartial<agentProto.ConfigUpdate>): number {
    return this.send({ $case: 'config', value: agentProto.ConfigUpdate.fromPartial(update) });
  }

  messages<K extends AgentBody['$case']>(kind: K): Array<BodyOf<K>> {
    return this.received.flatMap((m) => (m.body?.$case === kind ? [m.body.value as BodyOf<K>] : []));
  }

  acks(): number[] {
    return this.messages('ack').map((a) => a.version);
  }

  get lastAck(): number {
    return this.acks().at(-1) ?? 0;
  }

  waitForAck(version: number, timeoutMs?: number): Promise<void> {
    return until(() => this.lastAck >= version, timeoutMs, `ack ${version} (acks: ${this.acks().join(',')})`);
  }

  async waitForMessage<K extends AgentBody['$case']>(kind: K, count = 1, timeoutMs?: number): Promise<Array<BodyOf<K>>> {
    await until(() => this.messages(kind).length >= count, timeoutMs, `${count} ${kind} message(s)`);
    return this.messages(kind);
  }

  /** Ends the stream with a status. */
  fail(code: GrpcStatus, details: string): void {
    this.ended = true;
    this.call.emit('error', { code, details, name: 'Error', message: details });
  }
}

/** A gRPC server with AgentService; `onSession` runs for each stream once its first message arrived. */
export class FakeControl {
  readonly sessions: FakeSession[] = [];

  private constructor(
    private readonly server: Server,
    readonly target: string,
  ) {}

  /** `port`: 0 picks a free one; a given port starts a control again where a stopped one listened. */
  static async start(onSession?: (session: FakeSession) => void, port = 0): Promise<FakeControl> {
    const server = new Server();
    let control: FakeControl | undefined;
    server.addService(agentProto.AgentServiceService, {
      session: (call: ServerDuplexStream<agentProto.AgentMessage, agentProto.ControlMessage>) => {
        const session = new FakeSession(call);
        call.once('data', () => {
          control!.sessions.push(session);
          onSession?.(session);
        });
      },
    });
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
    );
    control = new FakeControl(server, `127.0.0.1:${bound}`);
    return control;
  }

  /** The n-th session (0-based) once it said Hello. */
  async session(index: number, timeoutMs?: number): Promise<FakeSession> {
    await until(() => this.sessions.length > index, timeoutMs, `session #${index}`);
    return this.sessions[index]!;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}
