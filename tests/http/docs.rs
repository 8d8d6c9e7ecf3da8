//! The help page and the OpenAPI document: every request sample they show is posted and
//! accepted, so a sample that drifts from the code fails the build.

use crate::helpers::TestApp;
use serde_json::Value;

/// `(content type, body)` of every `<pre class="sample {kind}" …>` on the page.
fn samples_on_page(page: &str, kind: &str) -> Vec<(String, String)> {
    let marker = format!(r#"<pre class="sample {kind}" data-content-type=""#);
    page.split(&marker)
        .skip(1)
        .map(|rest| {
            let (content_type, rest) = rest.split_once("\">").unwrap();
            let (escaped, _) = rest.split_once("</pre>").unwrap();
            let body = quick_xml::escape::unescape(escaped).unwrap().into_owned();
            (content_type.to_owned(), body)
        })
        .collect()
}

pub async fn every_request_sample_on_the_help_page_is_accepted(app: TestApp) {
    let page = app.get("/HELP").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    let requests = samples_on_page(&page.text, "request");
    let mut types: Vec<&str> = requests.iter().map(|(t, _)| t.as_str()).collect();
    types.sort_unstable();
    assert_eq!(
        types,
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "application/xml",
            "text/json",
            "text/xml"
        ]
    );
    let mut statuses = Vec::new();
    for (content_type, body) in &requests {
        let reply = app
            .post("/api/v1/BillingEvents/acme", content_type, body)
            .await;
        statuses.push(reply.status);
        assert!(
            matches!(reply.status, 200 | 201),
            "{content_type}: {}",
            reply.text
        );
    }
    assert_eq!(statuses[0], 201);
    let responses: Vec<String> = samples_on_page(&page.text, "response")
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    for content_type in [
        "application/json",
        "text/json",
        "application/xml",
        "text/xml",
    ] {
        assert!(
            responses.iter().any(|shown| shown == content_type),
            "no {content_type} response sample"
        );
    }
}

pub async fn every_request_example_in_the_openapi_document_is_accepted(app: TestApp) {
    let reply = app.get("/openapi.json").await;
    assert_eq!(reply.status, 200);
    let document = reply.json();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        document["openapi"]
    );
    let mut posted = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        let Some(content) = item["post"]["requestBody"]["content"].as_object() else {
            continue;
        };
        let path = path.replace("{clientName}", "acme");
        for (content_type, media) in content {
            let body = match &media["example"] {
                Value::String(text) => text.clone(),
                Value::Null => panic!("no example for {content_type} on {path}"),
                json => json.to_string(),
            };
            let reply = app.post(&path, content_type, &body).await;
            assert!(
                matches!(reply.status, 200 | 201),
                "{content_type}: {}",
                reply.text
            );
            posted += 1;
        }
    }
    assert_eq!(posted, 5, "one example per request format");
    for schema in [
        "InvoiceBillingEventInput",
        "InvoiceBillingEvent",
        "ProblemDetails",
        "TInvoiceBillingEventType",
    ] {
        assert!(
            document["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
}
