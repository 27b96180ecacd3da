//! The whole pipeline on arbitrary bytes as one `.kdl` file (with the embedded standard library):
//! parse, analyse, run the policies, and emit every family when there is no error. Nothing may
//! panic, and every error must point inside its file.

#![no_main]

use idpc_diagnostics::Severity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, invalid_utf8_at) = match std::str::from_utf8(data) {
        Ok(text) => (text.to_owned(), None),
        Err(error) => (String::from_utf8_lossy(data).into_owned(), Some(error.valid_up_to())),
    };
    let file = idpc_driver::SourceText { path: "platform.kdl".to_owned(), text, invalid_utf8_at };
    let Ok(today) = idpc_ir::Date::parse("2026-11-22") else { return };
    let options = idpc_driver::Options { today, policies: true };
    let compilation = idpc_driver::compile_with(&[file], options);
    for diagnostic in &compilation.diagnostics {
        let Some(primary) = &diagnostic.primary else { continue };
        if diagnostic.severity != Severity::Error {
            continue;
        }
        let source = compilation.sources.get(primary.span.file);
        let text = source.map(|s| &*s.text).unwrap_or_default();
        let (start, end) = (primary.span.start as usize, primary.span.end as usize);
        assert!(start <= end && end <= text.len(), "{:?} points outside its file", diagnostic.code);
    }
    if let Some(platform) = &compilation.platform
        && !idpc_diagnostics::has_errors(&compilation.diagnostics)
        && let Err(idpc_driver::EmitError::Internal(error)) =
            idpc_driver::emit(platform, idpc_driver::Family::ALL)
    {
        panic!("internal error: {error}");
    }
});
