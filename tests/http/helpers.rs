//! Booting the real application on port 0 with its own database, and talking to it.

use api_actix::{Application, Settings};
use app::ApiKeyRepository;
use domain::{Access, ClientName, IssuedKey, Timestamp};
use infra_diesel::test_support::{options_for, TestDatabase};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

pub const SEED_GUID: &str = "6d91f288-c380-4652-bd35-ce286ac4c806";

/// The request sample of the original API's help page, verbatim.
pub const SEED_SAMPLE: &str = concat!(
    r#"{ "billingEventGuid": "6d91f288-c380-4652-bd35-ce286ac4c806", "#,
    r#""memberUniqueKey": "sample string 4", "#,
    r#""eventDateTime": "2025-08-14T01:25:53.8669171+00:00", "eventTypeId": "Unknown", "#,
    r#""invoiceBillingEventStatusId": "Unknown", "quantity": 6.0, "price": 7.0, "#,
    r#""modifiedDateTime": "2025-08-14T01:25:53.8669171+00:00", "executionTime": 9, "#,
    r#""txID": "sample string 10" }"#,
);

/// A running application and the database it owns. Keys are required, as in
/// production: `client` sends an admin key with every request, `bare` sends none.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub bare: reqwest::Client,
    pub admin_key: String,
    pub keys: std::sync::Arc<dyn ApiKeyRepository>,
    pub database: Box<dyn TestDatabase>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }
}

impl TestApp {
    pub async fn spawn(database: Box<dyn TestDatabase>) -> Self {
        Self::spawn_with(database, &[]).await
    }

    /// Boots the application with settings overridden as environment variables would.
    pub async fn spawn_with(database: Box<dyn TestDatabase>, overrides: &[(&str, &str)]) -> Self {
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
        let mut environment: HashMap<String, String> = HashMap::from([
            ("BILLING__SERVER__PORT".into(), "0".into()),
            ("BILLING__SERVER__WORKERS".into(), "2".into()),
            ("BILLING__DATABASE__URL".into(), database.url()),
            ("BILLING__DATABASE__POOL_SIZE".into(), "4".into()),
        ]);
        for (key, value) in overrides {
            environment.insert((*key).into(), (*value).into());
        }
        let settings = Settings::load_from(&config, environment).expect("test settings");
        let application = Application::build(settings)
            .await
            .expect("the application starts");
        let address = format!("http://127.0.0.1:{}", application.port());
        tokio::spawn(application.run_until_stopped());
        let url = database.direct_url();
        let keys = tokio::task::spawn_blocking(move || infra_diesel::open(&options_for(&url)))
            .await
            .unwrap()
            .expect("the test reaches the key store")
            .keys;
        let admin_key = issue(&*keys, Access::AllClients).await.text;
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {admin_key}").parse().unwrap(),
        );
        Self {
            address,
            client: reqwest::Client::builder()
                .default_headers(headers)
                .build()
                .unwrap(),
            bare: reqwest::Client::new(),
            admin_key,
            keys,
            database,
        }
    }

    /// A new key for `client` (the text, and its id for revoking it).
    pub async fn key_for(&self, client: &str) -> IssuedKey {
        issue(
            &*self.keys,
            Access::Client(ClientName::parse(client).unwrap()),
        )
        .await
    }

    pub async fn revoke(&self, key: &IssuedKey) {
        let now = Timestamp::parse("2030-01-01T00:00:00Z").unwrap();
        assert!(self.keys.revoke_key(&key.record.id, now).await.unwrap());
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the request is answered");
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: response.text().await.expect("a body"),
        }
    }

    pub async fn post_json(&self, path: &str, body: &str) -> Reply {
        self.post(path, "application/json", body).await
    }

    pub async fn post(&self, path: &str, content_type: &str, body: &str) -> Reply {
        let request = self
            .client
            .post(format!("{}{path}", self.address))
            .header("Content-Type", content_type)
            .body(body.to_owned());
        self.send(request).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.client.get(format!("{}{path}", self.address)))
            .await
    }
}

/// Stores a fresh random key of `access`, as `billing-events keys create` does.
async fn issue(keys: &dyn ApiKeyRepository, access: Access) -> IssuedKey {
    let random = || *uuid::Uuid::new_v4().as_bytes();
    let (first, second) = (random(), random());
    let mut secret = [0; 32];
    secret[..16].copy_from_slice(&first);
    secret[16..].copy_from_slice(&second);
    let mut id = [0; 8];
    id.copy_from_slice(&random()[..8]);
    let created = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
    let issued = IssuedKey::from_random(id, secret, access, Some("test".into()), created);
    keys.add_key(&issued.record).await.unwrap();
    issued
}

/// A valid event body with these fields replaced (or removed, with `Value::Null`
/// standing for "remove").
pub fn event_body(changes: &[(&str, Value)]) -> String {
    let mut body: serde_json::Map<String, Value> = serde_json::from_str(SEED_SAMPLE).unwrap();
    for (name, value) in changes {
        if value.is_null() {
            body.remove(*name);
        } else {
            body.insert((*name).to_owned(), value.clone());
        }
    }
    Value::Object(body).to_string()
}

/// An exact JSON number with this literal text (`6.0` stays `6.0`).
pub fn number(text: &str) -> Value {
    Value::Number(text.parse().unwrap())
}

pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The root's local name and its children's local names and texts, in document order.
/// Enough to check our flat XML documents.
pub fn xml_children(xml: &str) -> (String, Vec<(String, String)>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut root = String::new();
    let mut children = Vec::new();
    let mut depth = 0;
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("not XML ({e}): {xml}"))
        {
            Event::Start(element) => {
                let name = String::from_utf8(element.local_name().as_ref().to_vec()).unwrap();
                if depth == 0 {
                    root = name;
                } else if depth == 1 {
                    children.push((name, String::new()));
                }
                depth += 1;
            }
            Event::Empty(element) if depth == 1 => {
                let name = String::from_utf8(element.local_name().as_ref().to_vec()).unwrap();
                children.push((name, String::new()));
            }
            Event::Text(text) if depth == 2 => {
                children
                    .last_mut()
                    .unwrap()
                    .1
                    .push_str(&text.decode().unwrap());
            }
            Event::GeneralRef(reference) if depth == 2 => {
                let name = reference.decode().unwrap();
                let resolved = quick_xml::escape::resolve_predefined_entity(&name).unwrap();
                children.last_mut().unwrap().1.push_str(resolved);
            }
            Event::End(_) => depth -= 1,
            Event::Eof => break,
            _ => {}
        }
    }
    (root, children)
}

/// The value of one child element of an XML document's root.
pub fn xml_child(xml: &str, name: &str) -> String {
    xml_children(xml)
        .1
        .into_iter()
        .find(|(child, _)| child == name)
        .unwrap_or_else(|| panic!("no <{name}> in {xml}"))
        .1
}
