// A toy AgentService for fleet and CLI tests: it reflects every published route to the subscribers of the same VRF
// (no route targets, no best-path choice beyond "one path per publisher"), answers each subscription with the
// VRF's routes and an EndOfRib, and welcomes every agent with a new session. Not a control service.
import { agentProto } from '#libs/proto';
import { FakeControl, type FakeSession } from './fake-control.js';

export class FakeReflector {
  /** vrf → prefix → agent → path. */
  private readonly paths = new Map<string, Map<string, Map<string, agentProto.Path>>>();
  private readonly subscribers = new Map<string, Set<FakeSession>>();
  private sessions = 0;

  private constructor(readonly control: FakeControl) {}

  /**
   * `knownVrfs`: subscribing to any other VRF gets an unknown-vrf Notice, as control answers. `port`: 0 picks a free
   * one; a given port starts a reflector again (empty) where a stopped one listened.
   */
  static async start(knownVrfs?: ReadonlySet<string>, port = 0): Promise<FakeReflector> {
    let reflector: FakeReflector | undefined;
    const control = await FakeControl.start((session) => reflector!.serve(session, knownVrfs), port);
    reflector = new FakeReflector(control);
    return reflector;
  }

  get target(): string {
    return this.control.target;
  }

  stop(): void {
    this.control.stop();
  }

  private serve(session: FakeSession, knownVrfs: ReadonlySet<string> | undefined): void {
    this.sessions += 1;
    session.welcome({ sessionId: `s${this.sessions}`, window: 16 });
    session.config({ full: true, position: 1 });
    const hello = session.hello!;
    let handled = 1; // the Hello
    session.call.on('data', () => {
      for (; handled < session.received.length; handled++) this.handle(session, hello, session.received[handled]!, knownVrfs);
    });
    session.call.on('cancelled', () => {
      for (const set of this.subscribers.values()) set.delete(session);
    });
  }

  private handle(session: FakeSession, hello: agentProto.Hello, message: agentProto.AgentMessage, knownVrfs: ReadonlySet<string> | undefined): void {
    const body = message.body;
    if (body?.$case === 'subscribe') {
      const { vrf } = body.value;
      if (knownVrfs && !knownVrfs.has(vrf)) {
        session.send({ $case: 'notice', value: { code: 'unknown-vrf', message: `no VRF ${vrf}` } });
        return;
      }
      let set = this.subscribers.get(vrf);
      if (!set) this.subscribers.set(vrf, (set = new Set()));
      set.add(session);
      const updates = [...(this.paths.get(vrf) ?? new Map<string, Map<string, agentProto.Path>>())].map(([prefix, byAgent]) => ({ vrf, prefix, paths: [...byAgent.values()] }));
      if (updates.length > 0) session.routes(updates);
      session.send({ $case: 'endOfRib', value: { vrf } });
    } else if (body?.$case === 'publish') {
      const { vrf, routes } = body.value;
      const table = this.tableOf(vrf);
      const updates = routes.map((r) => {
        const byAgent = table.get(r.prefix) ?? new Map<string, agentProto.Path>();
        table.set(r.prefix, byAgent);
        const path = agentProto.Path.fromPartial({ nextHop: r.nextHop || hello.address, label: r.label, encapsulations: r.encapsulations, originVrf: vrf, agent: hello.agentName });
        byAgent.set(hello.agentName, path);
        return { vrf, prefix: r.prefix, paths: [...byAgent.values()] };
      });
      for (const subscriber of this.subscribers.get(vrf) ?? []) if (!subscriber.ended) subscriber.routes(updates);
    }
  }

  private tableOf(vrf: string): Map<string, Map<string, agentProto.Path>> {
    let table = this.paths.get(vrf);
    if (!table) this.paths.set(vrf, (table = new Map()));
    return table;
  }
}
