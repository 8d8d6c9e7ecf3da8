//! Only the right caller: every route × own key, another client's key, an admin key,
//! no key and a revoked key. Another client's events must look exactly like events
//! that do not exist.

use crate::helpers::{event_body, new_guid, Reply, TestApp};
use serde_json::{json, Value};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Own,
    Other,
    Admin,
    NoKey,
    Revoked,
}

const CALLERS: [Caller; 5] = [
    Caller::Own,
    Caller::Other,
    Caller::Admin,
    Caller::NoKey,
    Caller::Revoked,
];

/// The keys of one app: one of acme's, one of globex's, and a revoked one of acme's.
struct Keys {
    own: String,
    other: String,
    revoked: String,
}

impl Keys {
    async fn make(app: &TestApp) -> Self {
        let revoked = app.key_for("acme").await;
        app.revoke(&revoked).await;
        Self {
            own: app.key_for("acme").await.text,
            other: app.key_for("globex").await.text,
            revoked: revoked.text,
        }
    }

    fn of(&self, app: &TestApp, caller: Caller) -> Option<String> {
        match caller {
            Caller::Own => Some(self.own.clone()),
            Caller::Other => Some(self.other.clone()),
            Caller::Admin => Some(app.admin_key.clone()),
            Caller::NoKey => None,
            Caller::Revoked => Some(self.revoked.clone()),
        }
    }
}

impl TestApp {
    /// A request with only the given key (as a bearer token), or none.
    async fn call(
        &self,
        key: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
    ) -> Reply {
        let mut request = self.bare.request(method, format!("{}{path}", self.address));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        self.send(request).await
    }
}

/// A body without what differs between any two requests (txID, executionTime), to
/// compare two answers.
fn comparable(reply: &Reply) -> Value {
    let mut body = reply.json();
    let fields = body.as_object_mut().unwrap();
    fields.remove("txID");
    fields.remove("executionTime");
    body
}

fn posted(guid: &str) -> String {
    event_body(&[("billingEventGuid", json!(guid))])
}

fn settle_body(guid: &str) -> String {
    json!({ "status": "Invoiced", "billingEventGuids": [guid] }).to_string()
}

/// One request to each route with `key`: posts, a batch and a settlement for acme,
/// reads, a patch and the history of acme's event `guid`, and acme's list and summary.
async fn every_route(
    app: &TestApp,
    key: Option<&str>,
    guid: &str,
    to_settle: &str,
) -> Vec<(&'static str, Reply)> {
    use reqwest::Method;
    let event_path = format!("/api/v1/BillingEvents/{guid}");
    let status = json!({ "invoiceBillingEventStatusId": "Pending" }).to_string();
    let requests = [
        (
            "post",
            Method::POST,
            "/api/v1/BillingEvents/ACME".to_owned(),
            Some(posted(&new_guid())),
        ),
        (
            "batch",
            Method::POST,
            "/api/v1/BillingEvents/acme/batch".to_owned(),
            Some(format!("[{}]", posted(&new_guid()))),
        ),
        (
            "settle",
            Method::POST,
            "/api/v1/BillingEvents/acme/status".to_owned(),
            Some(settle_body(to_settle)),
        ),
        ("get", Method::GET, event_path.clone(), None),
        ("patch", Method::PATCH, event_path.clone(), Some(status)),
        (
            "history",
            Method::GET,
            format!("{event_path}/history"),
            None,
        ),
        (
            "list",
            Method::GET,
            "/api/v1/BillingEvents?clientName=acme".to_owned(),
            None,
        ),
        (
            "summary",
            Method::GET,
            "/api/v1/BillingEvents/summary?clientName=acme".to_owned(),
            None,
        ),
    ];
    let mut replies = Vec::new();
    for (route, method, path, body) in requests {
        replies.push((route, app.call(key, method, &path, body).await));
    }
    replies
}

pub async fn every_route_admits_only_the_right_caller(app: TestApp) {
    let keys = Keys::make(&app).await;
    let unknown = new_guid();
    for caller in CALLERS {
        let key = keys.of(&app, caller);
        let key = key.as_deref();
        // Two events of acme's, stored by the admin: one to read and patch, one to settle.
        let guid = new_guid();
        let to_settle = new_guid();
        for event in [&guid, &to_settle] {
            let stored = app
                .post_json("/api/v1/BillingEvents/acme", &posted(event))
                .await;
            assert_eq!(stored.status, 201, "{}", stored.text);
        }
        let replies = every_route(&app, key, &guid, &to_settle).await;
        for (route, reply) in &replies {
            let case = format!("{caller:?} {route}: {}", reply.text);
            match caller {
                Caller::NoKey | Caller::Revoked => {
                    assert_eq!(reply.status, 401, "{case}");
                    assert!(
                        reply.header("www-authenticate").starts_with("Bearer"),
                        "{case}"
                    );
                    assert_eq!(reply.json()["status"], 401, "{case}");
                }
                Caller::Own | Caller::Admin => {
                    let expected = if *route == "post" { 201 } else { 200 };
                    assert_eq!(reply.status, expected, "{case}");
                }
                Caller::Other => {
                    let expected = match *route {
                        "post" | "batch" | "settle" => 403,
                        "get" | "patch" | "history" => 404,
                        _ => 200,
                    };
                    assert_eq!(reply.status, expected, "{case}");
                }
            }
        }
        if caller == Caller::Other {
            other_clients_events_look_absent(&app, &keys, &replies, &unknown).await;
        }
        // Only acme's callers changed acme's events.
        let moved = matches!(caller, Caller::Own | Caller::Admin);
        let patched = app
            .get(&format!("/api/v1/BillingEvents/{guid}"))
            .await
            .json();
        assert_eq!(
            patched["invoiceBillingEventStatusId"],
            if moved { "Pending" } else { "Unknown" },
            "{caller:?}"
        );
        let settled = app
            .get(&format!("/api/v1/BillingEvents/{to_settle}"))
            .await
            .json();
        assert_eq!(
            settled["invoiceBillingEventStatusId"],
            if moved { "Invoiced" } else { "Unknown" },
            "{caller:?}"
        );
    }
}

