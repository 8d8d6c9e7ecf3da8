//! Query-string parameters, matched by name in any letter case as ASP.NET binds them.

use crate::vocabulary::parameter_name;
use app::{FilterParameters, ListRequest, Parameter, SummaryRequest};

/// The parameters of a query string, names lower-cased, repeats kept in order.
#[derive(Debug)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(query_string: &str) -> Self {
        Self(
            form_urlencoded::parse(query_string.as_bytes())
                .map(|(name, value)| (name.to_ascii_lowercase(), value.into_owned()))
                .collect(),
        )
    }

    /// Every value of `parameter`, in order.
    fn all(&self, parameter: Parameter) -> Vec<String> {
        let name = parameter_name(parameter).to_ascii_lowercase();
        self.0
            .iter()
            .filter(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }

    /// The last value of `parameter`, as with a repeated form field.
    fn last(&self, parameter: Parameter) -> Option<String> {
        self.all(parameter).pop()
    }

    pub fn filter(&self) -> FilterParameters {
        FilterParameters {
            client_name: self.last(Parameter::ClientName),
            member_unique_key: self.last(Parameter::MemberUniqueKey),
            from: self.last(Parameter::From),
            to: self.last(Parameter::To),
            event_type_ids: self.all(Parameter::EventType),
            status_ids: self.all(Parameter::EventStatus),
            modified_since: self.last(Parameter::ModifiedSince),
        }
    }

    pub fn list_request(&self) -> ListRequest {
        ListRequest {
            filter: self.filter(),
            limit: self.last(Parameter::Limit),
            cursor: self.last(Parameter::Cursor),
        }
    }

    pub fn summary_request(&self) -> SummaryRequest {
        SummaryRequest {
            filter: self.filter(),
            group_by: self.all(Parameter::GroupBy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Query;

    #[test]
    fn names_match_in_any_case_and_repeat() {
        let query = Query::parse(
            "CLIENTNAME=acme&eventtypeid=Usage&EventTypeId=4&limit=5&limit=7\
             &from=2025-01-01T00%3A00%3A00%2B01%3A00",
        );
        let request = query.list_request();
        assert_eq!(request.filter.client_name.as_deref(), Some("acme"));
        assert_eq!(request.filter.event_type_ids, ["Usage", "4"]);
        assert_eq!(request.limit.as_deref(), Some("7"));
        assert_eq!(
            request.filter.from.as_deref(),
            Some("2025-01-01T00:00:00+01:00")
        );
    }
}
