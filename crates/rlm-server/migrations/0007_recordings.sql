-- rlm-server's PostgreSQL store, version 7 (issue #57): per-execution
-- recordings. An execution run with `"record": true` keeps its model
-- exchanges (JSON lines, what `rlm run --replay` reads) in one row, replaced
-- whole when a resumed attempt appends to it; deleting the execution
-- deletes it.

CREATE TABLE recordings (
    execution_id uuid PRIMARY KEY,
    body text NOT NULL
);
