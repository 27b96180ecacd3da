//! User text as messages show it: short, on one line, with control characters escaped.

use std::fmt;

/// How many characters of user text a message shows before an ellipsis.
pub const QUOTE_MAX_CHARS: usize = 128;

/// User text (a name, a value) as a message quotes it: at most [`QUOTE_MAX_CHARS`] characters
/// followed by `…` when longer, with line breaks, tabs, escape and every other control character
/// written as `\n`, `\t`, `\u{1b}`. Every message that quotes user text goes through it, so a
/// 10 MB name or a name holding terminal escapes makes a short, harmless message.
pub fn quote(text: &str) -> Quoted<'_> {
    Quoted(text)
}

/// User text shown by [`quote`]; formats lazily, never copying more than it shows.
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        for c in chars.by_ref().take(QUOTE_MAX_CHARS) {
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c.is_control() || is_invisible(c) => write!(f, "\\u{{{:x}}}", u32::from(c))?,
                c => fmt::Write::write_char(f, c)?,
            }
        }
        if chars.next().is_some() {
            f.write_str("…")?;
        }
        Ok(())
    }
}

/// Format characters that change how a terminal shows the text around them (bidirectional
/// overrides, zero-width characters).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_unchanged() {
        assert_eq!(quote("payments-api").to_string(), "payments-api");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let long = "é".repeat(200);
        let shown = quote(&long).to_string();
        assert_eq!(shown, format!("{}…", "é".repeat(QUOTE_MAX_CHARS)));
        assert_eq!(quote(&"a".repeat(QUOTE_MAX_CHARS)).to_string(), "a".repeat(QUOTE_MAX_CHARS));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(quote("a\nb\tc\u{1b}[31md\u{7f}").to_string(), "a\\nb\\tc\\u{1b}[31md\\u{7f}");
        assert_eq!(quote("x\u{202e}y").to_string(), "x\\u{202e}y");
    }
}
