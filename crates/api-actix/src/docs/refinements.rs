//! What the `#[utoipa::path]` declarations cannot say, added to the generated document:
//! the schema of every parameter and body property (from `wire_schemas`), the answers
//! and headers every /api operation shares, the links from an event's answer to what
//! can be done with it next, and the XML shape of a batch.

use crate::docs::wire_schemas::{self, reference};
use crate::encode::batch::ITEM_STATUSES;
use crate::encode::settlement::Outcome;
use crate::limits::Limits;
use crate::route_table::{self, API_PREFIX};
use serde_json::{json, Map, Value};

/// Adds everything below to `document`.
pub fn refine(document: &mut Value, limits: &Limits) {
    let schemas = &mut document["components"]["schemas"];
    for (name, schema) in wire_schemas::components(limits.page_events) {
        schemas[name] = schema;
    }
    event_input(&mut schemas["InvoiceBillingEventInput"]);
    status_change_input(&mut schemas["StatusChangeInput"]);
    settlement_input(&mut schemas["SettlementInput"], limits.settlement_guids);
    answers(schemas);
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for operation in operations.values_mut() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let parameters = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut);
            for parameter in parameters.into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap_or_default().to_owned();
                if let Some(schema) = parameter_schema(&id, &name) {
                    parameter["schema"] = schema;
                }
            }
            let content = operation
                .pointer_mut("/requestBody/content")
                .and_then(Value::as_object_mut);
            if let (Some(content), "post_batch") = (content, id.as_str()) {
                batch_body(content, limits.batch_items);
            }
            let under_api = path.starts_with(&format!("{API_PREFIX}/"));
            let has_body = operation.get("requestBody").is_some();
            if let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            {
                problem_content(responses);
                if under_api {
                    shared_answers(responses, has_body);
                }
                problems_as_requested(responses);
                text_formats(responses);
                headers(responses);
                links(responses, &id);
            }
        }
    }
}

/// The schema of each parameter, by operation and name.
fn parameter_schema(operation: &str, name: &str) -> Option<Value> {
    let array_of = |item: &str| json!({ "type": "array", "items": reference(item) });
    Some(match name {
        "id" => reference(match operation {
            "get_billing_event" | "change_status" | "history" => "Guid",
            "post_billing_event" => "PostingClientName",
            _ => "ClientName",
        }),
        "clientName" => reference("ClientName"),
        "memberUniqueKey" => reference("MemberUniqueKey"),
        "from" | "to" | "modifiedSince" => reference("Timestamp"),
        "eventTypeId" => array_of("EventTypeName"),
        "invoiceBillingEventStatusId" => array_of("EventStatusName"),
        "groupBy" => array_of("GroupBy"),
        "limit" => reference("Limit"),
        "If-Match" => json!({ "type": "string" }),
        "cursor" => reference("Cursor"),
        _ => return None,
    })
}

/// A property's new schema, keeping the description the declaration gave it.
fn set_property(schema: &mut Value, name: &str, mut value: Value) {
    let property = &mut schema["properties"][name];
    if let Some(description) = property.get("description").cloned() {
        value["description"] = description;
    }
    *property = value;
}

fn nullable(name: &str) -> Value {
    json!({ "anyOf": [reference(name), { "type": "null" }] })
}

fn event_input(schema: &mut Value) {
    set_property(schema, "billingEventGuid", nullable("GuidOrEmpty"));
    set_property(schema, "memberUniqueKey", reference("MemberUniqueKey"));
    set_property(schema, "eventDateTime", reference("Timestamp"));
    set_property(schema, "eventTypeId", nullable("EventTypeId"));
    set_property(
        schema,
        "invoiceBillingEventStatusId",
        nullable("EventStatusId"),
    );
    set_property(schema, "quantity", reference("Amount"));
    set_property(schema, "price", reference("Amount"));
    schema["xml"] = json!({ "name": "InvoiceBillingEvent" });
}

/// Only the status moves; every other field of the contract is refused unless absent.
fn status_change_input(schema: &mut Value) {
    set_property(
        schema,
        "invoiceBillingEventStatusId",
        reference("EventStatusId"),
    );
    for fixed in [
        "billingEventGuid",
        "memberUniqueKey",
        "eventDateTime",
        "eventTypeId",
        "quantity",
        "price",
    ] {
        schema["properties"][fixed] = json!({
            "type": "null",
            "description": "Fixed once stored: leave it out (or null)",
        });
    }
}

fn settlement_input(schema: &mut Value, max_guids: usize) {
    set_property(schema, "status", reference("EventStatusId"));
    set_property(
        schema,
        "billingEventGuids",
        json!({
            "type": "array",
            "items": reference("Guid"),
            "minItems": 1,
            "maxItems": max_guids,
        }),
    );
}

/// What the answers' types cannot say: the values an outcome and an item's status take,
/// and that a page always names its next cursor (null on the last page).
fn answers(schemas: &mut Value) {
    let outcomes: Vec<&str> = Outcome::ALL.iter().map(|outcome| outcome.name()).collect();
    set_property(
        &mut schemas["SettlementResult"],
        "outcome",
        json!({ "type": "string", "enum": outcomes }),
    );
    set_property(
        &mut schemas["BatchItemResult"],
        "status",
        json!({ "type": "integer", "enum": ITEM_STATUSES }),
    );
    if let Some(required) = schemas["BillingEventPage"]["required"].as_array_mut() {
        required.push(json!("nextCursor"));
    }
}

