//! "Did you mean" suggestions by string similarity, above a threshold.

/// Below this normalised similarity a candidate is not worth suggesting.
const MIN_SIMILARITY: f64 = 0.7;

/// The candidates most similar to `name`, best first, above the threshold (at most three).
pub fn similar_names<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
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
}
