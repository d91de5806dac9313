-- rlm-server's PostgreSQL store, version 8 (issue #74): a recording is
-- streamed to the store a line at a time while its execution runs, never
-- held whole: one row per appended part, in order; each part's bytes are
-- counted to the execution's owner (`counts`, kind 'recording_bytes', for
-- the per-key quota) in the append's transaction. A recording stored whole
-- by an older server becomes its part 0.

CREATE TABLE recording_parts (
    execution_id uuid NOT NULL,
    seq bigint NOT NULL,
    owner text NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (execution_id, seq)
);

INSERT INTO recording_parts (execution_id, seq, owner, body)
SELECT r.execution_id, 0, COALESCE(e.owner, ''), r.body
FROM recordings r LEFT JOIN executions e ON e.id = r.execution_id;

INSERT INTO counts (owner, kind, value)
SELECT owner, 'recording_bytes', sum(octet_length(body))
FROM recording_parts GROUP BY owner
ON CONFLICT (owner, kind) DO UPDATE SET value = counts.value + excluded.value;

DROP TABLE recordings;
