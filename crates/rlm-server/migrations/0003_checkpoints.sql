-- rlm-server's PostgreSQL store, version 3 (2 is the execution leases of branch wt/cluster): durable executions. One row per
-- execution holds its newest checkpoint (rlm-core's `Checkpoint` bytes,
-- taken after a completed root step); a write with a step not newer than
-- the stored one changes nothing, so a slow worker cannot roll it back.

CREATE TABLE checkpoints (
    execution_id uuid PRIMARY KEY,
    step integer NOT NULL,
    saved_at bigint NOT NULL,
    body bytea NOT NULL
);
