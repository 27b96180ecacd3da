//! Emails, URLs, container image references and secret references.

use std::fmt;

use serde::{Serialize, Serializer};

/// An email address, checked for the shape `local@domain.tld`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an email address.
    pub fn parse(text: &str) -> Result<Email, String> {
        let Some((local, domain)) = text.split_once('@') else {
            return Err(format!("`{text}` has no `@`"));
        };
        let local_ok = !local.is_empty()
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.');
        if !local_ok {
            return Err(format!("`{local}` is not a valid mailbox name"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !domain_ok {
            return Err(format!("`{domain}` is not a valid domain"));
        }
        Ok(Email(text.to_ascii_lowercase()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or("")
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// An `http` or `https` URL.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Url(String);

impl Url {
    /// Parses a URL with a scheme of `http` or `https` and a host.
    pub fn parse(text: &str) -> Result<Url, String> {
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(format!("`{text}` has no scheme: write `https://…`"));
        };
        if scheme != "http" && scheme != "https" {
            return Err(format!("the scheme `{scheme}` is not supported: use http or https"));
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit_once(':').map_or(authority, |(host, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) { host } else { authority }
        });
        if host.is_empty()
            || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Err(format!("`{authority}` is not a valid host"));
        }
        if text.chars().any(char::is_whitespace) {
            return Err("a URL cannot contain spaces".to_owned());
        }
        Ok(Url(text.to_owned()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A URL written into idpc itself as a default; it is not checked.
    pub fn builtin(text: &'static str) -> Url {
        Url(text.to_owned())
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Url {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A container image reference: `[registry/]repository[:tag][@digest]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Image {
    /// The repository, with its registry host when it has one.
    pub repository: String,
    /// The tag, if any.
    pub tag: Option<String>,
    /// The digest (`sha256:…`), if any.
    pub digest: Option<String>,
}

impl Image {
    /// Parses an image reference.
    pub fn parse(text: &str) -> Result<Image, String> {
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => {
                let hex = digest
                    .strip_prefix("sha256:")
                    .ok_or_else(|| format!("the digest `{digest}` is not `sha256:…`"))?;
                if hex.len() != 64
                    || !hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                {
                    return Err("a sha256 digest has 64 lower-case hex digits".to_owned());
                }
                (rest, Some(digest.to_owned()))
            }
            None => (text, None),
        };
        // A `:` after the last `/` starts the tag; one before it belongs to a registry port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match rest[last_slash..].find(':') {
            Some(colon) => (&rest[..last_slash + colon], Some(&rest[last_slash + colon + 1..])),
            None => (rest, None),
        };
        if let Some(tag) = tag {
            let first_ok =
                tag.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            if !first_ok
                || tag.len() > 128
                || !tag.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            {
                return Err(format!("`{tag}` is not a valid tag"));
            }
        }
        let mut components = repository.split('/').peekable();
        let mut first = true;
        while let Some(component) = components.next() {
            let is_registry = first
                && components.peek().is_some()
                && (component.contains(['.', ':']) || component == "localhost");
            first = false;
            if is_registry {
                continue;
            }
            let ok = !component.is_empty()
                && component
                    .split(['.', '_', '-'])
                    .all(|part| !part.is_empty() || component.contains("__"))
                && component
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
                && component.starts_with(|c: char| c.is_ascii_alphanumeric())
                && component.ends_with(|c: char| c.is_ascii_alphanumeric());
            if !ok {
                return Err(format!(
                    "`{component}` is not a valid repository path component (lower-case letters, digits, `.`, `_`, `-`)"
                ));
            }
        }
        Ok(Image { repository: repository.to_owned(), tag: tag.map(str::to_owned), digest })
    }

    /// Whether the repository names its registry host (`ghcr.io/…`, `localhost:5000/…`).
    pub fn has_registry(&self) -> bool {
        let mut parts = self.repository.split('/');
        let first = parts.next().unwrap_or("");
        parts.next().is_some() && (first.contains(['.', ':']) || first == "localhost")
    }

    /// Whether the reference pins content: a digest, or a tag that reads as a version or a
    /// commit. `latest`, a missing tag and branch names are mutable.
    pub fn is_pinned(&self) -> bool {
        if self.digest.is_some() {
            return true;
        }
        let Some(tag) = &self.tag else { return false };
        let version = tag.strip_prefix('v').unwrap_or(tag);
        let starts_with_number = version
            .split(['.', '-', '+'])
            .next()
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        let commit = (7..=40).contains(&tag.len())
            && tag.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        starts_with_number || commit
    }
}

impl fmt::Display for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// The secrets managers a reference can point into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretProvider {
    /// HashiCorp Vault (or OpenBao): `vault:mount/path#key`.
    Vault,
    /// AWS Secrets Manager: `aws-sm:name#key`.
    AwsSm,
    /// Google Secret Manager: `gcp-sm:name#version`.
    GcpSm,
    /// Azure Key Vault: `azure-kv:vault/secret`.
    AzureKv,
}

impl SecretProvider {
    /// Every provider with its prefix.
    pub const ALL: &'static [(SecretProvider, &'static str)] = &[
        (SecretProvider::Vault, "vault"),
        (SecretProvider::AwsSm, "aws-sm"),
        (SecretProvider::GcpSm, "gcp-sm"),
        (SecretProvider::AzureKv, "azure-kv"),
    ];

    /// The prefix written before `:`.
    pub fn prefix(self) -> &'static str {
        SecretProvider::ALL.iter().find(|(p, _)| *p == self).map_or("", |(_, s)| s)
    }
}

/// A reference into a secrets manager: `provider:path[#key]`. Never the secret itself.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SecretRef {
    /// The secrets manager.
    pub provider: SecretProvider,
    /// The path of the secret in it.
    pub path: String,
    /// The key within the secret, if any.
    pub key: Option<String>,
}

impl SecretRef {
    /// Parses `vault:payments/stripe#api_key`.
    pub fn parse(text: &str) -> Result<SecretRef, String> {
        let Some((prefix, rest)) = text.split_once(':') else {
            return Err(format!(
                "`{text}` is not a reference: write `provider:path#key`, e.g. `vault:team/app#key`"
            ));
        };
        let Some(&(provider, _)) = SecretProvider::ALL.iter().find(|(_, p)| *p == prefix) else {
            let known: Vec<&str> = SecretProvider::ALL.iter().map(|(_, p)| *p).collect();
            return Err(format!("unknown secrets manager `{prefix}`: use {}", known.join(", ")));
        };
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let (path, key) = match rest.split_once('#') {
            Some((path, key)) => (path, Some(key)),
            None => (rest, None),
        };
        let path_ok = !path.is_empty()
            && !path.starts_with('/')
            && path.split('/').all(|seg| {
                !seg.is_empty()
                    && seg.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            });
        if !path_ok {
            return Err(format!(
                "`{path}` is not a secret path: segments of letters, digits, `-`, `_` and `.`, joined by `/`"
            ));
        }
        if let Some(key) = key
            && (key.is_empty()
                || !key.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        {
            return Err(format!("`{key}` is not a secret key"));
        }
        Ok(SecretRef { provider, path: path.to_owned(), key: key.map(str::to_owned) })
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.provider.prefix(), self.path)?;
        if let Some(key) = &self.key {
            write!(f, "#{key}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_parse() {
        let image = Image::parse("ghcr.io/acme/payments-api:1.4.2").unwrap();
        assert_eq!(image.repository, "ghcr.io/acme/payments-api");
        assert_eq!(image.tag.as_deref(), Some("1.4.2"));
        assert!(image.has_registry() && image.is_pinned());
        let local = Image::parse("localhost:5000/app").unwrap();
        assert!(local.has_registry() && local.tag.is_none() && !local.is_pinned());
        assert!(!Image::parse("payments-api:latest").unwrap().is_pinned());
        assert!(Image::parse("payments-api:abc1234").unwrap().is_pinned());
        assert!(Image::parse("Payments").is_err());
        assert!(Image::parse("app:bad tag").is_err());
        assert!(Image::parse("app@sha256:abc").is_err());
    }

    #[test]
    fn secret_refs_parse() {
        let secret = SecretRef::parse("vault:payments/stripe#api_key").unwrap();
        assert_eq!(
            (secret.provider, secret.path.as_str(), secret.key.as_deref()),
            (SecretProvider::Vault, "payments/stripe", Some("api_key"))
        );
        assert_eq!(secret.to_string(), "vault:payments/stripe#api_key");
        assert!(SecretRef::parse("sk_live_abcdef").is_err());
        assert!(SecretRef::parse("keepass:x").unwrap_err().contains("unknown secrets manager"));
    }

    #[test]
    fn emails_and_urls() {
        assert!(Email::parse("alice@acme.com").is_ok());
        assert!(Email::parse("alice").is_err());
        assert!(Email::parse("alice@localhost").is_err());
        assert!(Url::parse("https://runbooks.acme.internal/pay").is_ok());
        assert!(Url::parse("ftp://x.y").is_err());
        assert!(Url::parse("runbooks.acme").is_err());
    }
}
