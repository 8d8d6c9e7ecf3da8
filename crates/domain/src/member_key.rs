//! The member an event belongs to, as the member system names it.

use std::fmt;

/// A member's unique key: 1–256 characters, not blank, no control characters and not
/// the noncharacters U+FFFE or U+FFFF (so that every answer format, XML included, can
/// carry it). Kept exactly as sent (no trimming, no case folding): it is another
/// system's identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MemberUniqueKey(String);

/// Why a text is not a member key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberKeyError {
    /// Empty, or only white space.
    #[error("must not be empty or blank")]
    Blank,
    /// Longer than 256 characters.
    #[error("must be at most {max} characters", max = MemberUniqueKey::MAX_CHARS)]
    TooLong,
    /// Has a control character, such as a newline or a tab.
    #[error("must not contain control characters")]
    ControlCharacter,
    /// Has U+FFFE or U+FFFF, which XML cannot carry.
    #[error("must not contain the noncharacters U+FFFE or U+FFFF")]
    Noncharacter,
}

impl MemberUniqueKey {
    /// The longest a key may be, in characters.
    pub const MAX_CHARS: usize = 256;

    /// Reads a member key, keeping it exactly as sent.
    pub fn parse(text: impl Into<String>) -> Result<Self, MemberKeyError> {
        let text = text.into();
        if text.trim().is_empty() {
            return Err(MemberKeyError::Blank);
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(MemberKeyError::TooLong);
        }
        if text.chars().any(char::is_control) {
            return Err(MemberKeyError::ControlCharacter);
        }
        if text.contains(['\u{FFFE}', '\u{FFFF}']) {
            return Err(MemberKeyError::Noncharacter);
        }
        Ok(Self(text))
    }

    /// The key exactly as it was sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MemberUniqueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_kept_exactly_as_sent() {
        let key = MemberUniqueKey::parse(" Sample String 4 ").unwrap();
        assert_eq!(key.as_str(), " Sample String 4 ");
        assert_eq!(
            MemberUniqueKey::parse("ünïcode✓").unwrap().as_str(),
            "ünïcode✓"
        );
    }

    #[test]
    fn blank_keys_are_refused() {
        for text in ["", " ", "\u{3000}"] {
            assert_eq!(
                MemberUniqueKey::parse(text),
                Err(MemberKeyError::Blank),
                "{text:?}"
            );
        }
    }

    #[test]
    fn length_is_counted_in_characters_up_to_256() {
        assert!(MemberUniqueKey::parse("é".repeat(256)).is_ok());
        assert_eq!(
            MemberUniqueKey::parse("é".repeat(257)),
            Err(MemberKeyError::TooLong)
        );
    }

    #[test]
    fn the_noncharacters_xml_cannot_carry_are_refused() {
        for text in ["a\u{FFFE}", "\u{FFFF}b"] {
            assert_eq!(
                MemberUniqueKey::parse(text),
                Err(MemberKeyError::Noncharacter),
                "{text:?}"
            );
        }
        assert!(MemberUniqueKey::parse("\u{FFFD}\u{10FFFF}").is_ok());
    }

    #[test]
    fn control_characters_are_refused() {
        for text in ["a\nb", "a\u{0}", "tab\there", "\u{7f}x"] {
            assert_eq!(
                MemberUniqueKey::parse(text),
                Err(MemberKeyError::ControlCharacter),
                "{text:?}"
            );
        }
    }
}
