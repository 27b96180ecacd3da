//! Percentages and Kubernetes resource quantities, held as exact integers.

use std::fmt;

use serde::{Serialize, Serializer};

/// A percentage with four decimal places, held exactly: 99.95% is `999_500` millionths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Percent {
    millionths: u32,
}

impl Percent {
    /// 100%.
    pub const FULL: Percent = Percent { millionths: 1_000_000 };

    /// A percentage from millionths of the whole (`10_000` is 1%).
    pub const fn from_millionths(millionths: u32) -> Percent {
        Percent { millionths }
    }

    /// A whole-number percentage.
    pub const fn from_whole(percent: u32) -> Percent {
        Percent { millionths: percent * 10_000 }
    }

    /// Millionths of the whole.
    pub fn millionths(self) -> u32 {
        self.millionths
    }

    /// Parses a decimal number of percent, optionally followed by `%`: `"99.9%"`, `"1"`.
    pub fn parse(text: &str) -> Result<Percent, String> {
        let number = text.strip_suffix('%').unwrap_or(text).trim();
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) {
            return Err(format!("`{text}` is not a percentage"));
        }
        if fraction.len() > 4 {
            return Err("a percentage has at most four decimal places".to_owned());
        }
        let whole: u64 = whole.parse().map_err(|_| "the percentage is too large".to_owned())?;
        let fraction_value: u64 =
            if fraction.is_empty() { 0 } else { fraction.parse().unwrap_or(0) };
        let scale = 10u64.pow(u32::try_from(4 - fraction.len()).unwrap_or(0));
        let millionths = whole.saturating_mul(10_000).saturating_add(fraction_value * scale);
        if millionths > 1_000_000 {
            return Err(format!("{number}% is more than 100%"));
        }
        Ok(Percent { millionths: u32::try_from(millionths).unwrap_or(u32::MAX) })
    }

    /// The part of the whole as an exact decimal: 99.9% is `0.999`.
    pub fn ratio(self) -> String {
        decimal(u64::from(self.millionths), 6)
    }

    /// The complement as an exact decimal: 99.9% gives `0.001` (an SLO's error budget).
    pub fn complement_ratio(self) -> String {
        decimal(u64::from(1_000_000u32.saturating_sub(self.millionths)), 6)
    }

    /// The complement, 100% minus this.
    pub fn complement(self) -> Percent {
        Percent { millionths: 1_000_000u32.saturating_sub(self.millionths) }
    }

    /// The percentage as a decimal number of percent: `99.9`.
    pub fn number(self) -> String {
        decimal(u64::from(self.millionths), 4)
    }

    /// The percentage rounded down to a whole number.
    pub fn whole(self) -> u32 {
        self.millionths / 10_000
    }
}

/// `value / 10^scale` written as a decimal without trailing zeros.
pub(crate) fn decimal(value: u64, scale: u32) -> String {
    let divisor = 10u64.pow(scale);
    let whole = value / divisor;
    let fraction = value % divisor;
    if fraction == 0 {
        return whole.to_string();
    }
    let fraction = format!("{fraction:0width$}", width = scale as usize);
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.number())
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The largest quantity Kubernetes holds, in its smallest unit (a signed 64-bit integer of
/// millicores or of bytes). A sum of quantities (a team's quota) is written as at most this.
pub const KUBERNETES_MAX: u64 = i64::MAX.unsigned_abs();

/// A CPU quantity in millicores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cpu {
    millis: u64,
}

impl Cpu {
    /// A quantity of `millis` millicores.
    pub const fn from_millis(millis: u64) -> Cpu {
        Cpu { millis }
    }

    /// Millicores.
    pub fn millis(self) -> u64 {
        self.millis
    }

    /// Parses `"250m"`, `"0.5"` or `"2"`.
    pub fn parse(text: &str) -> Result<Cpu, String> {
        let millis = if let Some(number) = text.strip_suffix('m') {
            number.parse::<u64>().map_err(|_| format!("`{text}` is not a CPU quantity"))?
        } else {
            let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
            let ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            if whole.is_empty() && fraction.is_empty() || !ok(whole) || !ok(fraction) {
                return Err(format!("`{text}` is not a CPU quantity"));
            }
            if fraction.len() > 3 {
                return Err("CPU has millicore precision: at most three decimal places".to_owned());
            }
            let whole: u64 = if whole.is_empty() {
                0
            } else {
                whole.parse().map_err(|_| "the quantity is too large".to_owned())?
            };
            let fraction_millis: u64 = format!("{fraction:0<3}").parse().unwrap_or(0);
            whole
                .checked_mul(1000)
                .and_then(|w| w.checked_add(fraction_millis))
                .ok_or("the quantity is too large")?
        };
        if millis == 0 {
            return Err("a CPU quantity must be more than zero".to_owned());
        }
        if millis > KUBERNETES_MAX {
            return Err(format!("Kubernetes holds at most {} cores", KUBERNETES_MAX / 1000));
        }
        Ok(Cpu { millis })
    }
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.millis.is_multiple_of(1000) {
            write!(f, "{}", self.millis / 1000)
        } else {
            write!(f, "{}m", self.millis)
        }
    }
}

