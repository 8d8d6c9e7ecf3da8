//! Content negotiation: which of our media types a response is written in, from the
//! request's `Accept` header. Every route answers through this, errors included.

use crate::encode::amount::AmountStyle;
use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use serde::Serialize;

/// An answer in `format`: `json` serialised, or the XML that `xml` writes.
pub fn respond<T: Serialize>(
    status: StatusCode,
    format: MediaFormat,
    json: &T,
    xml: impl FnOnce() -> String,
) -> HttpResponse {
    answer(status, format, render(format, json, xml))
}

/// The body of an answer in `format`.
pub fn render<T: Serialize>(format: MediaFormat, json: &T, xml: impl FnOnce() -> String) -> String {
    if format.is_xml() {
        xml()
    } else {
        serde_json::to_string(json).unwrap_or_default()
    }
}

/// An answer of `body`, written in `format`.
pub fn answer(status: StatusCode, format: MediaFormat, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .body(body)
}

/// The formats responses come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaFormat {
    Json,
    TextJson,
    Xml,
    TextXml,
}

impl MediaFormat {
    /// In order of preference when a range (`*/*`, `text/*`) allows several.
    const ALL: [MediaFormat; 4] = [
        MediaFormat::Json,
        MediaFormat::TextJson,
        MediaFormat::Xml,
        MediaFormat::TextXml,
    ];

    pub const fn essence(self) -> &'static str {
        match self {
            MediaFormat::Json => "application/json",
            MediaFormat::TextJson => "text/json",
            MediaFormat::Xml => "application/xml",
            MediaFormat::TextXml => "text/xml",
        }
    }

    /// The `Content-Type` of a successful response.
    pub const fn content_type(self) -> &'static str {
        match self {
            MediaFormat::Json => "application/json; charset=utf-8",
            MediaFormat::TextJson => "text/json; charset=utf-8",
            MediaFormat::Xml => "application/xml; charset=utf-8",
            MediaFormat::TextXml => "text/xml; charset=utf-8",
        }
    }

    /// The `Content-Type` of a problem response: RFC 9457's own type (it has a JSON and
    /// an XML form), or the plain one when the client asked for that.
    pub const fn problem_content_type(self, label: ProblemLabel) -> &'static str {
        match (label, self.is_xml()) {
            (ProblemLabel::AsRequested, _) => self.content_type(),
            (ProblemLabel::ProblemType, true) => "application/problem+xml; charset=utf-8",
            (ProblemLabel::ProblemType, false) => "application/problem+json",
        }
    }

    pub const fn is_xml(self) -> bool {
        matches!(self, MediaFormat::Xml | MediaFormat::TextXml)
    }

    /// Whether the media range `range` (`type/subtype`, `type/*` or `*/*`) takes this.
    fn within(self, range: &str) -> bool {
        let (kind, subtype) = self.essence().split_once('/').unwrap_or_default();
        match range.split_once('/') {
            Some(("*", "*")) => true,
            Some((range_kind, "*")) => range_kind.eq_ignore_ascii_case(kind),
            Some((range_kind, range_subtype)) => {
                range_kind.eq_ignore_ascii_case(kind)
                    && (range_subtype.eq_ignore_ascii_case(subtype)
                        // A client that asks for problem details asks for their format.
                        || range_subtype
                            .strip_prefix("problem+")
                            .is_some_and(|suffix| suffix.eq_ignore_ascii_case(subtype)))
            }
            None => false,
        }
    }
}

/// Which media type labels a problem. A client whose `Accept` names JSON or XML but no
/// problem type gets it under the type it named: ASP.NET Web API's client library has
/// no formatter for the problem types, so `ReadAsAsync<HttpError>` would throw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemLabel {
    ProblemType,
    AsRequested,
}

/// How every answer to a request is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub format: MediaFormat,
    pub problem_label: ProblemLabel,
    /// How a JSON answer writes amounts.
    pub amounts: AmountStyle,
}