/// A batch holds 1 to `max_items` events; in XML, inside `ArrayOfInvoiceBillingEvent`.
fn batch_body(content: &mut Map<String, Value>, max_items: usize) {
    for (media_type, media) in content.iter_mut() {
        let schema = &mut media["schema"];
        schema["minItems"] = json!(1);
        schema["maxItems"] = json!(max_items);
        if media_type.ends_with("xml") {
            schema["xml"] = json!({ "name": "ArrayOfInvoiceBillingEvent", "wrapped": true });
        }
    }
}

fn problem(description: &str) -> Value {
    json!({ "description": description, "content": problem_media() })
}

fn problem_media() -> Value {
    json!({
        "application/problem+json": { "schema": reference("ProblemDetails") },
        "application/problem+xml": { "schema": reference("ProblemDetails") },
    })
}

/// Every error answer is a problem: an operation names its errors, this says what
/// they carry.
fn problem_content(responses: &mut Map<String, Value>) {
    for (status, response) in responses.iter_mut() {
        if status.as_str() >= "400" && response.get("content").is_none() {
            response["content"] = problem_media();
        }
    }
}

/// The answers every /api operation can give besides its own.
fn shared_answers(responses: &mut Map<String, Value>, has_body: bool) {
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status)
            .or_insert_with(|| problem(description));
    };
    add("400", "Bad parameters, each named");
    add("401", "No API key, or not a valid one");
    add(
        "405",
        "The path, once its parameter is read, names a route without this method",
    );
    add(
        "429",
        "Over the key's rate; retry after Retry-After seconds",
    );
    add(
        "503",
        "Database unavailable or overloaded; nothing stored; retry after Retry-After seconds",
    );
    if has_body {
        add("408", "The body did not arrive in time");
        add("413", "Body over the size limit");
        add("415", "Unsupported or missing Content-Type");
    }
}

/// A client whose `Accept` names JSON or XML but no problem type gets its problems
/// labelled with the type it named.
fn problems_as_requested(responses: &mut Map<String, Value>) {
    for response in responses.values_mut() {
        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        if let Some(media) = content.get("application/problem+json").cloned() {
            for plain in ["application/json", "application/xml"] {
                content.entry(plain).or_insert_with(|| media.clone());
            }
        }
    }
}

/// Answers come in the negotiated format, `text/json` and `text/xml` included: each
/// answer in JSON or XML is documented in their text twins too.
fn text_formats(responses: &mut Map<String, Value>) {
    for response in responses.values_mut() {
        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        for (media_type, twin) in [
            ("application/json", "text/json"),
            ("application/xml", "text/xml"),
        ] {
            if let Some(media) = content.get(media_type).cloned() {
                content.entry(twin).or_insert(media);
            }
        }
    }
}

/// The headers each answer carries.
fn headers(responses: &mut Map<String, Value>) {
    let string = json!({ "type": "string" });
    let text = |description: &str| {
        let mut header = json!({ "required": true, "schema": string.clone() });
        header["description"] = json!(description);
        header
    };
    for (status, response) in responses.iter_mut() {
        let carries_event =
            response["content"]
                .as_object()
                .into_iter()
                .flatten()
                .any(|(_, media)| {
                    media["schema"]["$ref"] == "#/components/schemas/InvoiceBillingEvent"
                });
        let headers = &mut response["headers"];
        headers["X-Transaction-Id"] = text("This call's txID");
        if carries_event || status == "412" {
            headers["ETag"] = json!({
                "description": "The event's revision, for If-Match",
                "required": true,
                "schema": { "type": "string", "pattern": "^\"[0-9]+\"$" },
            });
        }
        match status.as_str() {
            "201" => headers["Location"] = text(&route_table::event_path(&"{guid}")),
            "401" => headers["WWW-Authenticate"] = text("Bearer"),
            "405" => headers["Allow"] = text("The methods of the route"),
            "429" | "503" => {
                headers["Retry-After"] = json!({
                    "description": "Seconds to wait",
                    "required": true,
                    "schema": { "type": "string", "pattern": "^[0-9]+$" },
                });
            }
            _ => {}
        }
    }
}

/// From an event's answer to reading it again, changing its status and its history.
fn links(responses: &mut Map<String, Value>, operation: &str) {
    let next: &[(&str, &str)] = match operation {
        "post_billing_event" => &[
            ("GetBillingEvent", "get_billing_event"),
            ("ChangeStatus", "change_status"),
            ("History", "history"),
        ],
        "get_billing_event" => &[("ChangeStatus", "change_status"), ("History", "history")],
        _ => return,
    };
    for status in ["200", "201"] {
        let Some(response) = responses.get_mut(status) else {
            continue;
        };
        for (name, target) in next {
            response["links"][*name] = json!({
                "operationId": target,
                "parameters": { "id": "$response.body#/billingEventGuid" },
            });
        }
    }
}
