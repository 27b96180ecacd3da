//! The value types of the language: durations, percentages, quantities, names, emails, URLs,
//! image references and secret references, with their parsers and canonical renderings.
//!
//! Parsers return `Err(reason)` with a lower-case reason fragment; the checker turns it into a
//! diagnostic at the value's span.

mod pattern;
mod quantity;
mod reference;
mod time;

pub use pattern::FieldPattern;
pub use quantity::{Cpu, IntOrPercent, KUBERNETES_MAX, Memory, Percent};
pub use reference::{Email, Image, SecretProvider, SecretRef, Url};
pub use time::{Date, Duration};

use serde::Serialize;

use crate::NameKind;

/// The type of a field, a property or an argument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum ValueType {
    /// Any string.
    String,
    /// An integer within bounds.
    Int {
        /// The smallest allowed value.
        min: i64,
        /// The largest allowed value.
        max: i64,
    },
    /// `#true` or `#false`.
    Bool,
    /// A duration such as `"5m"`.
    Duration,
    /// A percentage such as `"99.9%"` (or a number taken as a percentage).
    Percent,
    /// A CPU quantity such as `"250m"`.
    Cpu,
    /// A memory or storage quantity such as `"256Mi"`.
    Memory,
    /// A TCP port, 1 to 65535.
    Port,
    /// A DNS label: lower-case letters, digits and `-`, at most 63 characters.
    Name,
    /// An email address.
    Email,
    /// An `http` or `https` URL.
    Url,
    /// A container image reference.
    Image,
    /// A reference into a secrets manager, `provider:path#key`.
    SecretRef,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An integer or a percentage (`1` or `"25%"`).
    IntOrPercent,
    /// One of a fixed set of strings.
    Enum(Choices),
    /// A name that refers to a declaration of this kind (the language's schema only).
    #[serde(skip)]
    Ref(Target),
    /// A name that declares something of this kind, within the kind's length budget (the
    /// language's schema only).
    #[serde(skip)]
    Declares(NameKind),
    /// Any value; its type is decided by another declaration (a kind field's `default`).
    #[serde(skip)]
    Any,
}

/// The choices of an enum type: fixed in the language's schema, or declared by a kind.
#[derive(Clone, Debug)]
pub enum Choices {
    /// The schema's choices.
    Static(&'static [&'static str]),
    /// A kind field's `one-of`.
    Owned(Vec<String>),
}

impl Choices {
    /// The choices, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (fixed, owned): (&[&str], &[String]) = match self {
            Choices::Static(fixed) => (fixed, &[]),
            Choices::Owned(owned) => (&[], owned),
        };
        fixed.iter().copied().chain(owned.iter().map(String::as_str))
    }

    /// Whether `choice` is one of them.
    pub fn contains(&self, choice: &str) -> bool {
        self.iter().any(|c| c == choice)
    }

    /// The first choice.
    pub fn first(&self) -> Option<&str> {
        self.iter().next()
    }

    /// The choices joined by `separator`.
    pub fn join(&self, separator: &str) -> String {
        self.iter().collect::<Vec<_>>().join(separator)
    }
}

impl PartialEq for Choices {
    fn eq(&self, other: &Choices) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Choices {}

impl std::hash::Hash for Choices {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for choice in self.iter() {
            choice.hash(state);
        }
    }
}

impl Serialize for Choices {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// What a reference names. Resolution records, for every reference, the declaration it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// A `team`.
    Team,
    /// An `environment`.
    Environment,
    /// A `system`.
    System,
    /// A `service`.
    Service,
    /// A resource `kind`.
    Kind,
    /// A `port` of the enclosing service.
    Port,
    /// An `output` of the enclosing kind.
    Output,
    /// A policy: a preset or one of the platform's own `.rego` files.
    Policy,
}

impl Target {
    /// The kind of name this names (`None` for policies, which are files or presets).
    pub fn name_kind(self) -> Option<NameKind> {
        Some(match self {
            Target::Team => NameKind::Team,
            Target::Environment => NameKind::Environment,
            Target::System => NameKind::System,
            Target::Service => NameKind::Service,
            Target::Kind => NameKind::Kind,
            Target::Port => NameKind::Port,
            Target::Output => NameKind::Output,
            Target::Policy => return None,
        })
    }

    /// The node that declares what this names (`None` for policies, which are files or
    /// presets).
    pub fn declared_by(self) -> Option<&'static str> {
        Some(match self {
            Target::Team => "team",
            Target::Environment => "environment",
            Target::System => "system",
            Target::Service => "service",
            Target::Kind => "kind",
            Target::Port => "port",
            Target::Output => "output",
            Target::Policy => return None,
        })
    }
}

