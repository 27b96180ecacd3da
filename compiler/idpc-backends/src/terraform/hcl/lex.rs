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

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) text: String,
}

impl Token {
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
pub(super) enum Line {
    Tokens(Vec<Token>),
    Verbatim(String),
}

/// What the tokenizer is inside of.
enum Mode {
    /// A quoted string.
    Quote,
    /// An interpolation or directive in a string, with the braces opened inside it.
    Interp(u32),
}

pub(super) fn tokenize(text: &str) -> Result<Vec<Line>, HclError> {
    let mut lines = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let mut modes: Vec<Mode> = Vec::new();
    let mut heredoc: Option<String> = None;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line_no = 1;
    let error = |line: usize, message: &str| HclError { line, message: message.to_owned() };
    while i < chars.len() {
        if let Some(marker) = &heredoc {
            let end = chars[i..].iter().position(|c| *c == '\n').map_or(chars.len(), |p| i + p);
            let raw: String = chars[i..end].iter().collect();
            if raw.trim() == marker {
                heredoc = None;
            }
            lines.push(Line::Verbatim(raw.trim_end_matches('\r').to_owned()));
            i = end + 1;
            line_no += 1;
            continue;
        }
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if let Some(Mode::Quote) = modes.last() {
            match c {
                '"' => {
                    current.push(tok(Kind::CQuote, "\""));
                    modes.pop();
                    i += 1;
                }
                '\n' => return Err(error(line_no, "a quoted string is not closed")),
                '$' | '%' if next == Some('{') => {
                    let kind = if c == '$' { Kind::TemplateInterp } else { Kind::TemplateControl };
                    current.push(tok(kind, &format!("{c}{{")));
                    modes.push(Mode::Interp(0));
                    i += 2;
                }
                _ => {
                    let start = i;
                    while i < chars.len() {
                        let here = chars[i];
                        let after = chars.get(i + 1).copied();
                        if here == '"' || here == '\n' {
                            break;
                        }
                        if (here == '$' || here == '%') && after == Some('{') {
                            break;
                        }
                        if (here == '$' || here == '%') && after == Some(here) {
                            i += 2;
                            continue;
                        }
                        i += if here == '\\' { 2 } else { 1 };
                    }
                    let end = i.min(chars.len());
                    current.push(Token {
                        kind: Kind::QuotedLit,
                        text: chars[start..end].iter().collect(),
                    });
                }
            }
            continue;
        }
        match c {
            ' ' | '\t' | '\r' => i += 1,
            '\n' => {
                lines.push(Line::Tokens(std::mem::take(&mut current)));
                line_no += 1;
                i += 1;
            }
            '#' => i = comment(&chars, i, &mut current),
            '/' if next == Some('/') => i = comment(&chars, i, &mut current),
            '/' if next == Some('*') => {
                let start = i;
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    if chars[i] == '\n' {
                        return Err(error(line_no, "a block comment spans lines"));
                    }
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(error(line_no, "a block comment is not closed"));
                }
                i += 2;
                current.push(Token { kind: Kind::Comment, text: chars[start..i].iter().collect() });
            }
            '"' => {
                current.push(tok(Kind::OQuote, "\""));
                modes.push(Mode::Quote);
                i += 1;
            }
            '<' if next == Some('<') && heredoc_marker(&chars[i..]).is_some() => {
                let (marker, len) = heredoc_marker(&chars[i..]).unwrap_or_default();
                current
                    .push(Token { kind: Kind::OHeredoc, text: chars[i..i + len].iter().collect() });
                heredoc = Some(marker);
                i += len;
                if chars.get(i) == Some(&'\r') {
                    i += 1;
                }
                i += 1;
                lines.push(Line::Tokens(std::mem::take(&mut current)));
                line_no += 1;
            }
            '{' => {
                if let Some(Mode::Interp(depth)) = modes.last_mut() {
                    *depth += 1;
                }
                current.push(tok(Kind::OBrace, "{"));
                i += 1;
            }
            '}' => {
                match modes.last_mut() {
                    Some(Mode::Interp(0)) => {
                        modes.pop();
                        current.push(tok(Kind::TemplateSeqEnd, "}"));
                    }
                    Some(Mode::Interp(depth)) => {
                        *depth -= 1;
                        current.push(tok(Kind::CBrace, "}"));
                    }
                    _ => current.push(tok(Kind::CBrace, "}")),
                }
                i += 1;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '-')
                {
                    i += 1;
                }
                current.push(Token { kind: Kind::Ident, text: chars[start..i].iter().collect() });
            }
            c if c.is_ascii_digit() => {
                let start = i;
                i = number_end(&chars, i);
                current.push(Token { kind: Kind::Number, text: chars[start..i].iter().collect() });
            }
            _ => {
                let (kind, len) = punctuation(c, next, chars.get(i + 2).copied());
                current.push(Token { kind, text: chars[i..i + len].iter().collect() });
                i += len;
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

fn tok(kind: Kind, text: &str) -> Token {
    Token { kind, text: text.to_owned() }
}

fn comment(chars: &[char], start: usize, current: &mut Vec<Token>) -> usize {
    let end = chars[start..].iter().position(|c| *c == '\n').map_or(chars.len(), |p| start + p);
    let text: String = chars[start..end].iter().collect();
    current.push(Token { kind: Kind::Comment, text: text.trim_end().to_owned() });
    end
}

/// `<<EOT` or `<<-EOT` followed by the end of the line: the marker and the length of the opener.
fn heredoc_marker(chars: &[char]) -> Option<(String, usize)> {
    let mut i = 2;
    if chars.get(i) == Some(&'-') {
        i += 1;
    }
    let start = i;
    while chars.get(i).is_some_and(|c| c.is_alphanumeric() || *c == '_') {
        i += 1;
    }
    let marker: String = chars.get(start..i)?.iter().collect();
    let at_end = matches!(chars.get(i), Some('\n') | Some('\r') | None);
    (!marker.is_empty() && at_end).then_some((marker, i))
}

fn number_end(chars: &[char], mut i: usize) -> usize {
    let digits = |chars: &[char], mut i: usize| {
        while chars.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
        i
    };
    i = digits(chars, i);
    if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        i = digits(chars, i + 1);
    }
    if matches!(chars.get(i), Some('e') | Some('E')) {
        let sign = usize::from(matches!(chars.get(i + 1), Some('+') | Some('-')));
        if chars.get(i + 1 + sign).is_some_and(char::is_ascii_digit) {
            i = digits(chars, i + 1 + sign);
        }
    }
    i
}

fn punctuation(c: char, next: Option<char>, third: Option<char>) -> (Kind, usize) {
    match (c, next) {
        ('.', Some('.')) if third == Some('.') => (Kind::Ellipsis, 3),
        ('=', Some('>')) => (Kind::Arrow, 2),
        ('=', Some('=')) | ('!', Some('=')) | ('<', Some('=')) | ('>', Some('=')) => {
            (Kind::Comparison, 2)
        }
        ('&', Some('&')) | ('|', Some('|')) => (Kind::Logic, 2),
        (':', Some(':')) => (Kind::DoubleColon, 2),
        ('<' | '>', _) => (Kind::Comparison, 1),
        ('=', _) => (Kind::Equal, 1),
        ('!', _) => (Kind::Bang, 1),
        ('[', _) => (Kind::OBrack, 1),
        (']', _) => (Kind::CBrack, 1),
        ('(', _) => (Kind::OParen, 1),
        (')', _) => (Kind::CParen, 1),
        (',', _) => (Kind::Comma, 1),
        ('.', _) => (Kind::Dot, 1),
        (':', _) => (Kind::Colon, 1),
        ('?', _) => (Kind::Question, 1),
        ('-', _) => (Kind::Minus, 1),
        ('+', _) => (Kind::Plus, 1),
        ('*', _) => (Kind::Star, 1),
        ('/', _) => (Kind::Slash, 1),
        ('%', _) => (Kind::Percent, 1),
        _ => (Kind::Other, 1),
    }
}
