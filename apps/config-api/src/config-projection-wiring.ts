import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ProjectionMetrics } from '#libs/platform';
import type { ConfigProjectionOptions, ProjectionLog } from '#libs/projections';
import { CONFIG_API, type ConfigApi } from './config-api.js';

/** How ConfigApiModule.forRoot sets up the config projection: checkpoints (the caller's store) and their spacing. */
export type ConfigProjectionSettings = Omit<ConfigProjectionOptions, 'log'>;

/** The projection's log lines through Nest's logger (pino in the controller), with context 'ConfigProjection'. */
export function nestProjectionLog(context = 'ConfigProjection'): ProjectionLog {
  const logger = new Logger(context);
  return (level, msg, fields) => {
    const line = { msg, ...fields };
    if (level === 'info') logger.log(line);
    else logger[level](line);
  };
}

/** Puts the config projection on /metrics (projection="config") when the operations module is there. */
@Injectable()
export class ConfigProjectionMetrics implements OnModuleInit, OnModuleDestroy {
  private unregister: (() => void) | undefined;

  constructor(
    @Inject(CONFIG_API) private readonly api: ConfigApi,
    @Optional() private readonly metrics?: ProjectionMetrics,
  ) {}

  onModuleInit(): void {
    const { projection } = this.api;
    this.unregister = this.metrics?.register({
      name: projection.name,
      lag: (head, now) => projection.lag.sample(head, now),
      checkpointPosition: () => projection.checkpointPosition,
    });
  }

  onModuleDestroy(): void {
    this.unregister?.();
  }
}
