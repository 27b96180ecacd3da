//! A lexical pre-scan for the nesting depth of children blocks.
//!
//! The KDL parser is recursive: a file of a hundred thousand `{` would exhaust the stack. This
//! scan skips strings and comments, counts braces, and reports where the limit is first passed.

/// The byte offset of the first `{` that opens a block deeper than `limit`, if any.
pub(crate) fn first_too_deep(text: &str, limit: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
                i += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'"' => i = skip_quoted(bytes, i, 0),
            b'#' => {
                let hashes = bytes[i..].iter().take_while(|&&b| b == b'#').count();
                i = if bytes.get(i + hashes) == Some(&b'"') {
                    skip_quoted(bytes, i + hashes, hashes)
                } else {
                    i + hashes
                };
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = bytes[i..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| i + p + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i),
            _ => i += 1,
        }
    }
    None
}

/// Skips a string starting at the `"` at `start`, raw if `hashes > 0`. Returns the offset after it.
fn skip_quoted(bytes: &[u8], start: usize, hashes: usize) -> usize {
    let multi_line = bytes[start..].starts_with(b"\"\"\"");
    let quotes = if multi_line { 3 } else { 1 };
    let mut i = start + quotes;
    while i < bytes.len() {
        if hashes == 0 && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i..].starts_with(&b"\"\"\""[..quotes]) {
            let after = i + quotes;
            let closing = bytes[after..].iter().take_while(|&&b| b == b'#').count();
            if closing >= hashes {
                return after + hashes;
            }
        }
        i += 1;
    }
    bytes.len()
}

fn skip_block_comment(bytes: &[u8], start: usize) -> usize {
    let mut level = 0usize;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"/*") {
            level += 1;
            i += 2;
        } else if bytes[i..].starts_with(b"*/") {
            level -= 1;
            i += 2;
            if level == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::first_too_deep;

    #[test]
    fn counts_braces_outside_strings_and_comments() {
        assert_eq!(first_too_deep("a { b { c { } } }", 3), None);
        assert_eq!(first_too_deep("a { b { c { } } }", 2), Some(10));
        assert_eq!(first_too_deep("a \"{{{{\" { }", 1), None);
        assert_eq!(first_too_deep("a #\"{{\"{{\"# { }", 1), None);
        assert_eq!(first_too_deep("a \"\"\"\n{{\"{{\n\"\"\" { }", 1), None);
        assert_eq!(first_too_deep("// {{{{\na { } /* {{ /* {{ */ {{ */", 1), None);
        assert_eq!(first_too_deep(&"a {".repeat(100_000), 64), Some(64 * 3 + 2));
    }
}
