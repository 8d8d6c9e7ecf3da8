//! The client an event is billed to, as named in the route.

use std::fmt;

/// A client's name: 1–100 characters of ASCII letters, digits, space, `.`, `_` and `-`,
/// not starting or ending with a space, and not `.` or `..` (a URL cannot carry those as
/// a path segment: clients resolve them away before sending). Names are case-insensitive
/// (`Acme` is `acme`), so the canonical form held here is lower case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientName(String);

/// Why a text is not a client name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientNameError {
    /// No characters at all.
    #[error("is required")]
    Empty,
    /// Longer than 100 characters.
    #[error("must be at most {max} characters", max = ClientName::MAX_CHARS)]
    TooLong,
    /// Has a character other than an ASCII letter, a digit, space, `.`, `_` or `-`.
    #[error("may contain only letters, digits, space, '.', '_' and '-'")]
    ForbiddenCharacter,
    /// Starts or ends with a space.
    #[error("must not start or end with a space")]
    SurroundingSpace,
    /// `.` or `..`, which URLs treat as "this" or "the parent" path segment.
    #[error("must not be '.' or '..'")]
    DotSegment,
}

impl ClientName {
    /// The longest a name may be, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Reads a client name in any letter case.
    pub fn parse(text: &str) -> Result<Self, ClientNameError> {
        if text.is_empty() {
            return Err(ClientNameError::Empty);
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(ClientNameError::TooLong);
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-');
        if !text.chars().all(allowed) {
            return Err(ClientNameError::ForbiddenCharacter);
        }
        if text.starts_with(' ') || text.ends_with(' ') {
            return Err(ClientNameError::SurroundingSpace);
        }
        if text == "." || text == ".." {
            return Err(ClientNameError::DotSegment);
        }
        Ok(Self(text.to_ascii_lowercase()))
    }

    /// The canonical (lower-case) name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive() {
        assert_eq!(ClientName::parse("Acme"), ClientName::parse("acme"));
        assert_eq!(
            ClientName::parse("ACME Corp_1.x-y").unwrap().as_str(),
            "acme corp_1.x-y"
        );
    }

    #[test]
    fn length_is_one_to_one_hundred_characters() {
        assert_eq!(ClientName::parse(""), Err(ClientNameError::Empty));
        assert!(ClientName::parse(&"a".repeat(100)).is_ok());
        assert_eq!(
            ClientName::parse(&"a".repeat(101)),
            Err(ClientNameError::TooLong)
        );
    }

    #[test]
    fn only_letters_digits_space_dot_underscore_and_dash_are_allowed() {
        for text in ["a/b", "a;b", "é", "a\tb", "a%20b", "a\u{0}"] {
            assert_eq!(
                ClientName::parse(text),
                Err(ClientNameError::ForbiddenCharacter),
                "{text:?}"
            );
        }
    }

    #[test]
    fn surrounding_spaces_are_refused() {
        assert_eq!(
            ClientName::parse(" acme"),
            Err(ClientNameError::SurroundingSpace)
        );
        assert_eq!(
            ClientName::parse("acme "),
            Err(ClientNameError::SurroundingSpace)
        );
        assert!(ClientName::parse("acme corp").is_ok());
    }

    #[test]
    fn dot_segments_are_refused_but_other_dotted_names_are_not() {
        for text in [".", ".."] {
            assert_eq!(ClientName::parse(text), Err(ClientNameError::DotSegment));
        }
        for text in ["...", ".a", "a."] {
            assert!(ClientName::parse(text).is_ok(), "{text}");
        }
    }
}
