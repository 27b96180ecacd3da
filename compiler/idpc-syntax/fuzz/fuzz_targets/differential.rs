//! Whatever both idpc's parser and the `kdl` crate accept, they read as the same tree.
//!
//! Which inputs are valid is the official test suite's to judge (`tests/spec.rs` runs all 320
//! cases), not the crate's: it accepts some inputs that KDL 2.0 forbids (a `#"""` string on one
//! line, U+0000 in a comment, integers beyond 64 bits) and refuses some it allows (decimals with
//! more digits than an `f64` holds). So only the trees of inputs both accept are compared.

#![no_main]

use idpc_diagnostics::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if idpc_syntax::parse(FileId(0), text).has_errors() {
        return;
    }
    if let Err(difference) = idpc_syntax::from_kdl::agrees(text) {
        panic!("{text:?}\n{difference}");
    }
});
