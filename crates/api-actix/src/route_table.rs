//! The one route table: each route's path, methods, handlers and request bodies, said
//! once.
//!
//! The table is a macro, `with_route_table!`, so that one list is read in two places
//! without this module importing anything of the crate: here it becomes `ROUTES` and a
//! constant per path, plain data that the case folding, the key check, the `Expect`
//! check, the metrics and the OpenAPI document read; in `routes` it becomes the actix
//! router, where the handler paths are resolved. Literal paths come before those with a
//! parameter in the same place, so that `…/summary` is not read as a client name.

use percent_encoding::percent_decode_str;

/// The table, handed to the macro `$then` as
/// `NAME = "pattern" => { METHOD [body] => handler, … }, …`, in two parts: the routes
/// the OpenAPI document describes (each handler carries its operation), and the rest.
macro_rules! with_route_table {
    ($then:ident) => {
        $then! {
            documented: {
                EVENTS = "/api/v1/BillingEvents" => { GET [None] => list_events::list },
                SUMMARY = "/api/v1/BillingEvents/summary" => {
                    GET [None] => summarize_events::summarize,
                },
                EVENT = "/api/v1/BillingEvents/{id}" => {
                    GET [None] => get_event::get,
                    POST [Event] => post_event::post,
                    PATCH [Event] => change_status::patch,
                },
                HISTORY = "/api/v1/BillingEvents/{id}/history" => {
                    GET [None] => get_history::history,
                },
                SETTLEMENT = "/api/v1/BillingEvents/{id}/status" => {
                    POST [Settlement] => settle_events::settle,
                },
                BATCH = "/api/v1/BillingEvents/{id}/batch" => {
                    POST [Batch] => post_batch::post_batch,
                },
                HEALTH = "/health" => { GET [None] => health::health },
                READY = "/ready" => { GET [None] => health::ready },
            },
            undocumented: {
                METRICS = "/metrics" => { GET [None] => crate::telemetry::prometheus::render },
                HELP = "/help" => { GET [None] => docs::help_page },
                OPENAPI = "/openapi.json" => { GET [None] => docs::openapi_document },
                OPENAPI_FOR_GENERATORS = "/openapi/generators.json" => {
                    GET [None] => docs::generators_document,
                },
            },
        }
    };
}
pub(crate) use with_route_table;

/// What a route takes as its body, and so which limit applies to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    None,
    /// One event (a post) or one status change: the smallest limit.
    Event,
    /// A bulk settlement, naming up to 10,000 guids.
    Settlement,
    /// Many events.
    Batch,
}

/// One method of a route and the body it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub method: &'static str,
    pub body: Body,
}

/// One route: its pattern and what each of its methods takes (each GET answers HEAD too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub pattern: &'static str,
    pub operations: &'static [Operation],
}

impl Route {
    /// The body a request by `method` takes here: a method the route does not answer
    /// takes none.
    pub fn body(&self, method: &str) -> Body {
        self.operations
            .iter()
            .find(|operation| operation.method.eq_ignore_ascii_case(method))
            .map_or(Body::None, |operation| operation.body)
    }

    /// The route's methods, as `Allow` names them.
    #[cfg(test)]
    pub fn methods(&self) -> impl Iterator<Item = &'static str> {
        self.operations.iter().map(|operation| operation.method)
    }
}

macro_rules! route_data {
    (
        documented: { $($documented:tt)+ },
        undocumented: { $($undocumented:tt)+ } $(,)?
    ) => {
        route_data!(@all $($documented)+ $($undocumented)+);
    };
    (@all $($name:ident = $pattern:literal => {
        $($method:ident [$body:ident] => $($handler:ident)::+),+ $(,)?
    }),+ $(,)?) => {
        $(pub const $name: &str = $pattern;)+

        /// Every route, in matching order.
        pub const ROUTES: &[Route] = &[
            $(Route {
                pattern: $pattern,
                operations: &[$(Operation {
                    method: stringify!($method),
                    body: Body::$body,
                }),+],
            }),+
        ];
    };
}
with_route_table!(route_data);

/// The path the event with `guid` is read at.
pub fn event_path(guid: &impl std::fmt::Display) -> String {
    EVENT.replace("{id}", &guid.to_string())
}

/// Every path under this one needs a key.
pub const API_PREFIX: &str = "/api";

/// Whether `path` (as routing sees it, percent-decoded) is under the API prefix, in any
/// letter case, and so needs a key.
pub fn needs_key(path: &str) -> bool {
    let length = API_PREFIX.len();
    let prefix = path.get(..length).unwrap_or(path);
    prefix.eq_ignore_ascii_case(API_PREFIX)
        && matches!(path.as_bytes().get(length), None | Some(b'/'))
}

