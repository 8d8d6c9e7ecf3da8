//! What a hostile caller tried, kept as tests: every one of these once cost the service
//! memory, CPU, a 500, a lie about what was stored, or an answer a client could not
//! parse.

use crate::helpers::{event_body, new_guid, xml_child, Reply, TestApp, SEED_GUID, SEED_SAMPLE};
use serde_json::{json, Value};

/// The standard methods, and the one label for every other.
const METHOD_LABELS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "other",
];

/// Every `method="…"` label value in a Prometheus text body.
fn method_labels(metrics: &str) -> Vec<String> {
    metrics
        .split("method=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

pub async fn odd_methods_never_become_metric_labels(app: TestApp) {
    let before = app.get("/metrics").await.text.len();
    for n in 0..200 {
        let method = format!("X{n:03}{}", "Y".repeat(2_000));
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let reply = app
            .send(app.bare.request(method, format!("{}/health", app.address)))
            .await;
        assert_eq!(reply.status, 405);
    }
    let metrics = app.get("/metrics").await.text;
    let labels = method_labels(&metrics);
    assert!(labels.iter().any(|label| label == "other"), "{metrics}");
    for label in &labels {
        assert!(
            METHOD_LABELS.contains(&label.as_str()),
            "label {label:.20}…"
        );
    }
    // 400 KB of methods were sent; the series they add are a handful of lines (other
    // tests in this process may add a few of their own meanwhile).
    let grown = metrics.len().saturating_sub(before);
    assert!(grown < 20_000, "/metrics grew by {grown} bytes");
}

/// Every `/api` route, in percent-encoded spellings the router decodes.
fn encoded_routes() -> Vec<(reqwest::Method, String)> {
    let guid = SEED_GUID;
    let routes = [
        (
            reqwest::Method::GET,
            "/api/v1/BillingEvents?clientName=acme".to_owned(),
        ),
        (
            reqwest::Method::GET,
            "/api/v1/BillingEvents/summary?clientName=acme".into(),
        ),
        (reqwest::Method::POST, "/api/v1/BillingEvents/acme".into()),
        (
            reqwest::Method::GET,
            format!("/api/v1/BillingEvents/{guid}"),
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/BillingEvents/{guid}"),
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/BillingEvents/{guid}/history"),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/BillingEvents/acme/batch".into(),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/BillingEvents/acme/status".into(),
        ),
    ];
    let spellings: [(&str, &str); 5] = [
        ("/api/", "/%61pi/"),
        ("/api/", "/ap%69/"),
        ("/api/", "/%41PI/"),
        ("/v1/", "/v%31/"),
        ("/BillingEvents", "/%42illing%45vents"),
    ];
    routes
        .iter()
        .flat_map(|(method, path)| {
            spellings
                .iter()
                .map(move |(plain, encoded)| (method.clone(), path.replacen(plain, encoded, 1)))
        })
        .collect()
}

pub async fn percent_encoded_api_paths_need_a_key_like_any_other(app: TestApp) {
    for (method, path) in encoded_routes() {
        let reply = app
            .send(
                app.bare
                    .request(method.clone(), format!("{}{path}", app.address))
                    .header("Content-Type", "application/json")
                    .body(SEED_SAMPLE),
            )
            .await;
        assert_eq!(reply.status, 401, "{method} {path}: {}", reply.text);
        assert_eq!(reply.json()["status"], 401, "{method} {path}");
    }
    // With a key, the encoded spelling is the route itself.
    let reply = app
        .post_json("/%61pi/v1/%62illingevents/acme", SEED_SAMPLE)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

pub async fn a_batch_over_the_item_limit_is_refused_while_it_is_read(app: TestApp) {
    // 8 MiB of empty items: 2.8 million of them, against a limit of 1,000.
    let mut body = String::with_capacity(8 * 1024 * 1024);
    body.push('[');
    while body.len() < 8 * 1024 * 1024 - 4 {
        body.push_str("{},");
    }
    body.push_str("{}]");
    let reply = app
        .post_json("/api/v1/BillingEvents/acme/batch", &body)
        .await;
    assert_eq!(reply.status, 413, "{}", reply.text);
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("at most 1000 items"),
        "{}",
        reply.text
    );
    let listed = app.get("/api/v1/BillingEvents?clientName=acme").await;
    assert_eq!(listed.json()["items"], json!([]), "nothing was stored");
}

pub async fn a_settlement_naming_too_many_or_many_bad_guids_answers_briefly(app: TestApp) {
    // Half a million bad guids in 1 MiB: refused for their number alone.
    let mut guids = String::from("\"\"");
    while guids.len() < 1_048_000 {
        guids.push_str(",\"\"");
    }
    let body = format!(r#"{{"status":"Invoiced","billingEventGuids":[{guids}]}}"#);
    let too_many = app
        .post_json("/api/v1/BillingEvents/acme/status", &body)
        .await;
    assert_eq!(too_many.status, 400, "{:.300}", too_many.text);
    assert!(too_many.text.len() < 2_000, "{} bytes", too_many.text.len());
    let errors = too_many.json()["errors"].clone();
    assert_eq!(
        errors,
        json!({"billingEventGuids": ["must name at most 10000 billing events"]})
    );

    // Ten thousand bad guids: the first hundred named, the rest counted.
    let guids = vec!["nope"; 10_000];
    let body = json!({"status": "Invoiced", "billingEventGuids": guids}).to_string();
    let bad = app
        .post_json("/api/v1/BillingEvents/acme/status", &body)
        .await;
    assert_eq!(bad.status, 400);
    // Each reason is there twice, in `errors` and in Web API's `ModelState`, and the
    // whole problem stays within 12 KiB: as many guids are named as fit.
    assert!(bad.text.len() <= 12_288, "{} bytes", bad.text.len());
    let problem = bad.json();
    let named = problem["errors"].as_object().unwrap().len();
    assert!((20..100).contains(&named), "{named} named");
    assert_eq!(problem["ModelState"].as_object().unwrap().len(), named);
    let in_xml = app
        .send(
            app.client
                .post(format!("{}/api/v1/BillingEvents/acme/status", app.address))
                .header("Content-Type", "application/json")
                .header("Accept", "application/xml")
                .body(body.clone()),
        )
        .await;
    assert_eq!(in_xml.status, 400);
    assert!(
        in_xml.text.len() <= 12_288,
        "{} bytes of XML",
        in_xml.text.len()
    );
    // In the body's own order (a parsed JSON object sorts its keys as text).
    let at = |index: usize| {
        bad.text
            .find(&format!("\"billingEventGuids[{index}]\""))
            .unwrap()
    };
    assert!(at(0) < at(1) && at(1) < at(2) && at(9) < at(10) && at(10) < at(named - 1));
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Fix these fields: billingEventGuids[0], billingEventGuids[1],")
            && detail.ends_with("billingEventGuids[9], and 9990 more."),
        "{detail}"
    );
}

/// The same member key, sent three ways, each with U+FFFE in it: an error of the field
/// in JSON and form bodies; in XML, where no document may hold the character, the body
/// is not well-formed.
pub async fn text_xml_cannot_carry_is_refused_in_every_format(app: TestApp) {
    let json_body = event_body(&[("memberUniqueKey", json!("a\u{FFFE}b"))]);
    let form_body = format!(
        "billingEventGuid={}&memberUniqueKey=a%EF%BF%BEb\
         &eventDateTime=2025-08-14T01%3A25%3A53Z&quantity=1&price=1",
        new_guid()
    );
    for (content_type, body) in [
        ("application/json", json_body),
        ("application/x-www-form-urlencoded", form_body),
    ] {
        let reply = app
            .post("/api/v1/BillingEvents/acme", content_type, &body)
            .await;
        assert_eq!(reply.status, 400, "{content_type}: {}", reply.text);
        assert_eq!(
            reply.json()["errors"]["memberUniqueKey"],
            json!(["must not contain the noncharacters U+FFFE or U+FFFF"]),
            "{content_type}"
        );
    }
    let xml_body = format!(
        "<E><BillingEventGuid>{}</BillingEventGuid><MemberUniqueKey>a&#xFFFE;b</MemberUniqueKey>\
         <EventDateTime>2025-08-14T01:25:53Z</EventDateTime>\
         <Quantity>1</Quantity><Price>1</Price></E>",
        new_guid()
    );
    let reply = app
        .post("/api/v1/BillingEvents/acme", "application/xml", &xml_body)
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(xml_child(&reply.text, "type"), "/problems/malformed-body");
    assert!(
        xml_child(&reply.text, "detail").contains("U+FFFE"),
        "{}",
        reply.text
    );
    let listed = app.get("/api/v1/BillingEvents?clientName=acme").await;
    assert_eq!(listed.json()["items"], json!([]), "nothing was stored");
}

/// Parses a whole XML document strictly, as a .NET client would.
fn assert_well_formed(xml: &str) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Text(text)) => {
                let text = text.decode().unwrap();
                assert!(
                    text.chars()
                        .all(|c| !c.is_control() || "\t\n\r".contains(c)),
                    "a control character in {xml:?}"
                );
            }
            Ok(_) => {}
            Err(error) => panic!("not well-formed ({error}): {xml:?}"),
        }
    }
}

