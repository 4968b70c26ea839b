/**
 * PostgreSQL-specific: several processes' worth of writers (separate store instances, separate connection pools)
 * append at once; a subscriber on a third instance must see every event exactly once, in position order, with no
 * event committed late at an earlier position than one it already saw.
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { PostgresEventStore, type RecordedEvent } from '#libs/event-store';

const url = process.env.PG_TEST_URL;
const suite = url ? describe : describe.skip;

suite('PostgresEventStore: global order across concurrent writer instances', () => {
  it('a live subscriber sees every event once and in order while three writer instances race', async () => {
    const schema = `es_${randomBytes(6).toString('hex')}`;
    const writers = await Promise.all([0, 1, 2].map(() => PostgresEventStore.open({ connectionString: url!, schema })));
    const reader = await PostgresEventStore.open({ connectionString: url!, schema, pollIntervalMs: 50 });
    try {
      const perWriter = 4;
      const appends = 60;
      const total = writers.length * perWriter * appends * 2;
      const sub = reader.subscribeToAll({ batchSize: 7 });
      const seen: RecordedEvent[] = [];
      const reading = (async () => {
        for await (const e of sub) {
          seen.push(e);
          if (seen.length === total) break;
        }
      })();
      await Promise.all(
        writers.flatMap((store, s) =>
          Array.from({ length: perWriter }, async (_, w) => {
            for (let i = 0; i < appends; i++) {
              await store.append(`race-${s}-${w}-${i % 3}`, [
                { type: 'Raced', data: { s, w, i } },
                { type: 'Raced', data: { s, w, i, second: true } },
              ]);
            }
          }),
        ),
      );
      await reading;
      sub.close();
      const positions = seen.map((e) => e.globalPosition);
      expect(positions).toEqual(Array.from({ length: total }, (_, k) => k + 1));
      const all = await reader.readAll({ limit: total + 10 });
      expect(all.map((e) => e.eventId)).toEqual(seen.map((e) => e.eventId));
    } finally {
      await Promise.all([...writers, reader].map((s) => s.close()));
    }
  });
});
