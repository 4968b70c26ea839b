import { badRequest, notFound, type ConfigObject, type ConfigState } from '#libs/domain';
import type { EventStore } from '#libs/event-store';
import type { AuditEngine, ConfigDiff, LiveDesiredState, VerifyReport } from '#libs/projections';
import { NetworkModel, type ClusterDesiredState } from '#libs/routing';
import { parsePosition, parseTime, text, type EventQuery } from './event-filter.js';
import { scanEvents, type EventPage } from './event-scan.js';

/** A point in the log's history: a position, or a time (the last position recorded at or before it). */
export type AsOf = { position: number } | { time: string };

/** The engine calls the audit edges make; the AuditEngine started with the config API serves them. */
export type AuditReader = Pick<AuditEngine, 'stateAt' | 'positionAtTime' | 'diff' | 'verify'>;

/** An object and the state it is read from (for the names of its refs, its back-refs and children). */
export interface ObjectsAsOf {
  /** The position the state reflects. */
  position: number;
  state: ConfigState;
  /** The object asked for; for a project, the project and then everything under it, parents before children. */
  objects: ConfigObject[];
}

/** The cluster names of the desired state at a point. */
export interface ClustersAsOf {
  position: number;
  clusters: string[];
}

/**
 * What the audit edges answer (REST /audit/*, AuditService, the `audit` CLI), each check and error in one place:
 * a bad position or time is a 400, an object or a cluster that did not exist at that point a 404.
 *
 * A cluster's desired state as of a point (what its agents would have been sent) is derived as the control
 * service derives it live: `NetworkModel.build` of the config state at that point.
 */
export class AuditQueries {
  constructor(
    private readonly store: EventStore,
    private readonly engine: AuditReader,
    /** The live config state, for verify (which cannot run without it). */
    private readonly live?: () => ConfigState,
    /** The live desired-state projection, when the process runs one: verify checks it too. */
    private readonly desired?: LiveDesiredState,
  ) {}

  events(query: EventQuery): Promise<EventPage> {
    return scanEvents(this.store, query);
  }

  /** The position `asOf` names, checked against the log's head. `name` is the parameter it came from. */
  async positionOf(asOf: AsOf, name = 'position'): Promise<number> {
    const head = await this.store.headPosition();
    if ('time' in asOf) {
      parseTime(asOf.time, name);
      return Math.min(await this.engine.positionAtTime(new Date(Date.parse(asOf.time)).toISOString()), head);
    }
    if (asOf.position > head) throw badRequest(`${name} ${asOf.position} is beyond the head of the log (${head})`, name);
    return asOf.position;
  }

  /** The object as it was at `asOf`; 404 when it did not exist then. */
  async objectAt(uuid: string, asOf: AsOf): Promise<ObjectsAsOf> {
    const position = await this.positionOf(asOf, 'position' in asOf ? 'position' : 'time');
    const state = await this.engine.stateAt(position);
    const object = state.get(uuid.toLowerCase());
    if (!object) throw notFound(`no object had uuid ${uuid} at log position ${position}`);
    return { position, state, objects: [object] };
  }

  /** The project and every object under it (by parent, recursively) as they were at `asOf`. */
  async projectAt(uuid: string, asOf: AsOf): Promise<ObjectsAsOf> {
    const position = await this.positionOf(asOf, 'position' in asOf ? 'position' : 'time');
    const state = await this.engine.stateAt(position);
    const project = state.get(uuid.toLowerCase());
    if (!project) throw notFound(`no project had uuid ${uuid} at log position ${position}`);
    if (project.type !== 'project') throw notFound(`${uuid} was a ${project.type} at log position ${position}, not a project`);
    const objects = [project];
    for (let i = 0; i < objects.length; i++) objects.push(...state.children(objects[i].uuid));
    return { position, state, objects };
  }

  /** The names of the clusters the desired state had at `asOf` (always `default`, then those the config named). */
  async clustersAt(asOf: AsOf): Promise<ClustersAsOf> {
    const position = await this.positionOf(asOf, 'position' in asOf ? 'position' : 'time');
    return { position, clusters: NetworkModel.build(await this.engine.stateAt(position)).clusters() };
  }

  /** One cluster's desired state as it was at `asOf`; 404 when there was no such cluster then. */
  async clusterAt(cluster: string, asOf: AsOf): Promise<ClusterDesiredState> {
    const position = await this.positionOf(asOf, 'position' in asOf ? 'position' : 'time');
    const model = NetworkModel.build(await this.engine.stateAt(position));
    const clusters = model.clusters();
    if (!clusters.includes(cluster)) {
      throw notFound(`no cluster named ${JSON.stringify(cluster)} at log position ${position}; the clusters then: ${clusters.join(', ')}`);
    }
    return model.desiredState(cluster);
  }

  /** What changed between two points; `to` defaults to the head. */
  async diff(from: AsOf, to?: AsOf): Promise<ConfigDiff> {
    const start = await this.positionOf(from, 'position' in from ? 'from' : 'from_time');
    const end = to ? await this.positionOf(to, 'position' in to ? 'to' : 'to_time') : await this.store.headPosition();
    if (end < start) throw badRequest(`the diff must go forward: from (${start}) is after to (${end})`, 'to');
    return this.engine.diff(start, end);
  }

  /** Replays the log and compares the result with the live config state and, when there is one, desired state. */
  verify(): Promise<VerifyReport> {
    if (!this.live) throw new Error('verify needs the live config state');
    return this.engine.verify(this.live(), this.desired);
  }
}

/**
 * The point named by two text parameters, e.g. `position` / `time` or `from` / `from_time`: exactly one of them
 * when `required`, at most one otherwise (undefined when neither is there).
 */
export function asOfOf(raw: Readonly<Record<string, unknown>>, positionName: string, timeName: string, required: true): AsOf;
export function asOfOf(raw: Readonly<Record<string, unknown>>, positionName: string, timeName: string, required: false): AsOf | undefined;
export function asOfOf(raw: Readonly<Record<string, unknown>>, positionName: string, timeName: string, required: boolean): AsOf | undefined {
  const position = text(raw, positionName);
  const time = text(raw, timeName);
  if (position !== undefined && time !== undefined) throw badRequest(`give ${positionName} or ${timeName}, not both`, timeName);
  if (position !== undefined) return { position: parsePosition(position, positionName) };
  if (time !== undefined) {
    parseTime(time, timeName);
    return { time };
  }
  if (required) throw badRequest(`${positionName} (a log position) or ${timeName} (an ISO 8601 time) is required`, positionName);
  return undefined;
}

/** Refuses any parameter not in `allowed`: a mistyped name would otherwise be ignored silently. */
export function onlyParameters(raw: Readonly<Record<string, unknown>>, allowed: readonly string[]): void {
  const unknown = Object.keys(raw).filter((name) => !allowed.includes(name));
  if (unknown.length === 0) return;
  const takes = allowed.length > 0 ? `it takes ${allowed.join(', ')}` : 'it takes none';
  throw badRequest(`unknown parameter ${unknown.join(', ')}; ${takes}`, unknown[0]);
}
