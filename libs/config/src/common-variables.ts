import { isAbsolute, resolve } from 'node:path';
import type { EnvReader } from './env-reader.js';

/** pino's levels, most to least severe. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_LEVEL: the least severe level written. Default info. */
export function readLogLevel(env: EnvReader): LogLevel {
  return env.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
}

/**
 * BIND_ADDRESS: the address every listener binds. Default 127.0.0.1, so a controller started on a laptop is not
 * reachable from the network; container images and Kubernetes manifests set 0.0.0.0 (or :: for IPv6 too).
 */
export function readBindAddress(env: EnvReader): string {
  return env.listenAddress('BIND_ADDRESS', '127.0.0.1');
}

/**
 * SHUTDOWN_TIMEOUT_MS: how long a graceful shutdown lets open requests and streams finish before it cuts them.
 * Default 10000. Keep it below the pod's terminationGracePeriodSeconds (30 s by default).
 */
export function readShutdownTimeoutMs(env: EnvReader): number {
  return env.integer('SHUTDOWN_TIMEOUT_MS', 10_000, { min: 0, max: 3_600_000, note: 'milliseconds' });
}

/** DATA_DIR: where embedded state lives (the SQLite event log). Default ./data, resolved against `cwd`. */
export function readDataDir(env: EnvReader, cwd: string): string {
  const dir = env.string('DATA_DIR', './data');
  return isAbsolute(dir) ? dir : resolve(cwd, dir);
}
