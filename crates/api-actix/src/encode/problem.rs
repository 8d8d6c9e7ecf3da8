//! RFC 9457 problem details: the one shape every error response has, as JSON or, when
//! the client asked for XML, as the RFC's XML form (namespace `urn:ietf:rfc:7807`).
//! Web API 2's `HttpError` members `Message` and `ModelState` ride along as extension
//! members, so the original's .NET clients can read every error.

use crate::encode::context::RequestContext;
use crate::encode::negotiation::{MediaFormat, ProblemLabel};
use crate::encode::xml_writer::XmlWriter;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

/// The namespace RFC 9457 (like RFC 7807 before it) gives problem details in XML.
const PROBLEM_NAMESPACE: &str = "urn:ietf:rfc:7807";

/// A problem response, ready to send. Built only by `ApiError::to_problem`, through
/// [`Problem::new`].
///
/// RFC 9457 problem details (as JSON; the XML form has the same members), with Web API
/// 2's `HttpError` members `Message` and `ModelState` beside them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ProblemDetails)]
pub struct Problem {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    #[serde(serialize_with = "status_code")]
    #[schema(value_type = u16)]
    status: StatusCode,
    detail: String,
    #[serde(rename = "txID")]
    tx_id: String,
    /// For a post whose outcome is unknown: the guid the event was posted under (made
    /// by the service when the request had none), to post it again with.
    #[serde(rename = "billingEventGuid", skip_serializing_if = "Option::is_none")]
    billing_event_guid: Option<String>,
    /// For validation problems: each bad field (camelCase) with every reason, in order.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ordered_map"
    )]
    #[schema(value_type = Option<std::collections::BTreeMap<String, Vec<String>>>)]
    errors: Option<Vec<(String, Vec<String>)>>,
    /// Web API 2's `HttpError.Message`: the same text as `detail`.
    #[serde(rename = "Message")]
    message: String,
    /// Web API 2's `HttpError.ModelState`: the same fields and reasons as `errors`.
    #[serde(
        rename = "ModelState",
        skip_serializing_if = "Option::is_none",
        serialize_with = "ordered_map"
    )]
    #[schema(value_type = Option<std::collections::BTreeMap<String, Vec<String>>>)]
    model_state: Option<Vec<(String, Vec<String>)>>,
    /// Headers the status calls for: `Allow` on a 405, `Retry-After` on a 503.
    #[serde(skip)]
    headers: Vec<(header::HeaderName, String)>,
    /// The negotiated format the problem is written in.
    #[serde(skip)]
    format: MediaFormat,
    /// The media type it is labelled with.
    #[serde(skip)]
    label: ProblemLabel,
}

impl Problem {
    /// The longest `detail`, in characters: a detail that quotes the request (a parser's
    /// message, a client name) never makes the answer as large as the request.
    pub const MAX_DETAIL_CHARS: usize = 1_000;

