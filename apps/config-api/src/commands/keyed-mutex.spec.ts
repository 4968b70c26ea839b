import { describe, expect, it } from '@jest/globals';
import { KeyedMutex } from './keyed-mutex.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedMutex', () => {
  it('runs work on the same key one at a time, in arrival order', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const job = (name: string) =>
      mutex.run(['k'], async () => {
        log.push(`${name} start`);
        await tick();
        log.push(`${name} end`);
      });
    await Promise.all([job('a'), job('b'), job('c')]);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    expect(mutex.size).toBe(0);
  });

  it('lets different keys run at once and orders overlapping key sets without deadlock', async () => {
    const mutex = new KeyedMutex();
    let concurrent = 0;
    let peak = 0;
    const job = (keys: string[]) =>
      mutex.run(keys, async () => {
        peak = Math.max(peak, ++concurrent);
        await tick();
        concurrent--;
      });
    await Promise.all([job(['a']), job(['b']), job(['b', 'a']), job(['a', 'b'])]);
    expect(peak).toBe(2);
    expect(mutex.size).toBe(0);
  });

  it('releases the key when the work throws', async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run(['k'], async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(mutex.run(['k'], async () => 'next')).resolves.toBe('next');
  });
});
