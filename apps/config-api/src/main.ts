// The config API on its own: `npm run config-api`, or `node dist/apps/config-api/src/main.js` (the all-in-one
// controller also runs it). Configured by environment variables (see service/config-api-service-config.ts); logs
// JSON lines on stdout.
//
// Exit codes: 0 after a graceful stop on SIGTERM/SIGINT; 1 when start-up or shutdown fails; 2 when the
// environment is invalid (every problem is logged, and repeated in plain text on stderr).
import 'reflect-metadata';
import { describeStoreLocation } from '#libs/config';
import { runMain, startNestService } from '#libs/platform';
import { loadConfigApiServiceConfig } from './service/config-api-service-config.js';
import { ConfigApiServiceModule } from './service/config-api-service.module.js';

await runMain({
  name: 'config-api',
  loadConfig: () => loadConfigApiServiceConfig(process.env, { cwd: process.cwd() }),
  logLevel: (config) => config.logLevel,
  shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
  start: (config, logger) =>
    startNestService(
      ConfigApiServiceModule.forRoot(config),
      { bindAddress: config.bindAddress, restPort: config.rest.port, bodyLimitBytes: config.rest.bodyLimitBytes, shutdownTimeoutMs: config.shutdownTimeoutMs, tls: config.tls },
      logger,
      { store: config.store.kind, data: describeStoreLocation(config.store) },
    ),
});
