//! Decoding an XML body into the domain's draft, in the shape a .NET client's
//! `DataContractSerializer` sends:
//!
//! ```xml
//! <InvoiceBillingEvent xmlns:i="http://www.w3.org/2001/XMLSchema-instance"
//!                      xmlns="http://schemas.datacontract.org/2004/07/Some.Namespace">
//!   <BillingEventGuid>…</BillingEventGuid><Price>7.0</Price><TxID i:nil="true"/>
//! </InvoiceBillingEvent>
//! ```
//!
//! Any root name and namespace; child elements in any order and any letter case;
//! `i:nil="true"` (any prefix) means absent; unknown elements are skipped. An event time
//! may come as a .NET `DateTimeOffset` writes it, `<a:DateTime>` (UTC) and
//! `<a:OffsetMinutes>` inside the field: the same instant. Values are
//! trimmed of surrounding whitespace, as .NET's `XmlConvert` does, except the member
//! key, which is kept exactly. Only the five predefined entities and character
//! references are resolved; what makes a body well-formed (no DOCTYPE, so nothing is
//! ever expanded or fetched; one closed root; bound prefixes; …) is checked event by
//! event in `xml_well_formed`.

use crate::decode::xml_well_formed::{characters, WellFormed};
use crate::decode::DecodeError;
use crate::vocabulary::field_named;
use domain::{BillingEventDraft, Field, RawValue};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// A field element being read: which field, its text so far, and what makes it odd.
struct FieldElement {
    field: Option<Field>,
    text: String,
    nil: bool,
    nested: bool,
    offset: DateTimeOffset,
}

/// The members of a `DateTimeOffset` inside a time field, as read so far.
#[derive(Default)]
struct DateTimeOffset {
    /// The member being read.
    reading: Option<OffsetMember>,
    date_time: Option<String>,
    offset_minutes: Option<String>,
}

#[derive(Clone, Copy)]
enum OffsetMember {
    DateTime,
    OffsetMinutes,
}

/// .NET's `DateTimeOffset` allows offsets up to 14 hours either way.
const MAX_OFFSET_MINUTES: i32 = 14 * 60;

impl DateTimeOffset {
    fn member_named(name: &str) -> Option<OffsetMember> {
        if name.eq_ignore_ascii_case("DateTime") {
            Some(OffsetMember::DateTime)
        } else if name.eq_ignore_ascii_case("OffsetMinutes") {
            Some(OffsetMember::OffsetMinutes)
        } else {
            None
        }
    }

    fn is_empty(&self) -> bool {
        self.date_time.is_none() && self.offset_minutes.is_none()
    }

    /// Starts reading `member`; false when it was already read.
    fn open(&mut self, member: OffsetMember) -> bool {
        let slot = match member {
            OffsetMember::DateTime => &mut self.date_time,
            OffsetMember::OffsetMinutes => &mut self.offset_minutes,
        };
        if slot.is_some() {
            return false;
        }
        *slot = Some(String::new());
        self.reading = Some(member);
        true
    }

    fn append(&mut self, text: &str) {
        let slot = match self.reading {
            Some(OffsetMember::DateTime) => &mut self.date_time,
            Some(OffsetMember::OffsetMinutes) => &mut self.offset_minutes,
            None => return,
        };
        if let Some(value) = slot {
            value.push_str(text);
        }
    }

    /// The instant: `DateTime` is UTC, so the offset only has to be a valid one.
    fn value(self) -> RawValue {
        let offset_is_valid = self.offset_minutes.is_some_and(|minutes| {
            minutes
                .trim()
                .parse::<i32>()
                .is_ok_and(|minutes| minutes.abs() <= MAX_OFFSET_MINUTES)
        });
        match self.date_time {
            Some(date_time) if offset_is_valid => RawValue::Text(date_time.trim().to_owned()),
            _ => RawValue::Unsupported(
                "a DateTimeOffset without a DateTime and whole OffsetMinutes from -840 to 840",
            ),
        }
    }
}

impl FieldElement {
    fn value(self) -> RawValue {
        if self.nested || !self.offset.is_empty() && !self.text.trim().is_empty() {
            RawValue::Unsupported("nested XML elements")
        } else if !self.offset.is_empty() {
            self.offset.value()
        } else if self.nil {
            RawValue::Missing
        } else if self.field == Some(Field::MemberUniqueKey) {
            RawValue::Text(self.text)
        } else {
            RawValue::Text(self.text.trim().to_owned())
        }
    }
}

