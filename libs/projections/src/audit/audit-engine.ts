import type { EventStore, RecordedEvent, Subscription } from '#libs/event-store';
import { badRequest, ConfigError, ConfigState, copyConfigObject, type ConfigObject } from '#libs/domain';
import { NetworkModel } from '#libs/routing';
import { eventRefOf, objectChange, resourceUuidOf, type ConfigDiff, type EventRef, type ObjectChange } from './config-diff.js';
import { desiredStatesOf, firstDesiredStateDivergence, type DesiredStates, type LiveDesiredState } from './desired-state-check.js';
import { firstDivergence, type ConfigCheck, type DesiredStateCheck, type VerifyReport } from './replay-check.js';
import { SnapshotShelf } from './snapshot-shelf.js';
import { foldRange, yieldToEventLoop } from '../fold-range.js';

export interface AuditEngineOptions {
  /** Events folded between two snapshots. Default 50,000. */
  snapshotEvery?: number;
  /** Snapshots kept in memory; when full, every other one goes and the spacing doubles. Default 32. */
  maxSnapshots?: number;
  /**
   * While `start` is still catching up, how long an as-of read or a diff beyond the position reached waits for it
   * (the snapshots it would fold from are not taken yet) before it fails with a 503. Default 10 s.
   */
  catchUpWaitMs?: number;
}

export const DEFAULT_SNAPSHOT_EVERY = 50_000;
export const DEFAULT_MAX_SNAPSHOTS = 32;
export const DEFAULT_CATCH_UP_WAIT_MS = 10_000;

/** Where `start` stands: catching up with the head it found (`target`), or following the log. */
export interface AuditEngineProgress {
  /** Position the follower has folded to. */
  position: number;
  /** The log's head when `start` began: the catch-up is done once `position` reaches it. */
  target: number;
  caughtUp: boolean;
}

/** Events per read when replaying a range. */
const PAGE = 1000;

/**
 * Audit and replay over the log (DESIGN §4, as-of views): the config state as of any position or time, what
 * changed between two positions and who changed it, and whether a live state is what a replay from zero gives.
 *
 * As-of reads start from the nearest snapshot at or below the position and fold the tail read from the store.
 * Snapshots live in memory only: `start` makes them by replaying the whole log once, then a subscription keeps
 * taking them as the log grows. Snapshots share the objects that did not change between them (copy on write), so
 * their memory grows with what changes, plus the indexes (a few tens of bytes per object and stream) each holds.
 * Without `start` every read folds from position 0.
 *
 * The catch-up gives way to the event loop after each page, so a process can serve while it runs (its `start`
 * need not be awaited). Meanwhile an as-of read or diff beyond the position reached waits for it (at most
 * `catchUpWaitMs`, then a 503 saying how far it is); answers never depend on it, only how much they fold does.
 */
export class AuditEngine {
  private readonly shelf: SnapshotShelf;
  /** The follower's fold, from which snapshots are taken. */
  private readonly state = new ConfigState();
  private sinceSnapshot = 0;
  /** Events between snapshots: snapshotEvery, doubled each time the shelf is thinned. */
  private interval: number;
  private starting: Promise<void> | undefined;
  private stopped = false;
  private subscription: Subscription | undefined;
  private running: Promise<void> | undefined;
  private failure: unknown;
  /** The head `start` is catching up with; undefined before and once caught up (or stopped, or failed). */
  private catchUpTarget: number | undefined;
  private lastTarget = 0;
  private caughtUp = false;
  private readonly catchUpWaitMs: number;
  /** Reads waiting for the catch-up to reach their position. */
  private waiters: Array<{ position: number; resolve: () => void }> = [];

