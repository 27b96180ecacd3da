//! Credential shapes: what secret scanners recognise as a key, a token or a password, found in
//! any text. The checker refuses strings and templates that hold one (E0306); the driver scans
//! every generated artifact with the same function before writing anything.
//!
//! Shapes are chosen for a low false-positive rate: fixed prefixes with enough characters after
//! them, structures with several parts (JWTs, SendGrid keys), a password in a URL's user
//! information (not `${VAR}` or other placeholders), an Azure `AccountKey=`, and AWS secret keys
//! (40 characters of base64 mixing upper case, lower case and digits).

use std::ops::Range;

/// The byte range of the first credential-shaped part of `text`.
pub(crate) fn find(text: &str) -> Option<Range<usize>> {
    let candidates = [
        words(text, is_word_separator).find(|(_, w)| known_shape(w)).map(|(s, w)| s..s + w.len()),
        url_password(text),
        azure_key(text),
        words(text, |c| !(c.is_ascii_alphanumeric() || c == '/' || c == '+'))
            .find(|(_, w)| aws_secret_key(w))
            .map(|(s, w)| s..s + w.len()),
    ];
    candidates.into_iter().flatten().min_by_key(|r| r.start)
}

/// Whether `text` holds something credential-shaped: what [`find`] finds, faster. Every
/// single-word shape but the AWS secret key holds one of a few fixed markers, and most text
/// holds none, so the words are only looked at when one is there; the markers, and those of URLs
/// with a password and Azure keys, are found in one pass over the text; AWS secret keys are runs
/// of exactly 40 characters, found in one more pass over the bytes.
pub(crate) fn contains(text: &str) -> bool {
    // Without a searcher (it cannot fail to build), every shape is looked for.
    let Some(markers) = markers() else { return find(text).is_some() };
    let (mut marked, mut url, mut azure) = (false, false, false);
    // No two patterns of different groups can overlap, so the leftmost matches find each group.
    for found in markers.find_iter(text) {
        match found.pattern().as_usize() {
            0 => url = true,
            1 => azure = true,
            _ => marked = true,
        }
        if marked && url && azure {
            break;
        }
    }
    (marked && words(text, is_word_separator).any(|(_, w)| known_shape(w)))
        || (url && url_password(text).is_some())
        || (azure && azure_key(text).is_some())
        || aws_secret_run(text)
}

/// A searcher for `://`, `Key=` and the fixed parts of the single-word shapes: the prefixes and
/// the markers of AWS access keys, private keys, JWTs, SendGrid and OpenAI keys, in that order.
fn markers() -> Option<&'static aho_corasick::AhoCorasick> {
    static MARKERS: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    MARKERS
        .get_or_init(|| {
            let fixed = ["://", "Key="].into_iter();
            let markers = ["AKIA", "ASIA", "-----BEGIN", "eyJ", "SG.", "sk-"];
            let patterns = fixed.chain(PREFIXES.iter().copied()).chain(markers);
            // Leftmost-first matching lets the searcher skip ahead with its vectorised
            // prefilter; it finds each group all the same.
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(patterns)
                .ok()
        })
        .as_ref()
}

/// Whether a run of exactly 40 characters of `[A-Za-z0-9/+]` is an AWS secret key. Such a run
/// starts at the beginning of the text or after another character, so the search looks at the
/// last byte of each window of 40 first: where it is another character, no run of 40 starts
/// in the window, and the search moves a whole window on.
fn aws_secret_run(text: &str) -> bool {
    const RUN: usize = 40;
    let inside = |b: &u8| b.is_ascii_alphanumeric() || *b == b'/' || *b == b'+';
    let bytes = text.as_bytes();
    // Always 0 or just after a byte that is not inside a run.
    let mut start = 0;
    while start + RUN <= bytes.len() {
        let end = start + RUN;
        if let Some(last_outside) = bytes[start..end].iter().rposition(|b| !inside(b)) {
            start += last_outside + 1;
            continue;
        }
        let run_end = end + bytes[end..].iter().take_while(|b| inside(b)).count();
        if run_end == end && text.get(start..end).is_some_and(aws_secret_key) {
            return true;
        }
        start = run_end + 1;
    }
    false
}

