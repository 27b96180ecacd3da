//! What makes a name valid: one definition for every target the backends write.
//!
//! A name is a DNS-1035 label: lower-case ASCII letters, digits and `-`, starting with a letter,
//! ending with a letter or digit, at most 63 characters. That is what Kubernetes asks of a
//! `Service` name, and it is also a valid Terraform identifier once `-` becomes `_`, a valid Rego
//! package segment, a Backstage entity name, a Prometheus label value and a Grafana uid part.
//!
//! The artifacts also derive names from declared ones. Where a fixed suffix is added
//! (`<service>-canary`, `<service>-preview`) or the target is stricter (port names), the kind of
//! name has a shorter budget ([`NameKind::max_len`]), checked where the name is declared
//! (`E0304`). Where two declarations are joined (`<team>-<environment>` namespaces,
//! `<service>-<resource>` catalog entities), [`validate_joined`] checks the pair (`E0501`). Longer
//! derived names are shortened with a hash by the backends (Terraform instance names, Grafana
//! uids), whose `names` module derives every name and whose tests check them against these
//! budgets.

/// The longest DNS label.
pub const MAX_LABEL: usize = 63;

/// `text` with each accented letter as its base letter (`café` → `cafe`; a letter that is not
/// a base letter with marks, such as `ø`, stays): what a name suggested from a word people
/// wrote starts from.
pub fn fold_accents(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    text.nfd().filter(|c| !is_combining_mark(*c)).collect()
}

/// Checks a name: a DNS-1035 label.
pub fn validate_dns_label(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("a name cannot be empty".to_owned());
    }
    if text.len() > MAX_LABEL {
        return Err(format!("it has {} characters; a name has at most {MAX_LABEL}", text.len()));
    }
    if let Some(bad) =
        text.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(if bad.is_ascii_uppercase() {
            "names are lower-case".to_owned()
        } else {
            format!("`{bad}` is not allowed in a name: use lower-case letters, digits and `-`")
        });
    }
    if !text.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("a name starts with a letter".to_owned());
    }
    if text.ends_with('-') {
        return Err("a name ends with a letter or digit".to_owned());
    }
    Ok(())
}

/// The kinds of declared names, each with the budget that keeps the names derived from it valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NameKind {
    /// `platform "acme"`: the OPA package `idpc.acme`.
    Platform,
    /// `team`.
    Team,
    /// `environment`.
    Environment,
    /// `cluster` of an environment.
    Cluster,
    /// `system`.
    System,
    /// `kind`.
    Kind,
    /// `field` of a kind: a Terraform variable.
    Field,
    /// `output` of a kind: part of a Terraform output name.
    Output,
    /// `service`: also the Kubernetes `Service`s `<service>-canary` and `<service>-preview`.
    Service,
    /// `port` of a service: a Kubernetes port name (an IANA service name).
    Port,
    /// `resource` of a service: the catalog entity `<service>-<resource>`.
    Resource,
}

/// The longest suffix the backends append to a service name for a Kubernetes `Service`
/// (`-preview`).
pub const LONGEST_SERVICE_SUFFIX: &str = "-preview";

/// The longest service name.
pub const MAX_SERVICE: usize = MAX_LABEL - LONGEST_SERVICE_SUFFIX.len();

/// The longest port name: Kubernetes port names are IANA service names.
pub const MAX_PORT: usize = 15;

/// Words Rego reserves, which cannot be a segment of the OPA bundle's package.
pub const REGO_KEYWORDS: &[&str] = &[
    "as", "contains", "default", "else", "every", "false", "if", "import", "in", "not", "null",
    "package", "some", "true", "with",
];

impl NameKind {
    /// The longest name of this kind.
    pub const fn max_len(self) -> usize {
        match self {
            NameKind::Service => MAX_SERVICE,
            NameKind::Port => MAX_PORT,
            _ => MAX_LABEL,
        }
    }

