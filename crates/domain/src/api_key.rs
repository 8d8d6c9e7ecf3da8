//! API keys: what a key looks like, how it is checked, and which clients it may act for.
//!
//! A key reads `bek_<id>_<secret>`: `bek_` so that people and secret scanners recognise
//! it, a public id of 16 hex digits (what `keys list` and `keys revoke` name), and a
//! secret of 64 hex digits (256 random bits). Only the SHA-256 of the whole key is
//! stored. A fast hash is enough here: unlike a password, the secret is random and far
//! too long to guess, so a slow hash would only slow every request down.

use crate::{ClientName, Timestamp};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

const PREFIX: &str = "bek_";
const ID_BYTES: usize = 8;
const SECRET_BYTES: usize = 32;

/// The public id of a key: 16 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiKeyId(String);

/// Why a text is not a key id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 16 hexadecimal digits")]
pub struct ApiKeyIdError;

impl ApiKeyId {
    /// Reads an id in either letter case.
    pub fn parse(text: &str) -> Result<Self, ApiKeyIdError> {
        if text.len() == ID_BYTES * 2 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(text.to_ascii_lowercase()))
        } else {
            Err(ApiKeyIdError)
        }
    }

    /// The id in lower case, as keys and listings show it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ApiKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 of a whole key: what the database keeps instead of the key.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyHash([u8; 32]);

impl ApiKeyHash {
    /// Wraps a hash read back from storage.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes of the hash, as storage keeps them.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Compares in constant time, so the time taken tells nothing about how much of a
    /// guessed key was right.
    pub fn matches(&self, other: &ApiKeyHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for ApiKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeyHash(..)")
    }
}

/// A key as a caller presented it, split into its id and checked for shape.
/// Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct PresentedKey {
    id: ApiKeyId,
    hash: ApiKeyHash,
}

/// Why a presented text cannot be a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a billing-events API key")]
pub struct MalformedKey;

impl PresentedKey {
    /// Checks that a text has a key's shape (`bek_`, 16 hex digits, `_`, 64 hex digits)
    /// and hashes it. It does not say whether the key exists.
    pub fn parse(text: &str) -> Result<Self, MalformedKey> {
        let rest = text.strip_prefix(PREFIX).ok_or(MalformedKey)?;
        let (id, secret) = rest.split_once('_').ok_or(MalformedKey)?;
        let id = ApiKeyId::parse(id).map_err(|_| MalformedKey)?;
        if secret.len() != SECRET_BYTES * 2 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(MalformedKey);
        }
        Ok(Self {
            id,
            hash: hash_of(text),
        })
    }

    /// The public id, to look the stored key up by.
    pub fn id(&self) -> &ApiKeyId {
        &self.id
    }

    /// The SHA-256 of the whole key, to compare with the stored one.
    pub fn hash(&self) -> &ApiKeyHash {
        &self.hash
    }
}

impl fmt::Debug for PresentedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn hash_of(key: &str) -> ApiKeyHash {
    ApiKeyHash(Sha256::digest(key.as_bytes()).into())
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes.iter().fold(String::new(), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

/// Which clients a key may act for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// An admin key, or every caller when authentication is switched off.
    AllClients,
    /// A key scoped to one client: it may act for that client only.
    Client(ClientName),
}

impl Access {
    /// Whether the caller may act for `client`.
    pub fn permits(&self, client: &ClientName) -> bool {
        match self {
            Access::AllClients => true,
            Access::Client(own) => own == client,
        }
    }

    /// Whether the caller may act for the client written as `name` in a request.
    /// A name that is not a valid client name is nobody's.
    pub fn permits_name(&self, name: &str) -> bool {
        match self {
            Access::AllClients => true,
            Access::Client(own) => ClientName::parse(name).is_ok_and(|name| name == *own),
        }
    }

    /// The one client a scoped key acts for; `None` for every client.
    pub fn client(&self) -> Option<&ClientName> {
        match self {
            Access::AllClients => None,
            Access::Client(client) => Some(client),
        }
    }
}

/// A stored key: everything but the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// Public id, the part of the key that names it.
    pub id: ApiKeyId,
    /// Which clients the key may act for.
    pub access: Access,
    /// Free text saying who or what the key is for, if one was given.
    pub label: Option<String>,
    /// SHA-256 of the whole key, kept instead of the key.
    pub hash: ApiKeyHash,
    /// When the key was issued.
    pub created: Timestamp,
    /// When the key was revoked; `None` while it still works.
    pub revoked: Option<Timestamp>,
}

