-- rlm-server's PostgreSQL store, version 13 (issue #80): the columns that
-- hold records, events and bodies compressed with lz4, not pglz.
--
-- A value over about 2 KB is compressed when its row is written and
-- decompressed when it is read. Under the throughput bench's trivial load
-- a session's record (2.7 KB of JSON) and an execution's trace batch
-- (2.7 KB) were written once an execution each, and pglz's compression
-- alone was 7.6% of PostgreSQL's CPU (perf, all backends); lz4 compresses
-- several times faster for about the same size. Values stored before stay
-- pglz until they are written again (a session at its next settlement);
-- PostgreSQL reads both.
--
-- A PostgreSQL built without lz4 refuses the method: the columns then keep
-- pglz, and the store works as at version 12 (only slower), so the
-- migration is recorded either way.
DO $$
BEGIN
    ALTER TABLE sessions ALTER COLUMN record SET COMPRESSION lz4;
    ALTER TABLE session_history ALTER COLUMN body SET COMPRESSION lz4;
    ALTER TABLE executions ALTER COLUMN record SET COMPRESSION lz4;
    ALTER TABLE trace ALTER COLUMN event SET COMPRESSION lz4;
    ALTER TABLE trace_batches ALTER COLUMN events SET COMPRESSION lz4;
    ALTER TABLE jobs ALTER COLUMN record SET COMPRESSION lz4;
    ALTER TABLE checkpoints ALTER COLUMN body SET COMPRESSION lz4;
    ALTER TABLE outbox ALTER COLUMN payload SET COMPRESSION lz4;
    ALTER TABLE idempotency_keys ALTER COLUMN response_body SET COMPRESSION lz4;
    ALTER TABLE recording_parts ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4: records stay compressed with pglz';
END
$$;