/// Prefixes of tokens and keys: a word that starts with one and goes on for more than eight
/// characters is a credential.
const PREFIXES: &[&str] = &[
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "ghr_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "glpat-",
    "AIza",
    "sk-proj-",
    "sk-ant-",
];

/// Words are split at white space and at the punctuation of YAML, JSON, URLs and HCL, so that a
/// key is found inside a sentence, a URL or a generated file.
fn is_word_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\''
                | ','
                | ':'
                | '='
                | '['
                | ']'
                | '{'
                | '}'
                | '?'
                | '&'
                | '/'
                | '('
                | ')'
                | ';'
        )
}

/// The non-empty words of `text` with their byte offsets.
fn words(text: &str, separator: fn(char) -> bool) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.char_indices().chain(std::iter::once((text.len(), ' '))).filter_map(move |(index, c)| {
        if index < text.len() && !separator(c) {
            return None;
        }
        let word = (start, &text[start..index]);
        start = index + c.len_utf8();
        Some(word).filter(|(_, w)| !w.is_empty())
    })
}

/// Shapes of a single word: cloud keys, tokens, private keys. Every shape is at least ten
/// characters long, which settles most words of a generated file at once.
fn known_shape(word: &str) -> bool {
    if word.len() < 10 {
        return false;
    }

    let aws_key = word.len() == 20
        && (word.starts_with("AKIA") || word.starts_with("ASIA"))
        && word.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    aws_key
        || word.contains("-----BEGIN")
        || PREFIXES.iter().any(|p| word.starts_with(p) && word.len() > p.len() + 8)
        || openai_key(word)
        || jwt(word)
        || sendgrid_key(word)
}

fn is_base64url(word: &str) -> bool {
    word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn mixes_case_and_digits(word: &str) -> bool {
    word.bytes().any(|b| b.is_ascii_uppercase())
        && word.bytes().any(|b| b.is_ascii_lowercase())
        && word.bytes().any(|b| b.is_ascii_digit())
}

/// `sk-` and at least 20 characters mixing upper case, lower case and digits.
fn openai_key(word: &str) -> bool {
    word.strip_prefix("sk-")
        .is_some_and(|rest| rest.len() >= 20 && is_base64url(rest) && mixes_case_and_digits(rest))
}

/// `eyJ….eyJ….…`: a JSON Web Token (a header and claims that are base64 JSON objects).
fn jwt(word: &str) -> bool {
    if !word.starts_with("eyJ") {
        return false;
    }
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts[1].starts_with("eyJ")
        && parts[0].len() >= 10
        && parts[1].len() >= 10
        && parts.iter().all(|p| is_base64url(p))
}

/// `SG.<id>.<secret>`: a SendGrid API key.
fn sendgrid_key(word: &str) -> bool {
    if !word.starts_with("SG.") {
        return false;
    }
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 3
        && parts[0] == "SG"
        && parts[1].len() >= 16
        && parts[2].len() >= 16
        && parts[1..].iter().all(|p| is_base64url(p))
}

/// 40 characters of base64 mixing upper case, lower case and digits: an AWS secret access key.
fn aws_secret_key(word: &str) -> bool {
    word.len() == 40 && mixes_case_and_digits(word) && !word.starts_with('/')
}

/// The password of a URL's user information: `postgres://admin:Hunter2@db/app`. A user alone
/// (`ssh://git@host`), an empty password, and placeholders (`${DB_PASSWORD}`, `$(PASS)`,
/// `{{ .Password }}`, `<password>`, `****`) are not passwords.
fn url_password(text: &str) -> Option<Range<usize>> {
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let start = from + found + 3;
        let authority_len = text[start..]
            .find(|c: char| c.is_whitespace() || "/?#\"'<>`".contains(c))
            .unwrap_or(text.len() - start);
        let authority = &text[start..start + authority_len];
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
        {
            let password = &authority[colon + 1..at];
            let placeholder = password.starts_with(['$', '{', '<', '%'])
                || password.bytes().all(|b| b == b'*' || b == b'x' || b == b'X');
            if !password.is_empty() && !placeholder {
                return Some(start + colon + 1..start + at);
            }
        }
        from = start;
    }
    None
}

