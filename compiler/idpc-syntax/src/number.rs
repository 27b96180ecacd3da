//! KDL 2.0 numbers: decimal integers and floats, hexadecimal, octal and binary integers, with
//! `_` separators.
//!
//! Integers must fit in 64 bits (signed): what every format idpc writes can carry. The KDL test
//! suite agrees: `0xabcdef1234567890` is among the inputs a parser must reject.

/// The value of a number token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    Integer(i128),
    Float(f64),
}

/// Why a number token has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    Malformed,
    TooLarge,
}

impl Problem {
    pub(crate) fn message(self) -> &'static str {
        match self {
            Problem::Malformed => "invalid number",
            Problem::TooLarge => "integer does not fit in 64 bits",
        }
    }

    /// What to do about it.
    pub(crate) fn help(self) -> &'static str {
        match self {
            Problem::Malformed => {
                "a value that starts with a digit must be a number; quote it to make a string"
            }
            Problem::TooLarge => {
                "integers go from -9223372036854775808 to 9223372036854775807; quote a longer one to make it a string"
            }
        }
    }
}

/// Parses a bare word that starts like a number.
pub(crate) fn parse(text: &str) -> Result<Number, Problem> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let radix = match unsigned.get(..2) {
        Some("0x") => 16,
        Some("0o") => 8,
        Some("0b") => 2,
        _ => return decimal(text, negative, unsigned),
    };
    integer(&unsigned[2..], radix, negative)
}

/// Digits in `radix` with `_` after the first digit.
fn integer(digits: &str, radix: u32, negative: bool) -> Result<Number, Problem> {
    let mut chars = digits.chars();
    if !chars.next().is_some_and(|c| c.is_digit(radix)) {
        return Err(Problem::Malformed);
    }
    let mut value: i128 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let digit = c.to_digit(radix).ok_or(Problem::Malformed)?;
        value = value
            .checked_mul(i128::from(radix))
            .and_then(|v| v.checked_add(i128::from(digit)))
            .ok_or(Problem::TooLarge)?;
    }
    let value = if negative { -value } else { value };
    if i64::try_from(value).is_err() {
        return Err(Problem::TooLarge);
    }
    Ok(Number::Integer(value))
}

/// `integer ('.' integer)? exponent?` where `integer := digit (digit | '_')*`.
fn decimal(text: &str, negative: bool, unsigned: &str) -> Result<Number, Problem> {
    let bytes = unsigned.as_bytes();
    let integer_part = |from: usize| -> Option<usize> {
        if !bytes.get(from).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        Some(from + bytes[from..].iter().take_while(|b| b.is_ascii_digit() || **b == b'_').count())
    };
    let mut i = integer_part(0).ok_or(Problem::Malformed)?;
    let whole = i;
    let mut float = false;
    if bytes.get(i) == Some(&b'.') {
        i = integer_part(i + 1).ok_or(Problem::Malformed)?;
        float = true;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        i = integer_part(i + 1 + sign).ok_or(Problem::Malformed)?;
        float = true;
    }
    if i != bytes.len() {
        return Err(Problem::Malformed);
    }
    if !float {
        return integer(&unsigned[..whole], 10, negative);
    }
    let parsed = if text.contains('_') {
        text.chars().filter(|&c| c != '_').collect::<String>().parse::<f64>()
    } else {
        text.parse::<f64>()
    };
    parsed.map(Number::Float).map_err(|_| Problem::Malformed)
}

#[cfg(test)]
mod tests {
    use super::{Number, Problem, parse};

    #[test]
    fn numbers_in_every_form() {
        assert_eq!(parse("0"), Ok(Number::Integer(0)));
        assert_eq!(parse("-1_000"), Ok(Number::Integer(-1000)));
        assert_eq!(parse("+0x_1"), Err(Problem::Malformed));
        assert_eq!(parse("0xFf_"), Ok(Number::Integer(255)));
        assert_eq!(parse("-0o17"), Ok(Number::Integer(-15)));
        assert_eq!(parse("0b1_0"), Ok(Number::Integer(2)));
        assert_eq!(parse("1.5e3"), Ok(Number::Float(1500.0)));
        assert_eq!(parse("1E-2"), Ok(Number::Float(0.01)));
        assert_eq!(parse("1_1.0_1"), Ok(Number::Float(11.01)));
        assert_eq!(parse("1."), Err(Problem::Malformed));
        assert_eq!(parse("1._5"), Err(Problem::Malformed));
        assert_eq!(parse("1.0.0"), Err(Problem::Malformed));
        assert_eq!(parse("1e"), Err(Problem::Malformed));
        assert_eq!(parse("0n"), Err(Problem::Malformed));
        assert_eq!(parse("9223372036854775807"), Ok(Number::Integer(i128::from(i64::MAX))));
        assert_eq!(parse("-9223372036854775808"), Ok(Number::Integer(i128::from(i64::MIN))));
        assert_eq!(parse("9223372036854775808"), Err(Problem::TooLarge));
        assert_eq!(parse(&"9".repeat(100)), Err(Problem::TooLarge));
    }
}
