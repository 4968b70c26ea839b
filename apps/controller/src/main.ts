// The all-in-one controller: `npm start`, or `node dist/apps/controller/src/main.js`. Configured by environment
// variables (see config/controller-config.ts); logs JSON lines on stdout.
//
// Exit codes: 0 after a graceful stop on SIGTERM/SIGINT; 1 when start-up or shutdown fails; 2 when the
// environment is invalid (every problem is logged, and repeated in plain text on stderr).
import 'reflect-metadata';
import { InvalidConfigError } from '#libs/config';
import { createLogger, routeGrpcJsLogs, type Logger } from '#libs/platform';
import { loadControllerConfig, type ControllerConfig } from './config/controller-config.js';
import { startController, type RunningController } from './start-controller.js';

const APP_NAME = 'controller';
const EXIT_FAILURE = 1;
const EXIT_INVALID_CONFIG = 2;
/** Beyond SHUTDOWN_TIMEOUT_MS, how long closing the store may take before the process gives up and exits 1. */
const STORE_CLOSE_GRACE_MS = 5000;

function loadConfigOrExit(): ControllerConfig {
  try {
    return loadControllerConfig(process.env, { cwd: process.cwd() });
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    createLogger({ name: APP_NAME, level: 'info' }).fatal({ problems: error.problems }, 'invalid configuration');
    process.stderr.write(`${APP_NAME}: ${error.message}\n`);
    process.exit(EXIT_INVALID_CONFIG);
  }
}

function exitOnCrash(logger: Logger): void {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(EXIT_FAILURE);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(EXIT_FAILURE);
  });
}

/**
 * SIGTERM (Kubernetes, systemd) and SIGINT (Ctrl-C) stop the controller gracefully, also while it is still
 * starting: the stop then waits for the start to finish. A second signal exits at once.
 */
function stopOnSignals(starting: Promise<RunningController>, config: ControllerConfig, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'stopping');
    setTimeout(() => {
      logger.error({ signal }, 'shutdown did not finish in time: exiting');
      process.exit(EXIT_FAILURE);
    }, config.shutdownTimeoutMs + STORE_CLOSE_GRACE_MS).unref();
    starting
      .then((controller) => controller.stop())
      .then(
        (outcome) => {
          logger.info(outcome, 'stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(EXIT_FAILURE);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

const config = loadConfigOrExit();
const logger = createLogger({ name: APP_NAME, level: config.logLevel });
exitOnCrash(logger);
routeGrpcJsLogs(logger);
const starting = startController(config, logger);
stopOnSignals(starting, config, logger);
try {
  await starting;
} catch (error) {
  logger.fatal({ err: error }, 'start failed');
  process.exit(EXIT_FAILURE);
}
