import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Metrics } from '#libs/platform';
import { XmppBridge } from './xmpp-bridge.js';

/**
 * The XMPP bridge's life in the Nest application: it listens when the application starts (a port in use fails the
 * start), closes every session cleanly and stops listening on shutdown, and puts its series on /metrics.
 */
@Injectable()
export class XmppEdge implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('XmppBridge');

  constructor(
    @Inject(XmppBridge) private readonly bridge: XmppBridge,
    @Optional() metrics?: Metrics,
  ) {
    if (metrics) registerXmppMetrics(bridge, metrics);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bridge.listen();
    this.logger.log(`XMPP bridge listening on ${this.bridge.address}`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.bridge.stop();
  }
}

function registerXmppMetrics(bridge: XmppBridge, metrics: Metrics): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'contrail_xmpp_sessions',
    help: 'XMPP agent sessions established (stream header admitted).',
    registers,
    collect() {
      this.set(bridge.sessions);
    },
  });
  new Gauge({
    name: 'contrail_xmpp_connections',
    help: 'TCP connections on the XMPP port, with or without a session.',
    registers,
    collect() {
      this.set(bridge.connectionCount);
    },
  });
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
  counter('contrail_xmpp_received_bytes_total', 'Bytes read from XMPP agents.', () => bridge.counters.bytesIn);
  counter('contrail_xmpp_sent_bytes_total', 'Bytes written to XMPP agents.', () => bridge.counters.bytesOut);
  counter('contrail_xmpp_received_stanzas_total', 'Stanzas (iq, message) read from XMPP agents.', () => bridge.counters.stanzasIn);
  counter('contrail_xmpp_sent_stanzas_total', 'Stanzas written to XMPP agents (route and end-of-RIB messages, config iqs).', () => bridge.counters.stanzasOut);
  counter('contrail_xmpp_rejected_total', 'Stanzas, items and routes from XMPP agents dropped (with a log line) while the session went on.', () => bridge.counters.itemsRejected);
  counter('contrail_xmpp_sessions_established_total', 'XMPP sessions established.', () => bridge.counters.sessionsEstablished);
  new Counter({
    name: 'contrail_xmpp_sessions_closed_total',
    help: 'XMPP sessions (and connections refused before one) closed, by reason.',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, count] of bridge.closedByReason) this.inc({ reason }, count);
    },
  });
}