    /// How the kind is named in messages: "a team name".
    pub const fn what(self) -> &'static str {
        match self {
            NameKind::Platform => "a platform name",
            NameKind::Team => "a team name",
            NameKind::Environment => "an environment name",
            NameKind::Cluster => "a cluster name",
            NameKind::System => "a system name",
            NameKind::Kind => "a kind name",
            NameKind::Field => "a field name",
            NameKind::Output => "an output name",
            NameKind::Service => "a service name",
            NameKind::Port => "a port name",
            NameKind::Resource => "a resource name",
        }
    }

    /// Why the budget is what it is, for the help line.
    pub const fn why(self) -> &'static str {
        match self {
            NameKind::Service => {
                "the rollout's Kubernetes Services are `<service>-canary` and `<service>-preview`, which Kubernetes limits to 63 characters"
            }
            NameKind::Port => {
                "Kubernetes port names are IANA service names: at most 15 characters, without `--`"
            }
            NameKind::Platform => {
                "the platform name is a segment of the OPA bundle's Rego package, where it cannot be a Rego keyword"
            }
            _ => "names are used by Kubernetes, Terraform, Rego and the catalog alike",
        }
    }
}

/// Checks a declared name: a valid name ([`validate_dns_label`]) within its kind's budget.
pub fn validate_declared(text: &str, kind: NameKind) -> Result<(), String> {
    validate_dns_label(text)?;
    let max = kind.max_len();
    if text.len() > max {
        return Err(format!("it has {} characters; {} has at most {max}", text.len(), kind.what()));
    }
    if kind == NameKind::Port && text.contains("--") {
        return Err("a port name cannot contain `--`".to_owned());
    }
    if kind == NameKind::Platform && REGO_KEYWORDS.contains(&text.replace('-', "_").as_str()) {
        return Err(format!("`{text}` is a Rego keyword"));
    }
    Ok(())
}

/// Checks a name the backends make by joining two declared names with `-`, such as the catalog
/// entity `<service>-<resource>`.
pub fn validate_joined(first: &str, second: &str) -> Result<(), String> {
    let len = first.len() + 1 + second.len();
    if len > MAX_LABEL {
        return Err(format!("`{first}-{second}` would have {len} characters; at most {MAX_LABEL}"));
    }
    Ok(())
}

/// The catalog user a member's email becomes: the part before `@`, lower-case, with `.`, `+`
/// and `%` as `-`. Two members with the same catalog user collide (E0502).
pub fn catalog_user(local_part: &str) -> String {
    local_part.to_ascii_lowercase().replace(['.', '+', '%'], "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dns_1035_labels() {
        assert!(validate_dns_label("payments-api").is_ok());
        assert!(validate_dns_label("a1").is_ok());
        assert!(validate_dns_label("Payments").unwrap_err().contains("lower-case"));
        assert!(validate_dns_label("-x").is_err());
        assert!(validate_dns_label("x-").is_err());
        assert!(validate_dns_label("1api").unwrap_err().contains("starts with a letter"));
        assert!(validate_dns_label(&"a".repeat(64)).unwrap_err().contains("64 characters"));
        assert!(validate_dns_label("pay_ments").is_err());
        assert!(validate_dns_label("é").is_err());
    }

    #[test]
    fn budgets_keep_derived_names_valid() {
        let service = "s".repeat(MAX_SERVICE);
        assert!(validate_dns_label(&format!("{service}{LONGEST_SERVICE_SUFFIX}")).is_ok());
        assert!(validate_declared(&"s".repeat(MAX_SERVICE + 1), NameKind::Service).is_err());
        assert!(validate_declared("http--alt", NameKind::Port).is_err());
        assert!(validate_declared("import", NameKind::Platform).is_err());
        assert!(validate_declared("import", NameKind::Team).is_ok());
        assert!(validate_joined(&service, "db12345").is_ok());
        assert!(validate_joined(&service, "db123456").is_err());
    }
}
