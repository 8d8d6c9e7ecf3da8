//! The real service on port 0 with its own database, and keys for it.
#![allow(dead_code)] // each test binary uses a part

pub mod proxy;

use api_actix::{Application, Settings};
use domain::{
    Access, BillingEventGuid, ClientName, EventStatus, EventType, IssuedKey, MemberUniqueKey,
    NewBillingEvent, Price, Quantity, Timestamp,
};
use infra_diesel::test_support::{options_for, TestDatabase};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// A running service and the database it owns.
pub struct Service {
    pub address: String,
    pub keys: Arc<dyn app::ApiKeyRepository>,
    pub database: Box<dyn TestDatabase>,
}

impl Service {
    pub async fn start(database: Box<dyn TestDatabase>) -> Self {
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        let environment: HashMap<String, String> = HashMap::from([
            ("BILLING__SERVER__PORT".into(), "0".into()),
            ("BILLING__SERVER__WORKERS".into(), "2".into()),
            ("BILLING__DATABASE__URL".into(), database.url()),
            ("BILLING__DATABASE__POOL_SIZE".into(), "8".into()),
            ("BILLING__AUTH__RATE_PER_SECOND".into(), "100000".into()),
            ("BILLING__AUTH__BURST".into(), "100000".into()),
            ("BILLING__LOG__FILTER".into(), "error".into()),
        ]);
        let settings = Settings::load_from(&config, environment).expect("test settings");
        let application = Application::build(settings)
            .await
            .expect("the service starts");
        let address = format!("http://127.0.0.1:{}", application.port());
        tokio::spawn(application.run_until_stopped());
        let url = database.url();
        let keys = tokio::task::spawn_blocking(move || infra_diesel::open(&options_for(&url)))
            .await
            .unwrap()
            .expect("the key store")
            .keys;
        Self {
            address,
            keys,
            database,
        }
    }

    /// A new key: an admin key (`None`) or one of `client`.
    pub async fn key(&self, client: Option<&str>) -> String {
        let access = client.map_or(Access::AllClients, |name| {
            Access::Client(ClientName::parse(name).unwrap())
        });
        let random = || *BillingEventGuid::new_random().as_uuid().as_bytes();
        let (first, second) = (random(), random());
        let mut secret = [0; 32];
        secret[..16].copy_from_slice(&first);
        secret[16..].copy_from_slice(&second);
        let mut id = [0; 8];
        id.copy_from_slice(&random()[..8]);
        let created = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        let issued = IssuedKey::from_random(id, secret, access, None, created);
        self.keys.add_key(&issued.record).await.unwrap();
        issued.text
    }
}

/// A valid new event of `client` for `member`, at second `second` of 2026-11-01.
pub fn usage(
    client: &str,
    member: &str,
    second: u32,
    quantity: &str,
    price: &str,
) -> NewBillingEvent {
    NewBillingEvent {
        guid: BillingEventGuid::new_random(),
        client: ClientName::parse(client).unwrap(),
        member: MemberUniqueKey::parse(member).unwrap(),
        event_time: Timestamp::from_unix_micros(
            1_793_491_200_000_000 + i64::from(second) * 1_000_000,
        )
        .unwrap(),
        event_type: EventType::Usage,
        status: EventStatus::Pending,
        quantity: Quantity::parse(quantity).unwrap(),
        price: Price::parse(price).unwrap(),
    }
}
