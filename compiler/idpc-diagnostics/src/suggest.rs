//! "Did you mean" suggestions by string similarity, above a threshold.

/// Below this normalised similarity a candidate is not worth suggesting.
const MIN_SIMILARITY: f64 = 0.7;

/// Names longer than this get no suggestion: nobody mistypes a name that long, and comparing it
/// costs its length times each candidate's.
const MAX_NAME_CHARS: usize = 128;

/// With more candidates than this, no suggestion is made, so that many unknown names among many
/// declared ones cost no more than linear time.
const MAX_CANDIDATES: usize = 5_000;

/// The candidates most similar to `name`, best first, above the threshold (at most three).
///
/// Only candidates of a comparable length (or that `name` is a prefix of) are compared, and none
/// when `name` is very long or the candidates very many.
pub fn similar_names<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    if name.len() > MAX_NAME_CHARS * 4 || name.chars().count() > MAX_NAME_CHARS {
        return Vec::new();
    }
    let candidates: Vec<&'a str> = candidates.into_iter().take(MAX_CANDIDATES + 1).collect();
    if candidates.len() > MAX_CANDIDATES {
        return Vec::new();
    }
    let length = name.chars().count();
    let comparable = |candidate: &str| {
        let other = candidate.chars().count();
        other.abs_diff(length) <= length.max(3) || candidate.starts_with(name)
    };
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter(|candidate| *candidate != name && candidate.len() <= MAX_NAME_CHARS * 4)
        .filter(|candidate| comparable(candidate))
        .map(|candidate| (score(name, candidate), candidate))
        .filter(|(score, _)| *score >= MIN_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// A help line suggesting the closest candidate, if one is close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let best = similar_names(name, candidates);
    match best.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean `{one}`?")),
        [first, rest @ ..] => {
            let others: Vec<String> = rest.iter().map(|r| format!("`{r}`")).collect();
            Some(format!("did you mean `{first}`? (or {})", others.join(", ")))
        }
    }
}

/// The name a help line from [`did_you_mean`] suggests first, for a quick fix.
pub fn suggested_name(help: &str) -> Option<&str> {
    let rest = help.strip_prefix("did you mean `")?;
    let end = rest.find('`')?;
    Some(&rest[..end])
}

fn score(name: &str, candidate: &str) -> f64 {
    let lower_name = name.to_ascii_lowercase();
    let lower_candidate = candidate.to_ascii_lowercase();
    if lower_name == lower_candidate {
        return 1.0;
    }
    let jaro = strsim::jaro_winkler(&lower_name, &lower_candidate);
    let edit = strsim::normalized_damerau_levenshtein(&lower_name, &lower_candidate);
    // A prefix match ("pay" for "payments") counts as close.
    let prefix =
        if lower_candidate.starts_with(&lower_name) && lower_name.len() >= 3 { 0.8 } else { 0.0 };
    // One typo (a letter wrong, missing, extra, or two swapped: "wbe" for "web") counts as close,
    // even where the letters' positions make the Jaro similarity low.
    let one_typo = if (3..=64).contains(&lower_name.chars().count())
        && lower_candidate.len() <= 65
        && strsim::damerau_levenshtein(&lower_name, &lower_candidate) == 1
    {
        0.75
    } else {
        0.0
    };
    jaro.min(edit + 0.25).max(prefix).max(one_typo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suggestion_reads_back_from_its_help_line() {
        let help = did_you_mean("paymnts", ["payments", "identity"]).unwrap();
        assert_eq!(suggested_name(&help), Some("payments"));
        let many = did_you_mean("ab", ["abc", "abd"]).unwrap_or_default();
        assert_eq!(suggested_name(&many), many.split('`').nth(1));
        assert_eq!(suggested_name("add a `team`"), None);
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("paymnts", ["payments", "users", "search"]).as_deref(),
            Some("did you mean `payments`?")
        );
        assert_eq!(did_you_mean("zzz", ["payments", "users"]), None);
        assert_eq!(similar_names("replica", ["replicas", "resources"]), vec!["replicas"]);
        assert_eq!(did_you_mean("wbe", ["web", "data"]).as_deref(), Some("did you mean `web`?"));
        assert_eq!(did_you_mean("ab", ["ba"]), None);
    }

    #[test]
    fn huge_names_and_many_candidates_get_no_suggestion() {
        let huge = "a".repeat(10_000_000);
        assert!(similar_names(&huge, ["aaaa"]).is_empty());
        let many: Vec<String> = (0..MAX_CANDIDATES + 1).map(|i| format!("svc-{i}")).collect();
        assert!(similar_names("svc-1x", many.iter().map(String::as_str)).is_empty());
    }
}
