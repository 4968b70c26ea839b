import { InvalidConfigError, type LogLevel } from '#libs/config';
import { createLogger, type Logger } from '../logging/create-logger.js';
import { routeGrpcJsLogs } from '../logging/grpc-js-logs.js';

export const EXIT_FAILURE = 1;
export const EXIT_INVALID_CONFIG = 2;
/** Beyond the shutdown timeout, how long closing the store may take before the process gives up and exits 1. */
const STORE_CLOSE_GRACE_MS = 5000;

export interface MainOptions<Config> {
  /** The process's name in its log lines. */
  name: string;
  /** Reads and validates the environment; throws InvalidConfigError listing every problem. */
  loadConfig(): Config;
  logLevel(config: Config): LogLevel;
  shutdownTimeoutMs(config: Config): number;
  start(config: Config, logger: Logger): Promise<{ stop(): Promise<unknown> }>;
}

/**
 * The life of a service process: config (exit 2 when invalid, every problem logged and repeated in plain text on
 * stderr), JSON logs, start (exit 1 when it fails), and a graceful stop on SIGTERM (Kubernetes, systemd) or SIGINT
 * (Ctrl-C), also while still starting; a second signal exits at once, and a stop that overruns exits 1.
 */
export async function runMain<Config>(options: MainOptions<Config>): Promise<void> {
  const config = loadConfigOrExit(options);
  const logger = createLogger({ name: options.name, level: options.logLevel(config) });
  exitOnCrash(logger);
  routeGrpcJsLogs(logger);
  const starting = options.start(config, logger);
  stopOnSignals(starting, options.shutdownTimeoutMs(config), logger);
  try {
    await starting;
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    process.exit(EXIT_FAILURE);
  }
}

function loadConfigOrExit<Config>(options: MainOptions<Config>): Config {
  try {
    return options.loadConfig();
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    createLogger({ name: options.name, level: 'info' }).fatal({ problems: error.problems }, 'invalid configuration');
    process.stderr.write(`${options.name}: ${error.message}\n`);
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

function stopOnSignals(starting: Promise<{ stop(): Promise<unknown> }>, shutdownTimeoutMs: number, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    logger.info({ signal, timeoutMs: shutdownTimeoutMs }, 'stopping');
    setTimeout(() => {
      logger.error({ signal }, 'shutdown did not finish in time: exiting');
      process.exit(EXIT_FAILURE);
    }, shutdownTimeoutMs + STORE_CLOSE_GRACE_MS).unref();
    starting
      .then((service) => service.stop())
      .then(
        (outcome) => {
          logger.info(outcome as object, 'stopped');
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
