//! The lexer: text to tokens, every byte in exactly one token.
//!
//! KDL's tokens are context-free: strings, comments and numbers are recognised without knowing
//! where in a node they stand, so the whole file is lexed before parsing. Nested block comments
//! are counted, not recursed into. Problems inside a token (a bad escape, a disallowed code point,
//! a malformed number, an unterminated string) are reported here; the token still covers its bytes.

use crate::chars::{IDENT_ASCII, is_disallowed, is_identifier_char, is_newline, is_unicode_space};
use crate::cst::SyntaxKind;
use crate::errors::Errors;
use crate::{number, string};

/// The tokens of a file: kinds and start offsets, ending with an [`SyntaxKind::Eof`] at the
/// end of the text. A token ends where the next starts.
pub(crate) struct Tokens {
    pub(crate) kinds: Vec<SyntaxKind>,
    pub(crate) starts: Vec<u32>,
}

/// Lexes `text`, which is shorter than 4 GiB.
pub(crate) fn lex<'t>(text: &'t str, errors: &mut Errors<'t>) -> Tokens {
    let capacity = text.len() / 3 + 2;
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        kinds: Vec::with_capacity(capacity),
        starts: Vec::with_capacity(capacity),
        errors,
    };
    lexer.run();
    let Lexer { kinds, starts, .. } = lexer;
    Tokens { kinds, starts }
}

struct Lexer<'t, 'e> {
    text: &'t str,
    bytes: &'t [u8],
    kinds: Vec<SyntaxKind>,
    starts: Vec<u32>,
    errors: &'e mut Errors<'t>,
}

impl Lexer<'_, '_> {
    fn run(&mut self) {
        let mut i = 0;
        if self.text.starts_with('\u{FEFF}') {
            self.push(SyntaxKind::Bom, 0);
            i = 3;
        }
        while i < self.bytes.len() {
            i = self.token(i);
        }
        self.push(SyntaxKind::Eof, self.bytes.len());
    }

    fn push(&mut self, kind: SyntaxKind, start: usize) {
        self.kinds.push(kind);
        self.starts.push(u32::try_from(start).unwrap_or(u32::MAX));
    }

    /// Lexes the token at `i`, returning where it ends.
    fn token(&mut self, i: usize) -> usize {
        let b = self.bytes[i];
        match b {
            b' ' | b'\t' => self.whitespace(i),
            b'\n' | 0x0B | 0x0C => self.single(SyntaxKind::Newline, i, 1),
            b'\r' => {
                let len = if self.bytes.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                self.single(SyntaxKind::Newline, i, len)
            }
            b'/' => match self.bytes.get(i + 1) {
                Some(b'/') => self.line_comment(i),
                Some(b'*') => self.block_comment(i),
                Some(b'-') => self.single(SyntaxKind::Slashdash, i, 2),
                _ => {
                    self.errors.syntax_help(
                        i,
                        i + 1,
                        "unexpected `/`",
                        "not a comment",
                        "comments are `// …` or `/* … */`; `/-` comments out what follows",
                    );
                    self.single(SyntaxKind::ErrorToken, i, 1)
                }
            },
            b'\\' => self.single(SyntaxKind::Escline, i, 1),
            b'(' => self.single(SyntaxKind::LParen, i, 1),
            b')' => self.single(SyntaxKind::RParen, i, 1),
            b'{' => self.single(SyntaxKind::LBrace, i, 1),
            b'}' => self.single(SyntaxKind::RBrace, i, 1),
            b'=' => self.single(SyntaxKind::Eq, i, 1),
            b';' => self.single(SyntaxKind::Semicolon, i, 1),
            b'"' => self.quoted(i),
            b'#' => self.hash(i),
            _ if b < 0x80 && IDENT_ASCII[b as usize] => self.bare(i),
            _ if b < 0x80 => self.error_run(i),
            _ => {
                let c = self.char_at(i);
                if is_unicode_space(c) {
                    self.whitespace(i)
                } else if is_newline(c) {
                    self.single(SyntaxKind::Newline, i, c.len_utf8())
                } else if is_identifier_char(c) {
                    self.bare(i)
                } else {
                    self.error_run(i)
                }
            }
        }
    }

