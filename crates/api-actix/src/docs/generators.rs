//! The document for client generators (`/openapi/generators.json`): the complete one,
//! narrowed to what a generated client uses as generated.
//!
//! - Bodies are JSON only. The complete document lists XML, text and form bodies with the
//!   same schema; generators pick the form body, or fail to import, when they see them.
//! - Amounts are strings with the amount pattern, so no generated client reads one into
//!   a float. The service writes them so for a client that sends
//!   `Accept: application/json; amounts=string`; the default stays numbers, which the
//!   original's .NET clients read.
//! - Type, status and group names are named enums, so a misspelt name fails to compile
//!   instead of earning a 400.

use serde_json::{json, Map, Value};

/// The media types a generated client sends and reads.
const JSON_TYPES: [&str; 2] = ["application/json", "application/problem+json"];

/// The header a generated client sends with every request, for exact amounts.
pub const ACCEPT_AMOUNTS_AS_STRINGS: &str = "application/json; amounts=string";

/// The generators' document from the complete one.
pub fn narrow(mut document: Value) -> Value {
    if let Some(description) = document["info"]["description"].as_str() {
        document["info"]["description"] = json!(format!(
            "{description} This document is for client generators: every body is JSON, \
             and amounts are strings. Send `Accept: {ACCEPT_AMOUNTS_AS_STRINGS}` with every \
             request (set it once as the client's default header) and the service writes \
             amounts as strings too. /openapi.json describes every format."
        ));
    }
    for operation in operations(&mut document) {
        let request = operation.pointer_mut("/requestBody/content");
        for example in json_only(request) {
            as_input(example);
            amounts_as_strings(example);
        }
        let responses = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut);
        for (_, response) in responses.into_iter().flatten() {
            json_only(response.get_mut("content"))
                .into_iter()
                .for_each(amounts_as_strings);
        }
        let parameters = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut);
        for parameter in parameters.into_iter().flatten() {
            let name = parameter["name"].as_str().unwrap_or_default().to_owned();
            if let Some(schema) = named_parameter(&name) {
                parameter["schema"] = schema;
            }
        }
    }
    let schemas = &mut document["components"]["schemas"];
    let pattern = schemas["Amount"]["anyOf"][0]["pattern"].clone();
    schemas["Amount"] = json!({
        "type": "string",
        "pattern": pattern,
        "description": "Exact decimal, as a string: at most 18 digits before the point and \
                        10 after, written with the scale it was sent with",
    });
    // Totals are sums in arbitrary precision, written without trailing zeros: no digit
    // limit holds for them.
    schemas["Total"] = json!({
        "type": "string",
        "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
        "description": "Exact decimal sum, as a string, with no trailing fractional zeros",
    });
    for (schema, property, amount) in [
        ("InvoiceBillingEvent", "quantity", "Amount"),
        ("InvoiceBillingEvent", "price", "Amount"),
        ("SummaryGroup", "totalQuantity", "Total"),
        ("SummaryGroup", "totalAmount", "Total"),
    ] {
        replace(&mut schemas[schema], property, reference(amount));
    }
    let nullable = |name| json!({ "anyOf": [reference(name), { "type": "null" }] });
    let input = &mut schemas["InvoiceBillingEventInput"];
    replace(input, "eventTypeId", nullable(TYPE));
    replace(input, "invoiceBillingEventStatusId", nullable(STATUS));
    let change = &mut schemas["StatusChangeInput"];
    replace(change, "invoiceBillingEventStatusId", reference(STATUS));
    replace(&mut schemas["SettlementInput"], "status", reference(STATUS));
    document
}

/// The answers' named enums, which requests take too.
const TYPE: &str = "TInvoiceBillingEventType";
const STATUS: &str = "TInvoiceBillingEventStatus";

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// Every operation of `document`.
fn operations(document: &mut Value) -> impl Iterator<Item = &mut Value> {
    let items = document["paths"].as_object_mut().into_iter().flatten();
    items.flat_map(|(_, item)| item.as_object_mut().into_iter().flatten().map(|(_, op)| op))
}

/// `content` without the media types a generated client does not use; the examples of
/// those it keeps.
fn json_only(content: Option<&mut Value>) -> Vec<&mut Value> {
    let Some(content) = content.and_then(Value::as_object_mut) else {
        return Vec::new();
    };
    content.retain(|media_type, _| JSON_TYPES.contains(&media_type.as_str()));
    content
        .values_mut()
        .filter_map(|media| media.get_mut("example"))
        .collect()
}

