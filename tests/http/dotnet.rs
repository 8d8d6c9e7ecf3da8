//! What the original's .NET clients do and expect: `DateTimeOffset` members, errors read
//! as Web API's `HttpError`, trailing slashes and `HEAD`, and a configured data contract.
//! The real .NET client (Mono) runs in `make interop`; these pin the wire shapes.

use crate::helpers::{event_body, new_guid, xml_child, xml_children, TestApp};
use infra_diesel::test_support::TempSqlite;
use serde_json::json;

const POST: &str = "/api/v1/BillingEvents/acme";

/// An event as `DataContractSerializer` writes a class with `DateTimeOffset` members.
fn date_time_offset_xml(guid: &str) -> String {
    format!(
        concat!(
            r#"<InvoiceBillingEvent xmlns:i="http://www.w3.org/2001/XMLSchema-instance" "#,
            r#"xmlns="http://schemas.datacontract.org/2004/07/Client">"#,
            "<BillingEventGuid>{guid}</BillingEventGuid>",
            r#"<EventDateTime xmlns:a="http://schemas.datacontract.org/2004/07/System">"#,
            "<a:DateTime>2026-11-30T10:00:00Z</a:DateTime><a:OffsetMinutes>120</a:OffsetMinutes>",
            "</EventDateTime><EventTypeId>Usage</EventTypeId>",
            "<InvoiceBillingEventStatusId>Pending</InvoiceBillingEventStatusId>",
            r#"<MemberUniqueKey>member-7</MemberUniqueKey><ModifiedDateTime i:nil="true"/>"#,
            "<Price>7.25</Price><Quantity>6.5</Quantity></InvoiceBillingEvent>",
        ),
        guid = guid
    )
}

pub async fn a_date_time_offset_is_stored_as_its_instant(app: TestApp) {
    let guid = new_guid();
    let posted = app
        .post(POST, "application/xml", &date_time_offset_xml(&guid))
        .await;
    assert_eq!(posted.status, 201, "{}", posted.text);
    let read = app.get(&format!("/api/v1/BillingEvents/{guid}")).await;
    assert_eq!(
        read.json()["eventDateTime"],
        "2026-11-30T10:00:00.0000000+00:00"
    );
    let bad_offset = date_time_offset_xml(&new_guid()).replace(">120<", ">900<");
    let refused = app.post(POST, "application/xml", &bad_offset).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(
        xml_child(&refused.text, "detail"),
        "Fix these fields: eventDateTime."
    );
}

pub async fn a_data_contract_json_date_is_its_instant(app: TestApp) {
    let guid = new_guid();
    // As DataContractJsonSerializer writes it: milliseconds, the writer's offset, and
    // every `/` escaped.
    let body = event_body(&[("billingEventGuid", json!(guid))]).replace(
        r#""eventDateTime":"2025-08-14T01:25:53.8669171+00:00""#,
        r#""eventDateTime":"\/Date(1755134753866-0400)\/""#,
    );
    assert!(body.contains("Date("), "{body}");
    let posted = app.post(POST, "application/json", &body).await;
    assert_eq!(posted.status, 201, "{}", posted.text);
    assert_eq!(
        posted.json()["eventDateTime"],
        "2025-08-14T01:25:53.8660000+00:00"
    );
    let unreadable = event_body(&[
        ("billingEventGuid", json!(new_guid())),
        ("eventDateTime", json!("/Date(soon)/")),
    ]);
    let refused = app.post(POST, "application/json", &unreadable).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(
        refused.json()["errors"]["eventDateTime"].is_array(),
        "{}",
        refused.text
    );
}

