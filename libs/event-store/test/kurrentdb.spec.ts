import { describe, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { KurrentDbEventStore } from '#libs/event-store';
import { describeEventStoreContract } from './event-store.contract.js';

const connectionString = process.env.KURRENTDB_CONNECTION_STRING;

if (connectionString) {
  // The server outlives each test and is shared with everything else on it: every store gets a fresh stream
  // prefix, so it starts as an empty log of its own.
  describeEventStoreContract(
    'kurrentdb',
    () => KurrentDbEventStore.open({ connectionString, streamPrefix: `contract-${randomBytes(6).toString('hex')}-` }),
    { eventIdsUniqueAcrossStreams: false },
  );
} else {
  const reason = 'KURRENTDB_CONNECTION_STRING is not set';
  process.stderr.write(`KurrentDB contract tests skipped: ${reason}\n`);
  describe.skip(`EventStore contract: kurrentdb (skipped: ${reason})`, () => {
    it('needs a KurrentDB server', () => undefined);
  });
}
