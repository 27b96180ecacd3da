//! The YAML writer of every backend: a small, deterministic block-style emitter over the values
//! serde produces from the typed artifact structs.
//!
//! The layout is the one `serde_yaml` 0.9 (libyaml) writes: two-space indentation, sequences in a
//! mapping at the key's indentation, empty collections as `{}` and `[]`, no line folding, strings
//! plain where that is safe, otherwise single-quoted, otherwise double-quoted, and multi-line
//! strings as literal blocks. One thing differs on purpose: a string that any YAML reader, 1.1
//! (go-yaml v2, PyYAML) or 1.2, would take for something else (`no`, `on`, `~`, `010`, `0x1F`,
//! `1_000`, `1e3`, `.inf`, `1:20`, `2001-12-14`…) is always quoted.

mod emitter;

use serde::Serialize;

pub(crate) use emitter::Shared;

/// `value` as a YAML document, ending with a newline.
#[cfg(test)]
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    write(&mut out, value);
    out
}

/// Appends `value` to `out` as a YAML document, ending with a newline.
pub(crate) fn write<T: Serialize + ?Sized>(out: &mut String, value: &T) {
    let start = out.len();
    emitter::forget_shared();
    // Serialising the artifact structs cannot fail (string keys); `null` is the safe fallback if
    // it ever did.
    let written = value.serialize(emitter::Node { out, at: emitter::At::TOP });
    emitter::forget_shared();
    if written.is_err() {
        out.truncate(start);
        out.push_str("null\n");
    }
}

/// Whether a YAML 1.1 or 1.2 reader would resolve the plain scalar `text` to something other
/// than a string: a null, a boolean, a number, a timestamp, a merge key or a value key.
pub(crate) fn reads_as_non_string(text: &str) -> bool {
    const WORDS: &[&str] =
        &["", "~", "null", "true", "false", "yes", "no", "y", "n", "on", "off", "<<", "="];
    let Some(first) = text.bytes().next() else { return true };
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        // Most scalars are keys and names: only a short one that starts as a word of the list
        // does can be one of them.
        let starts_a_word = matches!(
            first.to_ascii_lowercase(),
            b'~' | b'n' | b't' | b'f' | b'y' | b'o' | b'<' | b'='
        );
        return starts_a_word
            && text.len() <= 5
            && WORDS.iter().any(|w| text.eq_ignore_ascii_case(w));
    }
    // A number, `.inf` or a time of day is made of a few bytes only; a timestamp starts with
    // four digits and `-`. Anything else is a string, whatever the forms below would find.
    let bytes = text.as_bytes();
    let timestamp_shaped =
        bytes.len() > 4 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-';
    let number_bytes = bytes.iter().all(|b| NUMBER[usize::from(*b)]);
    if !(timestamp_shaped || number_bytes) {
        return false;
    }
    reads_as_number(text)
}

/// The bytes of the numbers, infinities and times of day that [`reads_as_number`] knows: digits,
/// hexadecimal letters, radix prefixes, the letters of `inf`, `infinity` and `nan`, signs and
/// separators.
const NUMBER: [bool; 256] = byte_table(b"0123456789abcdefABCDEFxXoOiInNtTyY_+-.:");

/// A table of the bytes in `bytes`, for tests of every byte of a string in one look-up each.
const fn byte_table(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
}

/// [`reads_as_non_string`] for a `text` that starts with a digit, a sign or a dot.
fn reads_as_number(text: &str) -> bool {
    let bare: std::borrow::Cow<'_, str> = if text.contains('_') {
        text.chars().filter(|c| *c != '_').collect::<String>().into()
    } else {
        text.into()
    };
    let unsigned = bare.strip_prefix(['+', '-']).unwrap_or(&bare);
    let radix = |prefix: &str, radix: u32| {
        unsigned
            .strip_prefix(prefix)
            .is_some_and(|digits| !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix)))
    };
    let special = [".inf", ".nan", "inf", "nan", "infinity"];
    (!unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()))
        || radix("0x", 16)
        || radix("0X", 16)
        || radix("0o", 8)
        || radix("0b", 2)
        || bare.parse::<f64>().is_ok()
        || special.iter().any(|s| unsigned.eq_ignore_ascii_case(s))
        || sexagesimal(&bare)
        || timestamp(text)
}