pub async fn problems_carry_web_api_members_under_the_type_asked_for(app: TestApp) {
    let invalid = event_body(&[("price", json!("seven")), ("quantity", json!("x"))]);
    let post = |accept: &'static str| {
        app.client
            .post(format!("{}{POST}", app.address))
            .header("Content-Type", "application/json")
            .header("Accept", accept)
            .body(invalid.clone())
    };
    let named = app.send(post("application/json")).await;
    assert_eq!(named.status, 400);
    assert_eq!(
        named.header("content-type"),
        "application/json; charset=utf-8"
    );
    let problem = named.json();
    assert_eq!(problem["Message"], problem["detail"]);
    assert_eq!(problem["ModelState"], problem["errors"]);
    assert_eq!(
        problem["ModelState"]["price"][0],
        "must be a decimal number such as 6.0 or \"-2.50\""
    );
    let both = app
        .send(post("application/json, application/problem+json"))
        .await;
    assert_eq!(both.header("content-type"), "application/problem+json");
    let unnamed = app.send(post("*/*")).await;
    assert_eq!(unnamed.header("content-type"), "application/problem+json");

    let as_xml = app.send(post("text/xml")).await;
    assert_eq!(as_xml.header("content-type"), "text/xml; charset=utf-8");
    let (root, children) = xml_children(&as_xml.text);
    assert_eq!(root, "problem");
    let members: Vec<&str> = children.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        members,
        [
            "Message",
            "ModelState",
            "detail",
            "errors",
            "status",
            "title",
            "txID",
            "type"
        ],
        "data-contract order, so a default DataContract class reads every member"
    );
    assert_eq!(
        xml_child(&as_xml.text, "Message"),
        xml_child(&as_xml.text, "detail")
    );
    assert!(xml_child(&as_xml.text, "Message").starts_with("Fix these fields: "));

    let missing = app
        .send(
            app.client
                .get(format!(
                    "{}/api/v1/BillingEvents/{}",
                    app.address,
                    new_guid()
                ))
                .header("Accept", "application/json"),
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["Message"], "No billing event has this guid.");
    assert!(
        missing.json().get("ModelState").is_none(),
        "{}",
        missing.text
    );
}

pub async fn a_trailing_slash_is_routed_and_head_answers_as_get(app: TestApp) {
    let guid = new_guid();
    let body = event_body(&[("billingEventGuid", json!(guid))]);
    let posted = app.post_json(&format!("{POST}/"), &body).await;
    assert_eq!(posted.status, 201, "{}", posted.text);
    let path = format!("/api/v1/BillingEvents/{guid}");
    let read = app.get(&format!("{path}/")).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json()["billingEventGuid"], guid.as_str());

    let head = app
        .send(app.client.head(format!("{}{path}", app.address)))
        .await;
    assert_eq!(head.status, 200);
    // The length of the body GET sends, but for `executionTime`: each request counts
    // its own milliseconds, which may take another digit (9 ms, then 10).
    let execution_time = read.json()["executionTime"].to_string();
    let without_it = read.text.len() - execution_time.len();
    let head_length: usize = head.header("content-length").parse().unwrap();
    assert!(
        (without_it + 1..=without_it + 6).contains(&head_length),
        "HEAD says {head_length}; GET sent {} bytes with executionTime {execution_time}",
        read.text.len()
    );
    assert_eq!(head.header("etag"), read.header("etag"));
    assert!(head.header("content-type").starts_with("application/json"));
    let missing = app
        .send(app.client.head(format!(
            "{}/api/v1/BillingEvents/{}",
            app.address,
            new_guid()
        )))
        .await;
    assert_eq!(missing.status, 404);
    let health = app
        .send(app.client.head(format!("{}/health/", app.address)))
        .await;
    assert_eq!(health.status, 200);

    let delete = app
        .send(app.client.delete(format!("{}{path}", app.address)))
        .await;
    assert_eq!(delete.status, 405);
    assert_eq!(delete.header("allow"), "GET, HEAD, POST, PATCH");
    let head_a_post_route = app
        .send(app.client.head(format!("{}{POST}/batch", app.address)))
        .await;
    assert_eq!(head_a_post_route.status, 405);
    assert_eq!(head_a_post_route.header("allow"), "POST");
}

