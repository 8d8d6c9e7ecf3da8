//! Making, listing and revoking API keys: what `billing-events keys …` does.

use crate::ports::{ApiKeyRepository, Clock, RepositoryError};
use domain::{
    Access, ApiKeyId, ApiKeyIdError, ApiKeyRecord, ClientName, ClientNameError, IssuedKey,
};
use std::sync::Arc;

/// Who a new key is for, as the operator asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHolder {
    Client(String),
    /// An admin key: it may act for every client.
    AllClients,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateApiKeyError {
    #[error("the client name {0}")]
    InvalidClient(ClientNameError),
    #[error("the label must be at most {max} characters", max = MAX_LABEL_CHARS)]
    LabelTooLong,
    /// A label is printed by `keys list` and logged: no line breaks, escapes, or
    /// characters that reorder or hide text in it.
    #[error("the label must not contain control or bidirectional formatting characters")]
    LabelControlCharacter,
    #[error("the operating system gave no random bytes")]
    NoRandomness(#[source] getrandom::Error),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Whether `c` may be printed as it is where people read keys' labels: not a control
/// character, nor one that reorders or hides text (bidirectional overrides, isolates
/// and marks, zero-width characters), which could make `keys list` show another label
/// or key than the one stored.
pub fn may_print(c: char) -> bool {
    !c.is_control()
        && !matches!(c,
            '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[derive(Debug, thiserror::Error)]
pub enum ListApiKeysError {
    #[error("the client name {0}")]
    InvalidClient(ClientNameError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

#[derive(Debug, thiserror::Error)]
pub enum RevokeApiKeyError {
    #[error("the key id {0}")]
    InvalidId(ApiKeyIdError),
    #[error("no key has the id {0}")]
    NotFound(ApiKeyId),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

pub const MAX_LABEL_CHARS: usize = 100;

/// The three key-management use cases, sharing one store and clock.
#[derive(Debug, Clone)]
pub struct ManageApiKeys {
    keys: Arc<dyn ApiKeyRepository>,
    clock: Arc<dyn Clock>,
}

impl ManageApiKeys {
    pub fn new(keys: Arc<dyn ApiKeyRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { keys, clock }
    }

    /// Makes and stores a key; the returned text is the only copy there will ever be.
    pub async fn create(
        &self,
        holder: KeyHolder,
        label: Option<String>,
    ) -> Result<IssuedKey, CreateApiKeyError> {
        let access = match holder {
            KeyHolder::AllClients => Access::AllClients,
            KeyHolder::Client(name) => {
                Access::Client(ClientName::parse(&name).map_err(CreateApiKeyError::InvalidClient)?)
            }
        };
        if label
            .as_ref()
            .is_some_and(|label| label.chars().count() > MAX_LABEL_CHARS)
        {
            return Err(CreateApiKeyError::LabelTooLong);
        }
        if label
            .as_ref()
            .is_some_and(|label| !label.chars().all(may_print))
        {
            return Err(CreateApiKeyError::LabelControlCharacter);
        }
        let mut id = [0; 8];
        let mut secret = [0; 32];
        getrandom::fill(&mut id).map_err(CreateApiKeyError::NoRandomness)?;
        getrandom::fill(&mut secret).map_err(CreateApiKeyError::NoRandomness)?;
        let issued = IssuedKey::from_random(id, secret, access, label, self.clock.now());
        self.keys.add_key(&issued.record).await?;
        Ok(issued)
    }

    /// Every key, or one client's keys, oldest first.
    pub async fn list(&self, client: Option<&str>) -> Result<Vec<ApiKeyRecord>, ListApiKeysError> {
        let client = client
            .map(ClientName::parse)
            .transpose()
            .map_err(ListApiKeysError::InvalidClient)?;
        Ok(self.keys.list_keys(client.as_ref()).await?)
    }

    /// Revokes a key from now on; revoking it again changes nothing.
    pub async fn revoke(&self, id: &str) -> Result<ApiKeyId, RevokeApiKeyError> {
        let id = ApiKeyId::parse(id).map_err(RevokeApiKeyError::InvalidId)?;
        if self.keys.revoke_key(&id, self.clock.now()).await? {
            Ok(id)
        } else {
            Err(RevokeApiKeyError::NotFound(id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FixedClock, InMemoryKeys};
    use domain::PresentedKey;

    fn manage() -> (Arc<InMemoryKeys>, ManageApiKeys) {
        let keys = Arc::new(InMemoryKeys::default());
        (
            keys.clone(),
            ManageApiKeys::new(keys, Arc::new(FixedClock::at("2026-01-01T00:00:00Z"))),
        )
    }

    #[tokio::test]
    async fn a_created_key_is_stored_only_as_its_hash() {
        let (keys, manage) = manage();
        let issued = manage
            .create(KeyHolder::Client("ACME".into()), Some("ci".into()))
            .await
            .unwrap();
        let stored = keys.list_keys(None).await.unwrap();
        assert_eq!(stored, std::slice::from_ref(&issued.record));
        assert_eq!(
            stored[0].access,
            Access::Client(ClientName::parse("acme").unwrap())
        );
        let presented = PresentedKey::parse(&issued.text).unwrap();
        assert_eq!(stored[0].hash, *presented.hash());
        assert!(!format!("{stored:?}").contains(&issued.text));
    }

    #[tokio::test]
    async fn two_keys_never_share_an_id_or_a_secret() {
        let (_, manage) = manage();
        let first = manage.create(KeyHolder::AllClients, None).await.unwrap();
        let second = manage.create(KeyHolder::AllClients, None).await.unwrap();
        assert_ne!(first.record.id, second.record.id);
        assert_ne!(first.text, second.text);
    }

    #[tokio::test]
    async fn bad_holders_and_labels_are_refused_before_anything_is_stored() {
        let (keys, manage) = manage();
        let bad_client = manage.create(KeyHolder::Client("a/b".into()), None).await;
        assert!(matches!(
            bad_client,
            Err(CreateApiKeyError::InvalidClient(_))
        ));
        let long_label = manage
            .create(KeyHolder::AllClients, Some("x".repeat(101)))
            .await;
        assert!(matches!(long_label, Err(CreateApiKeyError::LabelTooLong)));
        for label in [
            "a\nb",
            "\u{1b}[31m",
            "tab\t",
            "ci\u{202E}dlo",
            "a\u{2066}b",
            "\u{200B}",
        ] {
            let controlled = manage
                .create(KeyHolder::AllClients, Some(label.into()))
                .await;
            assert!(
                matches!(controlled, Err(CreateApiKeyError::LabelControlCharacter)),
                "{label:?}"
            );
        }
        assert!(keys.list_keys(None).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn listing_by_client_and_revoking_by_id() {
        let (_, manage) = manage();
        let acme = manage
            .create(KeyHolder::Client("acme".into()), None)
            .await
            .unwrap();
        manage
            .create(KeyHolder::Client("other".into()), None)
            .await
            .unwrap();
        let listed = manage.list(Some("Acme")).await.unwrap();
        assert_eq!(listed, std::slice::from_ref(&acme.record));
        let revoked = manage
            .revoke(&acme.record.id.as_str().to_uppercase())
            .await
            .unwrap();
        assert_eq!(revoked, acme.record.id);
        let listed = manage.list(Some("acme")).await.unwrap();
        assert!(listed[0].revoked.is_some());
        assert!(matches!(
            manage.revoke("0000000000000000").await,
            Err(RevokeApiKeyError::NotFound(_))
        ));
        assert!(matches!(
            manage.revoke("nope").await,
            Err(RevokeApiKeyError::InvalidId(_))
        ));
    }
}
