//! "Did you mean" suggestions by string similarity, above a threshold.

use std::cell::RefCell;
use std::collections::BTreeMap;

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
    let asked = |a: &Asked| a.candidates.iter().map(String::as_str).eq(candidates.iter().copied());
    let answered =
        ASKED.with_borrow(|lists| lists.iter().find(|a| asked(a))?.answers.get(name).cloned());
    if let Some(answer) = answered {
        return answer.into_iter().map(|at| candidates[at]).collect();
    }
    let length = name.chars().count();
    let lower_name = name.to_ascii_lowercase();
    let comparable = |candidate: &str| {
        let other = candidate.chars().count();
        other.abs_diff(length) <= length.max(3) || candidate.starts_with(name)
    };
    let mut scored: Vec<(f64, &str, usize)> = candidates
        .iter()
        .enumerate()
        .filter(|(_, candidate)| **candidate != name && candidate.len() <= MAX_NAME_CHARS * 4)
        .filter(|(_, candidate)| comparable(candidate))
        .map(|(at, candidate)| (score(&lower_name, candidate), *candidate, at))
        .filter(|(score, _, _)| *score >= MIN_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    let answer: Vec<usize> = scored.into_iter().take(3).map(|(_, _, at)| at).collect();
    ASKED.with_borrow_mut(|lists| {
        if let Some(at) = lists.iter().position(asked) {
            let list = &mut lists[at];
            if list.answers.len() >= ANSWERS_KEPT {
                list.answers.clear();
            }
            list.answers.insert(name.to_owned(), answer.clone());
        } else {
            if lists.len() >= LISTS_KEPT {
                lists.remove(0);
            }
            let candidates = candidates.iter().map(|c| (*c).to_owned()).collect();
            let answers = BTreeMap::from([(name.to_owned(), answer.clone())]);
            lists.push(Asked { candidates, answers });
        }
    });
    answer.into_iter().map(|at| candidates[at]).collect()
}

/// A list of candidates this thread was asked about lately, with the answer for each name.
/// Many errors often name the same unknown thing among the same declared ones (services of a
/// renamed team): the answer depends on the name and the list alone, so it is given once.
struct Asked {
    candidates: Vec<String>,
    answers: BTreeMap<String, Vec<usize>>,
}

/// How many lists of candidates, and answers for each, a thread keeps.
const LISTS_KEPT: usize = 4;
const ANSWERS_KEPT: usize = 4096;

thread_local!(static ASKED: RefCell<Vec<Asked>> = const { RefCell::new(Vec::new()) });

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

/// How close `candidate` is to the name whose lower-case form is `lower_name`: at least
/// [`MIN_SIMILARITY`] for a candidate worth suggesting. Below it the value only says "not close".
fn score(lower_name: &str, candidate: &str) -> f64 {
    let lower_candidate = candidate.to_ascii_lowercase();
    if lower_name == lower_candidate {
        return 1.0;
    }
    let jaro = strsim::jaro_winkler(lower_name, &lower_candidate);
    // A prefix match ("pay" for "payments") counts as close.
    let prefix =
        if lower_candidate.starts_with(lower_name) && lower_name.len() >= 3 { 0.8 } else { 0.0 };
    // One typo (a letter wrong, missing, extra, or two swapped: "wbe" for "web") counts as close,
    // even where the letters' positions make the Jaro similarity low.
    let name_chars = lower_name.chars().count();
    let may_be_typo = (3..=64).contains(&name_chars) && lower_candidate.len() <= 65;
    if jaro < MIN_SIMILARITY && prefix < MIN_SIMILARITY {
        // The edit distance can only lower the Jaro similarity: what is left is one typo, which
        // is found without the distance's table.
        let typo = may_be_typo && one_edit_apart(lower_name, &lower_candidate);
        return if typo { 0.75 } else { 0.0 };
    }
    let distance = strsim::damerau_levenshtein(lower_name, &lower_candidate);
    let longest = name_chars.max(lower_candidate.chars().count()).max(1);
    let edit = 1.0 - distance as f64 / longest as f64;
    let one_typo = if may_be_typo && distance == 1 { 0.75 } else { 0.0 };
    jaro.min(edit + 0.25).max(prefix).max(one_typo)
}

