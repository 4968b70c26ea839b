// A writer for the kill -9 durability test: opens the store named by STORE_CONFIG (JSON), appends from four
// concurrent writers forever and prints one JSON line per acknowledged event. The parent kills it with SIGKILL.
import { PostgresEventStore, SqliteEventStore } from '#libs/event-store';

const config = JSON.parse(process.env.STORE_CONFIG ?? '{}');
const store =
  config.kind === 'sqlite'
    ? new SqliteEventStore({ path: config.path })
    : config.kind === 'postgres'
      ? await PostgresEventStore.open({ connectionString: config.connectionString, schema: config.schema })
      : undefined;
if (!store) throw new Error(`unknown store kind in STORE_CONFIG: ${config.kind}`);

async function writer(w) {
  for (let i = 0; ; i++) {
    const stream = `child-${w}-${i % 5}`;
    const events = [{ type: 'ChildWrote', data: { w, i } }, { type: 'ChildWrote', data: { w, i, second: true } }];
    const withIds = events.map((e) => ({ ...e, eventId: crypto.randomUUID() }));
    const result = await store.append(stream, withIds);
    process.stdout.write(
      withIds.map((e, k) => JSON.stringify({ stream, eventId: e.eventId, position: result.firstPosition + k })).join('\n') + '\n',
    );
  }
}
await Promise.all([0, 1, 2, 3].map(writer));
