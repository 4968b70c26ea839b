import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

/**
 * Nest's own messages about wiring itself up ("Mapped {/health, GET} route", "… dependencies initialized"). They
 * come at Nest's `log` level; here they go to debug, so that info shows what the controller does, not how Nest
 * assembled it.
 */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/**
 * Nest's LoggerService over pino, so that Nest's messages are JSON lines like ours. Nest calls `log(message,
 * context)` and `error(message, stack, context)`; the context becomes a `context` field, a stack an `err`.
 * Level mapping: verbose → trace, debug → debug, log → info, warn → warn, error → error, fatal → fatal.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = contextOf(params);
    this.write(context !== undefined && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    const context = contextOf(params);
    if (context !== undefined) fields.context = context;
    const stack = params.find((p): p is string => typeof p === 'string' && isStack(p));
    if (stack !== undefined) fields.stack = stack;
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}

/** Nest passes the context as the last argument, a plain string that is not a stack trace. */
function contextOf(params: unknown[]): string | undefined {
  const last = params.at(-1);
  return typeof last === 'string' && !isStack(last) ? last : undefined;
}

function isStack(text: string): boolean {
  return /\n\s+at /.test(text);
}