/// Whether two different strings are one edit apart: a character changed, added or removed, or
/// two adjacent ones swapped (a Damerau–Levenshtein distance of 1).
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    match long.len() - short.len() {
        0 => {
            let mut differ = (0..short.len()).filter(|&i| short[i] != long[i]);
            match (differ.next(), differ.next(), differ.next()) {
                (Some(_), None, None) => true,
                (Some(i), Some(j), None) => {
                    j == i + 1 && short[i] == long[j] && short[j] == long[i]
                }
                _ => false,
            }
        }
        1 => {
            let at = (0..short.len()).find(|&i| short[i] != long[i]).unwrap_or(short.len());
            short[at..] == long[at + 1..]
        }
        _ => false,
    }
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

    /// The scoring as it was written first, with both distances for every candidate.
    fn score_in_full(name: &str, candidate: &str) -> f64 {
        let (name, candidate) = (name.to_ascii_lowercase(), candidate.to_ascii_lowercase());
        if name == candidate {
            return 1.0;
        }
        let jaro = strsim::jaro_winkler(&name, &candidate);
        let edit = strsim::normalized_damerau_levenshtein(&name, &candidate);
        let prefix = if candidate.starts_with(&name) && name.len() >= 3 { 0.8 } else { 0.0 };
        let typo = (3..=64).contains(&name.chars().count())
            && candidate.len() <= 65
            && strsim::damerau_levenshtein(&name, &candidate) == 1;
        jaro.min(edit + 0.25).max(prefix).max(if typo { 0.75 } else { 0.0 })
    }

    #[test]
    fn the_quick_score_keeps_and_ranks_what_the_full_one_does() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % below as u64).unwrap_or(0)
        };
        // Names from a small alphabet, and candidates that are often one edit or a prefix away.
        let letters = ['a', 'b', 'c', '-', '0', '1', 'é', 'B'];
        let mut close = 0;
        for _ in 0..20_000 {
            let name: Vec<char> = (0..next(10)).map(|_| letters[next(letters.len())]).collect();
            let mut candidate = name.clone();
            let at = next(name.len() + 1);
            match next(6) {
                0 => candidate = (0..next(10)).map(|_| letters[next(letters.len())]).collect(),
                1 if at + 1 < name.len() => candidate.swap(at, at + 1),
                2 if at < name.len() => _ = candidate.remove(at),
                3 => candidate.insert(at, letters[next(letters.len())]),
                4 if at < name.len() => candidate[at] = letters[next(letters.len())],
                _ => candidate.extend((0..next(5)).map(|_| letters[next(letters.len())])),
            }
            let (name, candidate): (String, String) =
                (name.into_iter().collect(), candidate.into_iter().collect());
            let full = score_in_full(&name, &candidate);
            let quick = score(&name.to_ascii_lowercase(), &candidate);
            if full >= MIN_SIMILARITY || quick >= MIN_SIMILARITY {
                close += 1;
                assert_eq!(full, quick, "{name:?} {candidate:?}");
            }
        }
        assert!(close > 5_000, "too few close pairs to mean anything: {close}");
    }

    #[test]
    fn an_answer_given_again_is_the_one_worked_out() {
        let teams = ["payments", "identity", "search"];
        let first = similar_names("paymnts", teams);
        assert_eq!(similar_names("paymnts", teams), first);
        // Another list, or the same names in another order, is another question.
        assert_eq!(similar_names("paymnts", ["identity", "search"]), Vec::<&str>::new());
        assert_eq!(similar_names("paymnts", ["payment", "payments"]), ["payments", "payment"]);
        assert_eq!(similar_names("paymnts", ["payments", "payment"]), ["payments", "payment"]);
        let owned: Vec<String> = teams.iter().map(|t| (*t).to_owned()).collect();
        assert_eq!(similar_names("paymnts", owned.iter().map(String::as_str)), first);
        assert_eq!(first, ["payments"]);
    }

    #[test]
    fn huge_names_and_many_candidates_get_no_suggestion() {
        let huge = "a".repeat(10_000_000);
        assert!(similar_names(&huge, ["aaaa"]).is_empty());
        let many: Vec<String> = (0..MAX_CANDIDATES + 1).map(|i| format!("svc-{i}")).collect();
        assert!(similar_names("svc-1x", many.iter().map(String::as_str)).is_empty());
    }
}
