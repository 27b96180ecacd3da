//! Field paths into a document, and the patterns normalisation rules match them with.

use std::fmt;

/// One step into a document: a key of an object, or an element of a list (by index, or by the
/// value of its `name` when every element has a distinct one).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Segment {
    /// An object key.
    Key(String),
    /// A list element by position.
    Index(usize),
    /// A list element by its `name`.
    Named(String),
}

/// A path from the root of a document.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// The path one step further.
    pub fn join(&self, segment: Segment) -> FieldPath {
        let mut segments = self.0.clone();
        segments.push(segment);
        FieldPath(segments)
    }

    /// The keys and names of the path, for matching (indices as their number).
    pub fn keys(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|s| match s {
                Segment::Key(k) | Segment::Named(k) => k.clone(),
                Segment::Index(i) => i.to_string(),
            })
            .collect()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(the whole object)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if key.contains(['.', '/', '[', ']', ' ']) => {
                    write!(f, "[\"{key}\"]")?
                }
                Segment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Named(name) => write!(f, "[name={name}]")?,
            }
        }
        Ok(())
    }
}

pub use idpc_ir::FieldPattern as Pattern;

impl FieldPath {
    /// Whether `pattern` matches this path or a prefix of it.
    pub fn matched_by(&self, pattern: &Pattern) -> bool {
        pattern.matches(&self.keys())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(keys: &[&str]) -> FieldPath {
        FieldPath(keys.iter().map(|k| Segment::Key((*k).to_owned())).collect())
    }

    #[test]
    fn patterns_match_prefixes_wildcards_and_quoted_keys() {
        let pattern = Pattern::parse(
            "metadata.annotations[\"kubectl.kubernetes.io/last-applied-configuration\"]",
        )
        .unwrap();
        assert!(
            path(&["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"])
                .matched_by(&pattern)
        );
        assert!(!path(&["metadata", "annotations", "other"]).matched_by(&pattern));
        assert!(path(&["status", "phase"]).matched_by(&Pattern::parse("status").unwrap()));
        let containers =
            Pattern::parse("spec.template.spec.containers[*].imagePullPolicy").unwrap();
        let mut p = path(&["spec", "template", "spec", "containers"]);
        p = p
            .join(Segment::Named("web".to_owned()))
            .join(Segment::Key("imagePullPolicy".to_owned()));
        assert!(p.matched_by(&containers));
        let deep = Pattern::parse("**.creationTimestamp").unwrap();
        assert!(path(&["spec", "template", "metadata", "creationTimestamp"]).matched_by(&deep));
        assert!(Pattern::parse("").is_err() && Pattern::parse("a..b").is_err());
        assert_eq!(p.to_string(), "spec.template.spec.containers[name=web].imagePullPolicy");
    }
}
