//! The OpenAPI 3.1 document, generated from the code: operations from the `#[utoipa::path]`
//! declarations below, response schemas derived on the response types themselves
//! (`encode`), enum schemas from the domain's enums, examples from `samples`. Request
//! bodies are decoded field by field, so their schemas are declared here. Served at
//! `/openapi.json`; `/help` is rendered from it.
//!
//! The declarations are functions with no body: the handlers stay short, and a unit test
//! checks that every route in the document is one the router serves.

use crate::docs::refinements;
use crate::docs::samples;
use crate::encode::problem::Problem as ProblemDetails;
use crate::encode::{
    BatchRepresentation as BillingEventBatch, EventRepresentation as InvoiceBillingEvent,
    HealthRepresentation as HealthStatus, HistoryRepresentation as BillingEventHistory,
    PageRepresentation as BillingEventPage, SettlementRepresentation as BillingEventSettlement,
    SummaryRepresentation as BillingEventSummary,
};
use crate::limits::Limits;
use crate::route_table;
use crate::vocabulary::{field_name, EventStatusSchema, EventTypeSchema};
use domain::Field;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

/// The body of a POST. Documentation only: bodies are decoded field by field (see
/// `decode::json`, `decode::xml`, `decode::form`) so that every bad field can be named.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
struct InvoiceBillingEventInput {
    /// Unique identifier for the billing event: any .NET GUID format (D, N, B, P). Absent,
    /// null or all zeros: the server makes one.
    #[schema(format = Uuid, nullable)]
    billing_event_guid: Option<String>,
    /// Unique identifier for the member: 1–256 characters, not blank, no control
    /// characters; stored exactly as sent.
    #[schema(min_length = 1, max_length = 256)]
    member_unique_key: String,
    /// ISO 8601 date and time with `Z`, an offset, or none (UTC); up to 7 fractional
    /// digits; kept to the microsecond.
    #[schema(format = DateTime)]
    event_date_time: String,
    /// Name in any case, or number. Default `Unknown`.
    #[schema(nullable)]
    event_type_id: Option<EventTypeSchema>,
    /// Name in any case, or number. Default `Unknown`.
    #[schema(nullable)]
    invoice_billing_event_status_id: Option<EventStatusSchema>,
    /// Exact decimal, as a number or a string: at most 18 digits before the point and 10
    /// after; the scale sent is kept.
    #[schema(value_type = f64, format = "decimal")]
    quantity: String,
    /// Exact decimal price of the event, as a number or a string; same limits.
    #[schema(value_type = f64, format = "decimal")]
    price: String,
}

/// The example for a request body in `content_type`: JSON as a JSON value, the others
/// as their text.
fn request_example(content_type: &str) -> Value {
    let sample = samples::REQUESTS
        .iter()
        .find(|sample| sample.content_type == content_type)
        .expect("a sample for every documented request type");
    if content_type.ends_with("json") {
        serde_json::from_str(sample.body).expect("the JSON sample is JSON")
    } else {
        Value::String(sample.body.to_owned())
    }
}

/// A batch of one event in XML: the XML sample inside `ArrayOfInvoiceBillingEvent`.
fn batch_xml_example() -> Value {
    Value::String(format!(
        "<ArrayOfInvoiceBillingEvent xmlns=\"http://schemas.datacontract.org/2004/07/BillingEvents\">\n{}\n</ArrayOfInvoiceBillingEvent>",
        request_example("application/xml").as_str().unwrap_or_default()
    ))
}

/// A settlement of the sample event.
fn settlement_example() -> Value {
    serde_json::json!({
        "status": "Invoiced",
        "billingEventGuids": ["6d91f288-c380-4652-bd35-ce286ac4c806"]
    })
}

/// The example of an event response in `content_type`.
fn response_example(content_type: &str) -> Value {
    let format = crate::encode::negotiation::negotiate(Some(content_type), None).format;
    let text = samples::response(format);
    if format.is_xml() {
        Value::String(text)
    } else {
        serde_json::from_str(&text).expect("the JSON sample is JSON")
    }
}

