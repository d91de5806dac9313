-- rlm-server's PostgreSQL store, version 6 (issue #55): the job queue's
-- protocol. A job's row and its outbox row commit in one transaction; a
-- relay (one api at a time, under an advisory lock) publishes each outbox
-- row to JetStream and deletes it once JetStream acked it, so no
-- acknowledged job is left unpublished by a process that died between the
-- two. An idempotency key holds a creating request's first response (its
-- retries replay it); `response_status` is NULL while the request runs.
-- `protocol_settings` holds each process's queue settings and, under
-- `deployment`, the settings every process must agree on.
CREATE TABLE outbox (
    id uuid PRIMARY KEY,
    message_id text NOT NULL,
    payload text NOT NULL,
    created_at bigint NOT NULL
);
CREATE INDEX outbox_by_age ON outbox (created_at, id);

CREATE TABLE idempotency_keys (
    owner text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    created_at bigint NOT NULL,
    response_status integer,
    response_body text,
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

CREATE TABLE protocol_settings (
    process text PRIMARY KEY,
    role text NOT NULL,
    settings text NOT NULL,
    updated_at bigint NOT NULL
);