    /// A problem with `detail` cut to [`Problem::MAX_DETAIL_CHARS`] characters.
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: String,
        context: &RequestContext,
    ) -> Self {
        let detail = Self::bounded(detail);
        Self {
            kind,
            title,
            status,
            message: detail.clone(),
            detail,
            tx_id: context.tx_id.clone(),
            billing_event_guid: None,
            errors: None,
            model_state: None,
            headers: Vec::new(),
            format: context.format,
            label: context.problem_label,
        }
    }

    /// The most bytes of field names and reasons one problem holds. They are written
    /// twice (`errors`, and Web API's `ModelState`), so with its other members a problem
    /// stays within 12 KiB in either format.
    pub const MAX_ERRORS_BYTES: usize = 4_500;

    /// The problem naming each bad field with every reason, in order, as many as
    /// [`Problem::MAX_ERRORS_BYTES`] hold (the detail counts them all).
    #[must_use]
    pub fn with_errors(self, mut errors: Vec<(String, Vec<String>)>) -> Self {
        let mut used = 0;
        let within = errors
            .iter()
            .take_while(|(name, messages)| {
                // As XML writes them, the longer form: the name opens and closes an
                // element, and each reason is an element of its own.
                used += 2 * name.len() + 16 + messages.iter().map(|m| m.len() + 8).sum::<usize>();
                used <= Self::MAX_ERRORS_BYTES
            })
            .count();
        errors.truncate(within.max(1));
        Self {
            model_state: Some(errors.clone()),
            errors: Some(errors),
            ..self
        }
    }

    /// The problem with a header its status calls for.
    #[must_use]
    pub fn with_header(mut self, header: (header::HeaderName, String)) -> Self {
        self.headers.push(header);
        self
    }

    /// The problem naming the guid an event was posted under.
    #[must_use]
    pub fn with_billing_event_guid(self, guid: String) -> Self {
        Self {
            billing_event_guid: Some(guid),
            ..self
        }
    }

    /// `detail`, cut to [`Problem::MAX_DETAIL_CHARS`] with an ellipsis when longer.
    fn bounded(detail: String) -> String {
        match detail.char_indices().nth(Self::MAX_DETAIL_CHARS) {
            None => detail,
            Some((end, _)) => format!("{}…", &detail[..end]),
        }
    }

    /// `<problem xmlns="urn:ietf:rfc:7807">`; extension members are elements in the same
    /// namespace, arrays hold one `<i>` per item, as the RFC's appendix shows. Members
    /// come in data-contract (ordinal) order, which a .NET `DataContractSerializer`
    /// needs to read them all.
    fn to_xml(&self) -> String {
        let mut xml = XmlWriter::new();
        xml.open("problem", &[("xmlns", PROBLEM_NAMESPACE)])
            .element("Message", &self.message);
        if let Some(model_state) = &self.model_state {
            fields_xml(&mut xml, "ModelState", model_state);
        }
        if let Some(guid) = &self.billing_event_guid {
            xml.element("billingEventGuid", guid);
        }
        xml.element("detail", &self.detail);
        if let Some(errors) = &self.errors {
            fields_xml(&mut xml, "errors", errors);
        }
        xml.element("status", &self.status.as_u16().to_string())
            .element("title", self.title)
            .element("txID", &self.tx_id)
            .element("type", self.kind);
        xml.close("problem").finish()
    }
}

/// `<errors>` (or `<ModelState>`): one element per field, one `<i>` per reason.
fn fields_xml(xml: &mut XmlWriter, member: &str, fields: &[(String, Vec<String>)]) {
    xml.open(member, &[]);
    for (field, messages) in fields {
        // `billingEventGuids[3]` is no XML name: the index becomes an attribute.
        let (name, index) = match field.split_once('[') {
            Some((name, rest)) => (name, rest.strip_suffix(']')),
            None => (field.as_str(), None),
        };
        match index {
            Some(index) => xml.open(name, &[("index", index)]),
            None => xml.open(name, &[]),
        };
        for message in messages {
            xml.element("i", message);
        }
        xml.close(name);
    }
    xml.close(member);
}

/// A list of pairs as a JSON object, keeping their order.
#[allow(clippy::ref_option)] // serde's serialize_with passes a reference
fn ordered_map<S: serde::Serializer>(
    errors: &Option<Vec<(String, Vec<String>)>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let errors = errors.as_deref().unwrap_or_default();
    let mut map = serializer.serialize_map(Some(errors.len()))?;
    for (name, messages) in errors {
        map.serialize_entry(name, messages)?;
    }
    map.end()
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's serialize_with passes a reference
fn status_code<S: serde::Serializer>(
    status: &StatusCode,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_u16(status.as_u16())
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.title,
            self.detail
        )
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.format.problem_content_type(self.label)),
        ));
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.as_str()));
        }
        if self.format.is_xml() {
            response.body(self.to_xml())
        } else {
            // Serialising plain strings and numbers cannot fail.
            response.body(serde_json::to_vec(self).unwrap_or_default())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Problem;

    #[test]
    fn a_long_detail_is_cut_at_a_character() {
        assert_eq!(Problem::bounded("short".into()), "short");
        let long = "é".repeat(Problem::MAX_DETAIL_CHARS + 5);
        let cut = Problem::bounded(long);
        assert_eq!(cut.chars().count(), Problem::MAX_DETAIL_CHARS + 1);
        assert!(cut.ends_with("é…"));
    }
}
