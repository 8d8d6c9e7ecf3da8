//! The help page and the OpenAPI document: every request sample they show is posted and
//! accepted, so a sample that drifts from the code fails the build.

use crate::helpers::TestApp;
use serde_json::Value;

/// A sample shown on the help page.
struct Sample {
    kind: String,
    content_type: String,
    path: String,
    body: String,
}

/// Every `<pre class="sample …" data-…>` on the page, attributes read in their order.
fn samples_on_page(page: &str) -> Vec<Sample> {
    page.split(r#"<pre class="sample "#)
        .skip(1)
        .map(|rest| {
            let attribute = |name: &str| {
                let start = rest.find(&format!(r#"{name}=""#)).unwrap() + name.len() + 2;
                rest[start..start + rest[start..].find('"').unwrap()].to_owned()
            };
            let kind = rest[..rest.find('"').unwrap()].to_owned();
            let (_, body) = rest.split_once('>').unwrap();
            let (escaped, _) = body.split_once("</pre>").unwrap();
            let unescape = |text: &str| quick_xml::escape::unescape(text).unwrap().into_owned();
            Sample {
                kind,
                content_type: attribute("data-content-type"),
                path: unescape(&attribute("data-path")).replace("{clientName}", "acme"),
                body: unescape(escaped),
            }
        })
        .collect()
}

pub async fn every_request_sample_on_the_help_page_is_accepted(app: TestApp) {
    let page = app.get("/HELP").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    let samples = samples_on_page(&page.text);
    let event_posts: Vec<&Sample> = samples
        .iter()
        .filter(|sample| sample.kind == "request" && sample.path == "/api/v1/BillingEvents/acme")
        .collect();
    let mut types: Vec<&str> = event_posts
        .iter()
        .map(|sample| sample.content_type.as_str())
        .collect();
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
    for sample in samples.iter().filter(|sample| sample.kind == "request") {
        let reply = app
            .post(&sample.path, &sample.content_type, &sample.body)
            .await;
        assert!(
            matches!(reply.status, 200 | 201),
            "{} {}: {}",
            sample.path,
            sample.content_type,
            reply.text
        );
    }
    for content_type in [
        "application/json",
        "text/json",
        "application/xml",
        "text/xml",
    ] {
        assert!(
            samples
                .iter()
                .any(|sample| sample.kind == "response" && sample.content_type == content_type),
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
    assert_eq!(
        posted, 8,
        "one per request format, the bulk settlement's and two batches'"
    );
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
