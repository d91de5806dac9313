-- rlm-server's PostgreSQL store, version 9 (issue #75): the cluster keeps
-- its word on every request.
--
-- A process's own lease: every process renews its row while it lives. An
-- idempotency key's claim names the process that took it (`holder`) and
-- the request (`claim`): a claim whose process lease has lapsed is taken
-- over at once, and only the request holding the claim may answer the key,
-- in the transaction that writes what the request creates.
--
-- An execution's `attempt`: the newest queue delivery that runs it (its
-- record's last attempt mark). Every write of an older attempt (its
-- record, trace events, checkpoints, settlement) is refused, so a delivery
-- frozen past its lease and thawed beside its successor changes nothing.
CREATE TABLE process_leases (
    holder text PRIMARY KEY,
    expires_at bigint NOT NULL
);

ALTER TABLE idempotency_keys ADD COLUMN holder text, ADD COLUMN claim text;

ALTER TABLE executions ADD COLUMN attempt integer NOT NULL DEFAULT 1;
