import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { OutageLog } from './outage-log.js';

/** The part of an Express response the filter uses. */
interface JsonResponse {
  headersSent: boolean;
  status(code: number): JsonResponse;
  json(body: unknown): void;
  end(): void;
}

/** Every HTTP error body: the status, its name, what went wrong and the path asked for. */
export interface HttpErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  path: string;
}

/**
 * Answers every error as JSON: unknown routes (404 naming the path), bodies over the limit (413 naming the limit and
 * REST_BODY_LIMIT_BYTES), HttpExceptions with their own message, anything else as a 500 whose details (the stack) go
 * to the log, not to the client. A 503 is expected while the event store is down, and comes by the hundred a
 * second: it goes to the outage log (one line when it starts, a summary per 10 s, one when it is over), not a line
 * with a stack each.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly bodyLimitBytes: number,
    /** Called for each body refused for its size (contrail_limit_hits_total{limit="rest_body_bytes"}). */
    private readonly onBodyTooLarge: () => void = () => undefined,
    private readonly outages: OutageLog = new OutageLog(logger),
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<IncomingMessage>();
    const res = http.getResponse<JsonResponse>();
    const path = pathOf(req);
    const statusCode = exception instanceof HttpException ? exception.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    const body: HttpErrorBody = {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      message: this.messageFor(exception, statusCode, req.method ?? 'GET', path),
      path,
    };
    if (statusCode === HttpStatus.SERVICE_UNAVAILABLE) this.outages.unavailable(causeOf(body.message), { method: req.method, path });
    else if (statusCode >= 500) this.logger.error({ err: exception, method: req.method, path }, 'request failed');
    if (isBodyTooLarge(exception)) this.onBodyTooLarge();
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(statusCode).json(body);
  }

  private messageFor(exception: unknown, statusCode: number, method: string, path: string): string | string[] {
    if (statusCode === HttpStatus.NOT_FOUND && isRouterNotFound(exception)) return `no route for ${method} ${path}`;
    if (isBodyTooLarge(exception)) return `the request body is larger than the limit of ${this.bodyLimitBytes} bytes (REST_BODY_LIMIT_BYTES)`;
    if (!(exception instanceof HttpException)) return 'internal error';
    const response = exception.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    return typeof message === 'string' || Array.isArray(message) ? (message as string | string[]) : exception.message;
  }
}

/** The message of an answer as one line of text. */
function causeOf(message: string | string[]): string {
  return Array.isArray(message) ? message.join('; ') : message;
}

/**
 * The JSON body parser refused a body over its limit (Nest maps body-parser's http-error to a 413 HttpException
 * with it as the cause). Other 413s (a list too long to answer unpaged) carry their own message.
 */
function isBodyTooLarge(exception: unknown): boolean {
  if (!(exception instanceof HttpException) || exception.getStatus() !== HttpStatus.PAYLOAD_TOO_LARGE) return false;
  return (exception.cause as { type?: unknown } | undefined)?.type === 'entity.too.large';
}

/** Nest's router answers a URL without a route with a NotFoundException "Cannot GET /x". */
function isRouterNotFound(exception: unknown): boolean {
  return exception instanceof HttpException && /^Cannot [A-Z]+ /.test(exception.message);
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return req.url ?? '/';
  }
}
