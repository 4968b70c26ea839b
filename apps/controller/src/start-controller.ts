import { describeStoreLocation } from '#libs/config';
import { startNestService, type Logger, type RunningService } from '#libs/platform';
import { XmppBridge } from '#apps/control';
import type { ControllerConfig } from './config/controller-config.js';
import { ControllerModule } from './controller.module.js';

export type { ListeningAddresses, ShutdownOutcome } from '#libs/platform';
export type RunningController = RunningService;

/**
 * Opens the event store, starts REST, gRPC and the XMPP bridge, and logs one 'listening' line with the store, where
 * its data lives and every bound address. Rejects (having released what it opened) when any of that fails.
 */
export function startController(config: ControllerConfig, logger: Logger): Promise<RunningController> {
  return startNestService(
    ControllerModule.forRoot(config),
    { bindAddress: config.bindAddress, restPort: config.rest.port, bodyLimitBytes: config.rest.bodyLimitBytes, shutdownTimeoutMs: config.shutdownTimeoutMs, tls: config.tls },
    logger,
    (app) => ({
      store: config.store.kind,
      data: describeStoreLocation(config.store),
      // Bound when the application started (XMPP_PORT=0 picks a free port).
      xmpp: app.get(XmppBridge).address,
      xmppTls: config.xmpp.tls ?? 'off',
    }),
  );
}
