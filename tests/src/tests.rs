//! The idpc test suite, one binary: goldens, UI diagnostics, the command line, upstream schemas,
//! determinism, and tidy checks of the repository itself.

#![expect(clippy::disallowed_methods, reason = "tests read and write fixtures")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "a test suite: failing loudly and printing skip lines is its job"
)]

mod admission;
mod argo_rollouts;
mod ci;
mod cli;
mod consistency;
mod determinism;
mod docs;
mod drift;
mod ephemeral;
mod external_secrets;
mod fmt;
mod gitops;
mod golden;
mod grafana;
mod hostile;
mod hostile_inputs;
mod identity;
mod import;
mod incremental;
mod kept;
mod kubernetes;
mod model;
mod opa;
mod output;
mod policies;
mod prometheus;
mod prometheus_rules;
mod proofs;
mod queries;
mod review;
mod routes;
mod scaffold;
mod schemas;
mod secrets;
mod support;
mod terraform;
mod tidy;
mod transcripts;
mod ui;
