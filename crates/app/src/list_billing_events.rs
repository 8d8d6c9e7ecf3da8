//! List a client's events, a page at a time, in a stable order.

use crate::common_error::{from_repository_error, CommonError};
use crate::parameters::{cursor, FilterParameters, InvalidParameters, Parameter};
use crate::ports::BillingEventRepository;
use domain::Position;
use domain::{Access, BillingEvent};
use std::sync::Arc;

/// The page size when none is asked for, and the largest allowed.
pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 1000;

/// A listing request, as it arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRequest {
    pub filter: FilterParameters,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// One page, and the cursor of the next one when there may be more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub items: Vec<BillingEvent>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListBillingEventsError {
    #[error("{0}")]
    Invalid(InvalidParameters),
    /// Forbidden, invalid guid, not found, or the store failing.
    #[error(transparent)]
    Common(#[from] CommonError),
}
from_repository_error!(ListBillingEventsError);

/// The use case. Ordered by (`eventDateTime`, guid) with a keyset cursor, so walking
/// every page returns each matching event exactly once, even while events arrive.
#[derive(Debug, Clone)]
pub struct ListBillingEvents {
    repository: Arc<dyn BillingEventRepository>,
}

impl ListBillingEvents {
    pub fn new(repository: Arc<dyn BillingEventRepository>) -> Self {
        Self { repository }
    }

    /// Another client's events are as absent for a scoped key as a client with none.
    ///
    /// # Errors
    /// `Invalid` naming every bad parameter; `Repository` when the database failed.
    pub async fn execute(
        &self,
        request: &ListRequest,
        access: &Access,
    ) -> Result<Page, ListBillingEventsError> {
        let mut errors = InvalidParameters::default();
        let filter = request.filter.parse(&mut errors, access);
        let limit = match &request.limit {
            None => Some(DEFAULT_LIMIT),
            Some(text) => match text.parse::<u32>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Some(limit),
                _ => {
                    errors.add(
                        Parameter::Limit,
                        format!("must be a whole number from 1 to {MAX_LIMIT}"),
                    );
                    None
                }
            },
        };
        let after = request.cursor.as_ref().and_then(|text| {
            let position = cursor::decode(text);
            if position.is_none() {
                errors.add(Parameter::Cursor, "is not a cursor this service gave out");
            }
            position
        });
        let (filter, limit) = errors
            .or_ok((filter, limit))
            .map_err(ListBillingEventsError::Invalid)?;
        let (Some(filter), Some(limit)) = (filter, limit) else {
            unreachable!("no errors means every parameter parsed");
        };
        if !access.permits(&filter.client) {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            });
        }
        // One more than asked tells whether another page exists.
        let mut items = self.repository.list(&filter, after, limit + 1).await?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next_cursor = more.then(|| items.last()).flatten().map(|last| {
            cursor::encode(Position {
                event_time: last.event_time,
                guid: last.guid,
            })
        });
        Ok(Page { items, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{event_at, insert_request, InMemoryRepository};

    fn request(limit: &str, cursor: Option<String>) -> ListRequest {
        ListRequest {
            filter: FilterParameters {
                client_name: Some("acme".into()),
                ..FilterParameters::default()
            },
            limit: Some(limit.into()),
            cursor,
        }
    }

    #[tokio::test]
    async fn pages_walk_every_event_once_in_time_then_guid_order() {
        let repository = Arc::new(InMemoryRepository::default());
        for second in [3, 1, 2, 1, 5] {
            repository
                .insert(insert_request(&event_at(second), "tx"))
                .await
                .unwrap();
        }
        let use_case = ListBillingEvents::new(repository);
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = use_case
                .execute(&request("2", cursor), &Access::AllClients)
                .await
                .unwrap();
            assert!(page.items.len() <= 2);
            seen.extend(
                page.items
                    .iter()
                    .map(|event| (event.event_time, event.guid)),
            );
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted);
        assert_eq!(seen.len(), 5);
    }

    #[tokio::test]
    async fn bad_limits_and_cursors_are_named() {
        let use_case = ListBillingEvents::new(Arc::new(InMemoryRepository::default()));
        for (limit, cursor) in [
            ("0", None),
            ("1001", None),
            ("ten", None),
            ("5", Some("garbage".to_owned())),
        ] {
            let Err(ListBillingEventsError::Invalid(errors)) = use_case
                .execute(&request(limit, cursor.clone()), &Access::AllClients)
                .await
            else {
                panic!("accepted limit {limit} cursor {cursor:?}");
            };
            let expected = if cursor.is_some() {
                Parameter::Cursor
            } else {
                Parameter::Limit
            };
            assert_eq!(
                errors.iter().map(|(name, _)| name).collect::<Vec<_>>(),
                [expected]
            );
        }
    }

    #[tokio::test]
    async fn a_scoped_key_lists_its_own_client_and_nothing_of_another() {
        let repository = Arc::new(InMemoryRepository::default());
        let event = event_at(1);
        repository
            .insert(insert_request(&event, "tx"))
            .await
            .unwrap();
        let use_case = ListBillingEvents::new(repository);
        let acme = Access::Client(domain::ClientName::parse("acme").unwrap());
        let unnamed = ListRequest::default();
        let own = use_case.execute(&unnamed, &acme).await.unwrap();
        assert_eq!(own.items, [event]);
        let other = Access::Client(domain::ClientName::parse("other").unwrap());
        let foreign = use_case
            .execute(&request("10", None), &other)
            .await
            .unwrap();
        assert_eq!(
            foreign,
            Page {
                items: Vec::new(),
                next_cursor: None
            }
        );
        let Err(ListBillingEventsError::Invalid(errors)) =
            use_case.execute(&unnamed, &Access::AllClients).await
        else {
            panic!("an admin key must name the client");
        };
        assert_eq!(
            errors.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            [Parameter::ClientName]
        );
    }
}