/// The amounts of an example as the strings this document declares.
fn amounts_as_strings(example: &mut Value) {
    match example {
        Value::Object(members) => {
            for (name, member) in members.iter_mut() {
                if AMOUNTS.contains(&name.as_str()) && member.is_number() {
                    *member = json!(member.to_string());
                } else {
                    amounts_as_strings(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(amounts_as_strings),
        _ => {}
    }
}

/// The members that are amounts, wherever they stand.
const AMOUNTS: [&str; 4] = ["quantity", "price", "totalQuantity", "totalAmount"];

/// A request example without the members only answers carry (the original's help page
/// shows them in its request sample; the service ignores them).
fn as_input(example: &mut Value) {
    match example {
        Value::Object(members) => {
            for answer_only in ["modifiedDateTime", "executionTime", "txID"] {
                members.remove(answer_only);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(as_input),
        _ => {}
    }
}

/// The named schema of a query parameter that takes names.
fn named_parameter(name: &str) -> Option<Value> {
    let array_of = |items: Value| json!({ "type": "array", "items": items });
    match name {
        "eventTypeId" => Some(array_of(reference(TYPE))),
        "invoiceBillingEventStatusId" => Some(array_of(reference(STATUS))),
        "groupBy" => Some(array_of(json!({ "type": "string", "enum": GROUPS }))),
        _ => None,
    }
}

/// What a summary groups by (any case is accepted; generators send these).
const GROUPS: [&str; 3] = ["member", "type", "status"];

/// Replaces `property` of `schema`, keeping its description.
fn replace(schema: &mut Value, property: &str, mut value: Value) {
    let properties: &mut Map<String, Value> = match schema["properties"].as_object_mut() {
        Some(properties) => properties,
        None => return,
    };
    if let Some(description) = properties
        .get(property)
        .and_then(|old| old.get("description"))
    {
        value["description"] = description.clone();
    }
    properties.insert(property.to_owned(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    fn both() -> (Value, Value) {
        let complete =
            crate::docs::openapi::document(crate::routes::operations(), &Limits::for_tests());
        (complete.clone(), narrow(complete))
    }

    /// Every value under `key` anywhere in `value`.
    fn all<'a>(value: &'a Value, key: &str, found: &mut Vec<&'a Value>) {
        match value {
            Value::Object(members) => {
                for (name, member) in members {
                    if name == key {
                        found.push(member);
                    }
                    all(member, key, found);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| all(item, key, found)),
            _ => {}
        }
    }

    #[test]
    fn the_narrowed_document_has_no_null_anywhere() {
        let narrowed = both().1;
        assert_eq!(
            crate::docs::openapi::null_paths(&narrowed),
            Vec::<String>::new()
        );
    }

    #[test]
    fn examples_follow_the_narrowed_schemas() {
        let (complete, narrowed) = both();
        let post = "/paths/~1api~1v1~1BillingEvents~1{id}/post";
        let example =
            |document: &Value, at: &str| document.pointer(&format!("{post}{at}")).cloned();
        let request = example(&narrowed, "/requestBody/content/application~1json/example").unwrap();
        assert_eq!(request["price"], json!("7.0"));
        assert!(request.get("txID").is_none(), "{request}");
        let answer = "/responses/201/content/application~1json/example";
        assert_eq!(
            example(&narrowed, answer).unwrap()["quantity"],
            json!("6.0")
        );
        assert_eq!(example(&complete, answer).unwrap()["quantity"], json!(6.0));
        let batch = narrowed
            .pointer("/paths/~1api~1v1~1BillingEvents~1{id}~1batch/post/requestBody/content")
            .unwrap();
        assert_eq!(
            batch["application/json"]["example"][0]["price"],
            json!("7.0")
        );
    }

    #[test]
    fn every_body_is_json_only() {
        let (complete, narrowed) = both();
        let mut contents = Vec::new();
        all(&narrowed["paths"], "content", &mut contents);
        assert!(contents.len() > 20, "{}", contents.len());
        for content in contents {
            for media_type in content.as_object().unwrap().keys() {
                assert!(JSON_TYPES.contains(&media_type.as_str()), "{media_type}");
            }
        }
        let post = "/paths/~1api~1v1~1BillingEvents~1{id}/post/requestBody/content";
        assert_eq!(
            complete.pointer(post).unwrap().as_object().unwrap().len(),
            5
        );
        assert_eq!(
            narrowed.pointer(post).unwrap().as_object().unwrap().len(),
            1
        );
        assert_eq!(
            narrowed["paths"].as_object().unwrap().len(),
            8,
            "every path kept"
        );
    }

    #[test]
    fn amounts_are_strings_and_names_are_enums() {
        let (complete, narrowed) = both();
        let schemas = &narrowed["components"]["schemas"];
        assert_eq!(schemas["Amount"]["type"], "string");
        assert_eq!(
            schemas["InvoiceBillingEvent"]["properties"]["price"]["$ref"],
            "#/components/schemas/Amount"
        );
        assert_eq!(
            schemas["SummaryGroup"]["properties"]["totalAmount"]["$ref"],
            "#/components/schemas/Total"
        );
        let total = fancy_regex::Regex::new(schemas["Total"]["pattern"].as_str().unwrap());
        let total = |text| total.as_ref().unwrap().is_match(text).unwrap();
        // Two events at the largest quantity, and a price of 10 places times a quantity.
        assert!(total("1999999999999999998") && total("0.00000000025") && !total("1e3"));
        assert_eq!(
            complete["components"]["schemas"]["InvoiceBillingEvent"]["properties"]["price"]["type"],
            "number",
            "the complete document keeps numbers"
        );
        let pattern = fancy_regex::Regex::new(schemas["Amount"]["pattern"].as_str().unwrap());
        let matches = |text| pattern.as_ref().unwrap().is_match(text).unwrap();
        assert!(matches("123456789012345678.423") && matches("2.50") && !matches("1e3"));
        let status = &schemas["StatusChangeInput"]["properties"]["invoiceBillingEventStatusId"];
        assert_eq!(
            status["$ref"],
            "#/components/schemas/TInvoiceBillingEventStatus"
        );
        let type_id = &schemas["InvoiceBillingEventInput"]["properties"]["eventTypeId"];
        assert_eq!(
            type_id["anyOf"][0]["$ref"],
            "#/components/schemas/TInvoiceBillingEventType"
        );
        assert_eq!(schemas["TInvoiceBillingEventType"]["enum"][1], "Usage");
    }
}
