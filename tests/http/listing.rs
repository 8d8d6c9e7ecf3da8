//! Listing a client's events and summarising them over HTTP.

use crate::helpers::{event_body, new_guid, number, xml_children, TestApp};
use serde_json::{json, Value};
use std::collections::HashSet;

/// Posts an event for `client` at `day` of March 2025 and returns its guid.
async fn post(
    app: &TestApp,
    client: &str,
    member: &str,
    day: u32,
    kind: &str,
    quantity: &str,
    price: &str,
) -> String {
    let guid = new_guid();
    let body = event_body(&[
        ("billingEventGuid", json!(guid)),
        ("memberUniqueKey", json!(member)),
        (
            "eventDateTime",
            json!(format!("2025-03-{day:02}T12:00:00Z")),
        ),
        ("eventTypeId", json!(kind)),
        ("quantity", number(quantity)),
        ("price", number(price)),
    ]);
    let reply = app
        .post_json(&format!("/api/v1/BillingEvents/{client}"), &body)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    guid
}

async fn seed(app: &TestApp) -> Vec<String> {
    let mut guids = Vec::new();
    for n in 0_u32..12 {
        let kind = ["Usage", "Credit", "OneTime"][n as usize % 3];
        guids.push(
            post(
                app,
                "acme",
                ["ann", "bob"][n as usize % 2],
                n % 6 + 1,
                kind,
                "1",
                "0.1",
            )
            .await,
        );
    }
    post(app, "other", "ann", 1, "Usage", "1", "1").await;
    guids
}

/// Every event of a listing, page by page.
async fn walk(app: &TestApp, query: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/BillingEvents?{query}&limit={limit}&cursor={cursor}"),
            None => format!("/api/v1/BillingEvents?{query}&limit={limit}"),
        };
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let page = reply.json();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    items
}