impl Serialize for Cpu {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

const BINARY: &[(&str, u32)] =
    &[("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)];
const DECIMAL: &[(&str, u32)] = &[("E", 18), ("P", 15), ("T", 12), ("G", 9), ("M", 6), ("k", 3)];

/// A memory or storage quantity in bytes, remembering whether it was written with binary
/// (`Mi`) or decimal (`M`) suffixes, as Kubernetes does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Memory {
    bytes: u64,
    decimal: bool,
}

impl Memory {
    /// A quantity of `bytes` bytes.
    pub const fn from_bytes(bytes: u64) -> Memory {
        Memory { bytes, decimal: false }
    }

    /// Bytes.
    pub fn bytes(self) -> u64 {
        self.bytes
    }

    /// Parses `"256Mi"`, `"10Gi"` or `"512M"`. A number without a unit is refused: Kubernetes
    /// would read it as bytes, which no instance or volume is sized in.
    pub fn parse(text: &str) -> Result<Memory, String> {
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, suffix) = text.split_at(split);
        if number.is_empty() {
            return Err(format!("`{text}` is not a memory quantity"));
        }
        if suffix.is_empty() {
            return Err(format!(
                "`{text}` has no unit, and would be {text} bytes: write `{text}Mi` or `{text}Gi`"
            ));
        }
        let number: u64 = number.parse().map_err(|_| "the quantity is too large".to_owned())?;
        let (multiplier, decimal) = if let Some((_, shift)) =
            BINARY.iter().find(|(s, _)| *s == suffix)
        {
            (1u64 << shift, false)
        } else if let Some((_, exponent)) = DECIMAL.iter().find(|(s, _)| *s == suffix) {
            (10u64.pow(*exponent), true)
        } else {
            return Err(format!("unknown suffix `{suffix}`: use Ki, Mi, Gi, Ti (or k, M, G, T)"));
        };
        let bytes =
            number.checked_mul(multiplier).ok_or_else(|| "the quantity is too large".to_owned())?;
        if bytes == 0 {
            return Err("a memory quantity must be more than zero".to_owned());
        }
        if bytes > KUBERNETES_MAX {
            return Err(
                "Kubernetes holds at most 8Ei - 1 bytes (a signed 64-bit number)".to_owned()
            );
        }
        Ok(Memory { bytes, decimal })
    }
}

impl fmt::Display for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decimal {
            for (suffix, shift) in BINARY {
                let unit = 1u64 << shift;
                if self.bytes.is_multiple_of(unit) {
                    return write!(f, "{}{suffix}", self.bytes / unit);
                }
            }
        }
        for (suffix, exponent) in DECIMAL {
            let unit = 10u64.pow(*exponent);
            if self.bytes.is_multiple_of(unit) {
                return write!(f, "{}{suffix}", self.bytes / unit);
            }
        }
        write!(f, "{}", self.bytes)
    }
}

impl Serialize for Memory {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An integer or a percentage, as rolling-update surge settings take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IntOrPercent {
    /// A count.
    Int(u32),
    /// A share.
    Percent(Percent),
}

impl fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrPercent::Int(i) => write!(f, "{i}"),
            IntOrPercent::Percent(p) => write!(f, "{p}"),
        }
    }
}

impl Serialize for IntOrPercent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrPercent::Int(i) => serializer.serialize_u32(*i),
            IntOrPercent::Percent(p) => serializer.collect_str(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_exact() {
        let p = Percent::parse("99.9%").unwrap();
        assert_eq!(p.millionths(), 999_000);
        assert_eq!(p.ratio(), "0.999");
        assert_eq!(p.complement_ratio(), "0.001");
        assert_eq!(p.to_string(), "99.9%");
        assert_eq!(Percent::parse("100").unwrap(), Percent::FULL);
        assert_eq!(Percent::parse("0.0001%").unwrap().millionths(), 1);
        assert!(Percent::parse("100.5%").is_err());
        assert!(Percent::parse("99.99999%").is_err());
        assert!(Percent::parse("abc").is_err());
    }

    #[test]
    fn quantities_parse_and_render_canonically() {
        assert_eq!(Cpu::parse("250m").unwrap().to_string(), "250m");
        assert_eq!(Cpu::parse("0.5").unwrap().to_string(), "500m");
        assert_eq!(Cpu::parse("2").unwrap().to_string(), "2");
        assert!(Cpu::parse("0m").is_err());
        assert!(Cpu::parse("1.2345").is_err());
        assert_eq!(Memory::parse("1024Mi").unwrap().to_string(), "1Gi");
        assert_eq!(Memory::parse("512M").unwrap().to_string(), "512M");
        assert_eq!(Memory::parse("1000M").unwrap().to_string(), "1G");
        assert_eq!(Memory::parse("1536Mi").unwrap().to_string(), "1536Mi");
        assert_eq!(Memory::parse("256Mi").unwrap().bytes(), 256 << 20);
        assert!(Memory::parse("1GB").is_err());
        assert!(Memory::parse("99999999999Ei").is_err());
        // Without a unit it would be bytes.
        assert!(Memory::parse("250").unwrap_err().contains("no unit"));
        // What Kubernetes holds: a signed 64-bit number of bytes or of millicores.
        assert!(Memory::parse("8Ei").unwrap_err().contains("at most"));
        assert_eq!(Memory::parse("7Ei").unwrap().bytes(), 7 << 60);
        assert!(Cpu::parse("9223372036854776").unwrap_err().contains("at most"));
        assert_eq!(Cpu::parse("9223372036854775").unwrap().millis(), 9_223_372_036_854_775_000);
    }
}