pub async fn xml_answers_stay_well_formed_whatever_the_request_held(app: TestApp) {
    let xml = |path: &str| {
        app.client
            .post(format!("{}{path}", app.address))
            .header("Accept", "application/xml")
            .header("Content-Type", "application/json")
            .body(SEED_SAMPLE)
    };
    for path in [
        "/api/v1/BillingEvents/a%01b",
        "/api/v1/BillingEvents/a%1B%5B31mb",
        "/api/v1/BillingEvents/%EF%BF%BE",
    ] {
        let reply = app.send(xml(path)).await;
        assert_eq!(reply.status, 400, "{path}");
        assert_well_formed(&reply.text);
    }
    let settle = app
        .send(
            app.client
                .post(format!("{}/api/v1/BillingEvents/acme/status", app.address))
                .header("Accept", "application/xml")
                .header("Content-Type", "application/json")
                .body(r#"{"status": "Invoiced", "billingEventGuids": ["x\u0001"]}"#),
        )
        .await;
    assert_eq!(settle.status, 400);
    assert_well_formed(&settle.text);
    assert!(
        settle.text.contains(r#"<billingEventGuids index="0">"#),
        "{}",
        settle.text
    );
}

pub async fn lenient_decodings_are_refused(app: TestApp) {
    let form = format!(
        "billingEventGuid={}&memberUniqueKey=%ff\
         &eventDateTime=2025-08-14T01%3A25%3A53Z&quantity=1&price=1",
        new_guid()
    );
    let reply = app
        .post(
            "/api/v1/BillingEvents/acme",
            "application/x-www-form-urlencoded",
            &form,
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(
        reply.json()["errors"]["memberUniqueKey"],
        json!(["must not be text that is not UTF-8"])
    );
    let event = format!(
        "<E><BillingEventGuid>{}</BillingEventGuid><MemberUniqueKey>m</MemberUniqueKey>\
         <EventDateTime>2025-08-14T01:25:53Z</EventDateTime><Quantity>1</Quantity><Price>1</Price>",
        new_guid()
    );
    for xml in [event.clone(), format!("{event}</E>trailing text")] {
        let reply = app
            .post("/api/v1/BillingEvents/acme", "application/xml", &xml)
            .await;
        assert_eq!(reply.status, 400, "{xml}: {}", reply.text);
        assert_eq!(xml_child(&reply.text, "type"), "/problems/malformed-body");
    }
    let listed = app.get("/api/v1/BillingEvents?clientName=acme").await;
    assert_eq!(listed.json()["items"], json!([]), "nothing was stored");
}

pub async fn zero_keeps_its_scale_as_sent(app: TestApp) {
    let guid = new_guid();
    let body = event_body(&[
        ("billingEventGuid", json!(guid)),
        ("quantity", json!("0.00")),
        ("price", crate::helpers::number("0.0")),
    ]);
    let posted = app.post_json("/api/v1/BillingEvents/acme", &body).await;
    assert_eq!(posted.status, 201, "{}", posted.text);
    let read = app
        .get(&format!("/api/v1/BillingEvents/{guid}"))
        .await
        .json();
    assert_eq!(read["quantity"].to_string(), "0.00");
    assert_eq!(read["price"].to_string(), "0.0");
    let again = app.post_json("/api/v1/BillingEvents/acme", &body).await;
    assert_eq!(again.status, 200, "the same event again: {}", again.text);
}

async fn patch_with(app: &TestApp, guid: &str, status: &str, if_match: &str) -> Reply {
    app.send(
        app.client
            .patch(format!("{}/api/v1/BillingEvents/{guid}", app.address))
            .header("Content-Type", "application/json")
            .header("If-Match", if_match)
            .body(json!({"invoiceBillingEventStatusId": status}).to_string()),
    )
    .await
}

pub async fn if_match_takes_any_tag_of_its_list_compared_as_text(app: TestApp) {
    let guid = new_guid();
    let body = event_body(&[("billingEventGuid", json!(guid))]);
    assert_eq!(
        app.post_json("/api/v1/BillingEvents/acme", &body)
            .await
            .status,
        201
    );
    let padded = patch_with(&app, &guid, "Invoiced", r#""01""#).await;
    assert_eq!(
        padded.status, 412,
        "\"01\" is not the tag \"1\": {}",
        padded.text
    );
    let listed = patch_with(&app, &guid, "Invoiced", r#""7", W/"1", "1""#).await;
    assert_eq!(listed.status, 200, "the third tag matches: {}", listed.text);
    assert_eq!(listed.header("etag"), r#""2""#);
}

pub async fn another_clients_summary_looks_like_an_empty_one(app: TestApp) {
    let acme = app.key_for("acme").await.text;
    // globex has events; acme has none.
    let body = event_body(&[("billingEventGuid", json!(new_guid()))]);
    assert_eq!(
        app.post_json("/api/v1/BillingEvents/globex", &body)
            .await
            .status,
        201
    );
    let summary = |client: &'static str| {
        app.bare
            .get(format!(
                "{}/api/v1/BillingEvents/summary?clientName={client}",
                app.address
            ))
            .bearer_auth(&acme)
    };
    let foreign = app.send(summary("globex")).await;
    let own = app.send(summary("acme")).await;
    assert_eq!((foreign.status, own.status), (200, 200));
    let groups = |reply: &Reply| -> Value { reply.json()["groups"].clone() };
    assert_eq!(
        groups(&foreign),
        groups(&own),
        "{} / {}",
        foreign.text,
        own.text
    );
    assert_eq!(groups(&own)[0]["count"], 0);
}

pub async fn a_long_xml_field_name_echo_is_cut(app: TestApp) {
    let name = "N".repeat(30_000);
    let xml = format!("<E><{name}>1</{name}x></E>");
    let reply = app
        .post("/api/v1/BillingEvents/acme", "application/xml", &xml)
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.text.len() < 5_000, "{} bytes", reply.text.len());
    let detail = xml_child(&reply.text, "detail");
    assert!(detail.ends_with('…'), "{detail:.100}");
}

/// Bodies held at once are bounded: one connection holding all but the last byte of a
/// large batch holds the budget, so another body finds no room and is told to retry;
/// once that connection closes, there is room again.
#[tokio::test]
async fn bodies_held_at_once_share_one_budget() {
    use tokio::io::AsyncWriteExt;
    let batch_limit = 1_048_576;
    let limit = batch_limit.to_string();
    let app = TestApp::spawn_with(
        Box::new(infra_diesel::test_support::TempSqlite::new()),
        &[
            ("BILLING__BATCH__MAX_BODY_BYTES", &limit),
            ("BILLING__HTTP__MAX_BUFFERED_BODY_BYTES", &limit),
            ("BILLING__HTTP__MAX_BUFFERED_BODY_BYTES_PER_SHARE", &limit),
        ],
    )
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/v1/BillingEvents/acme/batch HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: {batch_limit}\r\n\r\n[",
        app.admin_key
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(&vec![b' '; batch_limit - 2]).await.unwrap();
    // Bodies are charged as they arrive: the next post is refused once the slow one's
    // bytes are in.
    let mut refused = None;
    for _ in 0..100 {
        let reply = app
            .post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
            .await;
        if reply.status == 503 {
            refused = Some(reply);
            break;
        }
    }
    let refused = refused.expect("a post refused while the batch holds the budget");
    assert_eq!(refused.header("retry-after"), "1", "{}", refused.text);
    drop(slow);
    let mut statuses = Vec::new();
    for _ in 0..100 {
        let status = app
            .post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
            .await
            .status;
        statuses.push(status);
        if status != 503 {
            break;
        }
    }
    assert!(
        matches!(statuses.last(), Some(200 | 201)),
        "the share never came back: {statuses:?}"
    );
}

pub async fn a_repeated_bad_query_value_is_one_reason(app: TestApp) {
    let repeated: Vec<String> = (0..2_000).map(|n| format!("eventTypeId=b{n}")).collect();
    let path = format!(
        "/api/v1/BillingEvents?clientName=acme&{}&groupBy=x&groupBy=y",
        repeated.join("&")
    );
    let reply = app.get(&path).await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.text.len() < 1_000,
        "{} bytes: {:.300}",
        reply.text.len(),
        reply.text
    );
    assert_eq!(
        reply.json()["errors"]["eventTypeId"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

pub async fn a_batch_under_no_client_name_is_refused_whole(app: TestApp) {
    for body in ["[]", "[{}]"] {
        let reply = app
            .post_json("/api/v1/BillingEvents/a%0D%0Ab/batch", body)
            .await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert!(
            reply.json()["errors"]["clientName"].is_array(),
            "{}",
            reply.text
        );
    }
}