/// The draft for `client_name` from an XML body.
///
/// # Errors
/// `MalformedBody` when the body is not well-formed XML, has a DOCTYPE, uses an
/// undeclared entity, or has no (or more than one) root element.
pub fn decode(body: &[u8], client_name: &str) -> Result<BillingEventDraft, DecodeError> {
    let mut drafts = read(body, client_name, Shape::Event)?;
    Ok(drafts.pop().unwrap_or_else(|| BillingEventDraft {
        client_name: client_name.to_owned(),
        ..BillingEventDraft::default()
    }))
}

/// The drafts of a batch: a root (`ArrayOfInvoiceBillingEvent` or any name) whose
/// children are events in the shape `decode` reads.
///
/// # Errors
/// As for [`decode`]; `TooManyItems` as soon as the root holds more than `max_items`
/// events (the rest is never read).
pub fn decode_many(
    body: &[u8],
    client_name: &str,
    max_items: usize,
) -> Result<Vec<BillingEventDraft>, DecodeError> {
    read(body, client_name, Shape::ArrayOfEvents { max_items })
}

/// Where the field elements are: children of the root, or grandchildren.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Event,
    ArrayOfEvents { max_items: usize },
}

fn read(
    body: &[u8],
    client_name: &str,
    shape: Shape,
) -> Result<Vec<BillingEventDraft>, DecodeError> {
    let new_draft = || BillingEventDraft {
        client_name: client_name.to_owned(),
        ..BillingEventDraft::default()
    };
    // Depth of the elements that hold an event's fields.
    let (event_depth, max_items) = match shape {
        Shape::Event => (1, 1),
        Shape::ArrayOfEvents { max_items } => (2, max_items),
    };
    let mut drafts = Vec::new();
    if shape == Shape::Event {
        drafts.push(new_draft());
    }
    let mut reader = NsReader::from_reader(body);
    let mut well_formed = WellFormed::default();
    let mut depth = 0_usize;
    let mut current: Option<FieldElement> = None;
    loop {
        let (namespace, event) = reader
            .read_resolved_event()
            .map_err(|error| malformed(&error))?;
        let unbound_prefix = matches!(namespace, ResolveResult::Unknown(_));
        well_formed.check(&reader, unbound_prefix, &event)?;
        match event {
            Event::Start(_) if depth == 0 => depth = 1,
            // An item of a batch: a new event.
            Event::Start(_) | Event::Empty(_) if depth == 1 && event_depth == 2 => {
                if drafts.len() == max_items {
                    return Err(DecodeError::TooManyItems { limit: max_items });
                }
                drafts.push(new_draft());
                if matches!(event, Event::Start(_)) {
                    depth = 2;
                }
            }
            Event::Start(element) if depth == event_depth => {
                current = Some(field_element(&element)?);
                depth += 1;
            }
            Event::Empty(element) if depth == event_depth => {
                let empty = field_element(&element)?;
                if let Some(draft) = drafts.last_mut() {
                    store(draft, empty);
                }
            }
            Event::Start(element) if depth == event_depth + 1 => {
                open_member(&mut current, &element)?;
                depth += 1;
            }
            Event::Start(_) => {
                mark_nested(&mut current);
                depth += 1;
            }
            Event::Empty(_) => mark_nested(&mut current),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == event_depth + 1 {
                    if let Some(element) = &mut current {
                        element.offset.reading = None;
                    }
                }
                if depth == event_depth {
                    if let (Some(element), Some(draft)) = (current.take(), drafts.last_mut()) {
                        store(draft, element);
                    }
                }
            }
            Event::Text(text) if depth > event_depth => {
                let text = text.decode().map_err(|error| malformed(&error))?;
                append(&mut current, depth - event_depth, &text);
            }
            Event::CData(data) if depth > event_depth => {
                let text = std::str::from_utf8(&data).map_err(|error| malformed(&error))?;
                append(&mut current, depth - event_depth, text);
            }
            Event::GeneralRef(reference) => {
                let resolved = resolve(&reference)?;
                if depth > event_depth {
                    append(&mut current, depth - event_depth, &resolved);
                }
            }
            Event::Eof => break,
            // Declarations, comments, processing instructions, text between elements.
            _ => {}
        }
    }
    well_formed.finish()?;
    Ok(drafts)
}

fn malformed(error: &dyn std::fmt::Display) -> DecodeError {
    DecodeError::MalformedBody(format!("The body is not well-formed XML: {error}"))
}