#[utoipa::path(
    post,
    path = route_table::EVENT,
    tag = "BillingEvents",
    summary = "Post a billing event",
    description = "Records one event for the client. Posting is idempotent on the guid: the same event again answers 200 with the stored one; another event under a taken guid answers 409.",
    params(("id" = String, Path, description = "On POST, the client's name (clientName): 1–100 letters, digits, space, '.', '_', '-'; any letter case")),
    request_body(description = "The billing event", content(
        (InvoiceBillingEventInput = "application/json", example = json!(request_example("application/json"))),
        (InvoiceBillingEventInput = "text/json", example = json!(request_example("text/json"))),
        (InvoiceBillingEventInput = "application/xml", example = json!(request_example("application/xml"))),
        (InvoiceBillingEventInput = "text/xml", example = json!(request_example("text/xml"))),
        (InvoiceBillingEventInput = "application/x-www-form-urlencoded", example = json!(request_example("application/x-www-form-urlencoded"))),
    )),
    responses(
        (status = 201, description = "Stored", headers(("Location" = String), ("X-Transaction-Id" = String)), content(
            (InvoiceBillingEvent = "application/json", example = json!(response_example("application/json"))),
            (InvoiceBillingEvent = "text/json", example = json!(response_example("text/json"))),
            (InvoiceBillingEvent = "application/xml", example = json!(response_example("application/xml"))),
            (InvoiceBillingEvent = "text/xml", example = json!(response_example("text/xml"))),
        )),
        (status = 200, description = "A retry of the stored event: the stored event, unchanged", content(
            (InvoiceBillingEvent = "application/json"), (InvoiceBillingEvent = "text/json"),
            (InvoiceBillingEvent = "application/xml"), (InvoiceBillingEvent = "text/xml"),
        )),
        (status = 400, description = "Invalid fields (every one named) or a malformed body", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 409, description = "The guid holds a different event, or another client's", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 413, description = "Body over the size limit", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 415, description = "Unsupported Content-Type", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 503, description = "Database unavailable; nothing stored; retry", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
    )
)]
#[allow(dead_code)]
fn post_billing_event() {}

#[utoipa::path(
    get,
    path = route_table::EVENT,
    tag = "BillingEvents",
    summary = "Read a billing event",
    description = "The stored event, with this call's executionTime and txID.",
    params(("id" = String, Path, description = "On GET, the event's guid (bGuid in problems), in any .NET format")),
    responses(
        (status = 200, description = "The event", content(
            (InvoiceBillingEvent = "application/json", example = json!(response_example("application/json"))),
            (InvoiceBillingEvent = "text/json", example = json!(response_example("text/json"))),
            (InvoiceBillingEvent = "application/xml", example = json!(response_example("application/xml"))),
            (InvoiceBillingEvent = "text/xml", example = json!(response_example("text/xml"))),
        )),
        (status = 400, description = "Not a guid, or the empty guid", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 404, description = "No event has this guid", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 503, description = "Database unavailable", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
    )
)]
#[allow(dead_code)]
fn get_billing_event() {}

#[utoipa::path(
    get,
    path = route_table::HEALTH,
    tag = "Operations",
    security(()),
    summary = "Liveness",
    responses((status = 200, description = "The process serves requests", content((HealthStatus = "application/json"), (HealthStatus = "application/xml"))))
)]
#[allow(dead_code)]
fn health() {}

#[utoipa::path(
    get,
    path = route_table::READY,
    tag = "Operations",
    security(()),
    summary = "Readiness",
    responses(
        (status = 200, description = "The database answers", content((HealthStatus = "application/json"), (HealthStatus = "application/xml"))),
        (status = 503, description = "The database does not answer", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
    )
)]
#[allow(dead_code)]
fn ready() {}