  constructor(
    private readonly store: EventStore,
    options: AuditEngineOptions = {},
  ) {
    this.interval = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    if (!Number.isInteger(this.interval) || this.interval < 1) throw new RangeError(`snapshotEvery must be a positive integer, not ${this.interval}`);
    this.shelf = new SnapshotShelf(options.maxSnapshots ?? DEFAULT_MAX_SNAPSHOTS);
    this.catchUpWaitMs = options.catchUpWaitMs ?? DEFAULT_CATCH_UP_WAIT_MS;
    if (!Number.isSafeInteger(this.catchUpWaitMs) || this.catchUpWaitMs < 0) throw new RangeError(`catchUpWaitMs must be an integer >= 0, not ${this.catchUpWaitMs}`);
  }

  /**
   * Reads the log once from 0 to the head, taking snapshots of the config fold every snapshotEvery events; then
   * keeps following (subscribeToAll) to take more. Resolves once caught up; `progress` tells how far it is.
   */
  start(): Promise<void> {
    this.stopped = false;
    this.starting ??= this.catchUpThenFollow().then(
      () => {
        this.caughtUp = !this.stopped;
        this.endCatchUp();
      },
      (error: unknown) => {
        this.failure = error;
        this.endCatchUp();
        this.starting = undefined;
        throw error;
      },
    );
    return this.starting;
  }

  /** How far `start` is: the position folded, the head it set out to reach, and whether it has. */
  get progress(): AuditEngineProgress {
    const target = this.catchUpTarget ?? Math.max(this.lastTarget, this.state.position);
    return { position: this.state.position, target, caughtUp: this.caughtUp };
  }

  /** Stops following. The snapshots stay; a later `start` goes on from where the follower stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.caughtUp = false;
    await this.starting?.catch(() => undefined);
    this.subscription?.close();
    await this.running;
    this.subscription = undefined;
    this.running = undefined;
    this.starting = undefined;
  }

  private async catchUpThenFollow(): Promise<void> {
    const head = await this.store.headPosition();
    this.catchUpTarget = head;
    this.lastTarget = head;
    let after = this.state.position;
    // Pages read directly rather than through the subscription: the replay of a long log is the slow part.
    while (after < head && !this.stopped) {
      // The snapshots are of the config fold, which reads no metadata.
      const page = await this.store.readAll({ after, limit: PAGE, withMetadata: false });
      if (page.length === 0) break;
      for (const event of page) this.follow(event);
      after = page[page.length - 1].globalPosition;
      this.wakeWaiters();
      await yieldToEventLoop();
    }
    if (this.stopped) return;
    const subscription = this.store.subscribeToAll({ after, batchSize: 1000 });
    this.subscription = subscription;
    this.running = (async () => {
      try {
        for await (const event of subscription) this.follow(event);
      } catch (error) {
        this.failure = error;
      }
    })();
  }

  /** The catch-up is over (done, stopped or failed): every waiting read goes on, with the snapshots there are. */
  private endCatchUp(): void {
    this.catchUpTarget = undefined;
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const reached = (w: { position: number }) => this.catchUpTarget === undefined || this.state.position >= Math.min(w.position, this.catchUpTarget);
    const due = this.waiters.filter(reached);
    this.waiters = this.waiters.filter((w) => !reached(w));
    for (const w of due) w.resolve();
  }

