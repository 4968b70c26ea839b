// Concurrent REST writers for the fault tests, and the checks a log must pass after a fault: every acknowledged
// write is in it, no command is in it twice, and a retry with the same Idempotency-Key answers the first outcome.
import { ConfigState, resourceEventKind } from '#libs/domain';
import type { RecordedEvent } from '#libs/event-store';
import { NetworkModel } from '#libs/routing';

const PROJECT = ['default-domain', 'default-project'];
/** Longest a single request may take before the writer gives up on it (a hang is a failure of its own). */
const REQUEST_TIMEOUT_MS = 15_000;

export type WriteKind = 'create-network' | 'create-port' | 'update-network';

/** One request a writer sent, and what became of it. */
export interface WriteRecord {
  writer: number;
  kind: WriteKind;
  method: 'POST' | 'PUT';
  path: string;
  body: Record<string, unknown>;
  /** Idempotency-Key, also the command id every event of the write carries. */
  key: string;
  startedAt: number;
  /** Time to the answer (or the failure). */
  ms?: number;
  /** The HTTP status; undefined when no answer came (connection cut, timeout). */
  status?: number;
  error?: string;
  answer?: any;
  /** X-Log-Position of a 2xx answer. */
  position?: number;
  /** The object written. */
  uuid?: string;
}

export const isAcked = (r: WriteRecord): boolean => r.status !== undefined && r.status >= 200 && r.status < 300;

/**
 * `count` writers, each in a loop: create a network, create a port on the last network it created, rename that
 * network; every request with its own Idempotency-Key. A writer whose request fails waits `backoffMs` and goes on.
 */
export class ConcurrentWriters {
  readonly records: WriteRecord[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly ackWaiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(
    private readonly base: () => string,
    private readonly run: string,
    private readonly options: { count?: number; backoffMs?: number } = {},
  ) {}

  get acks(): WriteRecord[] {
    return this.records.filter(isAcked);
  }

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.options.count ?? 16 }, (_, i) => this.loop(i));
  }

  /** Stops issuing requests and waits for those in flight to settle. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Resolves once `count` writes in all were acknowledged; rejects after `timeoutMs`. */
  waitForAcks(count: number, timeoutMs: number): Promise<void> {
    if (this.acks.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.acks.length} of ${count} writes acknowledged within ${timeoutMs} ms; statuses ${JSON.stringify(this.statusTally())}`)),
        timeoutMs,
      );
      this.ackWaiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Statuses of every record so far: {"200": n, "503": m, "none": k}. */
  statusTally(records = this.records): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of records) out[String(r.status ?? 'none')] = (out[String(r.status ?? 'none')] ?? 0) + 1;
    return out;
  }

  private async loop(writer: number): Promise<void> {
    let network: string | undefined;
    for (let seq = 0; this.running; seq++) {
      const step = seq % 3;
      const name = `${this.run}-w${writer}-${seq}`;
      let record: WriteRecord;
      if (step === 0 || network === undefined) {
        record = this.record(writer, 'create-network', 'POST', '/virtual-networks', name, {
          'virtual-network': { fq_name: [...PROJECT, name], parent_type: 'project' },
        });
      } else if (step === 1) {
        record = this.record(writer, 'create-port', 'POST', '/virtual-machine-interfaces', name, {
          'virtual-machine-interface': { fq_name: [...PROJECT, name], parent_type: 'project', virtual_network_refs: [{ uuid: network }] },
        });
      } else {
        record = this.record(writer, 'update-network', 'PUT', `/virtual-network/${network}`, name, {
          'virtual-network': { display_name: `renamed ${name}` },
        });
      }
      await send(this.base(), record);
      if (record.kind === 'create-network' && isAcked(record)) network = record.uuid;
      this.notify();
      if (!isAcked(record) && this.running) await sleep(this.options.backoffMs ?? 50);
    }
  }

  private record(writer: number, kind: WriteKind, method: 'POST' | 'PUT', path: string, key: string, body: Record<string, unknown>): WriteRecord {
    const record: WriteRecord = { writer, kind, method, path, body, key, startedAt: Date.now() };
    this.records.push(record);
    return record;
  }

  private notify(): void {
    const acked = this.acks.length;
    for (const waiter of [...this.ackWaiters]) {
      if (acked >= waiter.count) {
        this.ackWaiters.splice(this.ackWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}

/** Sends `record`'s request with its Idempotency-Key and fills in what came back. */
export async function send(base: string, record: WriteRecord): Promise<void> {
  const started = Date.now();
  record.startedAt = started;
  try {
    const res = await fetch(`${base}${record.path}`, {
      method: record.method,
      headers: { 'content-type': 'application/json', 'idempotency-key': record.key, 'x-actor': 'fault-test' },
      body: JSON.stringify(record.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    record.status = res.status;
    record.answer = text ? JSON.parse(text) : null;
    const position = res.headers.get('x-log-position');
    if (position !== null) record.position = Number(position);
    const inner = record.answer?.[record.kind === 'create-port' ? 'virtual-machine-interface' : 'virtual-network'];
    if (typeof inner?.uuid === 'string') record.uuid = inner.uuid;
    if (res.headers.get('idempotent-replayed') === 'true') record.answer = { ...record.answer, replayed: true };
  } catch (error) {
    record.error = error instanceof Error ? `${error.message}${error.cause ? `: ${String(error.cause)}` : ''}` : String(error);
  } finally {
    record.ms = Date.now() - started;
  }
}

/** The whole log through GET /audit/export. */
export async function exportLog(base: string): Promise<RecordedEvent[]> {
  const res = await fetch(`${base}/audit/export`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (res.status !== 200) throw new Error(`GET /audit/export answered ${res.status}: ${await res.text()}`);
  const text = await res.text();
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as RecordedEvent);
}

/** The resource's own event of a write (`VirtualNetworkCreated` on `virtual-network-<uuid>` …). */
function isOwnEvent(event: RecordedEvent): boolean {
  const data = event.data as { type?: unknown; uuid?: unknown } | null;
  return (
    resourceEventKind(event.type) !== undefined &&
    typeof data?.type === 'string' &&
    typeof data.uuid === 'string' &&
    event.streamId === `${data.type}-${data.uuid}`
  );
}

/**
 * What is wrong with `events` given what the writers were told (empty when nothing is): every acknowledged write is
 * in the log at the position it was told, as the command of its key, on its object; no key has more than one
 * resource event; positions are 1, 2, 3 … without a gap or a repeat.
 */
export function logProblems(events: RecordedEvent[], records: WriteRecord[]): string[] {
  const problems: string[] = [];
  events.forEach((event, i) => {
    if (event.globalPosition !== i + 1) problems.push(`event ${i} has position ${event.globalPosition}, expected ${i + 1}`);
  });
  const byPosition = new Map(events.map((e) => [e.globalPosition, e]));
  const ownByKey = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    const key = event.metadata?.commandId;
    if (typeof key !== 'string' || !isOwnEvent(event)) continue;
    ownByKey.set(key, [...(ownByKey.get(key) ?? []), event]);
  }
  for (const [key, own] of ownByKey) {
    if (own.length > 1) problems.push(`command ${key} is in the log ${own.length} times: ${own.map((e) => `${e.type}@${e.globalPosition}`).join(', ')}`);
  }
  for (const record of records.filter(isAcked)) {
    const at = record.position === undefined ? undefined : byPosition.get(record.position);
    if (!at) {
      problems.push(`acknowledged ${record.kind} ${record.key} (position ${record.position}) is not in the log`);
      continue;
    }
    if (at.metadata?.commandId !== record.key) problems.push(`position ${record.position} of ${record.key} holds command ${String(at.metadata?.commandId)}`);
    const own = ownByKey.get(record.key) ?? [];
    const expectedKind = record.kind === 'update-network' ? 'Updated' : 'Created';
    if (own.length !== 1 || resourceEventKind(own[0]!.type) !== expectedKind || (own[0]!.data as { uuid: string }).uuid !== record.uuid) {
      problems.push(`acknowledged ${record.kind} ${record.key} of ${record.uuid} has resource events ${JSON.stringify(own.map((e) => [e.type, (e.data as { uuid?: string }).uuid]))}`);
    }
  }
  return problems;
}

/** `{liveDigest, position}` of each projection in a POST /audit/verify answer. */
export interface VerifyAnswer {
  ok: boolean;
  position: number;
  liveDigest: string;
  rebuiltDigest: string;
  projections: Array<{ projection: string; ok: boolean; position: number; liveDigest: string; rebuiltDigest: string; firstDivergence?: unknown }>;
}

export async function verify(base: string): Promise<VerifyAnswer> {
  const res = await fetch(`${base}/audit/verify`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`POST /audit/verify answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as VerifyAnswer;
}