/// A child of the root: its field (by local name, any case, any prefix) and `i:nil`.
fn field_element(element: &BytesStart<'_>) -> Result<FieldElement, DecodeError> {
    let name = std::str::from_utf8(element.local_name().into_inner())
        .map_err(|error| malformed(&error))?;
    Ok(FieldElement {
        field: field_named(name),
        text: String::new(),
        nil: nil_attribute(element)?,
        nested: false,
        offset: DateTimeOffset::default(),
    })
}

/// A child of a field element: a member of a `DateTimeOffset` when the field is the
/// event's time, else what makes the field's value nested elements.
fn open_member(
    current: &mut Option<FieldElement>,
    child: &BytesStart<'_>,
) -> Result<(), DecodeError> {
    let Some(element) = current else {
        return Ok(());
    };
    let name =
        std::str::from_utf8(child.local_name().into_inner()).map_err(|error| malformed(&error))?;
    let opened = element.field == Some(Field::EventDateTime)
        && DateTimeOffset::member_named(name).is_some_and(|member| element.offset.open(member));
    if !opened {
        element.nested = true;
    }
    Ok(())
}

/// Whether the element's `nil` attribute (any prefix) is true. Its attributes were
/// checked, and counted, as the element was read (`xml_well_formed`).
fn nil_attribute(element: &BytesStart<'_>) -> Result<bool, DecodeError> {
    let mut nil = false;
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|error| malformed(&error))?;
        if attribute.key.local_name().as_ref() == b"nil" {
            nil = matches!(attribute.value.as_ref(), b"true" | b"1");
        }
    }
    Ok(nil)
}

fn store(draft: &mut BillingEventDraft, element: FieldElement) {
    if let Some(slot) = element.field.and_then(|field| draft.slot_mut(field)) {
        *slot = element.value();
    }
}

/// Text `level` elements below the fields' own: the field's value at level 1, a
/// `DateTimeOffset` member's at level 2, deeper text is part of nested elements.
fn append(current: &mut Option<FieldElement>, level: usize, text: &str) {
    if let Some(element) = current {
        match level {
            1 => element.text.push_str(text),
            2 => element.offset.append(text),
            _ => {}
        }
    }
}

fn mark_nested(current: &mut Option<FieldElement>) {
    if let Some(element) = current {
        element.nested = true;
    }
}