  /**
   * While catching up: resolves once the follower has folded to `position` (or to the head it is catching up
   * with), so the snapshots a read needs are there; a 503 after catchUpWaitMs. At once otherwise.
   */
  private async caughtUpTo(position: number): Promise<void> {
    const target = this.catchUpTarget;
    if (target === undefined || this.state.position >= Math.min(position, target)) return;
    const reached = await new Promise<boolean>((resolve) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, this.catchUpWaitMs);
      this.waiters.push(waiter);
    });
    if (reached) return;
    const { position: at, target: of } = this.progress;
    throw new ConfigError(503, `the audit engine is catching up with the log after a start: at position ${at} of ${of}; try again shortly`);
  }

  /** Position the follower has folded to; snapshots exist up to here. */
  get followedPosition(): number {
    return this.state.position;
  }

  /** Positions of the snapshots held, oldest first. */
  snapshotPositions(): number[] {
    return this.shelf.positions();
  }

  /** The error that stopped the follower, if any (as-of reads still work, from older snapshots and the store). */
  get error(): unknown {
    return this.failure;
  }

  /**
   * The config state folded up to and including `position` (clamped to the head): nearest snapshot at or below,
   * plus the tail read with readAll. The state is the caller's: more events may be applied to it. Objects it shares with a snapshot are frozen.
   */
  async stateAt(position: number): Promise<ConfigState> {
    checkPosition(position, 'position');
    const target = Math.min(position, await this.store.headPosition());
    await this.caughtUpTo(target);
    return this.foldTo(target);
  }

  /**
   * The position of the last event recorded at or before `time` (ISO-8601); 0 if none. Binary search over
   * positions (events are time-ordered; a store's positions may have gaps, e.g. KurrentDB). Times compare to the
   * millisecond.
   */
  async positionAtTime(time: string): Promise<number> {
    const limit = typeof time === 'string' ? Date.parse(time) : Number.NaN;
    if (Number.isNaN(limit)) throw badRequest(`'${String(time)}' is not an ISO-8601 time`, 'time');
    // The smallest x in [0, head] such that no event after x was recorded at or before `time`. If x > 0 there is
    // an event at x: the first event after x - 1 was recorded in time, the first after x was not, so they differ.
    let lo = 0;
    let hi = await this.store.headPosition();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const [next] = await this.store.readAll({ after: mid, limit: 1 });
      if (next === undefined || Date.parse(next.recordedAt) > limit) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * Objects created, deleted and changed between two positions (from exclusive, to inclusive), field by field
   * (props and each ref set), each change with the events (position, type, actor, source, recordedAt) that made it.
   * Both positions are clamped to the head.
   */
  async diff(from: number, to: number): Promise<ConfigDiff> {
    checkPosition(from, 'from');
    checkPosition(to, 'to');
    if (from > to) throw badRequest(`from (${from}) is after to (${to})`, 'from');
    const head = await this.store.headPosition();
    const start = Math.min(from, head);
    const end = Math.min(to, head);
    await this.caughtUpTo(start);
    const state = await this.foldTo(start);
    // Each object the range touches, as it was at `from` (undefined: absent), in the order of first touch.
    const before = new Map<string, ConfigObject | undefined>();
    const events = new Map<string, EventRef[]>();
    await this.fold(state, start, end, (event, uuid) => {
      if (!before.has(uuid)) {
        const object = state.get(uuid);
        // A frozen object is shared with a snapshot and never changes; the fold changes the others in place.
        before.set(uuid, object && (Object.isFrozen(object) ? object : copyConfigObject(object)));
        events.set(uuid, []);
      }
      events.get(uuid)!.push(eventRefOf(event));
    }, true);
    const diff: ConfigDiff = { from: start, to: end, created: [], deleted: [], changed: [] };
    for (const [uuid, was] of before) {
      const is = state.get(uuid);
      const change: ObjectChange | undefined = objectChange(was, is, events.get(uuid)!);
      if (!change) continue;
      if (!was) diff.created.push(change);
      else if (!is) diff.deleted.push(change);
      else diff.changed.push(change);
    }
    return diff;
  }

  /**
   * Rebuilds every projection from position 0 and compares it with the live one (DESIGN §4): the config fold, in a
   * scratch ConfigState, with `live` at the position it has reached (a digest, and per-object digests for the
   * first divergence); and, when given, the desired state: `NetworkModel.build` of the fold at the live model's
   * position against the live model, which is kept up to date run by run (not rebuilt), by digest and then cluster
   * by cluster for the first divergence.
   */
  async verify(live: ConfigState, desired?: LiveDesiredState): Promise<VerifyReport> {
    // The live states move on while the log is read: compare with what they are now.
    const now = live.clone();
    const position = now.position;
    const desiredNow = desired && { position: desired.position, digest: desired.model.digest(), states: desiredStatesOf(desired.model) };
    const rebuilt = new ConfigState();
    const lastEvent = new Map<string, number>();
    const track = (event: RecordedEvent, uuid: string) => lastEvent.set(uuid, event.globalPosition);
    let config: ConfigCheck | undefined;
    let desiredCheck: DesiredStateCheck | undefined;
    const checkConfig = () => {
      const liveDigest = now.digest();
      const rebuiltDigest = rebuilt.digest();
      config = { projection: 'config', ok: liveDigest === rebuiltDigest && rebuilt.position === position, position, liveDigest, rebuiltDigest, objects: rebuilt.size };
      if (config.ok) return;
      config.firstDivergence = firstDivergence(now, rebuilt, lastEvent) ?? { uuid: '', type: 'log', field: 'position', live: position, rebuilt: rebuilt.position };
    };
    const checkDesired = (target: { position: number; digest: string; states: DesiredStates }) => {
      // Built now, before the fold goes on: the model reads the state only while it is built.
      const model = NetworkModel.build(rebuilt);
      const rebuiltDigest = model.digest();
      const states = desiredStatesOf(model);
      desiredCheck = {
        projection: 'desired-state',
        ok: rebuiltDigest === target.digest && rebuilt.position === target.position,
        position: target.position,
        liveDigest: target.digest,
        rebuiltDigest,
        clusters: states.size,
      };
      if (desiredCheck.ok) return;
      desiredCheck.firstDivergence = firstDesiredStateDivergence(target.states, states) ?? {
        cluster: '',
        kind: 'cluster',
        name: '',
        field: 'position',
        live: target.position,
        rebuilt: rebuilt.position,
      };
    };
    // The desired state follows the config projection, so its position is at or before the config state's: one
    // fold from 0 serves both, checking each projection as it passes its position.
    const checks = [{ position, run: checkConfig }];
    if (desiredNow) checks.push({ position: desiredNow.position, run: () => checkDesired(desiredNow) });
    checks.sort((a, b) => a.position - b.position);
    for (const check of checks) {
      await this.fold(rebuilt, rebuilt.position, check.position, track);
      check.run();
    }
    const projections = desiredCheck ? [config!, desiredCheck] : [config!];
    const { projection: _projection, ...summary } = config!;
    return { ...summary, ok: projections.every((p) => p.ok), projections };
  }

  /** The fold up to `target` (at most the head): from the nearest snapshot, else from zero. */
  private async foldTo(target: number): Promise<ConfigState> {
    const snapshot = this.shelf.atOrBelow(target);
    const state = snapshot ? ConfigState.fromSnapshot(snapshot) : new ConfigState();
    await this.fold(state, state.position, target);
    return state;
  }

  /**
   * Folds the events after `after` up to and including `to` into `state`; `onResource` sees each resource event
   * (with its object's uuid) before it is applied, with its metadata when `withMetadata`.
   */
  private async fold(
    state: ConfigState,
    after: number,
    to: number,
    onResource?: (event: RecordedEvent, uuid: string) => void,
    withMetadata = false,
  ): Promise<void> {
    const onEvent = onResource
      ? (event: RecordedEvent) => {
          const uuid = resourceUuidOf(event);
          if (uuid !== undefined) onResource(event, uuid);
        }
      : undefined;
    await foldRange(this.store, state, after, to, { onEvent, withMetadata });
  }

  /** The follower's step: fold, and take a snapshot when enough events went by. */
  private follow(event: RecordedEvent): void {
    this.state.apply(event);
    if (++this.sinceSnapshot < this.interval) return;
    // The follower's state is private: its snapshots share its objects, which it copies before changing.
    if (this.shelf.add(this.state.shareSnapshot())) this.interval *= 2;
    this.sinceSnapshot = 0;
  }
}

function checkPosition(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw badRequest(`${name} must be a log position (an integer >= 0), not ${String(value)}`, name);
}
