//! Who is calling: the presented API key checked against the stored ones.

use crate::ports::{ApiKeyRepository, RepositoryError};
use domain::{Access, ApiKeyId, PresentedKey};
use std::sync::Arc;

/// A caller whose key was admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmittedKey {
    pub key_id: ApiKeyId,
    pub access: Access,
}

/// Why a caller is not admitted. Every variant but `Repository` is the same 401 to
/// the caller; the variants exist for the log, which names the key id, never the key.
#[derive(Debug, thiserror::Error)]
pub enum AuthenticateError {
    #[error("no API key was presented")]
    Missing,
    #[error("the presented text is not an API key")]
    Malformed,
    #[error("no key has the id {0}, or its secret is wrong")]
    Unknown(ApiKeyId),
    #[error("the key {0} is revoked")]
    Revoked(ApiKeyId),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

#[derive(Debug, Clone)]
pub struct Authenticate {
    keys: Arc<dyn ApiKeyRepository>,
}

impl Authenticate {
    pub fn new(keys: Arc<dyn ApiKeyRepository>) -> Self {
        Self { keys }
    }

    /// Looks the key up by its public id, then compares hashes in constant time.
    pub async fn execute(&self, presented: Option<&str>) -> Result<AdmittedKey, AuthenticateError> {
        let presented = presented.ok_or(AuthenticateError::Missing)?;
        let presented = PresentedKey::parse(presented).map_err(|_| AuthenticateError::Malformed)?;
        let id = presented.id().clone();
        let Some(record) = self.keys.find_key(&id).await? else {
            return Err(AuthenticateError::Unknown(id));
        };
        match record.admit(&presented) {
            Some(access) => Ok(AdmittedKey {
                key_id: id,
                access: access.clone(),
            }),
            // Only the holder of the secret learns that the key was revoked.
            None if record.hash.matches(presented.hash()) => Err(AuthenticateError::Revoked(id)),
            None => Err(AuthenticateError::Unknown(id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FixedClock, InMemoryKeys};
    use crate::manage_api_keys::{KeyHolder, ManageApiKeys};
    use domain::ClientName;

    fn setup() -> (Authenticate, ManageApiKeys) {
        let keys = Arc::new(InMemoryKeys::default());
        let clock = Arc::new(FixedClock::at("2026-01-01T00:00:00Z"));
        (
            Authenticate::new(keys.clone()),
            ManageApiKeys::new(keys, clock),
        )
    }

    #[tokio::test]
    async fn a_live_key_is_admitted_with_its_access() {
        let (authenticate, manage) = setup();
        let issued = manage
            .create(KeyHolder::Client("acme".into()), None)
            .await
            .unwrap();
        let caller = authenticate.execute(Some(&issued.text)).await.unwrap();
        assert_eq!(caller.key_id, issued.record.id);
        assert_eq!(
            caller.access,
            Access::Client(ClientName::parse("acme").unwrap())
        );
    }

    #[tokio::test]
    async fn missing_malformed_wrong_and_revoked_keys_are_refused() {
        let (authenticate, manage) = setup();
        let issued = manage.create(KeyHolder::AllClients, None).await.unwrap();
        assert!(matches!(
            authenticate.execute(None).await,
            Err(AuthenticateError::Missing)
        ));
        assert!(matches!(
            authenticate.execute(Some("hunter2")).await,
            Err(AuthenticateError::Malformed)
        ));
        let (head, _) = issued.text.rsplit_once('_').unwrap();
        let wrong_secret = format!("{head}_{}", "0".repeat(64));
        assert!(matches!(
            authenticate.execute(Some(&wrong_secret)).await,
            Err(AuthenticateError::Unknown(_))
        ));
        manage.revoke(issued.record.id.as_str()).await.unwrap();
        assert!(matches!(
            authenticate.execute(Some(&issued.text)).await,
            Err(AuthenticateError::Revoked(_))
        ));
    }
}
