//! The `/help` page: the original API's help page, rendered from our OpenAPI document,
//! with a working sample for every request and response format. Self-contained HTML
//! (inline style, no scripts, no external assets) so it works with no internet.

use crate::docs::generators::ACCEPT_AMOUNTS_AS_STRINGS;
use crate::docs::openapi;
use crate::encode::{TimeMembers, XmlContract};
use crate::route_table::{OPENAPI, OPENAPI_FOR_GENERATORS};
use quick_xml::escape::escape;
use serde_json::Value;
use std::fmt::Write as _;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;\
padding:0 1rem;color:#222}\
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}\
td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}\
th{background:#f3f3f3}pre{background:#f6f8fa;padding:.75rem;overflow-x:auto;white-space:pre-wrap}\
h2{border-top:2px solid #ddd;padding-top:1rem}code{background:#f3f3f3;padding:0 .2rem}";

/// A .NET client's class for an event, as docs/api.md shows it ("For .NET clients").
const DOTNET_CLASS: &str = "namespace BillingEvents
{
    public enum EventType
    {
        Unknown = 0, Usage = 1, Subscription = 2, OneTime = 3, Credit = 4, Adjustment = 5
    }
    public enum InvoiceBillingEventStatus
    {
        Unknown = 0, Pending = 1, Invoiced = 2, Cancelled = 3, Failed = 4
    }

    public class InvoiceBillingEvent
    {
        public Guid BillingEventGuid { get; set; }
        public string MemberUniqueKey { get; set; }
        public DateTime EventDateTime { get; set; }
        public EventType EventTypeId { get; set; }
        public InvoiceBillingEventStatus InvoiceBillingEventStatusId { get; set; }
        public decimal Quantity { get; set; }
        public decimal Price { get; set; }
        public DateTime? ModifiedDateTime { get; set; }
        public long? ExecutionTime { get; set; }
        public string TxID { get; set; }
    }
}";

/// The whole page, from the OpenAPI `document`, for a service answering XML in
/// `contract`.
pub fn page(document: &Value, contract: &XmlContract) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>billing-events API help</title>\
         <style>{STYLE}</style></head><body><h1>billing-events API</h1><p>{}</p>\
         <p>The machine-readable description is <a href=\"{OPENAPI}\">{OPENAPI}</a> \
         (OpenAPI 3.1). Route literals and property names match in any letter case.</p>\
         <p>To generate a client, use <a href=\"{OPENAPI_FOR_GENERATORS}\">\
         {OPENAPI_FOR_GENERATORS}</a>: every body JSON, names as enums, amounts as strings \
         (send <code>Accept: {ACCEPT_AMOUNTS_AS_STRINGS}</code> with every request to \
         read them exactly).</p>",
        escape(document["info"]["description"].as_str().unwrap_or_default())
    );
    let time_members = match contract.time_members() {
        TimeMembers::DateTime => "DateTime",
        TimeMembers::DateTimeOffset => "DateTimeOffset",
    };
    let _ = write!(
        html,
        "<h2 id=\"dotnet\">For .NET clients</h2>\
         <p><strong>XML namespace: <code>{}</code></strong> (setting <code>xml.namespace</code>). \
         <code>DataContractSerializer</code> throws on XML in any other namespace than its \
         class's, so declare your classes in this one \
         (<code>[DataContract(Namespace = \"…\")]</code>, \
         or <code>[assembly: ContractNamespace]</code>). Time members are written as \
         <code>{time_members}</code> (setting <code>xml.time_members</code>). Requests are read \
         in any namespace, with times as either type.</p>\
         <p>XML answers write the members of each object in the \
         ordinal order of their names: the order <code>DataContractSerializer</code> reads by \
         default (it skips, without an error, an element out of that order). With the \
         default settings, this class, in the C# namespace <code>BillingEvents</code>, reads \
         them as it stands:</p><pre>{}</pre>\
         <p>Errors are RFC 9457 problems that also carry Web API's <code>Message</code> and, \
         for invalid fields, <code>ModelState</code>. Send <code>Accept: application/json</code> \
         and they come under that type, so <code>ReadAsAsync&lt;HttpError&gt;</code> reads them \
         (in XML, read the <code>problem</code> element with a data-contract class).</p>",
        escape(contract.namespace()),
        escape(DOTNET_CLASS)
    );
    html.push_str("<ul>");
    for (path, method, _) in operations(document) {
        let _ = write!(
            html,
            "<li><a href=\"#{}\">{} {}</a></li>",
            anchor(method, path),
            method.to_uppercase(),
            escape(path)
        );
    }
    html.push_str("</ul>");
    for (path, method, operation) in operations(document) {
        section(&mut html, path, method, operation);
    }
    html.push_str("</body></html>");
    html
}

/// Every (path, method, operation) of the document, in document order.
fn operations(document: &Value) -> Vec<(&str, &str, &Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if let Some(operation) = item.get(method) {
                found.push((path.as_str(), method, operation));
            }
        }
    }
    found
}

fn anchor(method: &str, path: &str) -> String {
    format!("{method}-{}", path.replace(['/', '{', '}', '.'], "-"))
}