/// What globex's key saw of acme's event is what anyone sees of no event at all.
async fn other_clients_events_look_absent(
    app: &TestApp,
    keys: &Keys,
    replies: &[(&str, Reply)],
    unknown: &str,
) {
    let other = Some(keys.other.as_str());
    let get = reqwest::Method::GET;
    let absent = app
        .call(
            other,
            get.clone(),
            &format!("/api/v1/BillingEvents/{unknown}"),
            None,
        )
        .await;
    let absent_history = app
        .call(
            other,
            get.clone(),
            &format!("/api/v1/BillingEvents/{unknown}/history"),
            None,
        )
        .await;
    let nobody_listed = app
        .call(
            other,
            get.clone(),
            "/api/v1/BillingEvents?clientName=nobody",
            None,
        )
        .await;
    let nobody_summed = app
        .call(
            other,
            get,
            "/api/v1/BillingEvents/summary?clientName=nobody",
            None,
        )
        .await;
    for (route, reply) in replies {
        match *route {
            "get" | "patch" => assert_eq!(comparable(reply), comparable(&absent), "{route}"),
            "history" => assert_eq!(comparable(reply), comparable(&absent_history), "{route}"),
            "list" => assert_eq!(comparable(reply), comparable(&nobody_listed), "{route}"),
            "summary" => assert_eq!(comparable(reply), comparable(&nobody_summed), "{route}"),
            _ => {}
        }
    }
}

pub async fn a_client_key_names_its_client_where_the_path_does_not(app: TestApp) {
    let own = app.key_for("acme").await.text;
    let guid = new_guid();
    app.post_json("/api/v1/BillingEvents/acme", &posted(&guid))
        .await;
    app.post_json("/api/v1/BillingEvents/globex", &posted(&new_guid()))
        .await;
    let listed = app
        .call(
            Some(&own),
            reqwest::Method::GET,
            "/api/v1/BillingEvents",
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let items = listed.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["billingEventGuid"], guid);
    let summed = app
        .call(
            Some(&own),
            reqwest::Method::GET,
            "/api/v1/BillingEvents/summary",
            None,
        )
        .await;
    assert_eq!(summed.status, 200, "{}", summed.text);
    assert!(summed.text.contains(r#""count":1,"#), "{}", summed.text);
    // An admin key acts for every client, so it must say which.
    let unnamed = app.get("/api/v1/BillingEvents").await;
    assert_eq!(unnamed.status, 400, "{}", unnamed.text);
}

pub async fn a_foreign_guid_in_a_bulk_settlement_is_not_found(app: TestApp) {
    let own = app.key_for("acme").await.text;
    let foreign = new_guid();
    app.post_json("/api/v1/BillingEvents/globex", &posted(&foreign))
        .await;
    let reply = app
        .call(
            Some(&own),
            reqwest::Method::POST,
            "/api/v1/BillingEvents/acme/status",
            Some(settle_body(&foreign)),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["results"][0]["outcome"], "notFound");
}

pub async fn keys_are_read_from_either_header_and_any_bad_key_is_401(app: TestApp) {
    let own = app.key_for("acme").await;
    let path = format!("{}/api/v1/BillingEvents?clientName=acme", app.address);
    let with_header = app
        .send(app.bare.get(&path).header("X-Api-Key", &own.text))
        .await;
    assert_eq!(with_header.status, 200, "{}", with_header.text);
    let (head, _) = own.text.rsplit_once('_').unwrap();
    for bad in [
        "not-a-key".to_owned(),
        format!("{head}_{}", "0".repeat(64)),
        format!("bek_0000000000000000_{}", "0".repeat(64)),
    ] {
        let reply = app.send(app.bare.get(&path).bearer_auth(&bad)).await;
        assert_eq!(reply.status, 401, "{bad}: {}", reply.text);
        assert!(
            reply.header("www-authenticate").contains("invalid_token"),
            "{bad}"
        );
        assert!(!reply.text.contains(&bad), "the answer repeats no key");
    }
    // Revocation counts from the very next request.
    app.revoke(&own).await;
    let after = app
        .send(app.bare.get(&path).header("X-Api-Key", &own.text))
        .await;
    assert_eq!(after.status, 401, "{}", after.text);
    // Routes outside /api stay open: probes and docs need no key.
    for open in ["/health", "/ready", "/help", "/openapi.json", "/metrics"] {
        let reply = app
            .send(app.bare.get(format!("{}{open}", app.address)))
            .await;
        assert_eq!(reply.status, 200, "{open}");
    }
    // Unknown paths under /api, in any case, are closed before they are looked up.
    let hidden = app
        .send(app.bare.get(format!("{}/API/v2/anything", app.address)))
        .await;
    assert_eq!(hidden.status, 401, "{}", hidden.text);
}
