-- rlm-server's PostgreSQL store, version 4: the content-addressed blob
-- store (issue #36). One row per blob some record names: how many sessions
-- and executions reference it, moved in the transaction of the record's
-- write; a blob whose count is gone is unreferenced (the blob sweep may
-- delete it once older than its grace period).

CREATE TABLE blob_refs (
    name text PRIMARY KEY,
    refs bigint NOT NULL CHECK (refs > 0)
);
