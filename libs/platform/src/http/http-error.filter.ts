import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Logger } from 'pino';

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
 * Answers every error as JSON: unknown routes (404 naming the path), bodies over the limit (413 naming the limit),
 * HttpExceptions with their own message, anything else as a 500 whose details go to the log, not to the client.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly bodyLimitBytes: number,
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
    if (statusCode >= 500) this.logger.error({ err: exception, method: req.method, path }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(statusCode).json(body);
  }

  private messageFor(exception: unknown, statusCode: number, method: string, path: string): string | string[] {
    if (statusCode === HttpStatus.NOT_FOUND && isRouterNotFound(exception)) return `no route for ${method} ${path}`;
    if (statusCode === HttpStatus.PAYLOAD_TOO_LARGE) return `the request body is larger than the limit of ${this.bodyLimitBytes} bytes`;
    if (!(exception instanceof HttpException)) return 'internal error';
    const response = exception.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    return typeof message === 'string' || Array.isArray(message) ? (message as string | string[]) : exception.message;
  }
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
