import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventStore } from '#libs/event-store';
import { EVENT_STORE } from '../event-store/event-store.token.js';
import { registerLiveHeapGauge } from './live-heap-gauge.js';

type HttpLabel = 'method' | 'route' | 'status';

/**
 * The `limit` label of contrail_limit_hits_total: one value per limit a client, a session or an agent can run into,
 * each named after what it bounds (README, Configuration: the variable that sets it).
 */
export type LimitName =
  | 'rest_body_bytes'
  | 'grpc_message_bytes'
  | 'list_page_limit'
  | 'list_unpaged'
  | 'xmpp_stanza_bytes'
  | 'agent_pending_routes'
  | 'agent_sessions_per_address'
  | 'agent_connect_rate';

/**
 * The process's Prometheus registry (its own, not prom-client's global one, so two apps in one test process do
 * not collide). Holds the default process metrics, the HTTP request metrics and, when an event store is present,
 * its head position. Feature modules register their own metrics on `registry`.
 */
@Injectable()
export class Metrics implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly httpRequests: Counter<HttpLabel>;
  readonly httpRequestDuration: Histogram<HttpLabel>;
  /** Every refusal because a limit was reached, by limit; each module puts its own limits at 0 (limitsServed). */
  readonly limitHits: Counter<'limit'>;
  private readonly stopLiveHeap: () => void;

  constructor(@Optional() @Inject(EVENT_STORE) store?: EventStore) {
    collectDefaultMetrics({ register: this.registry });
    this.stopLiveHeap = registerLiveHeapGauge(this.registry);
    this.httpRequests = new Counter({
      name: 'contrail_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpRequestDuration = new Histogram({
      name: 'contrail_http_request_duration_seconds',
      help: 'Time from the start of an HTTP request to the end of its response, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.limitHits = new Counter({
      name: 'contrail_limit_hits_total',
      help: 'Requests, messages, sessions and agents refused, cut off or paced because a limit was reached, by limit.',
      labelNames: ['limit'],
      registers: [this.registry],
    });
    if (store) this.registerEventStore(store);
  }

  onModuleDestroy(): void {
    this.stopLiveHeap();
  }

  /** Shows the limits a module enforces on /metrics at 0 before the first hit. */
  limitsServed(...limits: LimitName[]): void {
    for (const limit of limits) this.limitHits.inc({ limit }, 0);
  }

  /** One more hit of `limit`. */
  limitHit(limit: LimitName): void {
    this.limitHits.inc({ limit });
  }

  /** Text exposition format for a scrape. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private registerEventStore(store: EventStore): void {
    const up = new Gauge({
      name: 'contrail_event_store_up',
      help: '1 when the last read of the event store succeeded, 0 when it failed.',
      labelNames: ['store'],
      registers: [this.registry],
    });
    // Read at scrape time; a failed read keeps the last known position and reports the store down.
    new Gauge({
      name: 'contrail_event_store_head_position',
      help: 'Global position of the last event in the event log.',
      labelNames: ['store'],
      registers: [this.registry],
      async collect() {
        try {
          this.set({ store: store.kind }, await store.headPosition());
          up.set({ store: store.kind }, 1);
        } catch {
          up.set({ store: store.kind }, 0);
        }
      },
    });
  }
}