fn section(html: &mut String, path: &str, method: &str, operation: &Value) {
    let text = |value: &Value| escape(value.as_str().unwrap_or_default()).into_owned();
    let _ = write!(
        html,
        "<section id=\"{}\"><h2>{} {}</h2><p><strong>{}</strong></p><p>{}</p>",
        anchor(method, path),
        method.to_uppercase(),
        escape(path),
        text(&operation["summary"]),
        text(&operation["description"]),
    );
    if let Some(parameters) = operation["parameters"].as_array() {
        html.push_str(
            "<h3>URI parameters</h3><table>\
             <tr><th>Name</th><th>Description</th><th>Required</th></tr>",
        );
        for parameter in parameters {
            let _ = write!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                text(&parameter["name"]),
                text(&parameter["description"]),
                if parameter["required"].as_bool() == Some(true) {
                    "yes"
                } else {
                    "no"
                }
            );
        }
        html.push_str("</table>");
    }
    if let Some(content) = operation["requestBody"]["content"].as_object() {
        request_body(html, (method, path), content);
    }
    html.push_str(
        "<h3>Responses</h3><table><tr><th>Status</th><th>Description</th><th>Formats</th></tr>",
    );
    let responses = operation["responses"].as_object().into_iter().flatten();
    for (status, response) in responses.clone() {
        let formats: Vec<&str> = response["content"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(t, _)| t.as_str())
            .collect();
        let _ = write!(
            html,
            "<tr><td>{status}</td><td>{}</td><td>{}</td></tr>",
            text(&response["description"]),
            formats.join(", ")
        );
    }
    html.push_str("</table>");
    for (status, response) in responses {
        let examples: Vec<_> = response["content"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, media)| !media["example"].is_null())
            .collect();
        if !examples.is_empty() {
            let _ = write!(html, "<h3>Response formats ({status})</h3>");
            for (content_type, media) in examples {
                sample(
                    html,
                    "response",
                    (method, path),
                    content_type,
                    &media["example"],
                );
            }
        }
    }
    html.push_str("</section>");
}

/// The body of a request: the field table for events (other bodies name their schema),
/// the formats, and a sample of each where the document has one.
fn request_body(html: &mut String, route: (&str, &str), content: &serde_json::Map<String, Value>) {
    let schema = content
        .values()
        .find_map(|media| media["schema"]["$ref"].as_str())
        .and_then(|reference| reference.rsplit('/').next())
        .unwrap_or_default();
    if schema == "InvoiceBillingEventInput" {
        html.push_str("<h3>Body parameters</h3><table><tr><th>Name</th><th>Description</th></tr>");
        for (name, description) in openapi::body_fields() {
            let _ = write!(
                html,
                "<tr><td><code>{name}</code></td><td>{}</td></tr>",
                escape(&description)
            );
        }
        html.push_str(
            "</table><p><code>modifiedDateTime</code>, <code>executionTime</code> and \
             <code>txID</code> are ignored on input.</p>",
        );
    } else {
        let _ = write!(
            html,
            "<h3>Body</h3><p><code>{}</code>, as described in \
             <a href=\"{OPENAPI}\">{OPENAPI}</a>.</p>",
            escape(schema)
        );
    }
    let formats: Vec<&str> = content.keys().map(String::as_str).collect();
    let _ = write!(html, "<p>Formats: {}.</p>", formats.join(", "));
    let examples: Vec<_> = content
        .iter()
        .filter(|(_, media)| !media["example"].is_null())
        .collect();
    if !examples.is_empty() {
        html.push_str("<h3>Request samples</h3>");
        for (content_type, media) in examples {
            sample(html, "request", route, content_type, &media["example"]);
        }
    }
}

/// One sample, tagged with its route and content type so a test can send exactly what
/// is shown.
fn sample(
    html: &mut String,
    kind: &str,
    (method, path): (&str, &str),
    content_type: &str,
    example: &Value,
) {
    let body = match example {
        Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    let _ = write!(
        html,
        "<h4>{content_type}</h4><pre class=\"sample {kind}\" data-content-type=\"{content_type}\" \
         data-method=\"{method}\" data-path=\"{}\">{}</pre>",
        escape(path),
        escape(&body)
    );
}

#[cfg(test)]
mod tests {
    use crate::encode::XmlContract;
    use crate::limits::Limits;

    fn page(contract: &XmlContract) -> String {
        let document =
            crate::docs::openapi::document(crate::routes::operations(), &Limits::for_tests());
        super::page(&document, contract)
    }

    #[test]
    fn the_page_names_the_namespace_and_shows_the_dotnet_class() {
        let page = page(&XmlContract::default());
        assert!(page.contains("http://schemas.datacontract.org/2004/07/BillingEvents"));
        assert!(page.contains("public class InvoiceBillingEvent"));
        assert!(page.contains(r#"<a href="/openapi/generators.json">"#));
        let api_md = include_str!("../../../../docs/api.md");
        assert!(
            api_md.contains(super::DOTNET_CLASS),
            "docs/api.md shows the same class as /help"
        );
    }

    #[test]
    fn the_page_shows_a_sample_for_every_format_and_loads_nothing_from_outside() {
        let page = page(&XmlContract::default());
        for content_type in [
            "application/json",
            "text/json",
            "application/xml",
            "text/xml",
            "application/x-www-form-urlencoded",
        ] {
            assert!(
                page.contains(
                    &(format!(r#"class="sample request" data-content-type="{content_type}" "#)
                        + r#"data-method="post" data-path="/api/v1/BillingEvents/{id}""#)
                ),
                "{content_type}"
            );
        }
        for content_type in [
            "application/json",
            "text/json",
            "application/xml",
            "text/xml",
        ] {
            assert!(
                page.contains(
                    &(format!(r#"class="sample response" data-content-type="{content_type}" "#)
                        + r#"data-method="get""#)
                ),
                "{content_type}"
            );
        }
        assert!(!page.contains("<script"), "no scripts");
        assert!(
            !page.contains("src=\"http") && !page.contains("href=\"http"),
            "no external assets"
        );
    }
}
