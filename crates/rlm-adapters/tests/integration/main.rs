//! Integration tests of every adapter against HTTP servers started by the
//! tests on 127.0.0.1 (wiremock, plus a raw TCP server for byte-level faults).
//! One binary with modules, to link once.

mod common;

mod anthropic;
mod azure;
mod factory;
mod fake;
mod fault;
mod gemini;
mod generic;
mod openai;
mod recording;
mod retry_time;
mod secrets;
mod transport_faults;
