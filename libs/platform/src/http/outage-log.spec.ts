import { OUTAGE_WINDOW_MS, OutageLog, type OutageLogSink } from './outage-log.js';

type Line = [level: 'warn' | 'info', message: string, fields: Record<string, unknown>];

/** A clock and interval timers that move only when the test says: no sleeps. */
class FakeTime {
  now = 1_000_000;
  private readonly timers = new Set<{ due: number; ms: number; tick: () => void }>();

  readonly every = (ms: number, tick: () => void): (() => void) => {
    const timer = { due: this.now + ms, ms, tick };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  };

  get running(): number {
    return this.timers.size;
  }

  /** Moves the clock on by `ms`, firing each timer at every period on the way, as setInterval does. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const next = [...this.timers].sort((a, b) => a.due - b.due)[0];
      if (!next || next.due > until) break;
      this.now = next.due;
      next.due += next.ms;
      next.tick();
    }
    this.now = until;
  }
}

function harness() {
  const time = new FakeTime();
  const lines: Line[] = [];
  /** When each line was written. */
  const times: number[] = [];
  const write = (line: Line): void => {
    times.push(time.now);
    lines.push(line);
  };
  const sink: OutageLogSink = {
    warn: (fields, message) => write(['warn', message, fields]),
    info: (fields, message) => write(['info', message, fields]),
  };
  const log = new OutageLog(sink, { now: () => time.now, every: time.every });
  /** `count` 503s spread evenly over `ms`. */
  const failFor = (ms: number, count: number, cause = 'the event log is unavailable: connect ECONNREFUSED 127.0.0.1:5432') => {
    for (let i = 0; i < count; i++) {
      log.unavailable(cause, { method: 'POST', path: '/virtual-networks' });
      time.advance(ms / count);
    }
  };
  return { time, lines, times, log, failFor, messages: () => lines.map(([level, message]) => [level, message]) };
}

const CAUSE = 'the event log is unavailable: connect ECONNREFUSED 127.0.0.1:5432';

describe('OutageLog', () => {
  it('logs the first 503 of an outage at once: one warning with the cause and the request, no stack', () => {
    const { log, lines } = harness();
    log.unavailable(CAUSE, { method: 'POST', path: '/virtual-networks' });
    expect(lines).toEqual([['warn', `answering 503: ${CAUSE}`, { cause: CAUSE, method: 'POST', path: '/virtual-networks' }]]);
  });

  it('turns hundreds of 503s a second into one summary line per 10 s', () => {
    const { failFor, messages, lines } = harness();
    // 250 a second (one every 4 ms) for 25 s: the first is the start line, the rest are summed up per window.
    failFor(25_000, 6_250);
    expect(messages()).toEqual([
      ['warn', `answering 503: ${CAUSE}`],
      ['warn', `2499 requests answered 503 in the last 10 s: ${CAUSE}`],
      ['warn', `2500 requests answered 503 in the last 10 s: ${CAUSE}`],
    ]);
    expect(lines[1]![2]).toEqual({ answered503: 2499, cause: CAUSE });
  });

  it('never writes two lines of one outage within a window, however the 503s fall', () => {
    const { failFor, time, times, messages } = harness();
    for (const [ms, count] of [[3_000, 5], [17_000, 2_000], [1, 1], [40_000, 13], [9_999, 3]] as const) failFor(ms, count);
    time.advance(30_000);
    // 70 s of 503s, at least one in every window: the start, seven summaries, the end.
    expect(messages().map(([level]) => level)).toEqual([...Array<string>(8).fill('warn'), 'info']);
    const gaps = times.slice(1).map((at, i) => at - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(OUTAGE_WINDOW_MS);
  });

  it('names the latest cause in a summary: it can change while the store is down', () => {
    const { failFor, time, messages } = harness();
    failFor(4_000, 4);
    failFor(4_000, 4, 'the event log is unavailable: timeout exceeded when trying to connect');
    time.advance(2_000);
    expect(messages()[1]).toEqual(['warn', '7 requests answered 503 in the last 10 s: the event log is unavailable: timeout exceeded when trying to connect']);
  });

  it('ends the outage with one info line after a window without a 503, and stops its timer', () => {
    const { failFor, time, lines, messages } = harness();
    failFor(12_500, 25);
    expect(time.running).toBe(1);
    time.advance(30_000);
    expect(messages()).toEqual([
      ['warn', `answering 503: ${CAUSE}`],
      ['warn', `19 requests answered 503 in the last 10 s: ${CAUSE}`],
      ['warn', `5 requests answered 503 in the last 10 s: ${CAUSE}`],
      ['info', 'available again after 12 s of 503s: none answered in the last 10 s'],
    ]);
    expect(lines[3]![2]).toEqual({ outageSeconds: 12, answered503: 25, cause: CAUSE });
    expect(time.running).toBe(0);
  });

  it('reports a lone 503 in two lines, its start and its end', () => {
    const { log, time, messages } = harness();
    log.unavailable('log position 9 was not reached within 10000 ms (at 8)', { method: 'GET', path: '/virtual-networks' });
    time.advance(60_000);
    expect(messages()).toEqual([
      ['warn', 'answering 503: log position 9 was not reached within 10000 ms (at 8)'],
      ['info', 'available again after 0 s of 503s: none answered in the last 10 s'],
    ]);
  });

  it('starts a new outage, with its own first line, when 503s come back after one ended', () => {
    const { failFor, time, messages } = harness();
    failFor(1_000, 10);
    time.advance(25_000);
    failFor(1_000, 1, 'the event log is unavailable: the store is closed');
    expect(messages().slice(2)).toEqual([
      ['info', 'available again after 0.9 s of 503s: none answered in the last 10 s'],
      ['warn', 'answering 503: the event log is unavailable: the store is closed'],
    ]);
    expect(time.running).toBe(1);
  });

  it('keeps no timer when there is no outage', () => {
    const { time } = harness();
    time.advance(60_000);
    expect(time.running).toBe(0);
  });
});
