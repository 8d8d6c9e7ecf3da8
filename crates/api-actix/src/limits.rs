//! Every limit a request is held to, in one value: read from the settings
//! (`Settings::limits`) and the use cases' fixed bounds, then handed to what enforces
//! them (the `Expect` check, the body reader, the use cases) and what states them (the
//! OpenAPI document, `/help`).

use crate::route_table::Body;
use std::time::Duration;

/// The limits of the running service.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most a body of each kind may hold.
    pub body_bytes: BodyLimits,
    /// Time for a client to send its body.
    pub body_timeout: Duration,
    /// The bytes of request bodies held at once, across every request…
    pub buffered_body_bytes: usize,
    /// …and of one caller's share.
    pub share_body_bytes: usize,
    /// Heavy requests (settlements, batches, summaries) one share runs at once…
    pub heavy_per_share: u32,
    /// …and how long another waits for its turn.
    pub heavy_patience: Duration,
    /// Events in one batch.
    pub batch_items: usize,
    /// Guids in one bulk settlement (fixed by the use case).
    pub settlement_guids: usize,
    /// Events on one page of a listing (fixed by the use case).
    pub page_events: u32,
}

/// The body limit of each kind of body.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub event: usize,
    pub settlement: usize,
    pub batch: usize,
}

impl BodyLimits {
    /// The most a body of `kind` may hold. A route without a body is held to the
    /// smallest limit, the event's: whatever it is sent is read and thrown away.
    pub fn of(&self, kind: Body) -> usize {
        match kind {
            Body::Event | Body::None => self.event,
            Body::Settlement => self.settlement,
            Body::Batch => self.batch,
        }
    }
}

impl Limits {
    /// The limits of `config/default.toml`, for unit tests.
    #[cfg(test)]
    pub fn for_tests() -> Self {
        Self {
            body_bytes: BodyLimits {
                event: 65_536,
                settlement: 1_048_576,
                batch: 8_388_608,
            },
            body_timeout: Duration::from_secs(30),
            buffered_body_bytes: 67_108_864,
            share_body_bytes: 16_777_216,
            heavy_per_share: 1,
            heavy_patience: Duration::from_secs(5),
            batch_items: 1000,
            settlement_guids: app::settle_billing_events::MAX_GUIDS,
            page_events: app::list_billing_events::MAX_LIMIT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Body, BodyLimits};

    #[test]
    fn each_kind_of_body_has_its_limit_and_no_body_the_smallest() {
        let limits = BodyLimits {
            event: 1,
            settlement: 2,
            batch: 3,
        };
        assert_eq!(limits.of(Body::Event), 1);
        assert_eq!(limits.of(Body::Settlement), 2);
        assert_eq!(limits.of(Body::Batch), 3);
        assert_eq!(limits.of(Body::None), 1);
    }
}
