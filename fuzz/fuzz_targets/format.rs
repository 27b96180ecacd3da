//! The formatter on arbitrary text: it must not panic; what it formats must parse without errors
//! and format to itself.

#![no_main]

use idpc_diagnostics::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(formatted) = idpc_driver::format::format_file(FileId(0), text) else { return };
    match idpc_driver::format::format_file(FileId(0), &formatted) {
        Ok(again) => assert_eq!(again, formatted, "formatting is not idempotent"),
        Err(errors) => panic!("the formatted text does not parse: {errors:?}"),
    }
});
