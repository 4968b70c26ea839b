import { HttpException, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import type { Logger } from 'pino';
import { HttpErrorFilter } from './http-error.filter.js';
import { OutageLog } from './outage-log.js';

type Line = [level: string, fields: Record<string, unknown>, message: string];

/** A pino logger that keeps its lines. */
function recordingLogger(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push([level, fields, message]);
  return { logger: { error: at('error'), warn: at('warn'), info: at('info') } as unknown as Logger, lines };
}

/** The filter's view of one request and its answer. */
function call(method: string, url: string) {
  const answer = { status: 0, body: undefined as unknown };
  const res = {
    headersSent: false,
    status: (code: number) => ((answer.status = code), res),
    json: (body: unknown) => (answer.body = body),
    end: () => undefined,
  };
  const host = { switchToHttp: () => ({ getRequest: () => ({ method, url }), getResponse: () => res }) } as unknown as ArgumentsHost;
  return { host, answer };
}

describe('HttpErrorFilter', () => {
  const STORE_DOWN = 'the event log is unavailable: PostgreSQL read failed: connect ECONNREFUSED 127.0.0.1:5432';

  it('answers a 503 as JSON and logs a run of them as one outage line, without a stack', () => {
    const { logger, lines } = recordingLogger();
    const filter = new HttpErrorFilter(logger, 1024, undefined, new OutageLog(logger, { every: () => () => undefined }));
    for (let i = 0; i < 500; i++) {
      const { host, answer } = call('POST', '/virtual-networks?x=1');
      filter.catch(new HttpException({ message: STORE_DOWN }, 503), host);
      expect(answer).toEqual({ status: 503, body: { statusCode: 503, error: 'Service Unavailable', message: STORE_DOWN, path: '/virtual-networks' } });
    }
    expect(lines).toEqual([['warn', { cause: STORE_DOWN, method: 'POST', path: '/virtual-networks' }, `answering 503: ${STORE_DOWN}`]]);
  });

  it('logs an unexpected error as a 500 with its stack, each time, and tells the client nothing of it', () => {
    const { logger, lines } = recordingLogger();
    const filter = new HttpErrorFilter(logger, 1024);
    const bug = new TypeError("Cannot read properties of undefined (reading 'uuid')");
    for (let i = 0; i < 2; i++) {
      const { host, answer } = call('GET', '/virtual-network/u');
      filter.catch(bug, host);
      expect(answer.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error', path: '/virtual-network/u' });
    }
    expect(lines).toEqual([
      ['error', { err: bug, method: 'GET', path: '/virtual-network/u' }, 'request failed'],
      ['error', { err: bug, method: 'GET', path: '/virtual-network/u' }, 'request failed'],
    ]);
  });

  it('logs nothing for a client error', () => {
    const { logger, lines } = recordingLogger();
    const { host, answer } = call('GET', '/nowhere');
    new HttpErrorFilter(logger, 1024).catch(new NotFoundException('Cannot GET /nowhere'), host);
    expect(answer.body).toMatchObject({ statusCode: 404, message: 'no route for GET /nowhere' });
    expect(lines).toEqual([]);
  });
});
