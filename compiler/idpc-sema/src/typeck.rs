//! Checking one value against its type, with a precise message when it does not fit.

use idpc_diagnostics::{Code, Diagnostic, Span, did_you_mean, quote};
use idpc_ir::{
    Cpu, Date, Duration, Email, FieldValue, Image, IntOrPercent, Memory, NameKind, Percent,
    SecretProvider, SecretRef, Url, ValueType, validate_dns_label,
};
use idpc_syntax::ast::{Value, ValueKind};

/// Checks `value` against `ty`. `what` names the place in messages: "`replicas`"; it is only
/// written out when there is a message.
pub(crate) fn check(
    value: &Value,
    ty: &ValueType,
    what: &dyn std::fmt::Display,
) -> Result<FieldValue, Diagnostic> {
    let span = value.span;
    let mismatch = |help: Option<String>| {
        Diagnostic::new(
            Code::TypeMismatch,
            format!("{what} expects {}, found {}", ty.describe(), value.kind.describe()),
            span,
            format!("expected {}", ty.keyword()),
        )
        .with_help_opt(help)
    };
    let malformed = |reason: String| {
        Diagnostic::new(
            Code::MalformedValue,
            format!("{what} is not {}", ty.describe()),
            span,
            reason,
        )
    };
    if let ValueKind::String(text) = &value.kind
        && *ty != ValueType::SecretRef
        && contains_credential(text)
    {
        return Err(literal_secret(value, what));
    }
    match (ty, &value.kind) {
        (_, ValueKind::Null) => {
            Err(mismatch(Some("remove the property to use the default".to_owned())))
        }
        (ValueType::String, ValueKind::String(s)) => Ok(FieldValue::String(s.clone())),
        (ValueType::String, ValueKind::Integer(_) | ValueKind::Float(..)) => {
            Err(mismatch(Some("write the value in quotes to make it a string".to_owned())))
        }
        (ValueType::Int { min, max }, ValueKind::Integer(i)) => {
            let n = i64::try_from(*i).ok().filter(|n| (min..=max).contains(&n));
            n.map(FieldValue::Int).ok_or_else(|| {
                Diagnostic::new(
                    Code::OutOfRange,
                    format!("{what} is {i}, outside {min} to {max}"),
                    span,
                    format!("must be from {min} to {max}"),
                )
            })
        }
        (ValueType::Int { .. } | ValueType::Port, ValueKind::String(s))
            if s.trim().parse::<i64>().is_ok() =>
        {
            Err(mismatch(Some(format!("remove the quotes: {}", s.trim()))))
        }
        (ValueType::Port, ValueKind::Integer(i)) => u16::try_from(*i)
            .ok()
            .filter(|p| *p >= 1)
            .map(|p| FieldValue::Int(i64::from(p)))
            .ok_or_else(|| {
                Diagnostic::new(
                    Code::OutOfRange,
                    format!("{what} is {i}, but ports go from 1 to 65535"),
                    span,
                    "not a port number",
                )
            }),
        (ValueType::Bool, ValueKind::Bool(b)) => Ok(FieldValue::Bool(*b)),
        (ValueType::Bool, ValueKind::String(s)) if s == "true" || s == "false" => {
            Err(mismatch(Some(format!("KDL 2 writes booleans as `#{s}`"))))
        }
        (ValueType::Duration, ValueKind::String(s)) => {
            Duration::parse(s).map(FieldValue::Duration).map_err(malformed)
        }
        (ValueType::Duration, ValueKind::Integer(i)) => {
            Err(mismatch(Some(format!("durations are quoted with a unit, such as \"{i}s\""))))
        }
        (ValueType::Percent, ValueKind::String(s)) => {
            Percent::parse(s).map(FieldValue::Percent).map_err(malformed)
        }
        (ValueType::Percent, ValueKind::Integer(i)) => {
            Percent::parse(&i.to_string()).map(FieldValue::Percent).map_err(malformed)
        }
        (ValueType::Percent, ValueKind::Float(_, raw)) => {
            Percent::parse(raw).map(FieldValue::Percent).map_err(malformed)
        }
        (ValueType::Cpu, ValueKind::String(s)) => {
            Cpu::parse(s).map(FieldValue::Cpu).map_err(malformed)
        }
        (ValueType::Cpu, ValueKind::Integer(i)) => {
            Cpu::parse(&i.to_string()).map(FieldValue::Cpu).map_err(malformed)
        }
        (ValueType::Cpu, ValueKind::Float(_, raw)) => {
            Cpu::parse(raw).map(FieldValue::Cpu).map_err(malformed)
        }
        (ValueType::Memory, ValueKind::String(s)) => {
            Memory::parse(s).map(FieldValue::Memory).map_err(malformed)
        }
        (ValueType::Memory, ValueKind::Integer(i)) => {
            Err(mismatch(Some(format!("memory is quoted with a unit, such as \"{i}Mi\""))))
        }
        (ValueType::Name | ValueType::Ref(_) | ValueType::Declares(_), ValueKind::String(s)) => {
            validate_dns_label(s)
                .map(|()| FieldValue::String(s.clone()))
                .map_err(|reason| invalid_name(s, span, &reason, None))
        }
        (ValueType::Email, ValueKind::String(s)) => {
            Email::parse(s).map(FieldValue::Email).map_err(malformed)
        }
        (ValueType::Url, ValueKind::String(s)) => {
            Url::parse(s).map(FieldValue::Url).map_err(malformed)
        }
        (ValueType::Image, ValueKind::String(s)) => {
            Image::parse(s).map(FieldValue::Image).map_err(malformed)
        }
        (ValueType::SecretRef, ValueKind::String(s)) => {
            SecretRef::parse(s).map(FieldValue::SecretRef).map_err(|reason| {
                if looks_like_literal_secret(s) {
                    literal_secret(value, what)
                } else {
                    malformed(reason)
                }
            })
        }
        (ValueType::Date, ValueKind::String(s)) => {
            Date::parse(s).map(FieldValue::Date).map_err(malformed)
        }
        (ValueType::IntOrPercent, ValueKind::Integer(i)) => u32::try_from(*i)
            .map(|n| FieldValue::IntOrPercent(IntOrPercent::Int(n)))
            .map_err(|_| {
                Diagnostic::new(
                    Code::OutOfRange,
                    format!("{what} is {i}, but it cannot be negative"),
                    span,
                    "must be 0 or more",
                )
            }),
        (ValueType::IntOrPercent, ValueKind::String(s)) if s.ends_with('%') => Percent::parse(s)
            .map(|p| FieldValue::IntOrPercent(IntOrPercent::Percent(p)))
            .map_err(malformed),
        (ValueType::Enum(choices), ValueKind::String(s)) => {
            if choices.iter().any(|c| c == s) {
                Ok(FieldValue::String(s.clone()))
            } else {
                let quoted: Vec<String> =
                    choices.iter().map(|c| format!("`{c}`", c = quote(c))).collect();
                Err(Diagnostic::new(
                    Code::UnknownEnumValue,
                    format!("{what} cannot be `{s}`", s = quote(s)),
                    span,
                    format!("expected one of {}", quoted.join(", ")),
                )
                .with_help_opt(did_you_mean(s, choices.iter())))
            }
        }
        _ => Err(mismatch(None)),
    }
}