/// A `{name}` segment of a route pattern.
fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{')
}

/// The route the raw `path` names, and the path in the route's own spelling.
///
/// Route literals match in any letter case, percent-decoded as the router reads them,
/// and with one trailing slash, as in ASP.NET: `/API/v1/billingevents/acme/` is
/// `/api/v1/BillingEvents/acme`. Parameter segments (a client name, a guid) are kept
/// exactly as sent.
pub fn find(path: &str) -> Option<(&'static Route, String)> {
    let trimmed = path.strip_suffix('/').filter(|rest| !rest.is_empty());
    let segments: Vec<&str> = trimmed.unwrap_or(path).split('/').collect();
    ROUTES.iter().find_map(|route| {
        let literals: Vec<&str> = route.pattern.split('/').collect();
        let matches = literals.len() == segments.len()
            && literals.iter().zip(&segments).all(|(literal, segment)| {
                is_parameter(literal)
                    || literal
                        .eq_ignore_ascii_case(&percent_decode_str(segment).decode_utf8_lossy())
            });
        matches.then(|| {
            let spelled = literals.iter().zip(&segments).map(|(literal, segment)| {
                if is_parameter(literal) {
                    *segment
                } else {
                    *literal
                }
            });
            (route, spelled.collect::<Vec<_>>().join("/"))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spelled(path: &str) -> Option<String> {
        find(path).map(|(_, spelled)| spelled)
    }

    #[test]
    fn literals_match_in_any_case_and_parameters_are_kept() {
        let cases = [
            ("/API/v1/billingevents/AcMe", "/api/v1/BillingEvents/AcMe"),
            ("/HEALTH", "/health"),
            ("/api/v1/billingevents", "/api/v1/BillingEvents"),
            (
                "/api/V1/billingevents/SUMMARY",
                "/api/v1/BillingEvents/summary",
            ),
            (
                "/API/v1/billingevents/Ab12/HISTORY",
                "/api/v1/BillingEvents/Ab12/history",
            ),
            ("/Ready", "/ready"),
            ("/ready/", "/ready"),
            ("/api/v1/BillingEvents/acme/", "/api/v1/BillingEvents/acme"),
            ("/api/v1/BillingEvents/acme", "/api/v1/BillingEvents/acme"),
            // Literals decoded, parameters kept raw for the router to decode.
            (
                "/%61pi/v1/BillingEvents/a%62c",
                "/api/v1/BillingEvents/a%62c",
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(spelled(path).as_deref(), Some(expected), "{path}");
        }
        let pattern = |path| find(path).unwrap().0.pattern;
        assert_eq!(pattern("/api/v1/billingevents/acme"), EVENT);
        assert_eq!(
            pattern("/api/v1/billingevents/SUMMARY"),
            SUMMARY,
            "not a client"
        );
    }

    #[test]
    fn unknown_paths_match_no_route() {
        for path in [
            "/api/v2/billingevents/acme",
            "/api/v1",
            "/api/v1/billingevents/a/b",
            "/",
            "/ready//",
            "/nowhere/",
        ] {
            assert_eq!(spelled(path), None, "{path}");
        }
    }

    #[test]
    fn each_method_takes_its_own_body() {
        let body = |path, method| find(path).unwrap().0.body(method);
        assert_eq!(body("/api/v1/BillingEvents/acme", "POST"), Body::Event);
        assert_eq!(body("/api/v1/BillingEvents/acme", "PATCH"), Body::Event);
        assert_eq!(body("/api/v1/BillingEvents/acme", "GET"), Body::None);
        assert_eq!(body("/api/v1/BillingEvents/acme", "PUT"), Body::None);
        assert_eq!(
            body("/api/v1/BillingEvents/acme/status", "POST"),
            Body::Settlement
        );
        assert_eq!(
            body("/API/v1/billingevents/acme/BATCH/", "POST"),
            Body::Batch
        );
        assert_eq!(
            body("/api/v1/BillingEvents/acme/b%61tch", "POST"),
            Body::Batch
        );
        assert_eq!(
            body("/api/v1/BillingEvents/batch", "POST"),
            Body::Event,
            "a client named batch"
        );
    }

    #[test]
    fn every_api_route_needs_a_key_and_no_other() {
        for route in ROUTES {
            let api = route.pattern.starts_with(EVENTS);
            assert_eq!(needs_key(route.pattern), api, "{}", route.pattern);
        }
        for path in ["/api", "/api/v1/BillingEvents", "/API/V1/x", "/Api/"] {
            assert!(needs_key(path), "{path}");
        }
        for path in [
            "/",
            "/health",
            "/apis",
            "/help",
            "/openapi.json",
            "/metrics",
        ] {
            assert!(!needs_key(path), "{path}");
        }
    }
}
