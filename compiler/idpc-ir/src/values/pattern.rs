//! Patterns over the field paths of a document, as drift ignore rules write them.

use std::fmt;

/// A pattern over field paths: segments separated by `.`; `*` matches any one segment, `**` any
/// number of segments (also none); a key with dots is written in brackets and quotes:
/// `metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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

/// Whether `pattern` matches `keys` or a prefix of them, by dynamic programming over (pattern
/// position, key position): linear in their product however many `**` the pattern has (a
/// recursive search is exponential in them).
fn matches_from(pattern: &[String], keys: &[String]) -> bool {
    let width = keys.len() + 1;
    // `rest[j]`: whether the pattern from the current position on matches `keys[j..]`.
    let mut rest = vec![true; width];
    for segment in pattern.iter().rev() {
        let mut here = vec![false; width];
        for j in (0..width).rev() {
            here[j] = if segment == "**" {
                rest[j] || (j < keys.len() && here[j + 1])
            } else {
                j < keys.len() && (segment == "*" || *segment == keys[j]) && rest[j + 1]
            };
        }
        rest = here;
    }
    rest[0]
}

impl fmt::Display for FieldPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(path: &str) -> Vec<String> {
        path.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn stars_match_one_segment_and_double_stars_any() {
        let pattern = FieldPattern::parse("spec.*.image").unwrap();
        assert!(pattern.matches(&keys("spec.web.image")));
        assert!(pattern.matches(&keys("spec.web.image.tag")));
        assert!(!pattern.matches(&keys("spec.image")));
        let pattern = FieldPattern::parse("**.replicas").unwrap();
        assert!(pattern.matches(&keys("replicas")));
        assert!(pattern.matches(&keys("spec.template.replicas")));
        assert!(!pattern.matches(&keys("spec.template")));
    }

    #[test]
    fn many_double_stars_match_in_polynomial_time() {
        let text = format!("{}nomatch", "**.a.".repeat(40));
        let pattern = FieldPattern::parse(&text).unwrap();
        let path: Vec<String> = (0..200).map(|_| "a".to_owned()).collect();
        assert!(!pattern.matches(&path));
    }
}