/// The diagnostic for a secret value written where a reference belongs. The value itself is
/// never repeated in the message.
pub(crate) fn literal_secret(value: &Value, what: &dyn std::fmt::Display) -> Diagnostic {
    Diagnostic::new(
        Code::LiteralSecret,
        format!("{what} holds a literal secret value"),
        value.span,
        "a secret value, not a reference",
    )
    .with_help("store the value in a secrets manager and reference it: `secret \"NAME\" from=\"vault:path#key\"`")
}

/// Whether a string reads like a secret rather than a reference into a secrets manager: no
/// known provider prefix and no path separators, or a shape secret scanners know.
pub(crate) fn looks_like_literal_secret(text: &str) -> bool {
    if contains_credential(text) {
        return true;
    }
    // `name:…` reads as a reference to a secrets manager, known or not: an unknown one is
    // named as such rather than taken for the secret itself.
    let provider_prefix = text.split_once(':').is_some_and(|(prefix, _)| {
        SecretProvider::ALL.iter().any(|(_, p)| *p == prefix)
            || (prefix.len() >= 2
                && prefix.starts_with(|c: char| c.is_ascii_lowercase())
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    });
    !provider_prefix && !text.contains('/')
}

/// Whether `text` holds something shaped like a credential ([`crate::credentials`]).
pub(crate) fn contains_credential(text: &str) -> bool {
    crate::credentials::contains(text)
}

/// The diagnostic for a name that breaks the rules of names (of `kind`, for a declaration),
/// with a suggestion when one is close.
pub(crate) fn invalid_name(
    text: &str,
    span: Span,
    reason: &str,
    kind: Option<NameKind>,
) -> Diagnostic {
    let rule = if text.starts_with(|c: char| c.is_ascii_digit()) {
        "Kubernetes Service names, Terraform identifiers and Rego packages start with a letter: put a word before the digits"
    } else {
        "a name is lower-case letters, digits and `-`, starts with a letter and ends with a letter or digit, so that Kubernetes, Terraform, Rego and the catalog all accept it"
    };
    let help = match (suggest_name(text, kind), kind) {
        (Some(fixed), Some(kind)) => {
            format!("try `{fixed}`: {}", kind.why(), fixed = quote(&fixed))
        }
        (Some(fixed), None) => format!("try `{fixed}`", fixed = quote(&fixed)),
        (None, Some(kind)) if validate_dns_label(text).is_ok() => kind.why().to_owned(),
        (None, _) => rule.to_owned(),
    };
    Diagnostic::new(
        Code::InvalidName,
        format!("`{text}` is not a valid name: {reason}", text = quote(text)),
        span,
        reason,
    )
    .with_help(help)
}

/// A valid name close to `text`: accents dropped, lower-cased, other characters replaced by `-`,
/// shortened to the budget of `kind`.
fn suggest_name(text: &str, kind: Option<NameKind>) -> Option<String> {
    let max = kind.map_or(idpc_ir::names::MAX_LABEL, NameKind::max_len);
    let mapped: String = idpc_ir::fold_accents(text)
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut fixed: String = mapped.trim_matches('-').chars().take(max).collect();
    while kind == Some(NameKind::Port) && fixed.contains("--") {
        fixed = fixed.replace("--", "-");
    }
    let fixed = fixed.trim_end_matches('-');
    let valid = match kind {
        Some(kind) => idpc_ir::validate_declared(fixed, kind).is_ok(),
        None => validate_dns_label(fixed).is_ok(),
    };
    (valid && fixed != text).then(|| fixed.to_owned())
}
