//! Decoding string tokens to their values: escapes, raw strings, and the dedenting of
//! multi-line strings.
//!
//! A multi-line string is decoded as KDL 2.0 says: whitespace escapes are resolved first, then
//! every line loses the whitespace that precedes the closing `"""` (lines of only whitespace
//! become empty), then the other escapes are resolved. Newlines in the value are always `\n`.

use std::borrow::Cow;

use crate::chars::{is_newline, is_unicode_space, newline_len};

/// Why a string token has no value, with a range relative to the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) message: &'static str,
    pub(crate) label: &'static str,
    pub(crate) help: &'static str,
}

/// The value of a string token of any form (an identifier is its own value).
pub(crate) fn decode(token: &str) -> Result<Cow<'_, str>, Problem> {
    if token.starts_with('#') {
        let hashes = token.bytes().take_while(|&b| b == b'#').count();
        let inner = token
            .get(hashes..token.len().saturating_sub(hashes))
            .filter(|_| token.len() >= 2 * hashes + 2 && token.ends_with('#'))
            .ok_or_else(|| unterminated(token))?;
        if let Some(body) = inner.strip_prefix("\"\"\"").and_then(|b| b.strip_suffix("\"\"\"")) {
            return multi_line(body, false).map(Cow::Owned);
        }
        return inner
            .strip_prefix('"')
            .and_then(|b| b.strip_suffix('"'))
            .map(Cow::Borrowed)
            .ok_or_else(|| unterminated(token));
    }
    if token.starts_with("\"\"\"") {
        let body = token
            .strip_prefix("\"\"\"")
            .and_then(|b| b.strip_suffix("\"\"\""))
            .ok_or_else(|| unterminated(token))?;
        return multi_line(body, true).map(Cow::Owned);
    }
    if let Some(rest) = token.strip_prefix('"') {
        let inner = rest.strip_suffix('"').ok_or_else(|| unterminated(token))?;
        if !inner.contains('\\') {
            return Ok(Cow::Borrowed(inner));
        }
        return unescape(inner).map(Cow::Owned).map_err(|p| Problem {
            start: p.start + 1,
            end: p.end + 1,
            ..p
        });
    }
    Ok(Cow::Borrowed(token))
}

/// Reads `\u{…}` at the start of `text`: the character and the escape's length, or the length
/// of the malformed part.
pub(crate) fn unicode_escape(text: &str) -> Result<(char, usize), usize> {
    let bytes = text.as_bytes();
    if bytes.get(2) != Some(&b'{') {
        return Err(2);
    }
    let digits = bytes[3..].iter().take(7).take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 6 || bytes.get(3 + digits) != Some(&b'}') {
        return Err(3 + digits);
    }
    u32::from_str_radix(&text[3..3 + digits], 16)
        .ok()
        .and_then(char::from_u32)
        .map(|c| (c, 4 + digits))
        .ok_or(4 + digits)
}

fn unterminated(token: &str) -> Problem {
    Problem {
        start: 0,
        end: token.len().min(1),
        message: "unterminated string",
        label: "this string is not closed",
        help: "close the string with the same quotes and `#` it opens with",
    }
}

/// Resolves the escapes of a quoted string's contents.
fn unescape(text: &str) -> Result<String, Problem> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at..];
        let offset = text.len() - escape.len();
        let next = escape[1..].chars().next();
        let len = match next {
            Some('"') => push(&mut out, '"'),
            Some('\\') => push(&mut out, '\\'),
            Some('b') => push(&mut out, '\u{08}'),
            Some('f') => push(&mut out, '\u{0C}'),
            Some('n') => push(&mut out, '\n'),
            Some('r') => push(&mut out, '\r'),
            Some('t') => push(&mut out, '\t'),
            Some('s') => push(&mut out, ' '),
            Some('u') => match unicode_escape(escape) {
                Ok((c, len)) => {
                    out.push(c);
                    len
                }
                Err(len) => {
                    return Err(Problem {
                        start: offset,
                        end: offset + len,
                        message: "invalid unicode escape",
                        label: "not a unicode scalar value",
                        help: "write `\\u{` with one to six hexadecimal digits and `}`",
                    });
                }
            },
            Some(c) if is_unicode_space(c) || is_newline(c) => {
                1 + escape[1..]
                    .find(|c: char| !(is_unicode_space(c) || is_newline(c)))
                    .unwrap_or(escape.len() - 1)
            }
            other => {
                return Err(Problem {
                    start: offset,
                    end: offset + 1 + other.map_or(0, char::len_utf8),
                    message: "invalid escape",
                    label: "unknown escape",
                    help: "the escapes are `\\\"`, `\\\\`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t`, `\\s` and `\\u{…}`",
                });
            }
        };
        rest = &escape[len..];
    }
    out.push_str(rest);
    Ok(out)
}

fn push(out: &mut String, c: char) -> usize {
    out.push(c);
    2
}

/// Decodes the body of a multi-line string (between the quotes), escaped or raw.
fn multi_line(body: &str, escaped: bool) -> Result<String, Problem> {
    let problem = |message, label, help| Problem { start: 0, end: 3, message, label, help };
    let Some(newline) = newline_len(body, 0) else {
        return Err(problem(
            "a multi-line string must start with a newline after `\"\"\"`",
            "no newline after these quotes",
            "for a string on one line, use `\"…\"`",
        ));
    };
    let body = &body[newline..];
    let resolved;
    let body = if escaped && body.contains('\\') {
        resolved = resolve_whitespace_escapes(body);
        resolved.as_str()
    } else {
        body
    };
    let mut all: Vec<&str> = Lines { text: body, done: false }.collect();
    let prefix = all.pop().unwrap_or_default();
    if !prefix.chars().all(is_unicode_space) {
        return Err(problem(
            "the closing `\"\"\"` of a multi-line string must be on a line of its own",
            "this string's last line has text before its closing quotes",
            "put the closing quotes on their own line",
        ));
    }
    let mut out = String::with_capacity(body.len());
    for (k, line) in all.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        if line.chars().all(is_unicode_space) {
            continue;
        }
        match line.strip_prefix(prefix) {
            Some(rest) => out.push_str(rest),
            None => {
                return Err(problem(
                    "a line of a multi-line string does not start with the closing line's indentation",
                    "in this string",
                    "indent every line at least as far as the closing `\"\"\"`, with the same whitespace characters",
                ));
            }
        }
    }
    if escaped && out.contains('\\') {
        return unescape(&out).map_err(|p| Problem { start: 0, end: 3, ..p });
    }
    Ok(out)
}

/// Removes `\` followed by whitespace and newlines; other escapes are kept as written.
fn resolve_whitespace_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some(&(_, next)) if is_unicode_space(next) || is_newline(next) => {
                while chars.next_if(|&(_, c)| is_unicode_space(c) || is_newline(c)).is_some() {}
            }
            Some(&(_, next)) => {
                out.push('\\');
                out.push(next);
                chars.next();
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The lines of a text, split at every KDL newline (CRLF counts once); the text after the last
/// newline is a line too, even when empty.
struct Lines<'a> {
    text: &'a str,
    done: bool,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        let text = self.text;
        let mut i = 0;
        while i < text.len() {
            if let Some(len) = newline_len(text, i) {
                self.text = &text[i + len..];
                return Some(&text[..i]);
            }
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
        self.done = true;
        Some(text)
    }
}
