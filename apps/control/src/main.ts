// The control service on its own: `node dist/apps/control/src/main.js` (the all-in-one controller also runs it).
// Configured by environment variables (see service/control-service-config.ts); logs JSON lines on stdout.
//
// Exit codes: 0 after a graceful stop on SIGTERM/SIGINT; 1 when start-up or shutdown fails; 2 when the
// environment is invalid.
import 'reflect-metadata';
import { describeStoreLocation } from '#libs/config';
import { runMain, startNestService } from '#libs/platform';
import { loadControlServiceConfig } from './service/control-service-config.js';
import { XmppBridge } from './xmpp/xmpp-bridge.js';
import { ControlServiceModule } from './service/control-service.module.js';

await runMain({
  name: 'control',
  loadConfig: () => loadControlServiceConfig(process.env, { cwd: process.cwd() }),
  logLevel: (config) => config.logLevel,
  shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
  start: (config, logger) =>
    startNestService(
      ControlServiceModule.forRoot(config),
      { bindAddress: config.bindAddress, restPort: config.rest.port, bodyLimitBytes: 64 * 1024, shutdownTimeoutMs: config.shutdownTimeoutMs, tls: config.tls },
      logger,
      (app) => ({ store: config.store.kind, data: describeStoreLocation(config.store), xmpp: app.get(XmppBridge).address, xmppTls: config.xmpp.tls ?? 'off' }),
    ),
});
