//! JSON Schemas of the values the service reads, built from the domain's own limits, so
//! that the document is exactly as strict as the decoders: a value a schema allows is
//! taken, a value it forbids is refused. The schemas are components; parameters and
//! body properties refer to them by name.
//!
//! Patterns use only what ECMA-262 and Python's `re` read alike: explicit character
//! classes (no `\d`, `\s`, `\w`), letter case spelled out per letter (`[Uu][Ss]…`),
//! anchored with `^…$`.

use domain::{ClientName, EventStatus, EventType, MemberUniqueKey, Quantity, Timestamp};
use serde_json::{json, Value};

/// A reference to one of [`components`].
pub fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// Every value schema, by component name.
pub fn components(max_list_limit: u32) -> Vec<(&'static str, Value)> {
    vec![
        ("Guid", guid(false)),
        ("GuidOrEmpty", guid(true)),
        ("ClientName", client_name(&[])),
        ("PostingClientName", client_name(&["summary"])),
        ("MemberUniqueKey", member_unique_key()),
        ("Timestamp", timestamp()),
        ("Amount", amount()),
        (
            "EventTypeName",
            coded_name(EventType::ALL.iter().map(|t| (t.name(), t.code()))),
        ),
        (
            "EventStatusName",
            coded_name(EventStatus::ALL.iter().map(|s| (s.name(), s.code()))),
        ),
        (
            "EventTypeId",
            coded_value("EventTypeName", EventType::ALL.iter().map(|t| t.code())),
        ),
        (
            "EventStatusId",
            coded_value("EventStatusName", EventStatus::ALL.iter().map(|s| s.code())),
        ),
        ("GroupBy", any_case_words(&["member", "type", "status"])),
        (
            "Limit",
            json!({ "type": "integer", "minimum": 1, "maximum": max_list_limit }),
        ),
        (
            "Cursor",
            json!({
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]+$",
                "description": "The nextCursor of a page, sent back unchanged"
            }),
        ),
    ]
}

const HEX: &str = "[0-9A-Fa-f]";

/// .NET's `D`, `N`, `B` and `P` formats in any case; the empty GUID only if `empty_too`.
fn guid(empty_too: bool) -> Value {
    let group = |digits: usize| format!("{HEX}{{{digits}}}");
    let d = [8, 4, 4, 4, 12].map(group).join("-");
    let formats = format!("{d}|\\{{{d}\\}}|\\({d}\\)|{}", group(32));
    let (pattern, description) = if empty_too {
        (
            format!("^({formats})$"),
            "A GUID in any .NET format (D, N, B, P), any letter case; the empty GUID means none",
        )
    } else {
        (
            format!("^(?![({{]?0{{8}}-?0{{4}}-?0{{4}}-?0{{4}}-?0{{12}}[)}}]?$)({formats})$"),
            "A GUID in any .NET format (D, N, B, P), any letter case; never the empty GUID",
        )
    };
    json!({ "type": "string", "pattern": pattern, "description": description })
}

/// The domain's client names, less the `reserved` ones (in any case): a route literal
/// in the same place answers them instead.
fn client_name(reserved: &[&str]) -> Value {
    let inner = ClientName::MAX_CHARS - 2;
    let excluded = reserved
        .iter()
        .map(|word| format!("(?!{}$)", any_case(word)))
        .collect::<Vec<_>>()
        .concat();
    let mut schema = json!({
        "type": "string",
        "minLength": 1,
        "maxLength": ClientName::MAX_CHARS,
        "pattern": format!(
            r"^(?!\.{{1,2}}$){excluded}[A-Za-z0-9._-]([A-Za-z0-9 ._-]{{0,{inner}}}[A-Za-z0-9._-])?$"
        ),
        "description": "1–100 ASCII letters, digits, space, '.', '_' and '-'; no space first \
            or last; not '.' or '..'; any letter case",
    });
    if !reserved.is_empty() {
        schema["description"] = json!(format!(
            "{}; not {} (a route of its own; such a client posts through /batch)",
            schema["description"].as_str().unwrap_or_default(),
            reserved.join(", ")
        ));
    }
    schema
}

