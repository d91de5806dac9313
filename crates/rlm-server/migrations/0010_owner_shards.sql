-- rlm-server's PostgreSQL store, version 10 (issue #80): an owner's
-- aggregate and time buckets are kept in shards.
--
-- Every execution's writes changed the same owner rows (its aggregate and
-- its 9 buckets, one per width), each locked until its transaction's commit
-- had been flushed: an owner's executions wrote one after another, one WAL
-- flush each. An execution is now counted in one of 64 shards, picked in
-- turn at its first write (`aggregates::new_shard`) and kept with it
-- (`executions.agg_shard`), so its later writes and its delete take out of
-- the shard they put into; readers sum an owner's shards. A session's rows
-- stay in shard 0 (its executions run one at a time). A store of version 9
-- has every row in shard 0 and every execution counted there (`agg_shard`
-- 0): it is read and counted on as it is.
ALTER TABLE executions ADD COLUMN agg_shard integer NOT NULL DEFAULT 0;

ALTER TABLE aggregates ADD COLUMN shard integer NOT NULL DEFAULT 0;
ALTER TABLE aggregates DROP CONSTRAINT aggregates_pkey;
ALTER TABLE aggregates ADD PRIMARY KEY (owner, session_id, shard);

ALTER TABLE buckets ADD COLUMN shard integer NOT NULL DEFAULT 0;
ALTER TABLE buckets DROP CONSTRAINT buckets_pkey;
ALTER TABLE buckets ADD PRIMARY KEY (scope, width, bucket, shard);