/// The format for a request, as ASP.NET Web API's default negotiator picks it: the
/// acceptable range in `Accept` with the highest q-value (the first one on a tie) that
/// one of our formats satisfies, `*/*` aside; failing that, the format of the request
/// body when it is one of ours (so a client that posts XML with no `Accept`, or with
/// the `*/*` most clients send, is answered in XML); failing that, JSON.
/// Problems are labelled as the requested type when the format came from an `Accept`
/// range that names it exactly and no acceptable range names a problem type.
pub fn negotiate(accept: Option<&str>, content_type: Option<&str>) -> Negotiated {
    let ranges = acceptable_ranges(accept.unwrap_or_default());
    let from_accept = ranges.iter().find_map(|range| {
        MediaFormat::ALL
            .into_iter()
            .find(|format| format.within(range))
            .map(|format| (format, format.essence().eq_ignore_ascii_case(range)))
    });
    let asks_for_problems = ranges.iter().any(|range| {
        range.split_once('/').is_some_and(|(_, subtype)| {
            subtype
                .get(..8)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case("problem+"))
        })
    });
    let problem_label = match from_accept {
        Some((_, true)) if !asks_for_problems => ProblemLabel::AsRequested,
        _ => ProblemLabel::ProblemType,
    };
    let format = from_accept
        .map(|(format, _)| format)
        .or_else(|| {
            let essence = content_type?.split(';').next()?.trim();
            MediaFormat::ALL
                .into_iter()
                .find(|format| format.essence().eq_ignore_ascii_case(essence))
        })
        .unwrap_or(MediaFormat::Json);
    Negotiated {
        format,
        problem_label,
        // XML has no number type to lose digits to.
        amounts: if format.is_xml() {
            AmountStyle::Number
        } else {
            amount_style(accept.unwrap_or_default())
        },
    }
}

/// Strings when an acceptable JSON range of `accept` carries `amounts=string`
/// (`Accept: application/json; amounts=string`), numbers otherwise. A range whose `q`
/// is zero or unreadable is not acceptable, as in `acceptable_ranges`.
fn amount_style(accept: &str) -> AmountStyle {
    let asks_for_strings = accept.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let json = parts.next().is_some_and(|range| {
            [MediaFormat::Json, MediaFormat::TextJson]
                .iter()
                .any(|format| format.essence().eq_ignore_ascii_case(range))
        });
        let parameters: Vec<(&str, &str)> = parts
            .filter_map(|parameter| parameter.split_once('='))
            .map(|(name, value)| (name.trim(), value.trim()))
            .collect();
        let has = |wanted: &str, test: &dyn Fn(&str) -> bool| {
            parameters
                .iter()
                .any(|(name, value)| name.eq_ignore_ascii_case(wanted) && test(value))
        };
        let string = |value: &str| value.trim_matches('"').eq_ignore_ascii_case("string");
        json && has("amounts", &string)
            && !has("q", &|value| !value.parse::<f32>().is_ok_and(|q| q > 0.0))
    });
    if asks_for_strings {
        AmountStyle::String
    } else {
        AmountStyle::Number
    }
}

