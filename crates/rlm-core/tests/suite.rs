//! rlm-core's integration tests, one binary: `cargo test -p rlm-core --test suite`;
//! a file's tests alone: `cargo test -p rlm-core --test suite loop_e2e::`.

mod support;

mod architecture;
mod batch_cap;
mod context_binding;
mod criteria;
mod durable;
mod evidence_and_closing;
mod function_length;
mod interrupt;
mod loop_e2e;
mod module_graph;
mod no_evidence;
mod one_merge;
mod otel_propagation;
mod output_schema;
mod prompts;
mod replay_clock;
mod retrieval;
mod session;
mod small_models;
mod structured_subcalls;
mod subcall_faults;
mod tasks_e2e;
mod trace_truth;
mod with_models;