/// Control characters (Unicode `Cc`) and the two noncharacters XML cannot carry.
const NOT_ALLOWED: &str = r"\u0000-\u001f\u007f-\u009f\uFFFE\uFFFF";
/// Unicode `White_Space` outside `Cc`, as Rust's `trim` reads it.
const BLANK: &str = r"\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// Any text but blank, with no control characters or noncharacters.
fn member_unique_key() -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": MemberUniqueKey::MAX_CHARS,
        "pattern": format!("^[^{NOT_ALLOWED}]*[^{NOT_ALLOWED}{BLANK}][^{NOT_ALLOWED}]*$"),
        "description": "1–256 characters, not only blanks, no control characters; kept \
            exactly as sent",
    })
}

/// ISO 8601 as `Timestamp::parse` reads it. The years run 0002–9998 and February stops
/// at the 28th here: the pattern cannot see leap years, nor an offset moving the first
/// or last day out of range (docs/api.md, "The OpenAPI document").
fn timestamp() -> Value {
    let year =
        "(000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])";
    let month_day =
        "((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)";
    let time = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]";
    let fraction = format!(r"(\.[0-9]{{1,{}}})?", Timestamp::MAX_FRACTION_DIGITS);
    let offset = "([Zz]|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?";
    json!({
        "type": "string",
        "pattern": format!("^{year}-{month_day}[Tt]{time}{fraction}{offset}$"),
        "description": "ISO 8601 date and time with Z, an offset (±hh:mm or ±hhmm) or none \
            (UTC); up to 7 fractional digits",
    })
}

/// An exact decimal, as a string or a JSON number.
fn amount() -> Value {
    let integer = Quantity::MAX_INTEGER_DIGITS;
    let fraction = Quantity::MAX_FRACTION_DIGITS;
    let bound = format!("1e{integer}").parse::<f64>().unwrap_or(f64::MAX);
    json!({
        "anyOf": [
            {
                "type": "string",
                "pattern": format!(r"^-?0*[0-9]{{1,{integer}}}(\.[0-9]{{1,{fraction}}})?$"),
            },
            {
                "type": "number",
                "exclusiveMinimum": -bound,
                "exclusiveMaximum": bound,
            },
        ],
        "description": format!(
            "Exact decimal as a string (no exponent) or a number (exponent allowed): at most \
             {integer} digits before the point and {fraction} after"
        ),
    })
}

/// A name of a coded enum in any letter case, or its code as text (`+` and leading
/// zeros allowed, as a number parses).
fn coded_name<'a>(members: impl Iterator<Item = (&'a str, i16)>) -> Value {
    let (names, codes): (Vec<_>, Vec<_>) =
        members.map(|(name, code)| (any_case(name), code)).unzip();
    let codes: Vec<String> = codes.iter().map(i16::to_string).collect();
    let mut alternatives = names;
    alternatives.push(format!(r"\+?0*({})", codes.join("|")));
    if codes.iter().any(|code| code == "0") {
        alternatives.push("-0+".to_owned());
    }
    json!({
        "type": "string",
        "pattern": format!("^({})$", alternatives.join("|")),
    })
}

/// A coded enum in a body: its name or code as a string, or its code as a number.
fn coded_value(name_schema: &str, codes: impl Iterator<Item = i16>) -> Value {
    json!({
        "anyOf": [
            reference(name_schema),
            { "type": "integer", "enum": codes.collect::<Vec<_>>() },
        ]
    })
}

fn any_case_words(words: &[&str]) -> Value {
    let alternatives: Vec<String> = words.iter().map(|word| any_case(word)).collect();
    json!({ "type": "string", "pattern": format!("^({})$", alternatives.join("|")) })
}

/// `Usage` as `[Uu][Ss][Aa][Gg][Ee]`: the same in every regex dialect, unlike `(?i)`.
fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
            } else {
                regex_escape(c)
            }
        })
        .collect()
}

