-- rlm-server's PostgreSQL store, version 2: leases on running executions,
-- so that several processes share one schema. The process running an
-- execution renews its lease while it runs; only an execution whose lease
-- ran out (its process died) is marked interrupted, by any process.
CREATE TABLE execution_leases (
    execution_id uuid PRIMARY KEY,
    holder text NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX execution_leases_by_expiry ON execution_leases (expires_at);
