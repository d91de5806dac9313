-- rlm-server's PostgreSQL store, version 12 (issue #80): an execution's
-- trace events stored one row per written batch, not one per event.
--
-- A trivial execution wrote ~14.4 `trace` rows (one per event, each with
-- its index entry): the most rows an execution still wrote. Its events
-- arrive in a few batches (the persister's, the settlement's), and a
-- batch is now one row: its first and last positions (the span no other
-- row of the execution overlaps, so a read, a cut or a merge finds the
-- rows concerned by the primary key) and its events as a JSON array of
-- `[position, event]` pairs, assembled from the events' JSON as encoded
-- (`pg_store/trace_chunks.rs`). A new table rather than a column on
-- `trace`: its key is the batch's first position, and a store of version
-- 11 keeps its `trace` rows, read beside the batches (no rewrite here:
-- a migration that copies every trace runs as long as the traces are big).
CREATE TABLE trace_batches (
    execution_id uuid NOT NULL,
    first_position bigint NOT NULL,
    last_position bigint NOT NULL,
    events text NOT NULL,
    PRIMARY KEY (execution_id, first_position)
);
-- A batch's text is compressed in its row, not moved to the TOAST table
-- (`MAIN`; out of line only when it fits no page compressed): the
-- throughput bench's demo executions (batches of a few KB of JSON)
-- otherwise wrote ~2 TOAST chunk rows each, with their index entries,
-- besides the batch's own row.
ALTER TABLE trace_batches ALTER COLUMN events SET STORAGE MAIN;
