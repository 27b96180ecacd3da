//! Any text the `kdl` crate accepts, idpc's parser accepts too, lowering it to the same tree.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(difference) = idpc_syntax::from_kdl::agrees(text) {
        panic!("{text:?}\n{difference}");
    }
});
