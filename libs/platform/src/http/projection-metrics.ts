import { Inject, Injectable, Optional } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { EventStore } from '#libs/event-store';
import { EVENT_STORE } from '../event-store/event-store.token.js';
import { Metrics } from './metrics.js';

/** A projection's lag at one moment (what `ProjectionLag.sample` / `measureLag` of #libs/projections give). */
export interface ProjectionLagSample {
  /** Position folded to. */
  position: number;
  /** Events behind the head; 0 when caught up. */
  events: number;
  /** Milliseconds behind; 0 when caught up. */
  ms: number;
}

/**
 * What a projection tells the metrics about itself, read at scrape time. (This library does not import the
 * projections: `lag` is usually `(head, now) => projection.lag.sample(head, now)`, or `measureLag(...)`.)
 */
export interface ProjectionProbe {
  /** The `projection` label: 'config', 'desired-state', … */
  name: string;
  /** Where the projection stands when the log's head is `head` and the time `now` (epoch ms). */
  lag(head: number, now: number): ProjectionLagSample;
  /** Position of its newest checkpoint; undefined when it keeps none (no series then). */
  checkpointPosition(): number | undefined;
  /** The log's head; default: the process's event store. */
  headPosition?(): Promise<number>;
}

export interface ProjectionReport extends ProjectionLagSample {
  name: string;
  head: number;
  checkpointPosition: number | undefined;
}

type Label = 'projection';

/**
 * Every projection's progress on /metrics (DESIGN §4): `projection_position`, `projection_lag_events`,
 * `projection_lag_seconds` and `projection_checkpoint_position`, labelled by projection. Projections register a
 * probe; the log's head is read once per scrape.
 */
@Injectable()
export class ProjectionMetrics {
  private readonly probes = new Map<string, ProjectionProbe>();
  private readonly position: Gauge<Label>;
  private readonly lagEvents: Gauge<Label>;
  private readonly lagSeconds: Gauge<Label>;
  private readonly checkpoint: Gauge<Label>;
  /** One sampling shared by the four gauges of one scrape (prom-client collects them concurrently). */
  private sampling: Promise<ProjectionReport[]> | undefined;

  constructor(
    metrics: Metrics,
    @Optional() @Inject(EVENT_STORE) private readonly store?: EventStore,
  ) {
    const registers = [metrics.registry];
    const labelNames = ['projection'] as const;
    // Each gauge refreshes every series from the shared sample before it is read.
    const collect = async () => this.refresh(await this.shared());
    this.position = new Gauge({ name: 'projection_position', help: 'Log position the projection has folded to.', labelNames, registers, collect });
    this.lagEvents = new Gauge({
      name: 'projection_lag_events',
      help: 'Events in the log the projection has not folded yet (head position - projection position).',
      labelNames,
      registers,
      collect,
    });
    this.lagSeconds = new Gauge({
      name: 'projection_lag_seconds',
      help: 'While behind: seconds since the newest event the projection folded was recorded; 0 when caught up.',
      labelNames,
      registers,
      collect,
    });
    this.checkpoint = new Gauge({
      name: 'projection_checkpoint_position',
      help: 'Log position of the projection\'s newest checkpoint (0: none saved yet).',
      labelNames,
      registers,
      collect,
    });
  }

  /** Adds a projection; returns what removes it (and its series). Names are unique. */
  register(probe: ProjectionProbe): () => void {
    if (this.probes.has(probe.name)) throw new Error(`a projection named ${JSON.stringify(probe.name)} is already registered for metrics`);
    this.probes.set(probe.name, probe);
    return () => {
      if (this.probes.get(probe.name) !== probe) return;
      this.probes.delete(probe.name);
      for (const gauge of [this.position, this.lagEvents, this.lagSeconds, this.checkpoint]) gauge.remove({ projection: probe.name });
    };
  }

  /** Every registered projection's position, lag and checkpoint, now. A projection whose head cannot be read is left out. */
  async sample(now: number = Date.now()): Promise<ProjectionReport[]> {
    const reports: ProjectionReport[] = [];
    let storeHead: Promise<number> | undefined;
    for (const probe of this.probes.values()) {
      let head: number;
      try {
        if (probe.headPosition) head = await probe.headPosition();
        else if (this.store) head = await (storeHead ??= this.store.headPosition());
        else head = probe.lag(0, now).position;
      } catch {
        continue;
      }
      const { position, events, ms } = probe.lag(head, now);
      reports.push({ name: probe.name, position, head, events, ms, checkpointPosition: probe.checkpointPosition() });
    }
    return reports;
  }

  private shared(): Promise<ProjectionReport[]> {
    if (!this.sampling) {
      const sampling = this.sample().finally(() => {
        if (this.sampling === sampling) this.sampling = undefined;
      });
      this.sampling = sampling;
    }
    return this.sampling;
  }

  private refresh(reports: ProjectionReport[]): void {
    for (const r of reports) {
      const labels = { projection: r.name };
      this.position.set(labels, r.position);
      this.lagEvents.set(labels, r.events);
      this.lagSeconds.set(labels, r.ms / 1000);
      if (r.checkpointPosition === undefined) this.checkpoint.remove(labels);
      else this.checkpoint.set(labels, r.checkpointPosition);
    }
  }
}
