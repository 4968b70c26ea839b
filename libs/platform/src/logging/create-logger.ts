import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '#libs/config';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** Names the process in every line, e.g. 'controller'. */
  name: string;
  level: LogLevel;
  /** Where lines go. Default: stdout, written synchronously so that nothing is lost when the process exits. */
  destination?: DestinationStream;
}

/**
 * The process's root logger: one JSON object per line on stdout, with the level as a word ("info", not 30) and
 * an ISO time, which is what log collectors in a cluster index best. Components take children with a `component`.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
