//! Durations and calendar dates.

use std::fmt;

use serde::{Serialize, Serializer};

/// A duration with millisecond precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    millis: u64,
}

const UNITS: &[(&str, u64)] = &[
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

impl Duration {
    /// The longest duration: what a signed 64-bit count of nanoseconds holds (about 292
    /// years), the form in which the controllers and Prometheus read every duration.
    pub const LONGEST: Duration = Duration { millis: i64::MAX.unsigned_abs() / 1_000_000 };

    /// A duration of `millis` milliseconds.
    pub const fn from_millis(millis: u64) -> Duration {
        Duration { millis }
    }

    /// A duration of `secs` seconds.
    pub const fn from_secs(secs: u64) -> Duration {
        Duration { millis: secs * 1000 }
    }

    /// A duration of `hours` hours.
    pub const fn from_hours(hours: u64) -> Duration {
        Duration { millis: hours * 3_600_000 }
    }

    /// A duration of `days` days.
    pub const fn from_days(days: u64) -> Duration {
        Duration { millis: days * 24 * 3_600_000 }
    }

    /// Milliseconds.
    pub fn as_millis(self) -> u64 {
        self.millis
    }

    /// Whole seconds (rounded down).
    pub fn as_secs(self) -> u64 {
        self.millis / 1000
    }

    /// Parses `"300ms"`, `"10s"`, `"5m"`, `"1h30m"`, `"7d"` or `"2w"`.
    pub fn parse(text: &str) -> Result<Duration, String> {
        if text.is_empty() {
            return Err("a duration cannot be empty".to_owned());
        }
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut total: u64 = 0;
        let mut last_unit = u64::MAX;
        while i < bytes.len() {
            let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 {
                return Err(format!("expected a number at `{}`", &text[i..]));
            }
            let number: u64 =
                text[i..i + digits].parse().map_err(|_| "the number is too large".to_owned())?;
            i += digits;
            let unit_len = bytes[i..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
            let unit = &text[i..i + unit_len];
            i += unit_len;
            let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
                return Err(if unit.is_empty() {
                    format!("`{number}` needs a unit: ms, s, m, h, d or w")
                } else {
                    format!("unknown unit `{unit}`: use ms, s, m, h, d or w")
                });
            };
            if scale >= last_unit {
                return Err("units must go from largest to smallest, each once".to_owned());
            }
            last_unit = scale;
            total = number
                .checked_mul(scale)
                .and_then(|n| total.checked_add(n))
                .ok_or_else(|| "the duration is too long".to_owned())?;
        }
        if total > Duration::LONGEST.millis {
            return Err("the tools that read durations hold at most about 292 years".to_owned());
        }
        Ok(Duration { millis: total })
    }

    /// The compact form with the largest units first, as Prometheus reads it (`1h30m`, `7d`).
    pub fn compact(self) -> String {
        let mut out = String::with_capacity(8);
        let _ = self.write_compact(&mut out);
        out
    }

    /// Writes [`Duration::compact`] to `out`, with no text in between.
    fn write_compact(self, out: &mut impl fmt::Write) -> fmt::Result {
        if self.millis == 0 {
            return out.write_str("0s");
        }
        let mut rest = self.millis;
        for &(name, scale) in UNITS {
            // Weeks are written as days: `14d` reads better than `2w` in queries and alerts.
            if name == "w" {
                continue;
            }
            if rest >= scale {
                write!(out, "{}", rest / scale)?;
                out.write_str(name)?;
                rest %= scale;
            }
        }
        Ok(())
    }

    /// A single unit of at most hours (`90m`, `48h`, `10s`), as Kubernetes-style controllers
    /// parse durations.
    pub fn single_unit(self) -> String {
        for (name, scale) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
            if self.millis.is_multiple_of(scale) && self.millis > 0 {
                return format!("{}{name}", self.millis / scale);
            }
        }
        format!("{}ms", self.millis)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_compact(f)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.compact())
    }
}

/// A calendar date (proleptic Gregorian).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Date, String> {
        let parts: Vec<&str> = text.split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return Err("expected the form YYYY-MM-DD".to_owned());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err("expected the form YYYY-MM-DD".to_owned());
        }
        let year: i32 = y.parse().map_err(|_| format!("`{y}` is not a year"))?;
        let month: u8 = m.parse().map_err(|_| format!("`{m}` is not a month"))?;
        let day: u8 = d.parse().map_err(|_| format!("`{d}` is not a day"))?;
        if !(1..=12).contains(&month) {
            return Err(format!("month {month} does not exist"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(format!("{year:04}-{month:02} has no day {day}"));
        }
        Ok(Date { year, month, day })
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        // The days-from-civil algorithm: shift the year to start in March.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    /// The date `duration` after this one, rounded up to whole days.
    pub fn plus(self, duration: Duration) -> Date {
        let day = 24 * 3_600_000;
        let days = duration.as_millis().div_ceil(day);
        Date::from_days_since_epoch(
            self.days_since_epoch() + i64::try_from(days).unwrap_or(i64::MAX / 2),
        )
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_render() {
        assert_eq!(Duration::parse("5m").unwrap().as_millis(), 300_000);
        assert_eq!(Duration::parse("1h30m").unwrap().compact(), "1h30m");
        assert_eq!(Duration::parse("2w").unwrap().compact(), "14d");
        assert_eq!(Duration::parse("90m").unwrap().single_unit(), "90m");
        assert_eq!(Duration::parse("1d").unwrap().single_unit(), "24h");
        assert!(Duration::parse("5").unwrap_err().contains("needs a unit"));
        assert!(Duration::parse("5y").unwrap_err().contains("unknown unit"));
        assert!(Duration::parse("5m1h").is_err());
        assert!(Duration::parse("99999999999999999999d").is_err());
    }

    #[test]
    fn dates_round_trip() {
        let date = Date::parse("2026-11-22").unwrap();
        assert_eq!(Date::from_days_since_epoch(date.days_since_epoch()), date);
        assert_eq!(Date::parse("1970-01-01").unwrap().days_since_epoch(), 0);
        assert_eq!(date.plus(Duration::from_days(10)).to_string(), "2026-12-02");
        assert_eq!(
            Date::parse("2024-02-28").unwrap().plus(Duration::from_days(1)).to_string(),
            "2024-02-29"
        );
        assert!(Date::parse("2026-02-30").is_err());
        assert!(Date::parse("26-1-1").is_err());
    }
}
