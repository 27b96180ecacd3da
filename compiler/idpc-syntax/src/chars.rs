//! KDL 2.0's character classes: whitespace, newlines, identifier characters, disallowed code
//! points.

/// `unicode-space`: whitespace that is not a newline.
pub(crate) fn is_unicode_space(c: char) -> bool {
    matches!(
        c,
        '\t' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// A character that starts a `newline` (CRLF starts with CR).
pub(crate) fn is_newline(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{0B}' | '\u{0C}' | '\u{2028}' | '\u{2029}')
}

/// `disallowed-literal-code-points`: may not appear anywhere, comments included (a BOM only at
/// the very start).
pub(crate) fn is_disallowed(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{08}'
            | '\u{0E}'..='\u{1F}'
            | '\u{7F}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// `identifier-char`.
pub(crate) fn is_identifier_char(c: char) -> bool {
    if c.is_ascii() {
        return IDENT_ASCII[c as usize];
    }
    !(is_unicode_space(c) || is_newline(c) || is_disallowed(c))
}

/// `identifier-char` for ASCII, as a table for the lexer's hot loop.
pub(crate) static IDENT_ASCII: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0x21;
    while b < 0x7F {
        table[b] = !matches!(
            b as u8,
            b'\\' | b'/' | b'(' | b')' | b'{' | b'}' | b'[' | b']' | b';' | b'"' | b'#' | b'='
        );
        b += 1;
    }
    table
};

/// The length of the newline starting at `i`, if one does.
pub(crate) fn newline_len(text: &str, i: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    match *bytes.get(i)? {
        b'\r' => Some(if bytes.get(i + 1) == Some(&b'\n') { 2 } else { 1 }),
        b'\n' | 0x0B | 0x0C => Some(1),
        b if b < 0x80 => None,
        _ => text[i..].chars().next().filter(|&c| is_newline(c)).map(char::len_utf8),
    }
}