    fn single(&mut self, kind: SyntaxKind, i: usize, len: usize) -> usize {
        self.push(kind, i);
        i + len
    }

    fn char_at(&self, i: usize) -> char {
        self.text.get(i..).and_then(|s| s.chars().next()).unwrap_or('\0')
    }

    fn whitespace(&mut self, start: usize) -> usize {
        self.push(SyntaxKind::Whitespace, start);
        let mut i = start;
        while let Some(&b) = self.bytes.get(i) {
            if b == b' ' || b == b'\t' {
                i += 1;
            } else if b >= 0x80 && is_unicode_space(self.char_at(i)) {
                i += self.char_at(i).len_utf8();
            } else {
                break;
            }
        }
        i
    }

    /// `// …` up to the newline, which is its own token.
    fn line_comment(&mut self, start: usize) -> usize {
        self.push(SyntaxKind::LineComment, start);
        let mut i = start + 2;
        while let Some(&b) = self.bytes.get(i) {
            match b {
                b'\n' | b'\r' | 0x0B | 0x0C => break,
                0x20..=0x7E | b'\t' => i += 1,
                _ => {
                    let c = self.char_at(i);
                    if is_newline(c) {
                        break;
                    }
                    self.check_allowed(c, i);
                    i += c.len_utf8();
                }
            }
        }
        i
    }

    /// `/* … */` with nested comments, counted without recursion.
    fn block_comment(&mut self, start: usize) -> usize {
        self.push(SyntaxKind::BlockComment, start);
        let mut depth = 1usize;
        let mut i = start + 2;
        while let Some(&b) = self.bytes.get(i) {
            match b {
                b'*' if self.bytes.get(i + 1) == Some(&b'/') => {
                    i += 2;
                    depth -= 1;
                    if depth == 0 {
                        return i;
                    }
                }
                b'/' if self.bytes.get(i + 1) == Some(&b'*') => {
                    i += 2;
                    depth += 1;
                }
                0x20..=0x7E | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => i += 1,
                _ => {
                    let c = self.char_at(i);
                    self.check_allowed(c, i);
                    i += c.len_utf8();
                }
            }
        }
        self.errors.syntax(start, start + 2, "unclosed block comment", "this `/*` has no `*/`");
        i
    }

    fn check_allowed(&mut self, c: char, i: usize) {
        if is_disallowed(c) {
            self.disallowed(c, i);
        }
    }

    fn disallowed(&mut self, c: char, i: usize) {
        let message = format!("the code point U+{:04X} may not appear in a KDL document", c as u32);
        self.errors.syntax(i, i + c.len_utf8(), &message, "disallowed here");
    }

    /// Characters that start no token, as one error token.
    fn error_run(&mut self, start: usize) -> usize {
        self.push(SyntaxKind::ErrorToken, start);
        let first = self.char_at(start);
        let mut i = start;
        while i < self.bytes.len() {
            let c = self.char_at(i);
            if c != first {
                break;
            }
            i += c.len_utf8();
        }
        if is_disallowed(first) {
            let message =
                format!("the code point U+{:04X} may not appear in a KDL document", first as u32);
            self.errors.syntax(start, i, &message, "disallowed here");
        } else {
            let message = format!("unexpected `{first}`");
            self.errors.syntax(start, i, &message, "not KDL");
        }
        i
    }

