import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { EventStore } from '#libs/event-store';
import { EVENT_STORE, Metrics } from '#libs/platform';
import { REFUSALS_STREAM, RefusalBudget, commandRefusedEvent, type AuthRefusal, type RefusedCommand } from '#libs/security';

/** Where refusals go: the command path and the edges report every one. */
export interface RefusalSink {
  /**
   * Counts a refusal, and records it in the log when it refused a write (`command`): the audit trail of refused
   * commands. Never throws: a refusal is answered whether its record could be written or not.
   */
  refused(refusal: AuthRefusal, command?: RefusedCommand): Promise<void>;
}

/**
 * Counts refusals on /metrics (`contrail_auth_refusals_total{status,reason}`) and appends a `CommandRefused` event
 * per refused write to its own stream, at most RefusalBudget's share per source address and second: a flood of
 * 401s is answered, counted (`contrail_auth_refusals_unrecorded_total`), and costs the log a bounded number of
 * appends. The append is awaited before the refusal is answered, so a client that reads the trail after its
 * answer finds its refusal there.
 */
@Injectable()
export class RefusalRecorder implements RefusalSink {
  private readonly logger = new Logger('Auth');
  private readonly budget = new RefusalBudget();
  private readonly counted: Counter<'status' | 'reason'>;
  private readonly unrecorded: Counter;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() metrics?: Metrics,
  ) {
    const registers = metrics ? [metrics.registry] : [];
    this.counted = new Counter({
      name: 'contrail_auth_refusals_total',
      help: 'Calls refused by authentication (401) or authorization (403), by status and reason.',
      labelNames: ['status', 'reason'],
      registers,
    });
    this.unrecorded = new Counter({
      name: 'contrail_auth_refusals_unrecorded_total',
      help: 'Refused writes not recorded in the audit trail: over the per-address (or total) budget per second.',
      registers,
    });
  }

  async refused(refusal: AuthRefusal, command?: RefusedCommand): Promise<void> {
    this.counted.inc({ status: String(refusal.status), reason: refusal.reason });
    if (!command) return;
    if (!this.budget.take(command.address)) {
      this.unrecorded.inc();
      return;
    }
    try {
      await this.store.append(REFUSALS_STREAM, [commandRefusedEvent(command, refusal, new Date().toISOString())], { expectedRevision: 'any' });
    } catch (error) {
      this.logger.error({ msg: 'the refusal could not be recorded', err: error instanceof Error ? error.message : String(error), reason: refusal.reason });
    }
  }
}
