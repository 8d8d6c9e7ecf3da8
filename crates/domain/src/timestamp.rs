//! Instants as the service keeps them: UTC, to the microsecond, years 1–9999.
//!
//! Microseconds because PostgreSQL keeps no more; truncating in this one place makes
//! every backend store, compare and return the same instant. Years 1–9999 because that is
//! what .NET's `DateTime` (the original API's type) can hold.

use chrono::{DateTime, Datelike, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use std::fmt;

/// A UTC instant truncated to the microsecond, between years 1 and 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

/// Why a text is not an event time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// Not an ISO 8601 date and time with an optional offset.
    #[error("must be an ISO 8601 date and time such as 2025-08-14T01:25:53.8669171+00:00")]
    Malformed,
    /// More than 7 digits after the seconds' decimal point (finer than .NET's ticks).
    #[error("must have at most 7 fractional digits of a second")]
    TooPrecise,
    /// Before year 1 or after year 9999, in UTC.
    #[error("must be between the years 0001 and 9999")]
    OutOfRange,
}

const MAX_FRACTION_DIGITS: usize = 7;

impl Timestamp {
    /// The most fractional digits of a second a text may have (.NET's ticks).
    pub const MAX_FRACTION_DIGITS: usize = MAX_FRACTION_DIGITS;

    /// Reads `YYYY-MM-DDThh:mm:ss[.fffffff]` followed by `Z`, an offset `±hh:mm`, or
    /// nothing (then the time is UTC, as the original API assumes).
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let (local, offset) = split_offset(text);
        let fraction_digits = local
            .split_once('.')
            .map_or(0, |(_, fraction)| fraction.len());
        if fraction_digits > MAX_FRACTION_DIGITS {
            return Err(TimestampError::TooPrecise);
        }
        if local.len() < 19 || local.as_bytes()[10] != b'T' && local.as_bytes()[10] != b't' {
            return Err(TimestampError::Malformed);
        }
        let naive = parse_local(local).ok_or(TimestampError::Malformed)?;
        let utc = match offset {
            None => naive.and_utc(),
            Some(offset) => {
                let zone =
                    chrono::FixedOffset::east_opt(offset).ok_or(TimestampError::Malformed)?;
                zone.from_local_datetime(&naive)
                    .single()
                    .ok_or(TimestampError::Malformed)?
                    .with_timezone(&Utc)
            }
        };
        Self::from_datetime(utc)
    }

    /// Truncates to the microsecond and checks the year range.
    pub fn from_datetime(instant: DateTime<Utc>) -> Result<Self, TimestampError> {
        if !(1..=9999).contains(&instant.year()) {
            return Err(TimestampError::OutOfRange);
        }
        let micros = instant.timestamp_micros();
        let truncated =
            DateTime::from_timestamp_micros(micros).ok_or(TimestampError::OutOfRange)?;
        Ok(Self(truncated))
    }

    /// Microseconds since the Unix epoch: how SQLite stores it, as an exact integer.
    pub fn unix_micros(&self) -> i64 {
        self.0.timestamp_micros()
    }

    /// Reads microseconds since the Unix epoch, as SQLite stores them.
    pub fn from_unix_micros(micros: i64) -> Result<Self, TimestampError> {
        DateTime::from_timestamp_micros(micros)
            .ok_or(TimestampError::OutOfRange)
            .and_then(Self::from_datetime)
    }

    /// The instant as a chrono UTC date and time.
    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Reads `YYYY-MM-DDThh:mm:ss[.f…]` (the `T` already checked, in either case) by hand:
/// it is on every request's path, and chrono's `parse_from_str` re-reads its format
/// string each call.
fn parse_local(text: &str) -> Option<NaiveDateTime> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = bytes.get(range)?;
        digits.iter().all(u8::is_ascii_digit).then(|| {
            digits
                .iter()
                .fold(0, |value, digit| value * 10 + u32::from(digit - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators
        .iter()
        .any(|(at, separator)| bytes.get(*at) != Some(separator))
    {
        return None;
    }
    let nanos = match text.get(19..)? {
        "" => 0,
        fraction => {
            let digits = fraction.strip_prefix('.')?;
            if digits.is_empty() || digits.len() > 9 {
                return None;
            }
            let value = number(20..text.len())?;
            value * 10_u32.pow(9 - u32::try_from(digits.len()).ok()?)
        }
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)?;
    let time = chrono::NaiveTime::from_hms_nano_opt(
        number(11..13)?,
        number(14..16)?,
        number(17..19)?,
        nanos,
    )?;
    Some(date.and_time(time))
}

/// Splits a trailing `Z` or `±hh:mm` / `±hhmm` off, giving the offset in seconds east.
fn split_offset(text: &str) -> (&str, Option<i32>) {
    if let Some(local) = text.strip_suffix(['Z', 'z']) {
        return (local, Some(0));
    }
    for width in [6, 5] {
        let Some(at) = text.len().checked_sub(width) else {
            continue;
        };
        let Some(tail) = text.get(at..) else { continue };
        let sign = match tail.as_bytes()[0] {
            b'+' => 1,
            b'-' => -1,
            _ => continue,
        };
        let digits: String = tail[1..].chars().filter(|c| *c != ':').collect();
        let colon_in_place = width == 5 || tail.as_bytes()[3] == b':';
        if digits.len() == 4 && colon_in_place && digits.bytes().all(|b| b.is_ascii_digit()) {
            let hours: i32 = digits[..2].parse().unwrap_or(99);
            let minutes: i32 = digits[2..].parse().unwrap_or(99);
            if hours > 23 || minutes > 59 {
                return (text, None);
            }
            return (&text[..at], Some(sign * (hours * 3600 + minutes * 60)));
        }
    }
    (text, None)
}

/// ISO 8601 in UTC with seven fractional digits and `+00:00`, the shape of .NET's
/// round-trip format ("o") that the original API answers with.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let micros = self.0.to_rfc3339_opts(SecondsFormat::Micros, false);
        // "…:53.866917+00:00" → "…:53.8669170+00:00"
        let (head, zone) = micros.split_at(micros.len() - 6);
        write!(f, "{head}0{zone}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        Timestamp::parse(text).unwrap().to_string()
    }

    #[test]
    fn the_seed_sample_reads_and_keeps_the_microsecond() {
        assert_eq!(
            shown("2025-08-14T01:25:53.8669171+00:00"),
            "2025-08-14T01:25:53.8669170+00:00"
        );
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        assert_eq!(
            shown("2025-08-14T03:25:53+02:00"),
            "2025-08-14T01:25:53.0000000+00:00"
        );
        assert_eq!(
            shown("2025-08-13T20:25:53.5-0500"),
            "2025-08-14T01:25:53.5000000+00:00"
        );
        assert_eq!(
            shown("2025-08-14T01:25:53Z"),
            "2025-08-14T01:25:53.0000000+00:00"
        );
        assert_eq!(
            shown("2025-08-14t01:25:53z"),
            "2025-08-14T01:25:53.0000000+00:00"
        );
    }

    #[test]
    fn a_time_without_offset_is_utc() {
        assert_eq!(
            shown("2025-08-14T01:25:53.123"),
            "2025-08-14T01:25:53.1230000+00:00"
        );
        assert_eq!(
            shown("2025-08-14T01:25:53"),
            "2025-08-14T01:25:53.0000000+00:00"
        );
    }

    #[test]
    fn more_than_seven_fractional_digits_are_refused() {
        assert_eq!(
            Timestamp::parse("2025-08-14T01:25:53.86691712Z"),
            Err(TimestampError::TooPrecise)
        );
    }

    #[test]
    fn malformed_times_are_refused() {
        for text in [
            "",
            "2025-08-14",
            "2025-08-14 01:25:53",
            "2025-13-14T01:25:53Z",
            "2025-08-14T25:25:53Z",
            "2025-08-14T01:25:53+24:00",
            "14/08/2025 01:25:53",
            "2025-08-14T01:25:53.Z",
            "2025-08-14T01:25:53+0",
            "2025-08-14T01:25:5é",
            "2025-08-14T01:25:53é",
            "2025-08-14T01:25:53.é",
            "2025-8-14T01:25:53Z",
            "2025-08-14T01:25:53.-1Z",
            "+025-08-14T01:25:53Z",
            "yesterday",
        ] {
            assert_eq!(
                Timestamp::parse(text),
                Err(TimestampError::Malformed),
                "{text:?}"
            );
        }
    }

    #[test]
    fn years_outside_1_to_9999_are_refused() {
        let year_zero = DateTime::parse_from_rfc3339("0000-06-01T00:00:00Z").unwrap();
        assert_eq!(
            Timestamp::from_datetime(year_zero.with_timezone(&Utc)),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!(
            Timestamp::parse("0001-01-01T00:00:00+01:00"),
            Err(TimestampError::OutOfRange)
        );
        assert!(Timestamp::parse("9999-12-31T23:59:59.9999999Z").is_ok());
    }

    #[test]
    fn unix_microseconds_round_trip() {
        let instant = Timestamp::parse("2025-08-14T01:25:53.866917Z").unwrap();
        assert_eq!(
            Timestamp::from_unix_micros(instant.unix_micros()),
            Ok(instant)
        );
    }
}