impl ValueType {
    /// How the type is named in messages and docs.
    pub fn describe(&self) -> String {
        match self {
            ValueType::String => "a string".to_owned(),
            ValueType::Int { min, max } => format!("an integer from {min} to {max}"),
            ValueType::Bool => "`#true` or `#false`".to_owned(),
            ValueType::Duration => "a duration such as \"30s\", \"5m\" or \"7d\"".to_owned(),
            ValueType::Percent => "a percentage such as \"99.9%\"".to_owned(),
            ValueType::Cpu => "a CPU quantity such as \"250m\" or \"2\"".to_owned(),
            ValueType::Memory => "a memory quantity such as \"256Mi\" or \"10Gi\"".to_owned(),
            ValueType::Port => "a port from 1 to 65535".to_owned(),
            ValueType::Name | ValueType::Ref(_) | ValueType::Declares(_) => {
                "a name (lower-case letters, digits and `-`, starting with a letter)".to_owned()
            }
            ValueType::Email => "an email address".to_owned(),
            ValueType::Url => "an http or https URL".to_owned(),
            ValueType::Image => "a container image reference".to_owned(),
            ValueType::SecretRef => "a secret reference such as \"vault:team/app#key\"".to_owned(),
            ValueType::Date => "a date such as \"2026-01-31\"".to_owned(),
            ValueType::IntOrPercent => "an integer or a percentage".to_owned(),
            ValueType::Enum(choices) => {
                let quoted: Vec<String> = choices.iter().map(|c| format!("\"{c}\"")).collect();
                format!("one of {}", quoted.join(", "))
            }
            ValueType::Any => "a value of the field's type".to_owned(),
        }
    }

    /// The short name used in kind declarations (`type="memory"`).
    pub fn keyword(&self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::Int { .. } => "int",
            ValueType::Bool => "bool",
            ValueType::Duration => "duration",
            ValueType::Percent => "percent",
            ValueType::Cpu => "cpu",
            ValueType::Memory => "memory",
            ValueType::Port => "port",
            ValueType::Name | ValueType::Ref(_) | ValueType::Declares(_) => "name",
            ValueType::Email => "email",
            ValueType::Url => "url",
            ValueType::Image => "image",
            ValueType::SecretRef => "secret-ref",
            ValueType::Date => "date",
            ValueType::IntOrPercent => "int-or-percent",
            ValueType::Enum(_) => "enum",
            ValueType::Any => "any",
        }
    }

    /// The keywords a kind field may declare as its type.
    pub const KEYWORDS: &'static [&'static str] = &[
        "string",
        "int",
        "bool",
        "duration",
        "percent",
        "cpu",
        "memory",
        "port",
        "name",
        "email",
        "url",
        "image",
        "secret-ref",
        "date",
        "enum",
    ];
}

/// A checked value of some [`ValueType`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(untagged)]
pub enum FieldValue {
    /// A string, a name or an enum choice.
    String(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A duration.
    Duration(Duration),
    /// A percentage.
    Percent(Percent),
    /// CPU.
    Cpu(Cpu),
    /// Memory or storage.
    Memory(Memory),
    /// An email address.
    Email(Email),
    /// A URL.
    Url(Url),
    /// An image.
    Image(Image),
    /// A secret reference.
    SecretRef(SecretRef),
    /// A date.
    Date(Date),
    /// An integer or a percentage.
    IntOrPercent(IntOrPercent),
}

impl FieldValue {
    /// The value as a string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            FieldValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            FieldValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value as a boolean, if it is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            FieldValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value as a duration, if it is one.
    pub fn as_duration(&self) -> Option<Duration> {
        match self {
            FieldValue::Duration(d) => Some(*d),
            _ => None,
        }
    }

    /// The value as a percentage, if it is one.
    pub fn as_percent(&self) -> Option<Percent> {
        match self {
            FieldValue::Percent(p) => Some(*p),
            _ => None,
        }
    }

    /// The canonical text of the value, as artifacts write it.
    pub fn render(&self) -> String {
        match self {
            FieldValue::String(s) => s.clone(),
            FieldValue::Int(i) => i.to_string(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Duration(d) => d.to_string(),
            FieldValue::Percent(p) => p.to_string(),
            FieldValue::Cpu(c) => c.to_string(),
            FieldValue::Memory(m) => m.to_string(),
            FieldValue::Email(e) => e.to_string(),
            FieldValue::Url(u) => u.to_string(),
            FieldValue::Image(i) => i.to_string(),
            FieldValue::SecretRef(s) => s.to_string(),
            FieldValue::Date(d) => d.to_string(),
            FieldValue::IntOrPercent(v) => v.to_string(),
        }
    }
}
