//! rlm-cli's integration tests, one binary: `cargo test -p rlm-cli --test suite`;
//! a file's tests alone: `cargo test -p rlm-cli --test suite cpython_lib::`.
//! Each file in `tests/` is a module here (rlm-core's architecture test checks it);
//! the helpers in `tests/support/` are modules too, each used by some of them.

#[path = "support/clean_rlm.rs"]
mod clean_rlm;
#[path = "support/cluster_env.rs"]
mod cluster_env;
#[path = "../../rlm-trace/tests/common/mod.rs"]
mod common;
#[path = "support/console_blocks.rs"]
mod console_blocks;
#[path = "support/fault_deployment.rs"]
mod fault_deployment;
#[path = "support/fault_workload.rs"]
mod fault_workload;
#[path = "support/mcp_http.rs"]
mod mcp_http;
#[path = "support/mcp_stdio.rs"]
mod mcp_stdio;
#[path = "support/proc_memory.rs"]
mod proc_memory;
#[path = "support/schema_probe.rs"]
mod schema_probe;
#[path = "support/serve_child.rs"]
mod serve_child;

mod analytics;
mod cli;
mod cluster;
mod cluster_browser;
mod cluster_faults;
mod cluster_pg_faults;
mod cluster_session_turns;
mod cluster_word;
mod commands;
mod cpython_lib;
mod cross_tenant;
mod exec_nesting;
mod exec_subcalls;
mod guide;
mod index;
mod inputs;
mod knobs_reach_front_ends;
mod maximal_bodies;
mod mcp;
mod mcp_tools;
mod one_name_per_concept;
mod openai_endpoint;
mod optimize;
mod otlp_receiver;
mod outbox;
mod phoenix;
mod prompt_dev;
mod rollback;
mod run;
mod sandbox_isolation;
mod security_surfaces;
mod serve_connection_shares;
mod serve_crash;
mod serve_hostile;
mod serve_isolated;
mod serve_kill;
mod serve_log_trace;
mod serve_memory_bounds;
mod serve_memory_governor;
mod serve_recording;
mod structured_answers;
