//! What the `promtool test rules` files of several families share: exact fractions for the
//! ratios their input series produce, and status codes that an error pattern does and does not
//! match.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

/// The status codes of the patterns seen, each compiled once: the pattern is the platform's,
/// and compiling it for each service's tests was a twelfth of a full build's processor time.
static SEEN: Mutex<BTreeMap<String, Option<(u16, u16)>>> = Mutex::new(BTreeMap::new());

/// How many patterns [`SEEN`] keeps: a language server sees a new one at each keystroke.
const KEPT: usize = 64;

/// A status code the error pattern matches and one it does not, as Prometheus matches it
/// (anchored at both ends).
pub(crate) fn status_codes(pattern: &str) -> Option<(u16, u16)> {
    let seen = |seen: &BTreeMap<String, _>| seen.get(pattern).copied();
    if let Some(codes) = seen(&SEEN.lock().unwrap_or_else(PoisonError::into_inner)) {
        return codes;
    }
    let codes = compiled_status_codes(pattern);
    let mut seen = SEEN.lock().unwrap_or_else(PoisonError::into_inner);
    if seen.len() >= KEPT {
        seen.clear();
    }
    seen.insert(pattern.to_owned(), codes);
    codes
}

fn compiled_status_codes(pattern: &str) -> Option<(u16, u16)> {
    let regex = regex::Regex::new(&format!("^(?:{pattern})$")).ok()?;
    let matches = |code: &u16| regex.is_match(&code.to_string());
    let good = [200, 204, 201].into_iter().chain(100..600).find(|c| !matches(c))?;
    let bad = [500, 503, 502].into_iter().chain(100..600).find(matches)?;
    Some((good, bad))
}

/// A decimal (`14.4`, `0.0005`) as a fraction in lowest terms.
pub(crate) fn fraction(text: &str) -> Option<(u128, u128)> {
    let (whole, decimals) = text.split_once('.').unwrap_or((text, ""));
    let digits: String = format!("{whole}{decimals}");
    let numerator: u128 = digits.parse().ok()?;
    let denominator = 10u128.checked_pow(u32::try_from(decimals.len()).ok()?)?;
    Some(reduce(numerator, denominator))
}

/// `numerator / denominator` in lowest terms.
pub(crate) fn reduce(numerator: u128, denominator: u128) -> (u128, u128) {
    let (mut a, mut b) = (numerator, denominator);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    let divisor = a.max(1);
    (numerator / divisor, denominator / divisor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_exact_and_reduced() {
        assert_eq!(fraction("14.4"), Some((72, 5)));
        assert_eq!(fraction("0.0005"), Some((1, 2000)));
        assert_eq!(fraction("6"), Some((6, 1)));
        assert_eq!(fraction("x"), None);
    }

    #[test]
    fn status_codes_follow_the_pattern() {
        assert_eq!(status_codes("5.."), Some((200, 500)));
        assert_eq!(status_codes("429|5.."), Some((200, 500)));
        assert_eq!(status_codes("2.."), Some((100, 200)));
        assert_eq!(status_codes("x"), None);
        // Asked again, from memory, the same.
        assert_eq!(status_codes("429|5.."), Some((200, 500)));
        assert_eq!(status_codes("x"), None);
        for at in 0..KEPT * 2 {
            assert_eq!(
                status_codes(&format!("{}", 100 + at)).map(|(_, bad)| bad),
                Some(100 + at as u16)
            );
        }
        assert!(SEEN.lock().unwrap().len() <= KEPT);
    }
}
