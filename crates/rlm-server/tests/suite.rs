//! rlm-server's integration tests, one binary: `cargo test -p rlm-server --test suite`;
//! a file's tests alone: `cargo test -p rlm-server --test suite openai_errors::`.

mod common;

mod disconnect;
mod durable_resume;
mod engine_api;
mod fair_shares;
mod idempotency;
mod integrity;
mod job_deliveries;
mod job_sweeps;
mod jobs;
mod logs;
mod memory_merge;
mod openai_api;
mod openai_errors;
mod openai_responses;
mod persistence;
mod pg_faults;
mod pg_lz4_records;
mod pg_outage;
mod pg_session_reads;
mod pg_session_start;
mod pg_settle_batch;
mod pg_trace_batches;
mod redis_prefix;
mod redis_ready;
mod request_checks;
mod rollback;
mod scale_api;
mod security;
mod session_state;
mod store_contract;
mod store_contract_queue;
mod streaming;
mod web_browser;
mod web_page;
