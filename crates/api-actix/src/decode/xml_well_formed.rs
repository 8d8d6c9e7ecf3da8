//! What quick-xml reads without complaint but XML 1.0 with namespaces forbids, checked
//! event by event, each check linear in its event: characters XML does not allow, `]]>`
//! in text, `<` in an attribute value, names that are no XML names, prefixes bound to
//! nothing, `--` in a comment, an XML declaration anywhere but first; and (our own
//! rules) more than 64 attributes on one element, or elements nested more than 64 deep.
//! A body that gets past these is one any XML parser reads the same way.

use crate::decode::DecodeError;
use crate::encode::xml_writer::allowed_in_xml;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{PrefixDeclaration, ResolveResult};
use quick_xml::NsReader;

/// The deepest elements may nest. An event is three levels deep in a batch; the cap
/// keeps quick-xml's namespace scopes, counted in a `u16`, far from overflowing.
const MAX_DEPTH: usize = 64;

/// The checks of one document, in reading order.
#[derive(Debug, Default)]
pub struct WellFormed {
    started: bool,
    depth: usize,
    roots: usize,
}

impl WellFormed {
    /// Checks `event`, the next one `reader` read; `unbound_prefix` says whether its
    /// element (if it is one) has a prefix bound to no namespace.
    pub fn check(
        &mut self,
        reader: &NsReader<&[u8]>,
        unbound_prefix: bool,
        event: &Event<'_>,
    ) -> Result<(), DecodeError> {
        let first = !std::mem::replace(&mut self.started, true);
        match event {
            Event::DocType(_) => {
                return Err(DecodeError::MalformedBody(
                    "XML with a DOCTYPE (or entity declarations) is not accepted.".into(),
                ))
            }
            Event::Start(_) | Event::Empty(_) if self.depth == 0 && self.roots == 1 => {
                return Err(DecodeError::MalformedBody(
                    "The XML has more than one root element.".into(),
                ));
            }
            Event::Text(text) if self.depth == 0 && !text.iter().all(u8::is_ascii_whitespace) => {
                return Err(outside_root());
            }
            Event::CData(_) | Event::GeneralRef(_) if self.depth == 0 => return Err(outside_root()),
            Event::Decl(declaration) => {
                let version = declaration.version().map_err(|e| malformed(&e))?;
                if !first || !matches!(version.as_ref(), b"1.0" | b"1.1") {
                    return Err(malformed(
                        &"an XML declaration of version 1.0 may come only first",
                    ));
                }
            }
            Event::PI(instruction) if instruction.target().eq_ignore_ascii_case(b"xml") => {
                return Err(malformed(&"an XML declaration may come only first"));
            }
            Event::Comment(comment)
                if comment.windows(2).any(|pair| pair == b"--") || comment.ends_with(b"-") =>
            {
                return Err(malformed(&"a comment may not hold `--`"));
            }
            Event::Start(_) if self.depth == MAX_DEPTH => {
                return Err(DecodeError::MalformedBody(format!(
                    "XML elements may nest at most {MAX_DEPTH} deep."
                )));
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            Event::Start(element) | Event::Empty(element) => {
                if self.depth == 0 {
                    self.roots += 1;
                }
                if matches!(event, Event::Start(_)) {
                    self.depth += 1;
                }
                if unbound_prefix {
                    return Err(malformed(&"an element's prefix is bound to no namespace"));
                }
                name(element.name().as_ref())?;
                attributes(reader, element)?;
            }
            Event::Text(text) => {
                let text = text.decode().map_err(|e| malformed(&e))?;
                characters(&text)?;
                if text.contains("]]>") {
                    return Err(malformed(&"text may not hold `]]>`"));
                }
            }
            Event::CData(data) => {
                characters(std::str::from_utf8(data).map_err(|e| malformed(&e))?)?;
            }
            _ => {}
        }
        Ok(())
    }
}

impl WellFormed {
    /// At the end of the body: there was one root, and it was closed.
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.roots == 0 {
            return Err(DecodeError::MalformedBody(
                "The body holds no XML element.".into(),
            ));
        }
        if self.depth > 0 {
            return Err(malformed(&"the root element is never closed"));
        }
        Ok(())
    }
}

fn outside_root() -> DecodeError {
    malformed(&"it has text outside the root element")
}

/// The most attributes one element may carry. A .NET client writes two or three (the
/// namespaces, `i:nil`); the cap bounds both what an element costs and quick-xml's
/// duplicate check, which compares each name with every earlier one.
const MAX_ATTRIBUTES: usize = 64;

/// At most [`MAX_ATTRIBUTES`] attributes, each with a well-formed name, a bound prefix,
/// a value without `<` and with only characters XML allows.
fn attributes(reader: &NsReader<&[u8]>, element: &BytesStart<'_>) -> Result<(), DecodeError> {
    for (count, attribute) in element.attributes().enumerate() {
        if count == MAX_ATTRIBUTES {
            return Err(DecodeError::MalformedBody(format!(
                "An XML element may carry at most {MAX_ATTRIBUTES} attributes."
            )));
        }
        let attribute = attribute.map_err(|e| malformed(&e))?;
        name(attribute.key.as_ref())?;
        match attribute.key.as_namespace_binding() {
            Some(PrefixDeclaration::Named(_)) if attribute.value.is_empty() => {
                return Err(malformed(
                    &"a prefix may not be bound to an empty namespace",
                ));
            }
            Some(_) => {}
            None => {
                if matches!(
                    reader.resolve_attribute(attribute.key).0,
                    ResolveResult::Unknown(_)
                ) {
                    return Err(malformed(&"an attribute's prefix is bound to no namespace"));
                }
            }
        }
        if attribute.value.contains(&b'<') {
            return Err(malformed(&"an attribute value may not hold `<`"));
        }
        characters(std::str::from_utf8(&attribute.value).map_err(|e| malformed(&e))?)?;
    }
    Ok(())
}

/// `prefix:local` or `local`, each part starting with a letter or `_` and going on with
/// letters, digits, `-`, `.` and `_`.
fn name(qualified: &[u8]) -> Result<(), DecodeError> {
    let text = std::str::from_utf8(qualified).map_err(|e| malformed(&e))?;
    let well_formed = text.split(':').count() <= 2
        && text.split(':').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|first| first.is_alphabetic() || first == '_')
                && chars.all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '_'))
        });
    if well_formed {
        Ok(())
    } else {
        Err(malformed(&format_args!(
            "{:?} is not an XML name",
            text.chars().take(64).collect::<String>()
        )))
    }
}

/// Only the characters XML 1.0 allows.
pub fn characters(text: &str) -> Result<(), DecodeError> {
    match text.chars().find(|c| !allowed_in_xml(*c)) {
        None => Ok(()),
        Some(c) => Err(malformed(&format_args!(
            "XML does not allow the character U+{:04X}",
            u32::from(c)
        ))),
    }
}

fn malformed(error: &dyn std::fmt::Display) -> DecodeError {
    DecodeError::MalformedBody(format!("The body is not well-formed XML: {error}."))
}
