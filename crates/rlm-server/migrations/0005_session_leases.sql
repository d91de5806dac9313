-- rlm-server's PostgreSQL store, version 5 (issue #36): one execution of a
-- session at a time across every process sharing the schema. The process
-- running an execution of a session holds the session's lease, renews it
-- while the execution runs and deletes it once the execution is settled; a
-- lease whose process died (kill -9) runs out at `expires_at` and any other
-- process may take it then, so a session is never wedged.
CREATE TABLE session_leases (
    session_id uuid PRIMARY KEY,
    holder text NOT NULL,
    expires_at bigint NOT NULL
);