/// A status change of one event (only the status can change).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
struct StatusChangeInput {
    invoice_billing_event_status_id: EventStatusSchema,
}

/// A bulk settlement: up to 10,000 guids of the client.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
struct SettlementInput {
    status: EventStatusSchema,
    billing_event_guids: Vec<String>,
}

#[utoipa::path(
    get,
    path = route_table::EVENTS,
    tag = "BillingEvents",
    summary = "List a client's events",
    description = "A page of the client's events in a stable order (eventDateTime, then guid), with an opaque keyset cursor: walking every page returns each matching event exactly once, even while events arrive. Parameter names match in any case.",
    params(
        ("clientName" = Option<String>, Query, description = "Required with an all-clients key; a client's key may leave it out"),
        ("memberUniqueKey" = Option<String>, Query),
        ("from" = Option<String>, Query, description = "eventDateTime at or after (ISO 8601)"),
        ("to" = Option<String>, Query, description = "eventDateTime before (ISO 8601)"),
        ("eventTypeId" = Option<Vec<String>>, Query, description = "Name or number; repeatable"),
        ("invoiceBillingEventStatusId" = Option<Vec<String>>, Query, description = "Name or number; repeatable"),
        ("modifiedSince" = Option<String>, Query, description = "modifiedDateTime at or after"),
        ("limit" = Option<u32>, Query, description = "1–1000, default 100"),
        ("cursor" = Option<String>, Query, description = "nextCursor of the previous page"),
    ),
    responses(
        (status = 200, description = "A page", content((BillingEventPage = "application/json"), (BillingEventPage = "application/xml"))),
        (status = 400, description = "Bad parameters, each named", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
    )
)]
#[allow(dead_code)]
fn list_billing_events() {}

#[utoipa::path(
    get,
    path = route_table::SUMMARY,
    tag = "BillingEvents",
    summary = "Total a client's events",
    description = "Event count, Σ quantity and Σ quantity × price per group, exact to the last digit (PostgreSQL numeric; arbitrary precision on SQLite). Takes the listing's filters.",
    params(
        ("clientName" = Option<String>, Query, description = "Required with an all-clients key; a client's key may leave it out"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("memberUniqueKey" = Option<String>, Query),
        ("eventTypeId" = Option<Vec<String>>, Query), ("invoiceBillingEventStatusId" = Option<Vec<String>>, Query),
        ("modifiedSince" = Option<String>, Query),
        ("groupBy" = Option<Vec<String>>, Query, description = "member, type or status; repeatable"),
    ),
    responses(
        (status = 200, description = "The groups", content((BillingEventSummary = "application/json"), (BillingEventSummary = "application/xml"))),
        (status = 400, description = "Bad parameters, each named", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
    )
)]
#[allow(dead_code)]
fn summarize_billing_events() {}

#[utoipa::path(
    patch,
    path = route_table::EVENT,
    tag = "BillingEvents",
    summary = "Change an event's status",
    description = "Moves the status by the lifecycle (Unknown → Pending, Invoiced, Cancelled, Failed; Pending → Invoiced, Cancelled, Failed; Failed → Pending, Cancelled; Invoiced and Cancelled are final). Nothing else changes. Same status again: 200, no change. If-Match with the ETag makes it conditional.",
    params(
        ("id" = String, Path, description = "On PATCH, the event's guid (bGuid in problems)"),
        ("If-Match" = Option<String>, Header, description = "The ETag read last; 412 when the event has changed since"),
    ),
    request_body(content(
        (StatusChangeInput = "application/json", example = json!({"invoiceBillingEventStatusId": "Invoiced"})),
        (StatusChangeInput = "text/json"), (StatusChangeInput = "application/xml"),
        (StatusChangeInput = "text/xml"), (StatusChangeInput = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "The event, with its new ETag", content((InvoiceBillingEvent = "application/json"), (InvoiceBillingEvent = "application/xml"))),
        (status = 400, description = "Missing or bad status, or another field sent", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 404, description = "No event has this guid", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 409, description = "A move the lifecycle forbids, naming from and to", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 412, description = "If-Match names an older revision", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
    )
)]
#[allow(dead_code)]
fn change_status() {}

