import { WorkQueue } from './work-queue.js';

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WorkQueue', () => {
  it('runs a key marked many times before it starts once', async () => {
    const runs: string[] = [];
    const queue = new WorkQueue(async (key) => void runs.push(key), { concurrency: 1 });
    queue.add('a');
    queue.add('b');
    queue.add('b');
    queue.add('b');
    await queue.idle();
    expect(runs).toEqual(['a', 'b']);
  });

  it('never runs one key twice at once, and runs it again when marked while running', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    let release!: () => void;
    const queue = new WorkQueue(async () => {
      running++;
      most = Math.max(most, running);
      runs++;
      if (runs === 1) await new Promise<void>((r) => (release = r));
      running--;
    });
    queue.add('k');
    await tick();
    queue.add('k');
    queue.add('k');
    release();
    await queue.idle();
    expect(most).toBe(1);
    expect(runs).toBe(2);
  });

  it('keeps at most `concurrency` keys running', async () => {
    let running = 0;
    let most = 0;
    const queue = new WorkQueue(
      async () => {
        running++;
        most = Math.max(most, running);
        await tick(2);
        running--;
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 20; i++) queue.add(`k${i}`);
    await queue.idle();
    expect(most).toBe(3);
  });

  it('retries a failing key with backoff without holding up the others', async () => {
    const seen: string[] = [];
    const errors: Array<[string, number]> = [];
    let failuresLeft = 2;
    const queue = new WorkQueue(
      async (key) => {
        seen.push(key);
        if (key === 'bad' && failuresLeft-- > 0) throw new Error('refused');
      },
      { retryMs: 5, onError: (key, _error, retryInMs) => errors.push([key, retryInMs]) },
    );
    queue.add('bad');
    queue.add('good');
    await queue.idle();
    expect(seen).toEqual(['bad', 'good']);
    expect(queue.retrying).toBe(1);
    await tick(60);
    await queue.idle();
    expect(seen.filter((k) => k === 'bad')).toHaveLength(3);
    expect(errors).toEqual([
      ['bad', 5],
      ['bad', 10],
    ]);
    expect(queue.retrying).toBe(0);
  });

  it('runs a key waiting for its retry at once when it is marked again', async () => {
    let calls = 0;
    const queue = new WorkQueue(
      async () => {
        if (calls++ === 0) throw new Error('once');
      },
      { retryMs: 60_000 },
    );
    queue.add('k');
    await queue.idle();
    expect(queue.retrying).toBe(1);
    queue.add('k');
    await queue.idle();
    expect(calls).toBe(2);
    expect(queue.retrying).toBe(0);
  });

  it('does nothing after stop', async () => {
    const runs: string[] = [];
    const queue = new WorkQueue(async (key) => void runs.push(key), { retryMs: 1 });
    queue.stop();
    queue.add('a');
    await queue.idle();
    expect(runs).toEqual([]);
  });
});
