//! The HCL tokenizer of the formatter: tokens per line, with heredoc bodies kept verbatim.

/// Why a text is not HCL the formatter can handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HclError {
    /// The 1-based line of the problem.
    pub(crate) line: usize,
    /// What is wrong.
    pub(crate) message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Ident,
    Number,
    OQuote,
    QuotedLit,
    CQuote,
    TemplateInterp,
    TemplateControl,
    TemplateSeqEnd,
    OHeredoc,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    Equal,
    Comma,
    Dot,
    Colon,
    DoubleColon,
    Question,
    Minus,
    Plus,
    Star,
    Slash,
    Percent,
    Comparison,
    Logic,
    Bang,
    Ellipsis,
    Arrow,
    Comment,
    Other,
}

/// A token: its kind and its text, a slice of the formatted text.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token<'t> {
    pub(super) kind: Kind,
    pub(super) text: &'t str,
}

impl Token<'_> {
    pub(super) fn brackets(&self) -> i32 {
        match self.kind {
            Kind::OBrace
            | Kind::OBrack
            | Kind::OParen
            | Kind::TemplateInterp
            | Kind::TemplateControl => 1,
            Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
            _ => 0,
        }
    }
}

/// A source line: its tokens, or its verbatim text inside a heredoc.
pub(super) enum Line<'t> {
    Tokens(Vec<Token<'t>>),
    Verbatim(&'t str),
}

/// What the tokenizer is inside of.
enum Mode {
    /// A quoted string.
    Quote,
    /// An interpolation or directive in a string, with the braces opened inside it.
    Interp(u32),
}

/// The lines of `text`, tokenized. Every character the grammar tells apart is ASCII, so the
/// text is read byte by byte, and a character beyond ASCII is decoded only where it may start
/// or continue a name.
pub(super) fn tokenize(text: &str) -> Result<Vec<Line<'_>>, HclError> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut current: Vec<Token<'_>> = Vec::new();
    let mut modes: Vec<Mode> = Vec::new();
    let mut heredoc: Option<&str> = None;
    let mut i = 0;
    let mut line_no = 1;
    let error = |line: usize, message: &str| HclError { line, message: message.to_owned() };
    let token = |kind: Kind, start: usize, end: usize| Token { kind, text: &text[start..end] };
    while i < bytes.len() {
        if let Some(marker) = heredoc {
            let end = line_end(bytes, i);
            let raw = &text[i..end];
            if raw.trim() == marker {
                heredoc = None;
            }
            lines.push(Line::Verbatim(raw.trim_end_matches('\r')));
            i = end + 1;
            line_no += 1;
            continue;
        }
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if let Some(Mode::Quote) = modes.last() {
            match c {
                b'"' => {
                    current.push(token(Kind::CQuote, i, i + 1));
                    modes.pop();
                    i += 1;
                }
                b'\n' => return Err(error(line_no, "a quoted string is not closed")),
                b'$' | b'%' if next == Some(b'{') => {
                    let kind = if c == b'$' { Kind::TemplateInterp } else { Kind::TemplateControl };
                    current.push(token(kind, i, i + 2));
                    modes.push(Mode::Interp(0));
                    i += 2;
                }
                _ => {
                    let start = i;
                    while i < bytes.len() {
                        let here = bytes[i];
                        let after = bytes.get(i + 1).copied();
                        if here == b'"' || here == b'\n' {
                            break;
                        }
                        if (here == b'$' || here == b'%') && after == Some(b'{') {
                            break;
                        }
                        if (here == b'$' || here == b'%') && after == Some(here) {
                            i += 2;
                            continue;
                        }
                        // An escape takes the whole character after the backslash.
                        i += if here == b'\\' { 1 + char_len(bytes, i + 1) } else { 1 };
                    }
                    current.push(token(Kind::QuotedLit, start, i.min(bytes.len())));
                }
            }
            continue;
        }
        match c {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' => {
                lines.push(Line::Tokens(std::mem::take(&mut current)));
                line_no += 1;
                i += 1;
            }
            b'#' => i = comment(text, i, &mut current),
            b'/' if next == Some(b'/') => i = comment(text, i, &mut current),
            b'/' if next == Some(b'*') => {
                let start = i;
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    if bytes[i] == b'\n' {
                        return Err(error(line_no, "a block comment spans lines"));
                    }
                    i += 1;
                }
                if i >= bytes.len() {
                    return Err(error(line_no, "a block comment is not closed"));
                }
                i += 2;
                current.push(token(Kind::Comment, start, i));
            }
            b'"' => {
                current.push(token(Kind::OQuote, i, i + 1));
                modes.push(Mode::Quote);
                i += 1;
            }
            b'<' if next == Some(b'<') && heredoc_marker(&text[i..]).is_some() => {
                let (marker, len) = heredoc_marker(&text[i..]).unwrap_or_default();
                current.push(token(Kind::OHeredoc, i, i + len));
                heredoc = Some(marker);
                i += len;
                if bytes.get(i) == Some(&b'\r') {
                    i += 1;
                }
                i += 1;
                lines.push(Line::Tokens(std::mem::take(&mut current)));
                line_no += 1;
            }
            b'{' => {
                if let Some(Mode::Interp(depth)) = modes.last_mut() {
                    *depth += 1;
                }
                current.push(token(Kind::OBrace, i, i + 1));
                i += 1;
            }
            b'}' => {
                let kind = match modes.last_mut() {
                    Some(Mode::Interp(0)) => {
                        modes.pop();
                        Kind::TemplateSeqEnd
                    }
                    Some(Mode::Interp(depth)) => {
                        *depth -= 1;
                        Kind::CBrace
                    }
                    _ => Kind::CBrace,
                };
                current.push(token(kind, i, i + 1));
                i += 1;
            }
            c if c.is_ascii_digit() => {
                let start = i;
                i = number_end(bytes, i);
                current.push(token(Kind::Number, start, i));
            }
            _ => {
                let first = char_at(text, i);
                if first.is_alphabetic() || first == '_' {
                    let start = i;
                    while i < bytes.len() {
                        let c = char_at(text, i);
                        if !(c.is_alphanumeric() || c == '_' || c == '-') {
                            break;
                        }
                        i += c.len_utf8();
                    }
                    current.push(token(Kind::Ident, start, i));
                } else {
                    let (kind, len) = punctuation(c, next, bytes.get(i + 2).copied());
                    // A character beyond ASCII is one token of its own.
                    let len = if c.is_ascii() { len } else { first.len_utf8() };
                    current.push(token(kind, i, i + len));
                    i += len;
                }
            }
        }
    }
    if heredoc.is_some() {
        return Err(error(line_no, "a heredoc is not closed"));
    }
    if !modes.is_empty() {
        return Err(error(line_no, "a quoted string is not closed"));
    }
    if !current.is_empty() {
        lines.push(Line::Tokens(current));
    }
    let depth: i32 = lines
        .iter()
        .filter_map(|l| match l {
            Line::Tokens(tokens) => Some(tokens.iter().map(Token::brackets).sum::<i32>()),
            Line::Verbatim(_) => None,
        })
        .sum();
    if depth != 0 {
        let what = if depth > 0 { "a bracket is not closed" } else { "a bracket closes nothing" };
        return Err(error(line_no, what));
    }
    Ok(lines)
}

