//! Any text parses without panicking, into a tree whose tokens tile the text exactly, and lowers.

#![no_main]

use idpc_diagnostics::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (tree, diagnostics) = idpc_syntax::parse_tree(FileId(0), text);
    assert_eq!(tree.text(), text);
    let mut at = 0;
    for token in tree.tokens() {
        assert_eq!(token.range().start, at);
        at = token.range().end;
    }
    assert_eq!(at, text.len());
    assert!(diagnostics.len() <= 101);
    let parse = idpc_syntax::parse(FileId(0), text);
    assert!(parse.source_file.is_some());
    assert_eq!(parse.diagnostics.len(), diagnostics.len());
});
