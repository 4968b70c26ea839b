/**
 * The server-side half of an append: one call takes a whole group-commit batch, so an append costs one round trip
 * and one commit, as a plain multi-row INSERT does.
 *
 * A batch is a list of requests (one stream's events each). Requests sharing a group number form one atomic
 * append (appendMany): their expected revisions and retry checks all run before any of them is inserted, and if
 * one fails none is written. Groups are independent of each other and run in order, so a later group sees what an
 * earlier one inserted.
 *
 * A transaction-scoped advisory lock is taken first and held to the commit: positions, taken after the last
 * visible one, become visible strictly in order, whichever process writes.
 *
 * Retry detection looks up every event id only when `careful`; the fast pass looks up the first id of each request
 * and leaves the rest to the unique index. Either way a unique violation aborts the call, and the caller runs the
 * batch again carefully.
 *
 * Expected revision is encoded as: -1 any, -2 no_stream, -3 stream_exists, n >= 0 exact.
 * Outcomes per request: 'ok', 'retry' (same ids, same stream, consecutive: the first outcome), 'duplicate'
 * (ids reused otherwise), 'conflict' (with the actual revision, NULL when the stream does not exist), 'aborted'
 * (another request of its group failed).
 */
export function appendFunctionSql(schema: string, channel: string): string {
  const q = `"${schema}"`;
  return `
CREATE OR REPLACE FUNCTION ${q}.append_batch(
  req_group int[], req_stream text[], req_expected bigint[], req_count int[],
  ev_id uuid[], ev_type text[], ev_data jsonb[], ev_meta jsonb[], careful boolean
) RETURNS TABLE (outcome text, first_position bigint, last_position bigint, last_revision bigint, actual bigint)
LANGUAGE plpgsql
-- Every lookup here has an index. A plan cached while the table was still small would be a sequential scan and
-- stay in the session, making each append scan the whole log; so the planner is told not to pick one.
SET enable_seqscan = off
AS $fn$
DECLARE
  nreq int := coalesce(array_length(req_stream, 1), 0);
  top bigint;
  start_top bigint;
  -- Filled to full length up front: assigning element i of an empty array would start it at index i.
  offs int[] := array_fill(0, ARRAY[nreq]);
  o_outcome text[] := array_fill(NULL::text, ARRAY[nreq]);
  o_first bigint[] := array_fill(NULL::bigint, ARRAY[nreq]);
  o_last bigint[] := array_fill(NULL::bigint, ARRAY[nreq]);
  o_rev bigint[] := array_fill(NULL::bigint, ARRAY[nreq]);
  o_actual bigint[] := array_fill(NULL::bigint, ARRAY[nreq]);
  curs bigint[] := array_fill(NULL::bigint, ARRAY[nreq]);
  off int := 0;
  g_start int := 1;
  g_end int;
  g_failed boolean;
  g_retries int;
  n int;
  cur bigint;
  expected bigint;
  ids uuid[];
  found_count int;
  found_first_pos bigint;
  found_last_pos bigint;
  found_last_rev bigint;
  consistent boolean;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('event-store-append-${schema}'));
  -- A new statement, so a new snapshot: it sees everything the previous holder of the lock committed.
  SELECT coalesce(max(e.position), 0) INTO top FROM ${q}.events e;
  start_top := top;
  FOR i IN 1 .. nreq LOOP
    offs[i] := off;
    off := off + req_count[i];
  END LOOP;
  WHILE g_start <= nreq LOOP
    g_end := g_start;
    WHILE g_end < nreq AND req_group[g_end + 1] = req_group[g_start] LOOP
      g_end := g_end + 1;
    END LOOP;
    g_failed := false;
    g_retries := 0;
    -- Pass 1: classify every request of the group without writing.
    FOR i IN g_start .. g_end LOOP
      n := req_count[i];
      ids := ev_id[offs[i] + 1 : offs[i] + n];
      o_outcome[i] := 'ok';
      SELECT count(*), min(e.position), max(e.position), max(e.stream_revision),
             bool_and(e.stream_id = req_stream[i]) AND count(DISTINCT e.stream_revision - array_position(ids, e.event_id)) = 1
        INTO found_count, found_first_pos, found_last_pos, found_last_rev, consistent
        FROM ${q}.events e WHERE e.event_id = ANY (CASE WHEN careful THEN ids ELSE ids[1:1] END);
      IF found_count > 0 THEN
        IF NOT careful THEN
          -- Only the first id was looked up: let the careful pass tell a retry from a reuse.
          RAISE unique_violation USING MESSAGE = 'event id already in the log';
        ELSIF found_count = n AND consistent THEN
          o_outcome[i] := 'retry';
          o_first[i] := found_first_pos;
          o_last[i] := found_last_pos;
          o_rev[i] := found_last_rev;
          g_retries := g_retries + 1;
        ELSE
          o_outcome[i] := 'duplicate';
          g_failed := true;
        END IF;
      ELSE
        SELECT max(e.stream_revision) INTO cur FROM ${q}.events e WHERE e.stream_id = req_stream[i];
        curs[i] := cur;
        expected := req_expected[i];
        IF (expected = -2 AND cur IS NOT NULL) OR (expected = -3 AND cur IS NULL)
           OR (expected >= 0 AND cur IS DISTINCT FROM expected) THEN
          o_outcome[i] := 'conflict';
          o_actual[i] := cur;
          g_failed := true;
        END IF;
      END IF;
    END LOOP;
    -- Part retried, part new: the ids overlap another append.
    IF NOT g_failed AND g_retries > 0 AND g_retries <= g_end - g_start THEN
      FOR i IN g_start .. g_end LOOP
        IF o_outcome[i] = 'retry' THEN o_outcome[i] := 'duplicate'; END IF;
      END LOOP;
      g_failed := true;
    END IF;
    IF g_failed THEN
      FOR i IN g_start .. g_end LOOP
        IF o_outcome[i] IN ('ok', 'retry') THEN o_outcome[i] := 'aborted'; END IF;
      END LOOP;
    ELSIF g_retries = 0 THEN
      -- Pass 2: all checks passed, write every request of the group.
      FOR i IN g_start .. g_end LOOP
        n := req_count[i];
        cur := curs[i];
        INSERT INTO ${q}.events (position, event_id, stream_id, stream_revision, type, data, metadata, recorded_at)
          SELECT top + u.k, u.id, req_stream[i], coalesce(cur, -1) + u.k, u.type, u.data, u.meta, now()
          FROM unnest(ev_id[offs[i] + 1 : offs[i] + n], ev_type[offs[i] + 1 : offs[i] + n],
                      ev_data[offs[i] + 1 : offs[i] + n], ev_meta[offs[i] + 1 : offs[i] + n])
            WITH ORDINALITY AS u(id, type, data, meta, k);
        o_first[i] := top + 1;
        o_last[i] := top + n;
        o_rev[i] := coalesce(cur, -1) + n;
        top := top + n;
      END LOOP;
    END IF;
    g_start := g_end + 1;
  END LOOP;
  IF top > start_top THEN
    PERFORM pg_notify('${channel}', top::text);
  END IF;
  RETURN QUERY SELECT * FROM unnest(o_outcome, o_first, o_last, o_rev, o_actual);
END
$fn$`;
}