/// The character that starts at byte `at` of `text`, which is on a character's boundary.
fn char_at(text: &str, at: usize) -> char {
    text.get(at..).and_then(|rest| rest.chars().next()).unwrap_or('\0')
}

/// The length of the character that starts at byte `at`, or 1 past the end.
fn char_len(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at) {
        Some(0xf0..) => 4,
        Some(0xe0..) => 3,
        Some(0xc0..) => 2,
        _ => 1,
    }
}

/// The position of the line break that ends the line at `from`, or the end of the text.
fn line_end(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |p| from + p)
}

fn comment<'t>(text: &'t str, start: usize, current: &mut Vec<Token<'t>>) -> usize {
    let end = line_end(text.as_bytes(), start);
    current.push(Token { kind: Kind::Comment, text: text[start..end].trim_end() });
    end
}

/// `<<EOT` or `<<-EOT` followed by the end of the line: the marker and the length of the opener.
fn heredoc_marker(text: &str) -> Option<(&str, usize)> {
    let mut start = 2;
    if text.as_bytes().get(start) == Some(&b'-') {
        start += 1;
    }
    let rest = text.get(start..)?;
    let end = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(rest.len(), |(at, _)| at);
    let marker = &rest[..end];
    let at_end = matches!(rest.as_bytes().get(end), Some(b'\n') | Some(b'\r') | None);
    (!marker.is_empty() && at_end).then_some((marker, start + end))
}

fn number_end(bytes: &[u8], mut i: usize) -> usize {
    let digits = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    i = digits(i);
    if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i = digits(i + 1);
    }
    if matches!(bytes.get(i), Some(b'e') | Some(b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+') | Some(b'-')));
        if bytes.get(i + 1 + sign).is_some_and(u8::is_ascii_digit) {
            i = digits(i + 1 + sign);
        }
    }
    i
}

fn punctuation(c: u8, next: Option<u8>, third: Option<u8>) -> (Kind, usize) {
    match (c, next) {
        (b'.', Some(b'.')) if third == Some(b'.') => (Kind::Ellipsis, 3),
        (b'=', Some(b'>')) => (Kind::Arrow, 2),
        (b'=', Some(b'=')) | (b'!', Some(b'=')) | (b'<', Some(b'=')) | (b'>', Some(b'=')) => {
            (Kind::Comparison, 2)
        }
        (b'&', Some(b'&')) | (b'|', Some(b'|')) => (Kind::Logic, 2),
        (b':', Some(b':')) => (Kind::DoubleColon, 2),
        (b'<' | b'>', _) => (Kind::Comparison, 1),
        (b'=', _) => (Kind::Equal, 1),
        (b'!', _) => (Kind::Bang, 1),
        (b'[', _) => (Kind::OBrack, 1),
        (b']', _) => (Kind::CBrack, 1),
        (b'(', _) => (Kind::OParen, 1),
        (b')', _) => (Kind::CParen, 1),
        (b',', _) => (Kind::Comma, 1),
        (b'.', _) => (Kind::Dot, 1),
        (b':', _) => (Kind::Colon, 1),
        (b'?', _) => (Kind::Question, 1),
        (b'-', _) => (Kind::Minus, 1),
        (b'+', _) => (Kind::Plus, 1),
        (b'*', _) => (Kind::Star, 1),
        (b'/', _) => (Kind::Slash, 1),
        (b'%', _) => (Kind::Percent, 1),
        _ => (Kind::Other, 1),
    }
}
