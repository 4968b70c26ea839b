import { describeStoreLocation } from '#libs/config';
import { startNestService, type Logger, type RunningService } from '#libs/platform';
import type { ControllerConfig } from './config/controller-config.js';
import { ControllerModule } from './controller.module.js';

export type { ListeningAddresses, ShutdownOutcome } from '#libs/platform';
export type RunningController = RunningService;

/**
 * Opens the event store, starts REST and gRPC, and logs one 'listening' line with the store, where its data lives
 * and every bound address. Rejects (having released what it opened) when any of that fails.
 */
export function startController(config: ControllerConfig, logger: Logger): Promise<RunningController> {
  return startNestService(
    ControllerModule.forRoot(config),
    { bindAddress: config.bindAddress, restPort: config.rest.port, bodyLimitBytes: config.rest.bodyLimitBytes, shutdownTimeoutMs: config.shutdownTimeoutMs },
    logger,
    {
      store: config.store.kind,
      data: describeStoreLocation(config.store),
      // The XMPP bridge is a later issue: XMPP_PORT is validated, but nothing listens on it yet.
      xmpp: `not served yet (XMPP_PORT=${config.xmpp.port})`,
    },
  );
}