#[utoipa::path(
    get,
    path = route_table::HISTORY,
    tag = "BillingEvents",
    summary = "Read an event's audit history",
    params(("id" = String, Path, description = "The event's guid (bGuid in problems)")),
    responses(
        (status = 200, description = "The creation and every status change, oldest first", content((BillingEventHistory = "application/json"), (BillingEventHistory = "application/xml"))),
        (status = 404, description = "No event has this guid", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
    )
)]
#[allow(dead_code)]
fn history() {}

#[utoipa::path(
    post,
    path = route_table::SETTLEMENT,
    tag = "BillingEvents",
    summary = "Settle many events",
    description = "Moves up to 10,000 of the client's events to one status in one transaction, answering per guid. Each change is applied at most once; retrying is safe. Events of other clients are notFound.",
    params(("id" = String, Path, description = "The client's name (clientName)")),
    request_body(content(
        (SettlementInput = "application/json", example = json!(settlement_example())),
        (SettlementInput = "text/json", example = json!(settlement_example())),
    )),
    responses(
        (status = 200, description = "One result per guid, and counts", content((BillingEventSettlement = "application/json"), (BillingEventSettlement = "application/xml"))),
        (status = 400, description = "Bad parameters, each named; nothing changed", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 415, description = "Not JSON", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
    )
)]
#[allow(dead_code)]
fn settle_many() {}

#[utoipa::path(
    post,
    path = route_table::BATCH,
    tag = "BillingEvents",
    summary = "Post many billing events",
    description = "Up to batch.max_items events (default 1,000) in one request and one transaction. Each item is answered as a single post would be: valid items are stored even when others are invalid, each at most once; retrying the whole batch is safe. Over the item limit: 413, nothing stored.",
    params(("id" = String, Path, description = "The client's name (clientName)")),
    request_body(content(
        (Vec<InvoiceBillingEventInput> = "application/json", example = json!([request_example("application/json")])),
        (Vec<InvoiceBillingEventInput> = "text/json", example = json!([request_example("text/json")])),
        (Vec<InvoiceBillingEventInput> = "application/xml", example = json!(batch_xml_example())),
        (Vec<InvoiceBillingEventInput> = "text/xml", example = json!(batch_xml_example())),
    )),
    responses(
        (status = 200, description = "One result per item, in order, and counts", content((BillingEventBatch = "application/json"), (BillingEventBatch = "application/xml"))),
        (status = 400, description = "Not an array of events", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 413, description = "Too many items, or a body over the limit; nothing stored", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
        (status = 503, description = "Database unavailable; nothing stored", content((ProblemDetails = "application/problem+json"), (ProblemDetails = "application/problem+xml"))),
    )
)]
#[allow(dead_code)]
fn post_batch() {}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "billing-events",
        description = "Records billing events for the members of many clients. Every route answers in the format negotiated from Accept (application/json, text/json, application/xml, text/xml), errors as RFC 9457 problems in JSON or XML. Every /api route needs an API key (`Authorization: Bearer <key>` or `X-Api-Key: <key>`): 401 without a valid one, 403 for another client's name in the path, 429 over the key's rate; another client's events look absent (404, empty lists)."
    ),
    modifiers(&KeySchemes),
    security(("bearer" = []), ("apiKey" = [])),
    paths(
        post_billing_event, get_billing_event, list_billing_events, summarize_billing_events,
        change_status, history, settle_many, post_batch, health, ready
    ),
    components(schemas(
        InvoiceBillingEventInput, InvoiceBillingEvent, ProblemDetails, HealthStatus, EventTypeSchema,
        EventStatusSchema, BillingEventPage, BillingEventSummary, BillingEventHistory, StatusChangeInput,
        SettlementInput, BillingEventSettlement, BillingEventBatch
    )),
    tags(
        (name = "BillingEvents", description = "Post and read billing events"),
        (name = "Operations", description = "Health and readiness"),
    )
)]
struct ApiDoc;

