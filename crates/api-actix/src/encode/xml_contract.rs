//! The data contract our XML answers follow, as a deployment sets it: the namespace of
//! its .NET clients' classes, and whether their time members are `DateTime` or
//! `DateTimeOffset`. `DataContractSerializer` throws on an answer in another namespace,
//! and cannot read a `DateTimeOffset` member from a plain date, so both must match the
//! clients' classes. Requests are read in any namespace and either time shape.

use crate::encode::xml_writer::XmlWriter;
use serde::Deserialize;

/// The namespace when none is set: the one .NET gives classes in the C# namespace
/// `BillingEvents`. The original's was never published.
pub const DATA_CONTRACT_NAMESPACE: &str = "http://schemas.datacontract.org/2004/07/BillingEvents";
pub const XML_SCHEMA_INSTANCE: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// Where .NET's data contract for `DateTimeOffset` lives.
const SYSTEM_NAMESPACE: &str = "http://schemas.datacontract.org/2004/07/System";

/// The .NET type of an event's time members in the clients' classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum TimeMembers {
    /// `<EventDateTime>2025-08-14T01:25:53.8669170+00:00</EventDateTime>`
    #[default]
    DateTime,
    /// `<EventDateTime xmlns:a="…/System"><a:DateTime>…Z</a:DateTime>`
    /// `<a:OffsetMinutes>0</a:OffsetMinutes></EventDateTime>`
    DateTimeOffset,
}

/// A checked contract: its namespace is a URI without spaces, at most 1,024 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlContract {
    namespace: String,
    time_members: TimeMembers,
}

/// Why a namespace cannot be one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a URI of 1 to 1024 characters without spaces or control characters")]
pub struct NamespaceError;

impl Default for XmlContract {
    fn default() -> Self {
        Self {
            namespace: DATA_CONTRACT_NAMESPACE.to_owned(),
            time_members: TimeMembers::DateTime,
        }
    }
}

impl XmlContract {
    const MAX_NAMESPACE_CHARS: usize = 1024;

    /// # Errors
    /// [`NamespaceError`] for an empty or over-long namespace, or one with whitespace or
    /// control characters.
    pub fn new(namespace: &str, time_members: TimeMembers) -> Result<Self, NamespaceError> {
        let valid = !namespace.is_empty()
            && namespace.chars().count() <= Self::MAX_NAMESPACE_CHARS
            && !namespace
                .chars()
                .any(|c| c.is_whitespace() || c.is_control());
        if !valid {
            return Err(NamespaceError);
        }
        Ok(Self {
            namespace: namespace.to_owned(),
            time_members,
        })
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn time_members(&self) -> TimeMembers {
        self.time_members
    }

    /// Opens a root element with the namespaces every XML answer of ours declares.
    pub fn open_root(&self, xml: &mut XmlWriter, name: &str) {
        xml.open(
            name,
            &[("xmlns:i", XML_SCHEMA_INSTANCE), ("xmlns", &self.namespace)],
        );
    }

    /// An event's time member. `utc` is a time as the domain writes it, in UTC with
    /// `+00:00`; a `DateTimeOffset` holds it as a UTC `DateTime` (`Z`) and offset 0.
    pub fn time(&self, xml: &mut XmlWriter, name: &str, utc: &str) {
        match self.time_members {
            TimeMembers::DateTime => {
                xml.element(name, utc);
            }
            TimeMembers::DateTimeOffset => {
                let zulu = utc
                    .strip_suffix("+00:00")
                    .map_or_else(|| utc.to_owned(), |local| format!("{local}Z"));
                xml.open(name, &[("xmlns:a", SYSTEM_NAMESPACE)])
                    .element("a:DateTime", &zulu)
                    .element("a:OffsetMinutes", "0")
                    .close(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_namespace_is_a_uri_without_spaces() {
        assert!(XmlContract::new("urn:acme:billing", TimeMembers::DateTime).is_ok());
        for bad in ["", "http://a b", "urn:x\u{1}", &"x".repeat(1025)] {
            assert_eq!(
                XmlContract::new(bad, TimeMembers::DateTime),
                Err(NamespaceError),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn time_members_are_written_as_the_clients_type_reads_them() {
        let write = |time_members| {
            let contract = XmlContract::new("urn:x", time_members).unwrap();
            let mut xml = XmlWriter::new();
            contract.time(
                &mut xml,
                "EventDateTime",
                "2026-11-30T12:00:00.0000000+00:00",
            );
            xml.finish()
        };
        assert!(write(TimeMembers::DateTime)
            .ends_with("<EventDateTime>2026-11-30T12:00:00.0000000+00:00</EventDateTime>"));
        assert!(write(TimeMembers::DateTimeOffset).ends_with(concat!(
            r#"<EventDateTime xmlns:a="http://schemas.datacontract.org/2004/07/System">"#,
            "<a:DateTime>2026-11-30T12:00:00.0000000Z</a:DateTime>",
            "<a:OffsetMinutes>0</a:OffsetMinutes></EventDateTime>"
        )));
    }
}