#[tokio::test]
async fn a_configured_namespace_and_date_time_offset_members_shape_every_xml_answer() {
    let app = TestApp::spawn_with(
        Box::new(TempSqlite::new()),
        &[
            ("BILLING__XML__NAMESPACE", "urn:acme:billing"),
            ("BILLING__XML__TIME_MEMBERS", "DateTimeOffset"),
        ],
    )
    .await;
    let guid = new_guid();
    let posted = app
        .post(POST, "application/xml", &date_time_offset_xml(&guid))
        .await;
    assert_eq!(posted.status, 201, "{}", posted.text);
    assert!(
        posted.text.contains(concat!(
            r#"<InvoiceBillingEvent xmlns:i="http://www.w3.org/2001/XMLSchema-instance" "#,
            r#"xmlns="urn:acme:billing">"#
        )),
        "{}",
        posted.text
    );
    assert!(
        posted.text.contains(concat!(
            r#"<EventDateTime xmlns:a="http://schemas.datacontract.org/2004/07/System">"#,
            "<a:DateTime>2026-11-30T10:00:00.0000000Z</a:DateTime>",
            "<a:OffsetMinutes>0</a:OffsetMinutes></EventDateTime>"
        )),
        "{}",
        posted.text
    );
    assert!(
        posted.text.contains("<ModifiedDateTime xmlns:a="),
        "{}",
        posted.text
    );
    let page = app
        .send(
            app.client
                .get(format!(
                    "{}/api/v1/BillingEvents?clientName=acme",
                    app.address
                ))
                .header("Accept", "application/xml"),
        )
        .await;
    assert!(
        page.text.contains(r#"xmlns="urn:acme:billing""#)
            && page.text.contains("<a:OffsetMinutes>0</a:OffsetMinutes>"),
        "{}",
        page.text
    );
    let json = app.get(&format!("/api/v1/BillingEvents/{guid}")).await;
    assert_eq!(
        json.json()["eventDateTime"],
        "2026-11-30T10:00:00.0000000+00:00",
        "JSON is the same whatever the XML contract"
    );
    let help = app.get("/help").await;
    assert!(
        help.text
            .contains("XML namespace: <code>urn:acme:billing</code>")
            && help.text.contains("<code>DateTimeOffset</code>"),
        "the help page names the configured contract"
    );
}

/// What the service writes first to `head`, and then (after sending `body`) the rest.
async fn expect_continue(app: &TestApp, head: String, body: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut first = vec![0; 4096];
    let read = socket.read(&mut first).await.unwrap();
    let first = String::from_utf8_lossy(&first[..read]).into_owned();
    let mut rest = Vec::new();
    if first.starts_with("HTTP/1.1 100 Continue\r\n\r\n") && first.len() == 25 {
        socket.write_all(body.as_bytes()).await.unwrap();
        let _ = socket.read_to_end(&mut rest).await;
    }
    (first, String::from_utf8_lossy(&rest).into_owned())
}

#[tokio::test]
async fn expect_100_continue_is_refused_before_the_body_when_it_is_over_the_limit() {
    let app = TestApp::spawn(Box::new(TempSqlite::new())).await;
    let head = |path: &str, length: usize| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Authorization: Bearer {}\r\n\
             Content-Type: application/json\r\nAccept: application/json\r\n\
             Expect: 100-continue\r\nContent-Length: {length}\r\n\r\n",
            app.admin_key
        )
    };
    let (first, _) = expect_continue(&app, head(POST, 65_537), "").await;
    assert!(first.starts_with("HTTP/1.1 413"), "{first}");
    assert!(first.contains("x-transaction-id: "), "{first}");
    assert!(first.contains("\"Message\":\"The body is over"), "{first}");

    // A batch has a larger limit: 8 MiB is not over it, so the client may send.
    let body = format!(
        "[{}]",
        event_body(&[("billingEventGuid", json!(new_guid()))])
    );
    let (first, rest) = expect_continue(
        &app,
        head("/API/v1/billingevents/acme/Batch/", body.len()),
        &body,
    )
    .await;
    assert_eq!(first, "HTTP/1.1 100 Continue\r\n\r\n");
    assert!(rest.starts_with("HTTP/1.1 200"), "{rest}");
    let (first, _) = expect_continue(&app, head(&format!("{POST}/batch"), 8_388_609), "").await;
    assert!(first.starts_with("HTTP/1.1 413"), "{first}");

    let single = event_body(&[("billingEventGuid", json!(new_guid()))]);
    let (first, rest) = expect_continue(&app, head(POST, single.len()), &single).await;
    assert_eq!(first, "HTTP/1.1 100 Continue\r\n\r\n");
    assert!(rest.starts_with("HTTP/1.1 201"), "{rest}");
}