/// `AccountKey=…` or `SharedAccessKey=…` of an Azure connection string.
fn azure_key(text: &str) -> Option<Range<usize>> {
    ["AccountKey=", "SharedAccessKey="].iter().find_map(|marker| {
        let start = text.find(marker)? + marker.len();
        let len = text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c)))
            .unwrap_or(text.len() - start);
        (len >= 20).then_some(start..start + len)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_secret_runs_are_found_wherever_they_are() {
        // Every split of a 40-character key between runs of other lengths, next to separators
        // and other inside characters: the skipping search agrees with looking at every run.
        let key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let every_run = |text: &str| {
            text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '/' || c == '+'))
                .any(aws_secret_key)
        };
        for before in ["", " ", "a", "ab ", &"x".repeat(39), &format!("{} ", "x".repeat(45))] {
            for after in ["", " ", "Z", " tail", &format!(":{}", "y".repeat(41))] {
                let text = format!("{before}{key}{after}");
                assert_eq!(aws_secret_run(&text), every_run(&text), "{text:?}");
            }
        }
        assert!(aws_secret_run(key));
        assert!(!aws_secret_run(&key[1..]));
    }

    #[test]
    fn finds_each_shape() {
        let secrets = [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
            "ghu_16C7e42F292c6912E7710c838347Ae178B4a",
            "ghr_16C7e42F292c6912E7710c838347Ae178B4a",
            "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
            "sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb3dEf6hIj9kLm",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "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",
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4==;EndpointSuffix=core.windows.net",
            "postgres://admin:Hunter2Hunter2@db:5432/app",
            "see https://user:pa55@example.com/x",
        ];
        for secret in secrets {
            assert!(contains(secret), "{secret}");
        }
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let plain = [
            "postgres://admin@db:5432/app",
            "postgres://${DB_USER}:${DB_PASSWORD}@db:5432/app",
            "postgres://app:$(DB_PASSWORD)@db/app",
            "https://{{ .User }}:{{ .Password }}@host",
            "ssh://git@github.com/acme/repo.git",
            "vault:payments/stripe#api_key",
            "https://grafana.acme.internal/d/acme-payments-api/payments-api?var-environment=prod",
            "0123456789abcdef0123456789abcdef01234567",
            "sk-learn-runner",
            "task-runner-for-the-payments-platform-team",
            "ghcr.io/acme/payments-api:1.4.2",
            "eyJ.eyJ.x",
            "SG.short.key",
            "AccountKey=",
        ];
        for text in plain {
            assert!(!contains(text), "{text}");
        }
    }

    #[test]
    fn contains_agrees_with_find() {
        let texts = [
            "a: b\nkey: ghs_16C7e42F292c6912E7710c838347Ae178B4a\n",
            "x wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY y",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYZ",
            "image: ghcr.io/acme/payments-api:1.4.2\nreplicas: 3\n",
            "url: postgres://admin:Hunter2Hunter2@db/app",
            "nbsp\u{a0}ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            "AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4==",
            "high ground, xoxb shelter, eyJ alone",
        ];
        for text in texts {
            assert_eq!(contains(text), find(text).is_some(), "{text}");
        }
    }

    #[test]
    fn points_at_the_secret() {
        let text = "url = postgres://admin:Hunter2Hunter2@db/app";
        assert_eq!(find(text).map(|r| &text[r]), Some("Hunter2Hunter2"));
        let text = "token ghs_16C7e42F292c6912E7710c838347Ae178B4a here";
        assert_eq!(find(text).map(|r| &text[r]), Some("ghs_16C7e42F292c6912E7710c838347Ae178B4a"));
    }
}
