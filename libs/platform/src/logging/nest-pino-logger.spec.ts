import { Writable } from 'node:stream';
import { createLogger } from './create-logger.js';
import { NestPinoLogger } from './nest-pino-logger.js';

function capture(level: 'info' | 'trace' = 'trace') {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(text));
      done();
    },
  });
  return { lines, nest: new NestPinoLogger(createLogger({ name: 'test', level, destination })) };
}

describe('NestPinoLogger', () => {
  it('writes Nest messages as JSON with the level as a word and the context as a field', () => {
    const { lines, nest } = capture();
    nest.log('hello', 'MyService');
    nest.warn('careful');
    nest.verbose('details', 'MyService');
    expect(lines.map((l) => [l.level, l.msg, l.context])).toEqual([
      ['info', 'hello', 'MyService'],
      ['warn', 'careful', undefined],
      ['trace', 'details', 'MyService'],
    ]);
    expect(lines[0]).toMatchObject({ name: 'test', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('keeps the stack Nest passes with an error apart from the context', () => {
    const { lines, nest } = capture();
    const stack = 'Error: boom\n    at somewhere (file.js:1:1)';
    nest.error('boom', stack, 'ExceptionHandler');
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'boom', stack, context: 'ExceptionHandler' });
  });

  it('logs an Error object with its serialised err', () => {
    const { lines, nest } = capture();
    nest.fatal(new Error('gone'));
    expect(lines[0]).toMatchObject({ level: 'fatal', msg: 'gone', err: { type: 'Error', message: 'gone' } });
  });

  it("moves Nest's own start-up chatter to debug, below the default level", () => {
    const { lines, nest } = capture('info');
    nest.log('Mapped {/health, GET} route', 'RouterExplorer');
    nest.log('ours', 'ControllerModule');
    expect(lines.map((l) => l.msg)).toEqual(['ours']);
  });
});
