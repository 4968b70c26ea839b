/**
 * The server-side half of an append: one call takes a whole group-commit batch, so an append costs one round trip
 * and one commit, as a plain multi-row INSERT does. Per append (request) it detects a retry (its event ids are
 * already in the log), checks the expected revision, and inserts its events at the positions after the last one.
 * A transaction-scoped advisory lock is taken first and held to the commit: positions become visible in order.
 *
 * Retry detection looks up every event id only when `careful`; the fast pass looks up the first id of each append
 * and leaves the rest to the unique index. Either way a unique violation aborts the call, and the caller runs the
 * batch again carefully.
 *
 * Expected revision is encoded as: -1 any, -2 no_stream, -3 stream_exists, n >= 0 exact.
 * Outcomes per request: 'ok', 'retry' (same ids, same stream, consecutive: the first outcome), 'duplicate'
 * (ids reused otherwise), 'conflict' (with the actual revision, NULL when the stream does not exist).
 */
export function appendFunctionSql(schema: string, channel: string): string {
  const q = `"${schema}"`;
  return `
CREATE OR REPLACE FUNCTION ${q}.append_batch(
  req_stream text[], req_expected bigint[], req_count int[],
  ev_id uuid[], ev_type text[], ev_data jsonb[], ev_meta jsonb[], careful boolean
) RETURNS TABLE (outcome text, first_position bigint, last_position bigint, last_revision bigint, actual bigint)
LANGUAGE plpgsql
-- Every lookup here has an index. A plan cached while the table was still small would be a sequential scan and
-- stay in the session, making each append scan the whole log; so the planner is told not to pick one.
SET enable_seqscan = off
AS $fn$
DECLARE
  top bigint;
  start_top bigint;
  off int := 0;
  n int;
  cur bigint;
  expected bigint;
  found_count int;
  found_first_pos bigint;
  found_last_pos bigint;
  found_last_rev bigint;
  consistent boolean;
  ids uuid[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('event-store-append-${schema}'));
  -- A new statement, so a new snapshot: it sees everything the previous holder of the lock committed.
  SELECT coalesce(max(e.position), 0) INTO top FROM ${q}.events e;
  start_top := top;
  FOR i IN 1 .. coalesce(array_length(req_stream, 1), 0) LOOP
    n := req_count[i];
    ids := ev_id[off + 1 : off + n];
    SELECT count(*), min(e.position), max(e.position), max(e.stream_revision),
           bool_and(e.stream_id = req_stream[i]) AND count(DISTINCT e.stream_revision - array_position(ids, e.event_id)) = 1
      INTO found_count, found_first_pos, found_last_pos, found_last_rev, consistent
      FROM ${q}.events e WHERE e.event_id = ANY (CASE WHEN careful THEN ids ELSE ids[1:1] END);
    IF found_count > 0 THEN
      IF NOT careful THEN
        -- Only the first id was looked up: let the careful pass tell a retry from a reuse.
        RAISE unique_violation USING MESSAGE = 'event id already in the log';
      ELSIF found_count = n AND consistent THEN
        RETURN QUERY SELECT 'retry'::text, found_first_pos, found_last_pos, found_last_rev, NULL::bigint;
      ELSE
        RETURN QUERY SELECT 'duplicate'::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint;
      END IF;
    ELSE
      SELECT max(e.stream_revision) INTO cur FROM ${q}.events e WHERE e.stream_id = req_stream[i];
      expected := req_expected[i];
      IF (expected = -2 AND cur IS NOT NULL) OR (expected = -3 AND cur IS NULL)
         OR (expected >= 0 AND cur IS DISTINCT FROM expected) THEN
        RETURN QUERY SELECT 'conflict'::text, NULL::bigint, NULL::bigint, NULL::bigint, cur;
      ELSE
        INSERT INTO ${q}.events (position, event_id, stream_id, stream_revision, type, data, metadata, recorded_at)
          SELECT top + u.k, u.id, req_stream[i], coalesce(cur, -1) + u.k, u.type, u.data, u.meta, now()
          FROM unnest(ids, ev_type[off + 1 : off + n], ev_data[off + 1 : off + n], ev_meta[off + 1 : off + n])
            WITH ORDINALITY AS u(id, type, data, meta, k);
        RETURN QUERY SELECT 'ok'::text, top + 1, top + n, coalesce(cur, -1) + n, NULL::bigint;
        top := top + n;
      END IF;
    END IF;
    off := off + n;
  END LOOP;
  IF top > start_top THEN
    PERFORM pg_notify('${channel}', top::text);
  END IF;
END
$fn$`;
}