fn regex_escape(c: char) -> String {
    if c.is_ascii_alphanumeric() {
        c.to_string()
    } else {
        format!("\\{c}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{BillingEventGuid, MemberUniqueKey};
    use fancy_regex::Regex;

    fn pattern(schema: &Value) -> Regex {
        Regex::new(schema["pattern"].as_str().expect("a pattern")).unwrap()
    }

    /// The patterns agree with the domain on texts on both sides of each rule.
    #[test]
    fn client_names_match_the_domain() {
        let schema = client_name(&[]);
        for text in ["a", "Acme Corp", "a.b_c-d", "...", &"x".repeat(100)] {
            assert!(ClientName::parse(text).is_ok());
            assert!(matches(&schema, text), "{text:?}");
        }
        for text in ["", " a", "a ", ".", "..", "a/b", "é", &"x".repeat(101)] {
            assert!(ClientName::parse(text).is_err());
            assert!(!matches(&schema, text), "{text:?}");
        }
        let posting = client_name(&["summary"]);
        assert!(!matches(&posting, "SUMMARY"));
        assert!(matches(&posting, "summary2"));
    }

    #[test]
    fn guids_match_the_domain() {
        let d = "6d91f288-c380-4652-bd35-ce286ac4c806";
        let texts = [
            d.to_owned(),
            d.to_uppercase(),
            d.replace('-', ""),
            format!("{{{d}}}"),
            format!("({d})"),
        ];
        for text in &texts {
            assert!(BillingEventGuid::parse(text).is_ok());
            assert!(matches(&guid(false), text), "{text}");
        }
        let empty = "00000000-0000-0000-0000-000000000000";
        for text in [
            empty.to_owned(),
            empty.replace('-', ""),
            format!("{{{empty}}}"),
        ] {
            assert!(!matches(&guid(false), &text), "{text}");
            assert!(matches(&guid(true), &text), "{text}");
        }
        for text in [
            "0",
            "{6d91f288c3804652bd35ce286ac4c806}",
            &d[1..],
            "6d91f288-c380-4652-bd35-ce286ac4c80g",
        ] {
            assert!(BillingEventGuid::parse(text).is_err());
            assert!(!matches(&guid(true), text), "{text}");
        }
    }

    #[test]
    fn member_keys_match_the_domain() {
        let schema = member_unique_key();
        for text in ["M-1", " x ", "ключ", "a\u{a0}b"] {
            assert!(MemberUniqueKey::parse(text).is_ok());
            assert!(matches(&schema, text), "{text:?}");
        }
        for text in [" ", "\u{3000}\u{a0}", "a\nb", "a\u{85}", "a\u{FFFE}"] {
            assert!(MemberUniqueKey::parse(text).is_err());
            assert!(!matches(&schema, text), "{text:?}");
        }
    }

    #[test]
    fn timestamps_match_the_domain() {
        let schema = timestamp();
        for text in [
            "2025-08-14T01:25:53.8669171+00:00",
            "2025-08-14t01:25:53z",
            "2025-12-31T23:59:59-0130",
            "0002-01-01T00:00:00",
        ] {
            assert!(Timestamp::parse(text).is_ok());
            assert!(matches(&schema, text), "{text}");
        }
        for text in [
            "2025-08-14T01:25:53.86691712Z",
            "2025-02-30T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-01-01T24:00:00Z",
            "2025-01-01T00:00:00+24:00",
            "2025-01-01 00:00:00Z",
        ] {
            assert!(Timestamp::parse(text).is_err());
            assert!(!matches(&schema, text), "{text}");
        }
    }

    #[test]
    fn amount_strings_match_the_domain() {
        let schema = &amount()["anyOf"][0];
        let eighteen = "9".repeat(18);
        for text in ["0", "-2.50", "007", &format!("000{eighteen}.0123456789")] {
            assert!(Quantity::parse(text).is_ok());
            assert!(matches(schema, text), "{text}");
        }
        for text in [
            "+1",
            "1.",
            ".5",
            "1e3",
            &format!("1{eighteen}"),
            "0.01234567891",
            " 1",
        ] {
            assert!(Quantity::parse(text).is_err());
            assert!(!matches(schema, text), "{text}");
        }
    }

    #[test]
    fn coded_names_match_the_domain() {
        let schema = coded_name(EventType::ALL.iter().map(|t| (t.name(), t.code())));
        for text in ["Usage", "oNeTiMe", "4", "+004", "-0", "0"] {
            assert!(EventType::parse(text).is_ok());
            assert!(matches(&schema, text), "{text}");
        }
        for text in ["Refund", "6", "-1", "1.0", "Usage "] {
            assert!(EventType::parse(text).is_err());
            assert!(!matches(&schema, text), "{text}");
        }
    }

    fn matches(schema: &Value, text: &str) -> bool {
        pattern(schema).is_match(text).unwrap()
    }
}