/// `&#65;`, `&#x41;` and the five predefined entities; anything else was never declared
/// (we refuse DOCTYPEs), so it is an error.
fn resolve(reference: &BytesRef<'_>) -> Result<String, DecodeError> {
    if let Some(character) = reference
        .resolve_char_ref()
        .map_err(|error| malformed(&error))?
    {
        let character = character.to_string();
        characters(&character)?;
        return Ok(character);
    }
    let name = reference.decode().map_err(|error| malformed(&error))?;
    resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| {
            DecodeError::MalformedBody(format!("The XML uses the undeclared entity &{name};."))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOTNET: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<InvoiceBillingEvent xmlns:i="http://www.w3.org/2001/XMLSchema-instance"
  xmlns="http://schemas.datacontract.org/2004/07/Some.Namespace">
  <Price>7.0</Price>
  <BillingEventGuid>6d91f288-c380-4652-bd35-ce286ac4c806</BillingEventGuid>
  <EventDateTime>2025-08-14T01:25:53.8669171+00:00</EventDateTime>
  <eventtypeid>Usage</eventtypeid>
  <InvoiceBillingEventStatusId i:nil="true"/>
  <MemberUniqueKey> sample &amp; string &#52; </MemberUniqueKey>
  <Quantity>
    6.0
  </Quantity>
  <ModifiedDateTime>2025-08-14T01:25:53.8669171+00:00</ModifiedDateTime>
  <TxID i:nil="true"/>
  <Unknown><Nested>ignored</Nested></Unknown>
</InvoiceBillingEvent>"#;

    fn text(value: &str) -> RawValue {
        RawValue::Text(value.into())
    }

    #[test]
    fn a_dotnet_data_contract_body_decodes_in_any_order_and_case() {
        let draft = decode(DOTNET.as_bytes(), "acme").unwrap();
        assert_eq!(draft.price, text("7.0"));
        assert_eq!(draft.quantity, text("6.0"));
        assert_eq!(draft.event_type_id, text("Usage"));
        assert_eq!(draft.invoice_billing_event_status_id, RawValue::Missing);
        assert_eq!(
            draft.member_unique_key,
            text(" sample & string 4 "),
            "kept exactly, entities resolved"
        );
        assert!(draft.validate(domain::BillingEventGuid::new_random).is_ok());
    }

    #[test]
    fn a_byte_order_mark_before_the_root_is_not_text() {
        let xml = b"\xEF\xBB\xBF<E><Price>1</Price></E>";
        assert_eq!(decode(xml, "acme").unwrap().price, text("1"));
    }

    #[test]
    fn declared_prefixes_comments_and_a_first_declaration_are_fine() {
        let xml = concat!(
            r#"<?xml version="1.0" encoding="utf-8"?><!-- a - b --><?pi x?>"#,
            r#"<p:E xmlns:p="urn:p" xmlns:i="urn:i"><p:Price i:nil="false">1</p:Price></p:E>"#,
        )
        .as_bytes();
        assert_eq!(decode(xml, "acme").unwrap().price, text("1"));
    }

    #[test]
    fn any_root_name_and_prefixed_elements_are_read() {
        let xml = concat!(
            r#"<e:Anything xmlns:e="urn:x">"#,
            "<e:Price><![CDATA[1.5]]></e:Price><e:QUANTITY/></e:Anything>",
        );
        let draft = decode(xml.as_bytes(), "acme").unwrap();
        assert_eq!(draft.price, text("1.5"));
        assert_eq!(draft.quantity, text(""));
    }

    #[test]
    fn nested_elements_in_a_field_are_an_error_of_that_field() {
        let draft = decode(b"<E><Price><Amount>1</Amount></Price></E>", "acme").unwrap();
        assert_eq!(draft.price, RawValue::Unsupported("nested XML elements"));
    }

    #[test]
    fn a_dotnet_date_time_offset_is_the_instant_of_its_utc_date_time() {
        let xml = r#"<E><EventDateTime xmlns:a="http://schemas.datacontract.org/2004/07/System">
            <a:DateTime>2026-11-30T10:00:00Z</a:DateTime>
            <a:OffsetMinutes>120</a:OffsetMinutes>
        </EventDateTime></E>"#;
        let draft = decode(xml.as_bytes(), "acme").unwrap();
        assert_eq!(draft.event_date_time, text("2026-11-30T10:00:00Z"));
        let swapped = "<E><eventdatetime><OFFSETMINUTES>-840</OFFSETMINUTES>\
            <datetime>2026-11-30T10:00:00Z</datetime></eventdatetime></E>";
        let draft = decode(swapped.as_bytes(), "acme").unwrap();
        assert_eq!(draft.event_date_time, text("2026-11-30T10:00:00Z"));
        let batch = "<A>\
            <E><EventDateTime><DateTime>2026-11-30T10:00:00Z</DateTime>\
            <OffsetMinutes>0</OffsetMinutes></EventDateTime><Price>1</Price></E>\
            <E><EventDateTime><DateTime>2026-12-01T00:00:00Z</DateTime>\
            <OffsetMinutes>60</OffsetMinutes></EventDateTime></E>\
            </A>";
        let drafts = decode_many(batch.as_bytes(), "acme", 2).unwrap();
        assert_eq!(drafts[0].event_date_time, text("2026-11-30T10:00:00Z"));
        assert_eq!(drafts[0].price, text("1"));
        assert_eq!(drafts[1].event_date_time, text("2026-12-01T00:00:00Z"));
    }

    #[test]
    fn a_date_time_offset_needs_both_members_a_valid_offset_and_nothing_else() {
        let unsupported = |inner: &str| {
            let xml = format!("<E><EventDateTime>{inner}</EventDateTime></E>");
            matches!(
                decode(xml.as_bytes(), "acme").unwrap().event_date_time,
                RawValue::Unsupported(_)
            )
        };
        for bad in [
            "<DateTime>2026-11-30T10:00:00Z</DateTime>",
            "<OffsetMinutes>0</OffsetMinutes>",
            "<DateTime>2026-11-30T10:00:00Z</DateTime><OffsetMinutes>841</OffsetMinutes>",
            "<DateTime>2026-11-30T10:00:00Z</DateTime><OffsetMinutes>1.5</OffsetMinutes>",
            "<DateTime>x</DateTime><DateTime>y</DateTime><OffsetMinutes>0</OffsetMinutes>",
            "text<DateTime>2026-11-30T10:00:00Z</DateTime><OffsetMinutes>0</OffsetMinutes>",
            "<DateTime><b>2026</b></DateTime><OffsetMinutes>0</OffsetMinutes>",
            "<Ticks>1</Ticks>",
        ] {
            assert!(unsupported(bad), "{bad}");
        }
        let price = "<E><Price><DateTime>1</DateTime><OffsetMinutes>0</OffsetMinutes></Price></E>";
        assert_eq!(
            decode(price.as_bytes(), "acme").unwrap().price,
            RawValue::Unsupported("nested XML elements"),
            "only the event's time takes a DateTimeOffset"
        );
    }

    #[test]
    fn doctypes_and_undeclared_entities_are_refused() {
        let laughs = concat!(
            r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#,
            r#"<!ENTITY lol2 "&lol;&lol;">]><E><MemberUniqueKey>&lol2;</MemberUniqueKey></E>"#,
        );
        let external = concat!(
            r#"<!DOCTYPE E [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#,
            "<E><MemberUniqueKey>&xxe;</MemberUniqueKey></E>",
        );
        for xml in [laughs, external] {
            let Err(DecodeError::MalformedBody(detail)) = decode(xml.as_bytes(), "acme") else {
                panic!("accepted {xml}");
            };
            assert!(detail.contains("DOCTYPE"), "{detail}");
        }
        let Err(DecodeError::MalformedBody(detail)) =
            decode(b"<E><Price>&undeclared;</Price></E>", "acme")
        else {
            panic!("accepted an undeclared entity");
        };
        assert!(detail.contains("&undeclared;"), "{detail}");
    }

    #[test]
    fn a_batch_is_a_root_of_events_in_any_names() {
        let xml = concat!(
            r#"<ArrayOfInvoiceBillingEvent xmlns="urn:x">"#,
            "<InvoiceBillingEvent><Price>1</Price></InvoiceBillingEvent><E/>",
            r#"<e><price>2.50</price><Quantity i:nil="true" xmlns:i="urn:i"/></e>"#,
            "</ArrayOfInvoiceBillingEvent>",
        );
        let drafts = decode_many(xml.as_bytes(), "acme", 3).unwrap();
        assert_eq!(drafts.len(), 3);
        assert_eq!(drafts[0].price, text("1"));
        assert_eq!(drafts[1].price, RawValue::Missing);
        assert_eq!(drafts[2].price, text("2.50"));
        assert_eq!(drafts[2].quantity, RawValue::Missing);
        assert!(decode_many(b"<Empty/>", "acme", 3).unwrap().is_empty());
        assert!(matches!(
            decode_many(xml.as_bytes(), "acme", 2),
            Err(DecodeError::TooManyItems { limit: 2 })
        ));
    }

    #[test]
    fn an_element_may_carry_at_most_64_attributes() {
        let attributes = |n: usize| {
            (0..n)
                .map(|i| format!(" a{i}=\"\""))
                .collect::<Vec<_>>()
                .concat()
        };
        assert!(decode(format!("<E{}/>", attributes(64)).as_bytes(), "acme").is_ok());
        let Err(DecodeError::MalformedBody(detail)) = decode(
            format!("<E><Price{}/></E>", attributes(65)).as_bytes(),
            "acme",
        ) else {
            panic!("accepted 65 attributes");
        };
        assert!(detail.contains("at most 64 attributes"), "{detail}");
    }

    #[test]
    fn elements_may_nest_64_deep() {
        let nested = |depth: usize| format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(decode(nested(64).as_bytes(), "acme").is_ok());
        let Err(DecodeError::MalformedBody(detail)) = decode(nested(100_000).as_bytes(), "acme")
        else {
            panic!("accepted 100,000 levels");
        };
        assert!(detail.contains("at most 64 deep"), "{detail}");
    }

    #[test]
    fn malformed_xml_is_refused() {
        for xml in [
            &b""[..],
            b"not xml",
            b"<E><Price>1</E>",
            b"<E></E><F></F>",
            b"<E attr=></E>",
            b"{\"json\": 1}",
            b"<E><Price>1</Price>",
            b"<E/>text after the root",
            b"text before<E/>",
            b"<E/>&amp;",
            b"<E/><![CDATA[x]]>",
            b"<E a=\"1\" a=\"2\"/>",
            b"<E><Price i:nil=\"true\" i:nil=\"false\"/></E>",
            b"<E>\x01</E>",
            b"<E>&#1;</E>",
            b"<E a=\"\x02\"/>",
            b"<p:Z/>",
            b"<E p:a=\"1\"/>",
            b"<E>]]></E>",
            b"<E a=\"<\"/>",
            b"<1Z/>",
            b"<E><!-- a--b --></E>",
            b"<?xml version=\"2.0\"?><E/>",
            b"<E/><?xml version=\"1.0\"?>",
            b"<E xmlns:p=\"\"/>",
            b"<E xmlns:xml=\"urn:x\"/>",
        ] {
            assert!(
                matches!(decode(xml, "acme"), Err(DecodeError::MalformedBody(_))),
                "{}",
                String::from_utf8_lossy(xml)
            );
        }
    }
}