/// The two ways to present an API key.
struct KeySchemes;

impl utoipa::Modify for KeySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
    }
}

/// The whole document as JSON, stating the running configuration's limits.
pub fn document(limits: &Limits) -> Value {
    let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    refinements::refine(&mut document, limits);
    document
}

/// The body fields of the contract, each with its documented rule, in contract order.
pub fn body_fields() -> Vec<(&'static str, String)> {
    let document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let properties = &document["components"]["schemas"]["InvoiceBillingEventInput"]["properties"];
    Field::ALL
        .iter()
        .filter_map(|field| {
            let property = &properties[field_name(*field)];
            // Optional enums are `oneOf: [null, $ref]`, the description on the reference.
            let described = std::iter::once(property)
                .chain(property["oneOf"].as_array().into_iter().flatten())
                .find_map(|schema| schema["description"].as_str())?;
            Some((field_name(*field), described.replace('\n', " ")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            batch_items: 7,
            ..Limits::for_tests()
        }
    }

    #[test]
    fn the_document_has_no_null_anywhere() {
        fn nulls(value: &Value, at: String, found: &mut Vec<String>) {
            match value {
                Value::Null => found.push(at),
                Value::Array(items) => {
                    for (index, item) in items.iter().enumerate() {
                        nulls(item, format!("{at}/{index}"), found);
                    }
                }
                Value::Object(members) => {
                    for (name, member) in members {
                        nulls(member, format!("{at}/{name}"), found);
                    }
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        nulls(&document(&limits()), String::new(), &mut found);
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn one_path_item_holds_every_method_of_a_route() {
        let document = document(&limits());
        let item = &document["paths"]["/api/v1/BillingEvents/{id}"];
        let methods: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(methods, ["get", "patch", "post"]);
        let id_schema = |method: &str| item[method]["parameters"][0]["schema"]["$ref"].clone();
        assert_eq!(id_schema("get"), "#/components/schemas/Guid");
        assert_eq!(id_schema("patch"), "#/components/schemas/Guid");
        assert_eq!(id_schema("post"), "#/components/schemas/PostingClientName");
    }

    #[test]
    fn every_api_operation_documents_the_shared_answers_and_their_headers() {
        let document = document(&limits());
        let mut checked = 0;
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let responses = &operation["responses"];
                for response in responses.as_object().unwrap().values() {
                    assert_eq!(response["headers"]["X-Transaction-Id"]["required"], true);
                }
                if !path.starts_with("/api/") {
                    continue;
                }
                for status in ["400", "401", "405", "429", "503"] {
                    assert!(responses[status].is_object(), "{method} {path} {status}");
                }
                assert!(responses["401"]["headers"]["WWW-Authenticate"].is_object());
                assert!(responses["405"]["headers"]["Allow"].is_object());
                assert!(responses["429"]["headers"]["Retry-After"].is_object());
                let has_body = operation.get("requestBody").is_some();
                assert_eq!(responses["415"].is_object(), has_body, "{method} {path}");
                checked += 1;
            }
        }
        assert_eq!(checked, 8);
        let post = &document["paths"]["/api/v1/BillingEvents/{id}"]["post"]["responses"];
        assert!(post["403"].is_object());
        assert!(post["201"]["headers"]["Location"].is_object());
        assert!(post["201"]["headers"]["ETag"].is_object());
    }

    #[test]
    fn an_event_answer_links_to_reading_settling_and_its_history() {
        let document = document(&limits());
        let links =
            &document["paths"]["/api/v1/BillingEvents/{id}"]["post"]["responses"]["201"]["links"];
        for (name, operation) in [
            ("GetBillingEvent", "get_billing_event"),
            ("ChangeStatus", "change_status"),
            ("History", "history"),
        ] {
            assert_eq!(links[name]["operationId"], operation);
            assert_eq!(
                links[name]["parameters"]["id"],
                "$response.body#/billingEventGuid"
            );
            let target_exists = document["paths"].as_object().unwrap().values().any(|item| {
                item.as_object()
                    .unwrap()
                    .values()
                    .any(|op| op["operationId"] == operation)
            });
            assert!(target_exists, "{operation}");
        }
    }

    #[test]
    fn bodies_state_the_configured_limits() {
        let document = document(&limits());
        let batch = &document["paths"]["/api/v1/BillingEvents/{id}/batch"]["post"]["requestBody"]
            ["content"];
        assert_eq!(batch["application/json"]["schema"]["maxItems"], 7);
        assert_eq!(
            batch["application/xml"]["schema"]["xml"]["name"],
            "ArrayOfInvoiceBillingEvent"
        );
        let guids = &document["components"]["schemas"]["SettlementInput"]["properties"]
            ["billingEventGuids"];
        assert_eq!(guids["minItems"], 1);
        assert_eq!(guids["maxItems"], 10_000);
    }

    #[test]
    fn api_routes_ask_for_a_key_and_probes_do_not() {
        let document = document(&limits());
        let schemes = &document["components"]["securitySchemes"];
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        assert_eq!(schemes["apiKey"]["name"], "X-Api-Key");
        assert_eq!(document["security"].as_array().map(Vec::len), Some(2));
        for probe in ["/health", "/ready"] {
            assert_eq!(
                document["paths"][probe]["get"]["security"],
                serde_json::json!([{}]),
                "{probe}"
            );
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_and_documents_the_route_table_exactly() {
        use crate::route_table::{API_PREFIX, HELP, METRICS, OPENAPI, ROUTES};
        let document = document(&limits());
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
        // `/api/v1/BillingEvents/{bGuid}` is the table's `…/{id}`: compare the shapes.
        let shape = |path: &str| -> String {
            path.split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        "{}"
                    } else {
                        segment
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        };
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, operations) in document["paths"].as_object().unwrap() {
            for method in operations.as_object().unwrap().keys() {
                documented.push((shape(path), method.to_uppercase()));
            }
        }
        let mut routed: Vec<(String, String)> = ROUTES
            .iter()
            // Documentation and Prometheus routes are not part of the API.
            .filter(|route| ![HELP, OPENAPI, METRICS].contains(&route.pattern))
            .flat_map(|route| {
                route
                    .methods()
                    .map(|method| (shape(route.pattern), method.to_owned()))
            })
            .collect();
        documented.sort();
        routed.sort();
        assert_eq!(documented, routed);
        let under_api =
            |route: &&route_table::Route| route.pattern.starts_with(&format!("{API_PREFIX}/"));
        for route in ROUTES.iter().filter(under_api) {
            for method in route.methods() {
                let path = document["paths"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .find(|(path, operations)| {
                        shape(path) == shape(route.pattern)
                            && !operations[method.to_lowercase()].is_null()
                    })
                    .map(|(path, _)| path.clone())
                    .unwrap();
                assert!(
                    document["paths"][&path][method.to_lowercase()]["security"].is_null(),
                    "{method} {path} takes the document's security (a key), as the key check does"
                );
            }
        }
    }

    #[test]
    fn every_request_format_has_an_example() {
        let document = document(&limits());
        let content =
            &document["paths"]["/api/v1/BillingEvents/{id}"]["post"]["requestBody"]["content"];
        for sample in samples::REQUESTS {
            assert!(
                !content[sample.content_type]["example"].is_null(),
                "{}",
                sample.content_type
            );
        }
    }

    #[test]
    fn every_body_field_but_the_route_client_is_described() {
        let described: Vec<_> = body_fields().into_iter().map(|(name, _)| name).collect();
        assert_eq!(described.len(), Field::ALL.len() - 1, "{described:?}");
        assert!(!described.contains(&"clientName"));
    }
}