/**
 * The digests a replay of `events` gives at each projection's position of an earlier verify: equal to that verify's
 * live digests when the log still holds, unchanged, everything the projections had folded then.
 */
export function replayDigests(events: RecordedEvent[], earlier: VerifyAnswer): Array<{ projection: string; position: number; digest: string }> {
  const targets = [...earlier.projections].sort((a, b) => a.position - b.position);
  const state = new ConfigState();
  const out: Array<{ projection: string; position: number; digest: string }> = [];
  let i = 0;
  for (const target of targets) {
    while (i < events.length && events[i]!.globalPosition <= target.position) state.apply(events[i++]!);
    const digest = target.projection === 'config' ? state.digest() : NetworkModel.build(state).digest();
    out.push({ projection: target.projection, position: target.position, digest });
  }
  return out;
}

/**
 * Sends every request again with its key (those acknowledged, and those with no clear answer) and says what is
 * wrong: an acknowledged one must answer 200 `Idempotent-Replayed` with its first uuid and position; one that never
 * got an answer (or a 503) must now succeed, once.
 */
export async function retryProblems(base: string, records: WriteRecord[]): Promise<{ problems: string[]; retried: WriteRecord[] }> {
  const problems: string[] = [];
  const retried: WriteRecord[] = [];
  const candidates = records.filter((r) => isAcked(r) || r.status === undefined || r.status === 503);
  for (let i = 0; i < candidates.length; i += 16) {
    const batch = candidates.slice(i, i + 16);
    const again = batch.map((r): WriteRecord => ({ ...r, status: undefined, error: undefined, answer: undefined, position: undefined, uuid: undefined }));
    await Promise.all(again.map((r) => send(base, r)));
    batch.forEach((first, j) => {
      const second = again[j]!;
      retried.push(second);
      if (second.status !== 200) {
        problems.push(`retry of ${first.kind} ${first.key} answered ${second.status ?? second.error}: ${JSON.stringify(second.answer)}`);
        return;
      }
      if (!isAcked(first)) return;
      if (second.answer?.replayed !== true) problems.push(`retry of acknowledged ${first.key} was not a replay`);
      if (first.kind !== 'update-network' && second.uuid !== first.uuid) problems.push(`retry of ${first.key} answered uuid ${second.uuid}, first ${first.uuid}`);
      if (second.position !== first.position) problems.push(`retry of ${first.key} answered position ${second.position}, first ${first.position}`);
    });
  }
  return { problems, retried };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