fn push_indent(out: &mut String, indent: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = indent;
    while left > 0 {
        let n = left.min(SPACES.len());
        out.push_str(&SPACES[..n]);
        left -= n;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// An implicit key.
    Key,
    /// A value, or the key of a `? ` entry.
    Block,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// Appends a string scalar as it is written; a literal block includes its lines, each ending
/// with a newline, indented by `indent`.
fn write_scalar(out: &mut String, text: &str, context: Context, indent: usize) {
    // Most strings of a generated file are names, paths and versions: letters, digits and
    // `-_./`, starting with a letter or digit. Such a string is plain unless it reads as
    // another type, whatever the analysis below would find, so it skips it.
    if plain_word(text) {
        out.push_str(text);
        return;
    }
    // Most other strings are one line of printable ASCII (expressions, descriptions, URLs),
    // which can only be plain or single-quoted.
    if let Some(plain_allowed) = ascii_line_plain_allowed(text) {
        if plain_allowed && !reads_as_non_string(text) {
            out.push_str(text);
        } else {
            out.push('\'');
            out.push_str(&text.replace('\'', "''"));
            out.push('\'');
        }
        return;
    }
    let analysis = Analysis::of(text);
    let mut style = if text.contains('\n') {
        Style::Literal
    } else if reads_as_non_string(text) {
        Style::Single
    } else {
        Style::Plain
    };
    // Readers that follow YAML 1.2 do not break lines at U+2028 and U+2029; libyaml does, so a
    // quoted string holding one is only safe with the characters escaped.
    if text.contains(['\u{2028}', '\u{2029}']) {
        style = Style::Double;
    }
    if context == Context::Key && analysis.multiline {
        style = Style::Double;
    }
    if style == Style::Plain
        && (!analysis.plain_allowed || (text.is_empty() && context == Context::Key))
    {
        style = Style::Single;
    }
    if style == Style::Single && !analysis.single_quoted_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!analysis.block_allowed || context == Context::Key) {
        style = Style::Double;
    }
    match style {
        Style::Plain => out.push_str(text),
        Style::Single => {
            out.push('\'');
            out.push_str(&text.replace('\'', "''"));
            out.push('\'');
        }
        Style::Double => out.push_str(&double_quoted(text)),
        Style::Literal => out.push_str(&literal(text, indent)),
    }
}

/// For a non-empty line of printable ASCII (no tab): whether it may be written plain, as
/// [`Analysis`] decides for any text. `None` for other text.
fn ascii_line_plain_allowed(text: &str) -> Option<bool> {
    let bytes = text.as_bytes();
    let (first, last) = (*bytes.first()?, *bytes.last()?);
    // Every byte printable: a loop without an early exit, which the compiler vectorises.
    let unprintable = bytes.iter().fold(false, |any, b| any | !(b' '..=b'~').contains(b));
    if unprintable {
        return None;
    }
    // After the first byte, no `:` followed by a space or the end, and no `#` after a space.
    let inner_indicator = memchr::memchr2_iter(b':', b'#', &bytes[1..]).any(|at| {
        let at = at + 1;
        match bytes[at] {
            b':' => bytes.get(at + 1).is_none_or(|b| *b == b' '),
            _ => bytes[at - 1] == b' ',
        }
    });
    let followed_by_space = bytes.get(1).is_none_or(|b| *b == b' ');
    let first_is_indicator = b"#,[]{}&*!|>'\"%@`".contains(&first)
        || (matches!(first, b'-' | b'?' | b':') && followed_by_space);
    let edges = first == b' ' || last == b' ';
    let document_marker = text.starts_with("---") || text.starts_with("...");
    Some(!(first_is_indicator || edges || document_marker || inner_indicator))
}

/// Whether `text` is a word ([`is_word`]) that no reader takes for another type: written plain,
/// without further analysis.
#[inline]
fn plain_word(text: &str) -> bool {
    // A word that starts with a letter reads as a null or a boolean only if it is one of their
    // words, of at most five letters; the rest ask [`reads_as_non_string`].
    let asks = |first: &u8| first.is_ascii_digit() || text.len() <= 5;
    is_word(text) && !(text.as_bytes().first().is_some_and(asks) && reads_as_non_string(text))
}

/// A non-empty string of ASCII letters, digits and `-_./`, starting with a letter or digit.
fn is_word(text: &str) -> bool {
    /// The bytes of a word.
    const WORD: [bool; 256] =
        byte_table(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_./");
    text.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
        && text.bytes().all(|b| WORD[usize::from(b)])
}

/// What libyaml's emitter finds out about a scalar to choose its style.
struct Analysis {
    multiline: bool,
    plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

impl Analysis {
    fn of(text: &str) -> Analysis {
        if text.is_empty() {
            return Analysis {
                multiline: false,
                plain_allowed: true,
                single_quoted_allowed: true,
                block_allowed: false,
            };
        }
        let mut indicators = text.starts_with("---") || text.starts_with("...");
        let (mut line_breaks, mut special) = (false, false);
        let (mut leading_space, mut trailing_space) = (false, false);
        let (mut leading_break, mut trailing_break) = (false, false);
        let (mut break_space, mut space_break) = (false, false);
        let (mut previous_space, mut previous_break) = (false, false);
        let mut preceded_by_whitespace = true;
        let mut chars = text.chars().enumerate().peekable();
        while let Some((index, c)) = chars.next() {
            let next = chars.peek().map(|(_, n)| *n);
            let is_last = next.is_none();
            let followed_by_whitespace = next.is_none_or(is_blank_or_break);
            if index == 0 {
                if "#,[]{}&*!|>'\"%@`".contains(c) || (c == '-' && followed_by_whitespace) {
                    indicators = true;
                }
                if matches!(c, '?' | ':') && followed_by_whitespace {
                    indicators = true;
                }
            } else if (c == ':' && followed_by_whitespace) || (c == '#' && preceded_by_whitespace) {
                indicators = true;
            }
            if !is_printable(c) {
                special = true;
            }
            if is_break(c) {
                line_breaks = true;
            }
            if c == ' ' {
                leading_space |= index == 0;
                trailing_space |= is_last;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                leading_break |= index == 0;
                trailing_break |= is_last;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = is_blank_or_break(c);
        }
        let edges = leading_space || leading_break || trailing_space || trailing_break;
        Analysis {
            multiline: line_breaks,
            plain_allowed: !(edges
                || break_space
                || space_break
                || special
                || line_breaks
                || indicators),
            single_quoted_allowed: !(break_space || space_break || special),
            block_allowed: !(trailing_space || space_break || special),
        }
    }
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank_or_break(c: char) -> bool {
    c == ' ' || c == '\t' || is_break(c)
}

/// The characters libyaml writes as they are; every other one makes a string double-quoted.
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && c != '\u{FEFF}'
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        let escape = match c {
            '\0' => Some('0'),
            '\u{7}' => Some('a'),
            '\u{8}' => Some('b'),
            '\t' => Some('t'),
            '\n' => Some('n'),
            '\u{B}' => Some('v'),
            '\u{C}' => Some('f'),
            '\r' => Some('r'),
            '\u{1B}' => Some('e'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            '\u{85}' => Some('N'),
            '\u{A0}' => Some('_'),
            '\u{2028}' => Some('L'),
            '\u{2029}' => Some('P'),
            _ => None,
        };
        if let Some(e) = escape {
            out.push('\\');
            out.push(e);
        } else if !is_printable(c) || is_break(c) {
            let code = u32::from(c);
            let hex = match code {
                0..=0xFF => format!("\\x{code:02X}"),
                0x100..=0xFFFF => format!("\\u{code:04X}"),
                _ => format!("\\U{code:08X}"),
            };
            out.push_str(&hex);
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// A literal block: `|` with its indentation and chomping indicators, then the lines.
fn literal(text: &str, indent: usize) -> String {
    let mut out = String::from("|");
    if text.starts_with([' ', '\n']) {
        out.push('2');
    }
    let chomp = if !text.ends_with('\n') {
        "-"
    } else if text == "\n" || text.ends_with("\n\n") {
        "+"
    } else {
        ""
    };
    out.push_str(chomp);
    out.push('\n');
    for line in text.split_inclusive('\n') {
        if line != "\n" {
            push_indent(&mut out, indent);
        }
        out.push_str(line);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// `1:20`, `-1:20:30.5`: YAML 1.1's base-60 numbers.
fn sexagesimal(text: &str) -> bool {
    let text = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut parts = whole.split(':');
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    !first.is_empty()
        && first.bytes().all(|b| b.is_ascii_digit())
        && !rest.is_empty()
        && rest.iter().all(|p| {
            (1..=2).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u8>().is_ok_and(|n| n < 60)
        })
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// `2001-12-14`, `2001-12-14T21:59:43.10-05:00`, `2001-12-14 21:59:43.10 -5`: YAML 1.1
/// timestamps.
fn timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |from: usize, to: usize| {
        bytes.get(from..to).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    if !(digits(0, 4) && bytes.get(4) == Some(&b'-')) {
        return false;
    }
    let rest = &text[5..];
    let mut parts = rest.splitn(3, '-');
    let month = parts.next().unwrap_or("");
    let day_and_time = parts.next().unwrap_or("");
    if parts.next().is_some() && !day_and_time.contains([' ', 't', 'T']) {
        return false;
    }
    let number = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !number(month) {
        return false;
    }
    let day_len = day_and_time.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&day_len) {
        return false;
    }
    let after = &text[5 + month.len() + 1 + day_len..];
    after.is_empty()
        || (after.starts_with([' ', '\t', 't', 'T'])
            && after.chars().skip(1).any(|c| c.is_ascii_digit())
            && after.chars().all(|c| {
                c.is_ascii_digit()
                    || matches!(c, ' ' | '\t' | 't' | 'T' | ':' | '.' | '+' | '-' | 'z' | 'Z')
            }))
}

#[cfg(test)]
mod tests;
