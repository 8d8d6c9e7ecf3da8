//! Enums with stable numeric codes, read from their name in any case or from their code.
//!
//! The original API serialises these .NET enums by name and accepts either the name or
//! the number; the codes are part of the contract and never change.

/// Why a text or number names no member of a coded enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of {expected}")]
pub struct UnknownCode {
    /// The members with their codes, e.g. `Unknown (0), Usage (1), …`.
    pub expected: String,
}

/// Declares a `Copy` enum with `code()`, `name()`, `from_code()` and `parse()`.
macro_rules! coded_enum {
    (
        $(#[$doc:meta])*
        $name:ident, wire name $wire:literal {
            $($(#[$variant_doc:meta])* $variant:ident = $code:literal),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub enum $name {
            #[default]
            $($(#[$variant_doc])* $variant),+
        }

        impl $name {
            /// The .NET type name of the original contract.
            pub const WIRE_NAME: &'static str = $wire;
            /// Every member, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable numeric code.
            pub const fn code(self) -> i16 {
                match self { $($name::$variant => $code),+ }
            }

            /// The name as the contract writes it (`OneTime`).
            pub const fn name(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant)),+ }
            }

            /// Reads a stable numeric code (`1`).
            pub fn from_code(code: i64) -> Result<Self, $crate::coded_enum::UnknownCode> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|member| i64::from(member.code()) == code)
                    .ok_or_else(Self::unknown)
            }

            /// Reads a name in any letter case (`usage`, `USAGE`) or a code (`1`).
            pub fn parse(text: &str) -> Result<Self, $crate::coded_enum::UnknownCode> {
                if let Ok(code) = text.parse::<i64>() {
                    return Self::from_code(code);
                }
                Self::ALL
                    .iter()
                    .copied()
                    .find(|member| member.name().eq_ignore_ascii_case(text))
                    .ok_or_else(Self::unknown)
            }

            fn unknown() -> $crate::coded_enum::UnknownCode {
                let expected = Self::ALL
                    .iter()
                    .map(|member| format!("{} ({})", member.name(), member.code()))
                    .collect::<Vec<_>>()
                    .join(", ");
                $crate::coded_enum::UnknownCode { expected }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

pub(crate) use coded_enum;
