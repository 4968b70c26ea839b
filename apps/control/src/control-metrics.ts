import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Metrics, ProjectionMetrics } from '#libs/platform';
import { CONFIG_PROJECTION, DESIRED_STATE, measureLag, type ConfigProjection, type DesiredStateProjection } from '#libs/projections';
import { ControlPlane } from './control-plane/control-plane.js';

/**
 * The control service's series on /metrics, read from the control plane at scrape time, and the desired-state
 * projection's lag (projection="desired-state"; its checkpoint is the config projection's, from which it derives).
 */
@Injectable()
export class ControlMetrics implements OnModuleDestroy {
  private readonly unregister: (() => void) | undefined;

  constructor(
    @Inject(ControlPlane) plane: ControlPlane,
    @Inject(DESIRED_STATE) desired: DesiredStateProjection,
    @Inject(CONFIG_PROJECTION) config: ConfigProjection,
    @Optional() metrics?: Metrics,
    @Optional() projections?: ProjectionMetrics,
  ) {
    this.unregister = projections?.register({
      name: 'desired-state',
      lag: (head, now) => measureLag(desired.position, desired.newestRecordedAt, head, now),
      checkpointPosition: () => config.checkpointPosition,
    });
    if (!metrics) return;
    const registers = [metrics.registry];
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    };
    const counter = (name: string, help: string, read: () => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    };
    gauge('contrail_control_agents', 'Agents with a live session.', () => plane.stats().agents);
    gauge('contrail_control_agents_held', 'Dropped agent sessions held for their hold time (routes stale).', () => plane.stats().held);
    gauge('contrail_control_vrfs', 'VRFs in the desired state.', () => plane.stats().vrfs);
    gauge('contrail_control_paths', 'Paths agents published, in every VRF.', () => plane.stats().paths);
    gauge('contrail_control_pending_routes', 'Route updates waiting in agent queues (coalesced by prefix).', () => plane.stats().pendingRoutes);
    gauge('contrail_control_unacked_messages', 'Messages sent to agents and not yet acked.', () => plane.stats().inFlight);
    gauge(
      'contrail_control_agent_pending_routes_max',
      'Route updates waiting for the agent furthest behind (past AGENT_MAX_PENDING it is cut off for a full resync).',
      () => plane.stats().maxPendingRoutes,
    );
    // Only when new sessions are paced (AGENT_CONNECT_RATE > 0).
    if (plane.connectTokens() !== undefined) {
      gauge(
        'contrail_control_connect_tokens',
        'New agent sessions that may start now (AGENT_CONNECT_RATE, AGENT_CONNECT_BURST); below 0, sessions promised a later slot.',
        () => plane.connectTokens() ?? 0,
      );
    }
    gauge('contrail_control_desired_state_position', 'Log position of the desired state.', () => desired.position);
    counter('contrail_control_route_updates_sent_total', 'Route updates sent to agents.', () => plane.counters.routeUpdatesSent);
    counter('contrail_control_messages_sent_total', 'Versioned messages sent to agents.', () => plane.counters.messagesSent);
    counter('contrail_control_sessions_started_total', 'Agent sessions started (full sync).', () => plane.counters.sessionsStarted);
    counter('contrail_control_sessions_resumed_total', 'Agent sessions resumed without a full sync.', () => plane.counters.sessionsResumed);
    counter('contrail_control_stale_swept_total', 'Route changes caused by sweeping stale routes.', () => plane.counters.staleSwept);
  }

  onModuleDestroy(): void {
    this.unregister?.();
  }
}
