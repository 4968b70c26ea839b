import { ConfigState } from '#libs/domain';
import type { EventStore } from '#libs/event-store';
import { NetworkModel, type ClusterDesiredState, type NetworkChange } from '#libs/routing';
import type { ConfigProjection } from '../config-projection.js';
import { foldRange } from '../fold-range.js';

/**
 * The per-cluster desired state (DESIGN §4): for each cluster its virtual routers, the VRFs they need, their
 * interfaces, route targets and compiled policies — derived from the config state by libs/routing's NetworkModel
 * and kept current, run by run, as the config projection folds the log. Versioned by log position.
 *
 * It holds no state of its own beyond the derivation: its checkpoint is the config projection's (a snapshot of the
 * config state at a position), from which the model is derived again deterministically. `rebuildDigest` derives it
 * from a fold of the log from zero and compares.
 */
export class DesiredStateProjection {
  private current: NetworkModel | undefined;
  private readonly listeners = new Set<(change: NetworkChange) => void>();
  private stopObserving: (() => void) | undefined;
  private lastRecordedAt: string | undefined;

  constructor(
    private readonly config: ConfigProjection,
    private readonly store: EventStore,
  ) {}

  /** Derives the model from the config state as it stands (call after the config projection started). */
  start(): void {
    this.current = NetworkModel.build(this.config.state);
    this.stopObserving = this.config.observe({
      applied: (event) => {
        this.lastRecordedAt = event.recordedAt;
      },
      settled: (_position, touched) => {
        const change = this.model.update(this.config.state, touched);
        if (change.vrfsChanged.length + change.vrfsRemoved.length + change.virtualRoutersChanged.length === 0) return;
        for (const listener of this.listeners) listener(change);
      },
    });
  }

  stop(): void {
    this.stopObserving?.();
    this.listeners.clear();
  }

  get model(): NetworkModel {
    if (!this.current) throw new Error('the desired-state projection has not started');
    return this.current;
  }

  /** Log position the desired state reflects. */
  get position(): number {
    return this.model.position;
  }

  /** Recorded time of the newest event folded, for the lag gauge. */
  get newestRecordedAt(): string | undefined {
    return this.lastRecordedAt;
  }

  onChange(listener: (change: NetworkChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clusters(): string[] {
    return this.model.clusters();
  }

  desiredState(cluster: string): ClusterDesiredState {
    return this.model.desiredState(cluster);
  }

  /**
   * Folds the log from zero up to the live position into a fresh config state, derives the model from it, and
   * compares digests with the live, incrementally kept model.
   */
  async rebuildDigest(): Promise<{ position: number; live: string; rebuilt: string; equal: boolean }> {
    const position = this.position;
    const live = this.model.digest();
    const state = new ConfigState();
    await foldRange(this.store, state, 0, position);
    const rebuilt = NetworkModel.build(state).digest();
    return { position, live, rebuilt, equal: live === rebuilt };
  }
}
