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
pub use quantity::{Cpu, IntOrPercent, Memory, Percent};
pub use reference::{Email, Image, SecretProvider, SecretRef, Url};
pub use time::{Date, Duration};

use serde::Serialize;

/// The type of a field, a property or an argument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
    Enum(Vec<String>),
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
            ValueType::Name => {
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
            ValueType::Name => "name",
            ValueType::Email => "email",
            ValueType::Url => "url",
            ValueType::Image => "image",
            ValueType::SecretRef => "secret-ref",
            ValueType::Date => "date",
            ValueType::IntOrPercent => "int-or-percent",
            ValueType::Enum(_) => "enum",
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
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
