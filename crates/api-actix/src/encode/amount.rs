//! Exact decimals in JSON answers: a number written with exactly its digits, or, for a
//! client that asked with `Accept: application/json; amounts=string`, the same digits as
//! a JSON string, which a generated client reads without going through a float.

use serde::{Serialize, Serializer};
use serde_json::Number;
use std::fmt;
use std::str::FromStr;

/// How amounts are written in a JSON answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AmountStyle {
    /// `6.0`: what the original's .NET clients read.
    #[default]
    Number,
    /// `"6.0"`.
    String,
}

/// An exact decimal as a JSON answer carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonAmount {
    digits: String,
    style: AmountStyle,
}

impl JsonAmount {
    /// `digits`, a domain decimal's plain text, written in `style`.
    pub fn new(digits: String, style: AmountStyle) -> Self {
        Self { digits, style }
    }
}

/// The digits, as XML writes them whatever the style.
impl fmt::Display for JsonAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.digits)
    }
}

impl Serialize for JsonAmount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.style {
            AmountStyle::Number => exact_number(&self.digits).serialize(serializer),
            AmountStyle::String => serializer.serialize_str(&self.digits),
        }
    }
}

/// A JSON number written with exactly these digits (`6.0` stays `6.0`): with
/// `arbitrary_precision`, `serde_json` keeps a number's text as it is.
pub fn exact_number(decimal: &str) -> Number {
    Number::from_str(decimal).expect("a domain decimal is a valid JSON number")
}

#[cfg(test)]
mod tests {
    use super::{exact_number, AmountStyle, JsonAmount};

    const DIGITS: [&str; 5] = [
        "6.0",
        "2.50",
        "-7",
        "0.0000000001",
        "123456789012345678.1234567890",
    ];

    #[test]
    fn numbers_are_written_with_their_scale() {
        for text in DIGITS {
            assert_eq!(serde_json::to_string(&exact_number(text)).unwrap(), text);
        }
    }

    #[test]
    fn each_style_writes_the_same_digits() {
        for text in DIGITS {
            let written = |style| serde_json::to_string(&JsonAmount::new(text.into(), style));
            assert_eq!(written(AmountStyle::Number).unwrap(), text);
            assert_eq!(written(AmountStyle::String).unwrap(), format!("\"{text}\""));
        }
    }
}
