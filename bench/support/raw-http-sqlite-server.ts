/**
 * The raw baseline of the config-api benchmark: node:http, JSON.parse of the body, one durable SQLite insert per
 * request (WAL, synchronous=FULL, the rows of one event-loop turn in one transaction), a small JSON answer.
 * Nothing of Nest, validation, state or events. Prints `{"port": N}` when listening.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: raw-http-sqlite-server <data dir>');
const db = new Database(join(dir, 'raw.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS objects (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, body TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO objects (uuid, kind, body) VALUES (?, ?, ?)');
let pending: Array<{ uuid: string; kind: string; body: string; done: () => void }> = [];
const flush = db.transaction((rows: typeof pending) => {
  for (const r of rows) insert.run(r.uuid, r.kind, r.body);
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end('{"message":"bad json"}');
      return;
    }
    const kind = Object.keys(body)[0] ?? 'unknown';
    const uuid = randomUUID();
    if (pending.length === 0) {
      setImmediate(() => {
        const rows = pending;
        pending = [];
        flush(rows);
        for (const r of rows) r.done();
      });
    }
    pending.push({
      uuid,
      kind,
      body: JSON.stringify(body),
      done: () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ [kind]: { uuid, href: `http://x/${kind}/${uuid}` } }));
      },
    });
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
