//! Patterns over the field paths of a document, as drift ignore rules write them.

use std::fmt;

/// A pattern over field paths: segments separated by `.`; `*` matches any one segment, `**` any
/// number of segments (also none); a key with dots is written in brackets and quotes:
/// `metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPattern {
    segments: Vec<String>,
    text: String,
}

impl FieldPattern {
    /// Parses a pattern; `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<FieldPattern, String> {
        let mut segments = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix("[\"") {
                let end = inner
                    .find("\"]")
                    .ok_or_else(|| format!("`{text}`: a quoted key is not closed with `\"]`"))?;
                segments.push(inner[..end].to_owned());
                rest = &inner[end + 2..];
            } else if let Some(inner) = rest.strip_prefix('[') {
                let end = inner.find(']').ok_or_else(|| format!("`{text}`: `[` is not closed"))?;
                segments.push(inner[..end].to_owned());
                rest = &inner[end + 1..];
            } else {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                if end == 0 {
                    return Err(format!("`{text}` has an empty segment"));
                }
                segments.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
            rest = rest.strip_prefix('.').unwrap_or(rest);
        }
        if segments.is_empty() {
            return Err("a path pattern cannot be empty".to_owned());
        }
        Ok(FieldPattern { segments, text: text.to_owned() })
    }

    /// Whether the pattern matches the path with these keys exactly, or a prefix of it (a rule
    /// for `status` covers everything below `status`).
    pub fn matches(&self, keys: &[String]) -> bool {
        matches_from(&self.segments, keys)
    }
}

fn matches_from(pattern: &[String], keys: &[String]) -> bool {
    match pattern.split_first() {
        None => true,
        Some((first, rest)) if first == "**" => {
            (0..=keys.len()).any(|skip| matches_from(rest, &keys[skip..]))
        }
        Some((first, rest)) => match keys.split_first() {
            Some((key, keys)) => (first == "*" || first == key) && matches_from(rest, keys),
            None => false,
        },
    }
}

impl fmt::Display for FieldPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