fn guids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| item["billingEventGuid"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn pages_walk_a_clients_events_once_in_order(app: TestApp) {
    let posted = seed(&app).await;
    let items = walk(&app, "ClientName=ACME", 5).await;
    let mut expected = posted.clone();
    expected.sort();
    let mut listed = guids(&items);
    let keys: Vec<(String, String)> = items
        .iter()
        .map(|item| {
            (
                item["eventDateTime"].as_str().unwrap().to_owned(),
                item["billingEventGuid"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "ordered by eventDateTime, then guid");
    listed.sort();
    assert_eq!(
        listed, expected,
        "each of the client's events exactly once, no other client's"
    );
}

pub async fn a_walk_sees_each_event_once_while_events_arrive(app: TestApp) {
    let posted = seed(&app).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut arrived = Vec::new();
    loop {
        let path = match &cursor {
            Some(cursor) => {
                format!("/api/v1/BillingEvents?clientName=acme&limit=4&cursor={cursor}")
            }
            None => "/api/v1/BillingEvents?clientName=acme&limit=4".to_owned(),
        };
        let page = app.get(&path).await.json();
        seen.extend(guids(page["items"].as_array().unwrap()));
        // New events both before and after the cursor arrive between pages.
        arrived.push(post(&app, "acme", "new", 1, "Usage", "1", "1").await);
        arrived.push(post(&app, "acme", "new", 6, "Usage", "1", "1").await);
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no event twice");
    assert!(
        posted.iter().all(|guid| unique.contains(guid)),
        "every event present at the start is seen"
    );
    // The events did arrive mid-walk: a walk from the start now lists them as well.
    let now = guids(&walk(&app, "clientName=acme", 1000).await);
    assert_eq!(now.len(), posted.len() + arrived.len());
    assert!(arrived.iter().all(|guid| now.contains(guid)));
}

pub async fn every_filter_narrows_the_listing(app: TestApp) {
    seed(&app).await;
    let count = |query: &'static str| {
        let app = &app;
        async move { walk(app, query, 1000).await.len() }
    };
    assert_eq!(count("clientName=acme").await, 12);
    assert_eq!(count("clientName=acme&memberUniqueKey=ann").await, 6);
    assert_eq!(
        count("clientName=acme&from=2025-03-02T00:00:00Z&to=2025-03-04T00:00:00Z").await,
        4
    );
    assert_eq!(
        count("clientName=acme&eventTypeId=Usage&eventTypeId=4").await,
        8
    );
    assert_eq!(
        count("clientName=acme&invoiceBillingEventStatusId=Pending").await,
        0
    );
    assert_eq!(
        count("clientName=acme&invoiceBillingEventStatusId=0").await,
        12
    );
    assert_eq!(
        count("clientName=acme&modifiedSince=2000-01-01T00:00:00Z").await,
        12
    );
    assert_eq!(
        count("clientName=acme&modifiedSince=9999-01-01T00:00:00Z").await,
        0
    );
    assert_eq!(count("clientName=nobody").await, 0);
}

pub async fn bad_listing_parameters_are_named(app: TestApp) {
    let reply = app
        .get("/api/v1/BillingEvents?from=yesterday&limit=5000&eventTypeId=Refund&cursor=zzz")
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let problem = reply.json();
    let mut named: Vec<&String> = problem["errors"].as_object().unwrap().keys().collect();
    named.sort();
    assert_eq!(
        named,
        ["clientName", "cursor", "eventTypeId", "from", "limit"]
    );
}

pub async fn listings_come_in_xml_too(app: TestApp) {
    seed(&app).await;
    let request = app
        .client
        .get(format!(
            "{}/api/v1/billingevents?clientName=acme&limit=2",
            app.address
        ))
        .header("Accept", "text/xml");
    let reply = app.send(request).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let (root, children) = xml_children(&reply.text);
    assert_eq!(root, "BillingEventPage");
    assert_eq!(
        children
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["Items", "NextCursor"]
    );
    assert_eq!(reply.text.matches("<InvoiceBillingEvent>").count(), 2);
}

pub async fn summaries_are_exact_and_grouped(app: TestApp) {
    seed(&app).await;
    let reply = app
        .get(
            "/api/v1/BillingEvents/summary?clientName=acme\
             &from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z",
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(
        reply
            .text
            .contains(r#""count":12,"totalQuantity":12,"totalAmount":1.2"#),
        "{}",
        reply.text
    );
    for day in 1..=3 {
        post(&app, "tenths", "ann", day, "Usage", "1", "0.1").await;
    }
    let three = app
        .get("/api/v1/BillingEvents/summary?clientName=tenths")
        .await;
    assert!(
        three
            .text
            .contains(r#""count":3,"totalQuantity":3,"totalAmount":0.3"#),
        "0.1 × 3 is 0.3: {}",
        three.text
    );
    let by_type = app
        .get("/api/v1/BillingEvents/SUMMARY?clientName=acme&groupBy=type&groupBy=Member")
        .await
        .json();
    let groups = by_type["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 6, "{by_type}");
    assert!(groups.iter().all(|group| group["count"] == 2
        && group["eventTypeId"].is_string()
        && group["memberUniqueKey"].is_string()));
    let bad = app
        .get("/api/v1/BillingEvents/summary?clientName=acme&groupBy=day")
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["errors"]["groupBy"].is_array());
    let request = app
        .client
        .get(format!(
            "{}/api/v1/BillingEvents/summary?clientName=acme&groupBy=status",
            app.address
        ))
        .header("Accept", "application/xml");
    let xml = app.send(request).await;
    assert!(
        xml.text.contains(
            "<Group><Count>12</Count>\
             <InvoiceBillingEventStatusId>Unknown</InvoiceBillingEventStatusId>\
             <TotalAmount>1.2</TotalAmount><TotalQuantity>12</TotalQuantity></Group>"
        ),
        "{}",
        xml.text
    );
}