    /// A bare word: an identifier string or a number.
    fn bare(&mut self, start: usize) -> usize {
        let mut i = start;
        while let Some(&b) = self.bytes.get(i) {
            if b < 0x80 {
                if !IDENT_ASCII[b as usize] {
                    break;
                }
                i += 1;
            } else {
                let c = self.char_at(i);
                if !is_identifier_char(c) {
                    break;
                }
                i += c.len_utf8();
            }
        }
        let word = &self.text[start..i];
        let bytes = word.as_bytes();
        let unsigned = match bytes[0] {
            b'+' | b'-' => &bytes[1..],
            _ => bytes,
        };
        if unsigned.first().is_some_and(u8::is_ascii_digit) {
            self.push(SyntaxKind::Number, start);
            if let Err(problem) = number::parse(word) {
                self.errors.syntax_help(
                    start,
                    i,
                    problem.message(),
                    "not a number",
                    problem.help(),
                );
            }
        } else if unsigned.first() == Some(&b'.') && unsigned.get(1).is_some_and(u8::is_ascii_digit)
        {
            self.push(SyntaxKind::Number, start);
            self.errors.syntax_help(
                start,
                i,
                "a number needs a digit before its `.`",
                "not a number",
                "write `0.5` rather than `.5`, or quote it to make a string",
            );
        } else {
            self.push(SyntaxKind::Ident, start);
            if matches!(word, "true" | "false" | "null" | "inf" | "-inf" | "nan") {
                let message = format!("`{word}` is a keyword, written `#{word}` in KDL 2.0");
                self.errors.syntax_help(
                    start,
                    i,
                    &message,
                    "bare keyword",
                    "write the keyword with `#`, or quote it to make a string",
                );
            }
        }
        i
    }

    /// `#`: a raw string or a keyword.
    fn hash(&mut self, start: usize) -> usize {
        let hashes = self.bytes[start..].iter().take_while(|&&b| b == b'#').count();
        let after = start + hashes;
        if self.bytes.get(after) == Some(&b'"') {
            return self.raw(start, hashes);
        }
        let mut i = after;
        while let Some(&b) = self.bytes.get(i) {
            if b < 0x80 && !IDENT_ASCII[b as usize] {
                break;
            }
            let c = self.char_at(i);
            if !is_identifier_char(c) {
                break;
            }
            i += c.len_utf8();
        }
        let word = &self.text[start..i];
        if matches!(word, "#true" | "#false" | "#null" | "#inf" | "#-inf" | "#nan") {
            self.push(SyntaxKind::Keyword, start);
        } else {
            self.push(SyntaxKind::ErrorToken, start);
            self.errors.syntax_help(
                start,
                i.max(after),
                "unknown keyword",
                "not a keyword",
                "the keywords are `#true`, `#false`, `#null`, `#inf`, `#-inf` and `#nan`; a raw string is `#\"…\"#`",
            );
        }
        i.max(after)
    }

    /// `"…"` or `"""` newline … `"""`.
    fn quoted(&mut self, start: usize) -> usize {
        if self.bytes[start..].starts_with(b"\"\"\"") {
            return self.multi_line(start);
        }
        self.push(SyntaxKind::String, start);
        let mut i = start + 1;
        while let Some(&b) = self.bytes.get(i) {
            match b {
                b'"' => return i + 1,
                b'\\' => i = self.escape(i),
                b'\n' | b'\r' | 0x0B | 0x0C => return self.unterminated(start, i),
                0x20..=0x7E | b'\t' => i += 1,
                _ => {
                    let c = self.char_at(i);
                    if is_newline(c) {
                        return self.unterminated(start, i);
                    }
                    self.check_allowed(c, i);
                    i += c.len_utf8();
                }
            }
        }
        self.unterminated(start, i)
    }

    fn unterminated(&mut self, start: usize, end: usize) -> usize {
        self.errors.syntax_help(
            start,
            end,
            "unterminated string",
            "this string has no closing `\"`",
            "a string that spans lines is written between `\"\"\"` lines",
        );
        end
    }

