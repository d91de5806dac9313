-- rlm-server's PostgreSQL store, version 1. Records are the serde JSON the
-- sled store keeps (as text: exact, key order kept); the columns beside
-- them are what the indexes and the aggregates need. Runs inside one
-- transaction, in the store's schema (search_path).

CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    owner text NOT NULL,
    created_at bigint NOT NULL,
    record text NOT NULL
);
CREATE INDEX sessions_by_owner ON sessions (owner, created_at, id);

-- A session's whole history, one row per turn, numbered from 0.
CREATE TABLE session_history (
    session_id uuid NOT NULL,
    turn bigint NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (session_id, turn)
);

CREATE TABLE executions (
    id uuid PRIMARY KEY,
    owner text NOT NULL,
    session_id uuid,
    created_at bigint NOT NULL,
    terminal boolean NOT NULL,
    record text NOT NULL
);
CREATE INDEX executions_by_owner ON executions (owner, created_at, id);
CREATE INDEX executions_by_session ON executions (session_id, created_at, id)
    WHERE session_id IS NOT NULL;
CREATE INDEX executions_by_time ON executions (created_at, id);
CREATE INDEX executions_running ON executions (id) WHERE NOT terminal;

CREATE TABLE trace (
    execution_id uuid NOT NULL,
    position bigint NOT NULL,
    event text NOT NULL,
    PRIMARY KEY (execution_id, position)
);

CREATE TABLE jobs (
    id uuid PRIMARY KEY,
    owner text NOT NULL,
    created_at bigint NOT NULL,
    status text NOT NULL,
    record text NOT NULL
);
CREATE INDEX jobs_by_owner ON jobs (owner, created_at, id);
CREATE INDEX jobs_pending ON jobs (created_at, id) WHERE status = 'PENDING';
CREATE INDEX jobs_running ON jobs (id) WHERE status = 'RUNNING';

-- Per-owner counts kept by the writes: kind 'sessions', 'jobs', 'context_bytes'.
CREATE TABLE counts (
    owner text NOT NULL,
    kind text NOT NULL,
    value bigint NOT NULL,
    PRIMARY KEY (owner, kind)
);

-- `/api/stats` aggregates: an owner's (session_id is the nil UUID) and each
-- of its sessions'. `agg` is the serde JSON of `aggregate::Aggregate`.
CREATE TABLE aggregates (
    owner text NOT NULL,
    session_id uuid NOT NULL,
    agg text NOT NULL,
    PRIMARY KEY (owner, session_id)
);

-- Time buckets per scope ('o:' owner or 's:' session id), width index
-- (aggregate::BUCKET_SECS) and bucket number.
CREATE TABLE buckets (
    scope text NOT NULL,
    width integer NOT NULL,
    bucket bigint NOT NULL,
    executions bigint NOT NULL,
    completed bigint NOT NULL,
    failed bigint NOT NULL,
    tokens bigint NOT NULL,
    cost_nano bigint NOT NULL,
    PRIMARY KEY (scope, width, bucket)
);
