//! Exact decimal amounts: an event's quantity and its unit price.
//!
//! Money never passes through a float. Text is checked against a strict grammar and its
//! digits are counted *before* `rust_decimal` sees it, because `rust_decimal` silently
//! rounds inputs longer than 28 digits.

use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

/// Why a text is not an exact amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a plain decimal (an optional `-`, digits, optionally `.` and more digits), or
    /// with an exponent that is malformed or not allowed.
    #[error("must be a decimal number such as 6.0 or \"-2.50\"")]
    NotANumber,
    /// More than 18 digits before the decimal point.
    #[error(
        "must have at most {} digits before the decimal point",
        MAX_INTEGER_DIGITS
    )]
    TooManyIntegerDigits,
    /// More than 10 digits after the decimal point.
    #[error(
        "must have at most {} digits after the decimal point",
        MAX_FRACTION_DIGITS
    )]
    TooManyFractionDigits,
}

const MAX_INTEGER_DIGITS: usize = 18;
const MAX_FRACTION_DIGITS: usize = 10;
/// Exponents beyond this cannot produce an amount within the digit limits.
const MAX_EXPONENT: i64 = 64;

/// Reads `-?digits(.digits)?`, and, when `allow_exponent` (JSON numbers), an `e±N`
/// suffix. The scale written is the scale kept: `6.0` stays `6.0`.
fn parse_exact(text: &str, allow_exponent: bool) -> Result<Decimal, AmountError> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) if allow_exponent => {
            let exponent: i64 = unsigned[at + 1..]
                .parse()
                .map_err(|_| AmountError::NotANumber)?;
            (&unsigned[..at], exponent)
        }
        Some(_) => return Err(AmountError::NotANumber),
        None => (unsigned, 0),
    };
    if exponent.abs() > MAX_EXPONENT {
        return Err(if exponent > 0 {
            AmountError::TooManyIntegerDigits
        } else {
            AmountError::TooManyFractionDigits
        });
    }
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(integer) || (mantissa.contains('.') && !all_digits(fraction)) {
        return Err(AmountError::NotANumber);
    }

    // Move the decimal point by the exponent, in text, so no digit is ever rounded.
    let digits = format!("{integer}{fraction}");
    #[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
    let point = integer.len() as i64 + exponent;
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
    let (integer, fraction) = if point <= 0 {
        (
            String::from("0"),
            format!("{}{digits}", "0".repeat((-point) as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        let (i, f) = digits.split_at(point as usize);
        (i.to_owned(), f.to_owned())
    };

    let significant_integer = integer.trim_start_matches('0');
    if significant_integer.len() > MAX_INTEGER_DIGITS {
        return Err(AmountError::TooManyIntegerDigits);
    }
    if fraction.len() > MAX_FRACTION_DIGITS {
        return Err(AmountError::TooManyFractionDigits);
    }
    // Zero has no sign: `-0.00` is `0.00`, as every store reads it back.
    let is_zero = significant_integer.is_empty() && fraction.bytes().all(|b| b == b'0');
    let sign = if negative && !is_zero { "-" } else { "" };
    let integer = if significant_integer.is_empty() {
        "0"
    } else {
        significant_integer
    };
    let canonical = if fraction.is_empty() {
        format!("{sign}{integer}")
    } else {
        format!("{sign}{integer}.{fraction}")
    };
    // At most 28 digits now, which rust_decimal holds exactly.
    Decimal::from_str(&canonical).map_err(|_| AmountError::NotANumber)
}

macro_rules! exact_amount {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// At most 18 digits before the point and 10 after; negative allowed. Equality is
        /// numeric (`6.0 == 6`); the scale sent is kept and printed back.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Decimal);

        impl $name {
            /// The most digits before the decimal point (leading zeros not counted).
            pub const MAX_INTEGER_DIGITS: usize = MAX_INTEGER_DIGITS;
            /// The most digits after the decimal point (trailing zeros counted: the
            /// scale is kept).
            pub const MAX_FRACTION_DIGITS: usize = MAX_FRACTION_DIGITS;

            /// Reads a decimal written as text (`"2.50"`, `"-7"`); no exponent.
            pub fn parse(text: &str) -> Result<Self, AmountError> {
                parse_exact(text, false).map(Self)
            }

            /// Reads a number as a format with a number type writes it: its literal
            /// text, exponent allowed (`6.0`, `1.5e2`).
            pub fn parse_number(text: &str) -> Result<Self, AmountError> {
                parse_exact(text, true).map(Self)
            }

            /// Wraps a decimal read back from storage, checking the same limits.
            pub fn from_decimal(value: Decimal) -> Result<Self, AmountError> {
                Self::parse(&value.to_string())
            }

            /// The exact decimal, at the scale it was sent with.
            pub fn value(&self) -> Decimal {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

exact_amount!(
    /// How many units an event bills.
    Quantity
);
exact_amount!(
    /// The price of one unit.
    Price
);

#[cfg(test)]
mod tests {
    use super::*;

    fn text(result: Result<Price, AmountError>) -> String {
        result.unwrap().to_string()
    }

    #[test]
    fn the_scale_sent_is_the_scale_kept() {
        assert_eq!(text(Price::parse("6.0")), "6.0");
        assert_eq!(text(Price::parse("2.50")), "2.50");
        assert_eq!(text(Price::parse("-7")), "-7");
        assert_eq!(text(Price::parse("0.1")), "0.1");
        assert_eq!(
            text(Price::parse("12345678901234.5678")),
            "12345678901234.5678"
        );
        assert_eq!(text(Price::parse("0.00")), "0.00");
    }

    #[test]
    fn zero_has_no_sign_but_keeps_its_scale() {
        assert_eq!(text(Price::parse("-0.000")), "0.000");
        assert_eq!(text(Price::parse_number("-0e0")), "0");
        assert_eq!(text(Price::parse("-0.001")), "-0.001");
    }

    #[test]
    fn equality_is_numeric() {
        assert_eq!(Price::parse("6.0"), Price::parse("6"));
        assert_eq!(Quantity::parse("2.500"), Quantity::parse("2.5"));
        assert_ne!(Price::parse("6.01"), Price::parse("6"));
    }

    #[test]
    fn json_numbers_may_have_an_exponent_and_keep_their_digits() {
        assert_eq!(text(Price::parse_number("1.5e2")), "150");
        assert_eq!(text(Price::parse_number("125E-2")), "1.25");
        assert_eq!(text(Price::parse_number("-6.0e0")), "-6.0");
        assert_eq!(text(Price::parse_number("1e-10")), "0.0000000001");
        assert_eq!(Price::parse("1e2"), Err(AmountError::NotANumber));
    }

    #[test]
    fn eighteen_integer_and_ten_fraction_digits_are_the_limits() {
        let widest = "123456789012345678.1234567890";
        assert_eq!(text(Price::parse(widest)), widest);
        assert_eq!(text(Price::parse("-000123.5")), "-123.5");
        assert_eq!(
            Price::parse("1234567890123456789"),
            Err(AmountError::TooManyIntegerDigits)
        );
        assert_eq!(
            Price::parse("0.12345678901"),
            Err(AmountError::TooManyFractionDigits)
        );
        // 29 digits: rust_decimal alone would round this to 10 places and accept it.
        assert_eq!(
            Price::parse("123456789012345678.12345678901"),
            Err(AmountError::TooManyFractionDigits)
        );
        assert_eq!(
            Price::parse_number("1e400"),
            Err(AmountError::TooManyIntegerDigits)
        );
        assert_eq!(
            Price::parse_number("1e-400"),
            Err(AmountError::TooManyFractionDigits)
        );
    }

    #[test]
    fn anything_but_plain_decimal_text_is_refused() {
        for bad in [
            "",
            "-",
            ".5",
            "5.",
            "NaN",
            "Infinity",
            "-Infinity",
            "1_000",
            "+1",
            " 1",
            "1 ",
            "0x10",
            "1,5",
            "true",
            "1.2.3",
            "--1",
            "1e",
            "1e+",
        ] {
            assert_eq!(Price::parse(bad), Err(AmountError::NotANumber), "{bad:?}");
            assert!(Price::parse_number(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn stored_decimals_are_checked_against_the_same_limits() {
        let stored = Decimal::from_str("7.25").unwrap();
        assert_eq!(Price::from_decimal(stored).unwrap().value(), stored);
        assert!(Quantity::from_decimal(Decimal::MAX).is_err());
    }
}