    /// Checks the escape at `i` (a backslash) in a single-line string, returning where it ends.
    fn escape(&mut self, i: usize) -> usize {
        let Some(&next) = self.bytes.get(i + 1) else { return i + 1 };
        match next {
            b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' | b's' => i + 2,
            b'u' => match string::unicode_escape(&self.text[i..]) {
                Ok((_, len)) => i + len,
                Err(len) => {
                    self.errors.syntax_help(
                        i,
                        i + len,
                        "invalid unicode escape",
                        "not a unicode scalar value",
                        "write `\\u{` with one to six hexadecimal digits and `}`",
                    );
                    i + len
                }
            },
            _ => {
                let c = self.char_at(i + 1);
                if is_unicode_space(c) || is_newline(c) {
                    let mut j = i + 1;
                    while j < self.bytes.len() {
                        let c = self.char_at(j);
                        if !(is_unicode_space(c) || is_newline(c)) {
                            break;
                        }
                        j += c.len_utf8();
                    }
                    j
                } else {
                    let end = i + 1 + c.len_utf8();
                    let message = format!("invalid escape `\\{c}`");
                    self.errors.syntax_help(
                        i,
                        end,
                        &message,
                        "unknown escape",
                        "the escapes are `\\\"`, `\\\\`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t`, `\\s` and `\\u{…}`; a raw string `#\"…\"#` needs none",
                    );
                    end
                }
            }
        }
    }

    /// `"""` newline … `"""`: escapes are checked when the string is decoded, after dedenting.
    fn multi_line(&mut self, start: usize) -> usize {
        self.push(SyntaxKind::MultiLineString, start);
        let mut i = start + 3;
        while let Some(&b) = self.bytes.get(i) {
            match b {
                b'"' if self.bytes[i..].starts_with(b"\"\"\"") => {
                    let end = i + 3;
                    self.check_string(start, end);
                    return end;
                }
                b'\\' => i += 1 + self.text[i + 1..].chars().next().map_or(0, char::len_utf8),
                0x20..=0x7E | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => i += 1,
                _ => {
                    let c = self.char_at(i);
                    self.check_allowed(c, i);
                    i += c.len_utf8();
                }
            }
        }
        self.errors.syntax(
            start,
            start + 3,
            "unterminated multi-line string",
            "this string has no closing `\"\"\"`",
        );
        i
    }

    /// `#"…"#` or `#"""` newline … `"""#`, with `hashes` `#`.
    fn raw(&mut self, start: usize, hashes: usize) -> usize {
        let open = start + hashes;
        let multi = self.bytes[open..].starts_with(b"\"\"\"");
        let quotes = if multi { 3 } else { 1 };
        self.push(
            if multi { SyntaxKind::RawMultiLineString } else { SyntaxKind::RawString },
            start,
        );
        let mut i = open + quotes;
        while let Some(&b) = self.bytes.get(i) {
            match b {
                b'"' if self.bytes[i..].starts_with(&b"\"\"\""[..quotes])
                    && self.bytes[i + quotes..].iter().take(hashes).all(|&h| h == b'#')
                    && self.bytes.len() >= i + quotes + hashes =>
                {
                    let end = i + quotes + hashes;
                    if multi {
                        self.check_string(start, end);
                    }
                    return end;
                }
                b'\n' | b'\r' | 0x0B | 0x0C if !multi => {
                    return self.unterminated(start, i);
                }
                0x20..=0x7E | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => i += 1,
                _ => {
                    let c = self.char_at(i);
                    if !multi && is_newline(c) {
                        return self.unterminated(start, i);
                    }
                    self.check_allowed(c, i);
                    i += c.len_utf8();
                }
            }
        }
        if multi {
            self.errors.syntax(
                start,
                open + 3,
                "unterminated multi-line raw string",
                "this string has no closing `\"\"\"` with as many `#`",
            );
            i
        } else {
            self.unterminated(start, i)
        }
    }

    /// Decodes a multi-line string to report what only decoding finds (indentation, escapes).
    fn check_string(&mut self, start: usize, end: usize) {
        if let Err(problem) = string::decode(&self.text[start..end]) {
            self.errors.syntax_help(
                start + problem.start,
                start + problem.end,
                problem.message,
                problem.label,
                problem.help,
            );
        }
    }
}