/// The acceptable ranges of `accept`, highest q-value first, `*/*` left out.
fn acceptable_ranges(accept: &str) -> Vec<&str> {
    let mut ranges: Vec<(f32, &str)> = accept
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let range = parts.next()?.trim();
            let quality = parts
                .filter_map(|parameter| parameter.trim().split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, value)| value.trim().parse::<f32>().ok())?;
            // `*/*` says nothing; JSON answers it unless the body's format does.
            (quality > 0.0 && !range.is_empty() && range != "*/*").then_some((quality, range))
        })
        .collect();
    // Stable: among equal q-values the client's order stands.
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranges.into_iter().map(|(_, range)| range).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use MediaFormat::{Json, TextJson, TextXml, Xml};

    fn accept(header: Option<&str>) -> MediaFormat {
        negotiate(header, None).format
    }

    fn label(header: &str) -> ProblemLabel {
        negotiate(Some(header), Some("application/xml")).problem_label
    }

    #[test]
    fn problems_take_the_plain_type_only_when_it_was_named_and_no_problem_type_was() {
        use ProblemLabel::{AsRequested, ProblemType};
        assert_eq!(label("application/json"), AsRequested);
        assert_eq!(label("text/html, Text/XML;q=0.5"), AsRequested);
        assert_eq!(
            label("application/json, application/problem+json"),
            ProblemType
        );
        assert_eq!(
            label("application/xml, application/PROBLEM+xml;q=0.1"),
            ProblemType
        );
        assert_eq!(
            label("application/json, application/problem+json;q=0"),
            AsRequested
        );
        assert_eq!(label("application/*"), ProblemType);
        assert_eq!(
            label("application/*, application/json"),
            ProblemType,
            "the range that chose the format is the wildcard"
        );
        assert_eq!(label("*/*"), ProblemType);
        assert_eq!(label("application/problem+xml"), ProblemType);
        assert_eq!(
            negotiate(None, Some("application/json")).problem_label,
            ProblemType
        );
        assert_eq!(
            Xml.problem_content_type(AsRequested),
            "application/xml; charset=utf-8"
        );
        assert_eq!(
            TextJson.problem_content_type(ProblemType),
            "application/problem+json"
        );
    }

    #[test]
    fn without_a_usable_accept_the_request_body_format_answers() {
        let format = |accept, content_type| negotiate(accept, Some(content_type)).format;
        assert_eq!(format(None, "text/xml; charset=utf-8"), TextXml);
        assert_eq!(format(Some("text/html"), "application/xml"), Xml);
        assert_eq!(format(Some("application/json"), "application/xml"), Json);
        assert_eq!(format(None, "application/x-www-form-urlencoded"), Json);
        assert_eq!(format(Some("*/*"), "text/xml"), TextXml);
        assert_eq!(format(Some("text/*, */*"), "application/xml"), TextJson);
    }

    #[test]
    fn each_of_our_types_is_chosen_by_name_in_any_case() {
        assert_eq!(accept(Some("application/json")), Json);
        assert_eq!(accept(Some("text/json")), TextJson);
        assert_eq!(accept(Some("Application/XML")), Xml);
        assert_eq!(accept(Some("text/xml; charset=utf-8")), TextXml);
        assert_eq!(accept(Some("application/problem+xml")), Xml);
    }

    #[test]
    fn json_is_the_default_and_the_fallback() {
        assert_eq!(accept(None), Json);
        assert_eq!(accept(Some("*/*")), Json);
        assert_eq!(accept(Some("text/html")), Json);
        assert_eq!(accept(Some("")), Json);
        assert_eq!(accept(Some("garbage;;;,")), Json);
    }

    #[test]
    fn q_values_rank_the_ranges() {
        assert_eq!(accept(Some("application/json;q=0.5, application/xml")), Xml);
        assert_eq!(accept(Some("text/xml;q=0.9, text/json;q=0.8")), TextXml);
        assert_eq!(accept(Some("application/xml;q=0, */*;q=0.1")), Json);
        assert_eq!(accept(Some("text/html, text/*;q=0.5")), TextJson);
        assert_eq!(
            accept(Some("text/html, application/*;q=0.2, text/xml;q=0.3")),
            TextXml
        );
    }

    #[test]
    fn ties_keep_the_clients_order() {
        assert_eq!(accept(Some("application/xml, application/json")), Xml);
        assert_eq!(accept(Some("application/json, application/xml")), Json);
    }

    #[test]
    fn amounts_are_strings_only_when_a_json_range_asks() {
        let amounts = |header: &str| negotiate(Some(header), None).amounts;
        for header in [
            "application/json; amounts=string",
            "application/xml;q=0.9, Application/JSON;AMOUNTS=\"String\"",
            "text/json;amounts=string;q=0.5",
        ] {
            assert_eq!(amounts(header), AmountStyle::String, "{header}");
        }
        for header in [
            "application/json",
            "application/xml; amounts=string",
            "application/json; amounts=number",
            "application/json; amounts=string; q=0",
            "application/json; amounts=string; q=high",
            "application/json; amounts=string; q=\"0.5\"",
            "application/xml, application/json; amounts=string; q=0.5",
            "*/*; amounts=string",
        ] {
            assert_eq!(amounts(header), AmountStyle::Number, "{header}");
        }
        assert_eq!(negotiate(None, None).amounts, AmountStyle::Number);
    }
}
