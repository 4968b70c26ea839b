// Starts one throwaway PostgreSQL for the whole test run unless PG_TEST_URL points at one already.
// Suites that need it read PG_TEST_URL; without it they report themselves skipped with PG_TEST_UNAVAILABLE as the
// reason — except under REQUIRE_POSTGRES=1 (CI), where a missing server fails the run.
import { startThrowawayPostgres } from './throwaway-postgres.js';

export default async function globalSetup() {
  if (process.env.PG_TEST_URL) return;
  try {
    const server = await startThrowawayPostgres({ durable: false });
    process.env.PG_TEST_URL = server.url;
    globalThis.__CONTRAIL_PG__ = server;
  } catch (error) {
    if (process.env.REQUIRE_POSTGRES === '1') throw error;
    process.env.PG_TEST_UNAVAILABLE = error instanceof Error ? error.message : String(error);
    process.stderr.write(`PostgreSQL tests will be skipped: ${process.env.PG_TEST_UNAVAILABLE}\n`);
  }
}