impl ApiKeyRecord {
    /// What the presented key may do, when it is this key and not revoked.
    pub fn admit(&self, presented: &PresentedKey) -> Option<&Access> {
        (self.revoked.is_none() && self.id == presented.id && self.hash.matches(&presented.hash))
            .then_some(&self.access)
    }
}

/// A key just made: the only time its text exists. Its `Debug` never shows it.
pub struct IssuedKey {
    /// The full key (`bek_<id>_<secret>`), to hand to its owner once.
    pub text: String,
    /// What is stored about the key.
    pub record: ApiKeyRecord,
}

impl IssuedKey {
    /// Makes a key from fresh random bytes (the caller draws them from the OS).
    pub fn from_random(
        id: [u8; ID_BYTES],
        secret: [u8; SECRET_BYTES],
        access: Access,
        label: Option<String>,
        created: Timestamp,
    ) -> Self {
        let id = ApiKeyId(hex(&id));
        let text = format!("{PREFIX}{id}_{}", hex(&secret));
        Self {
            record: ApiKeyRecord {
                id,
                access,
                label,
                hash: hash_of(&text),
                created,
                revoked: None,
            },
            text,
        }
    }
}

impl fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedKey")
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued(access: Access) -> IssuedKey {
        IssuedKey::from_random(
            [0xab; ID_BYTES],
            [7; SECRET_BYTES],
            access,
            Some("ci".into()),
            Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
        )
    }

    #[test]
    fn an_issued_key_has_the_prefix_its_id_and_a_256_bit_secret() {
        let key = issued(Access::AllClients);
        assert_eq!(
            key.text,
            format!("bek_abababababababab_{}", "07".repeat(32))
        );
        assert_eq!(key.record.id.as_str(), "abababababababab");
        let presented = PresentedKey::parse(&key.text).unwrap();
        assert_eq!(presented.id(), &key.record.id);
        assert_eq!(key.record.admit(&presented), Some(&Access::AllClients));
    }

    #[test]
    fn a_wrong_secret_or_a_revoked_key_is_not_admitted() {
        let mut key = issued(Access::AllClients);
        let wrong = format!("bek_abababababababab_{}", "08".repeat(32));
        assert!(key
            .record
            .admit(&PresentedKey::parse(&wrong).unwrap())
            .is_none());
        let right = PresentedKey::parse(&key.text).unwrap();
        key.record.revoked = Some(key.record.created);
        assert!(key.record.admit(&right).is_none());
    }

    #[test]
    fn texts_of_the_wrong_shape_are_not_keys() {
        let secret = "0".repeat(64);
        for bad in [
            String::new(),
            "Bearer".into(),
            format!("xyz_0123456789abcdef_{secret}"),
            format!("bek_0123456789abcde_{secret}"),
            format!("bek_0123456789abcdef_{}", "0".repeat(63)),
            format!("bek_0123456789abcdeg_{secret}"),
            format!("bek_0123456789abcdef{secret}"),
        ] {
            assert!(PresentedKey::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn neither_debug_form_shows_the_secret() {
        let key = issued(Access::AllClients);
        let secret = "07".repeat(32);
        assert!(!format!("{key:?}").contains(&secret));
        let presented = PresentedKey::parse(&key.text).unwrap();
        assert!(!format!("{presented:?}").contains(&secret));
    }

    #[test]
    fn a_client_key_acts_only_for_its_client_in_any_case() {
        let access = Access::Client(ClientName::parse("acme").unwrap());
        assert!(access.permits_name("ACME"));
        assert!(!access.permits_name("other"));
        assert!(!access.permits_name("bad/name"));
        assert!(access.permits(&ClientName::parse("Acme").unwrap()));
        assert!(Access::AllClients.permits_name("anyone"));
        assert_eq!(Access::AllClients.client(), None);
    }
}
