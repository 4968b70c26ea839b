// The all-in-one controller: `npm start`, or `node dist/apps/controller/src/main.js`. Configured by environment
// variables (see config/controller-config.ts); logs JSON lines on stdout.
//
// Exit codes: 0 after a graceful stop on SIGTERM/SIGINT; 1 when start-up or shutdown fails; 2 when the
// environment is invalid (every problem is logged, and repeated in plain text on stderr).
import 'reflect-metadata';
import { runMain } from '#libs/platform';
import { loadControllerConfig } from './config/controller-config.js';
import { startController } from './start-controller.js';

await runMain({
  name: 'controller',
  loadConfig: () => loadControllerConfig(process.env, { cwd: process.cwd() }),
  logLevel: (config) => config.logLevel,
  shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
  start: startController,
});
