//! The help page and the OpenAPI document: every request sample they show is posted and
//! accepted, so a sample that drifts from the code fails the build.

use crate::helpers::{TestApp, SEED_GUID};
use serde_json::Value;

/// A sample shown on the help page.
struct Sample {
    kind: String,
    method: String,
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
            let method = attribute("data-method");
            let id = if method == "patch" { SEED_GUID } else { "acme" };
            Sample {
                kind,
                method,
                content_type: attribute("data-content-type"),
                path: unescape(&attribute("data-path")).replace("{id}", id),
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
    let mut requests: Vec<&Sample> = samples
        .iter()
        .filter(|sample| sample.kind == "request")
        .collect();
    // Posts first, so that the PATCH sample has the sample event to change.
    requests.sort_by_key(|sample| sample.method != "post");
    assert!(requests.iter().any(|sample| sample.method == "patch"));
    for sample in requests {
        let reply = if sample.method == "patch" {
            assert_eq!(sample.content_type, "application/json");
            app.patch(SEED_GUID, &sample.body, None).await
        } else {
            app.post(&sample.path, &sample.content_type, &sample.body)
                .await
        };
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
    let mut sent = 0;
    // Posts first, so that the PATCH example has the sample event to change.
    for method in ["post", "patch"] {
        for (path, item) in document["paths"].as_object().unwrap() {
            let Some(content) = item[method]["requestBody"]["content"].as_object() else {
                continue;
            };
            let id = if method == "post" { "acme" } else { SEED_GUID };
            let path = path.replace("{id}", id);
            for (content_type, media) in content {
                let body = match &media["example"] {
                    Value::String(text) => text.clone(),
                    Value::Null if method == "patch" => continue,
                    Value::Null => panic!("no example for {content_type} on {path}"),
                    json => json.to_string(),
                };
                let reply = if method == "post" {
                    app.post(&path, content_type, &body).await
                } else {
                    assert_eq!(content_type, "application/json");
                    app.patch(SEED_GUID, &body, None).await
                };
                assert!(
                    matches!(reply.status, 200 | 201),
                    "{method} {path} {content_type}: {}",
                    reply.text
                );
                if content_type.ends_with("json") {
                    every_item_taken(&reply.json(), &path);
                }
                sent += 1;
            }
        }
    }
    assert_eq!(
        sent, 12,
        "one per request format, two bulk settlements, four batches and a status change"
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

pub async fn the_generators_document_examples_are_accepted_as_json(app: TestApp) {
    let reply = app.get("/openapi/generators.json").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let document = reply.json();
    assert_eq!(
        document["components"]["schemas"]["Amount"]["type"],
        "string"
    );
    let mut sent = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        let Some(content) = item["post"]["requestBody"]["content"].as_object() else {
            continue;
        };
        assert_eq!(
            content.keys().collect::<Vec<_>>(),
            ["application/json"],
            "{path}"
        );
        let body = content["application/json"]["example"].to_string();
        let reply = app
            .post(&path.replace("{id}", "acme"), "application/json", &body)
            .await;
        assert!(matches!(reply.status, 200 | 201), "{path}: {}", reply.text);
        every_item_taken(&reply.json(), path);
        sent += 1;
    }
    assert_eq!(sent, 3, "a post, a batch and a bulk settlement");
}

/// A batch or settlement answers 200 even when it takes nothing: each of its results
/// must say the item was stored (or already was), or the event changed (or already had).
fn every_item_taken(answer: &Value, path: &str) {
    for result in answer["results"].as_array().into_iter().flatten() {
        let taken = matches!(result["status"].as_u64(), Some(200 | 201))
            || matches!(result["outcome"].as_str(), Some("changed" | "unchanged"));
        assert!(taken, "{path}: {result}");
    }
}
