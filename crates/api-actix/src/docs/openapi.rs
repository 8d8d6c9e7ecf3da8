//! The OpenAPI 3.1 document, generated from the code: operations from the
//! `#[utoipa::path]` on each handler (`routes`, listed by the route table), response
//! schemas derived on the response types themselves (`encode`), enum schemas from the
//! domain's enums, request bodies and examples from `inputs`. Served at `/openapi.json`;
//! `/help` is rendered from it.

use crate::docs::inputs::{InvoiceBillingEventInput, SettlementInput, StatusChangeInput};
use crate::docs::refinements;
use crate::encode::problem::Problem as ProblemDetails;
use crate::encode::{
    BatchRepresentation as BillingEventBatch, EventRepresentation as InvoiceBillingEvent,
    HealthRepresentation as HealthStatus, HistoryRepresentation as BillingEventHistory,
    PageRepresentation as BillingEventPage, SettlementRepresentation as BillingEventSettlement,
    SummaryRepresentation as BillingEventSummary,
};
use crate::limits::Limits;
use crate::vocabulary::{field_name, EventStatusSchema, EventTypeSchema};
use domain::Field;
use serde_json::Value;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "billing-events",
        description = "Records billing events for the members of many clients. Every route \
            answers in the format negotiated from Accept (application/json, text/json, \
            application/xml, text/xml), errors as RFC 9457 problems in JSON or XML. Every /api \
            route needs an API key (`Authorization: Bearer <key>` or `X-Api-Key: <key>`): 401 \
            without a valid one, 403 for another client's name in the path, 429 over the key's \
            rate; another client's events look absent (404, empty lists)."
    ),
    modifiers(&KeySchemes),
    security(("bearer" = []), ("apiKey" = [])),
    components(schemas(
        InvoiceBillingEventInput, InvoiceBillingEvent, ProblemDetails, HealthStatus,
        EventTypeSchema, EventStatusSchema, BillingEventPage, BillingEventSummary,
        BillingEventHistory, StatusChangeInput, SettlementInput, BillingEventSettlement,
        BillingEventBatch
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

/// The whole document as JSON: `operations` (the routes') in the document's frame,
/// stating the running configuration's limits.
pub fn document(operations: utoipa::openapi::OpenApi, limits: &Limits) -> Value {
    let document = serde_json::to_value(ApiDoc::openapi().merge_from(operations));
    let mut document = document.unwrap_or_default();
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

/// Where `value` holds a null, as JSON pointers: a generator reads a null as a value.
#[cfg(test)]
pub(crate) fn null_paths(value: &Value) -> Vec<String> {
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
    nulls(value, String::new(), &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::samples;
    use crate::route_table;

    fn rendered() -> Value {
        document(crate::routes::operations(), &limits())
    }

    fn limits() -> Limits {
        Limits {
            batch_items: 7,
            ..Limits::for_tests()
        }
    }

    #[test]
    fn the_document_has_no_null_anywhere() {
        assert_eq!(null_paths(&rendered()), Vec::<String>::new());
    }

    #[test]
    fn one_path_item_holds_every_method_of_a_route() {
        let document = rendered();
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
        let document = rendered();
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
        let document = rendered();
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
        let document = rendered();
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
        let document = rendered();
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
        use crate::route_table::{
            API_PREFIX, HELP, METRICS, OPENAPI, OPENAPI_FOR_GENERATORS, ROUTES,
        };
        let document = rendered();
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
            .filter(|route| {
                ![HELP, OPENAPI, OPENAPI_FOR_GENERATORS, METRICS].contains(&route.pattern)
            })
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
        let document = rendered();
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
