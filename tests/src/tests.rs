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

mod cli;
mod determinism;
mod docs;
mod golden;
mod model;
mod schemas;
mod support;
mod terraform;
mod tidy;
mod ui;
