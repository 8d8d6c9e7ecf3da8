//! A small writer for the XML we answer with: our own element names, escaped text.
//!
//! Whatever text it is given, the document stays well-formed: a character XML 1.0 does
//! not allow (C0 controls other than tab, newline and carriage return, U+FFFE, U+FFFF)
//! is written as U+FFFD, never echoed.

use quick_xml::escape::escape as escape_markup;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether XML 1.0 allows `c` in a document (its `Char` production; Rust strings hold
/// no surrogates).
pub fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `text` escaped for an element or attribute value, forbidden characters replaced.
fn escape(text: &str) -> Cow<'_, str> {
    if text.chars().all(allowed_in_xml) {
        return escape_markup(text);
    }
    let allowed: String = text
        .chars()
        .map(|c| if allowed_in_xml(c) { c } else { '\u{FFFD}' })
        .collect();
    Cow::Owned(escape_markup(&allowed).into_owned())
}

/// Builds one XML document as a string.
#[derive(Debug)]
/// Writing into a `String` cannot fail, so `write!` results are ignored.
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub fn new() -> Self {
        Self {
            out: String::from(r#"<?xml version="1.0" encoding="utf-8"?>"#),
        }
    }

    /// `<name a="v" …>`; names are ours, values are escaped.
    pub fn open(&mut self, name: &str, attributes: &[(&str, &str)]) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        for (attribute, value) in attributes {
            let _ = write!(self.out, r#" {attribute}="{}""#, escape(value));
        }
        self.out.push('>');
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, "</{name}>");
        self
    }

    /// `<name>text</name>`, the text escaped.
    pub fn element(&mut self, name: &str, text: &str) -> &mut Self {
        let _ = write!(self.out, "<{name}>{}</{name}>", escape(text));
        self
    }

    /// `<name i:nil="true"/>`: an absent value, as .NET writes it.
    pub fn nil(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, r#"<{name} i:nil="true"/>"#);
        self
    }

    /// `<name>text</name>`, or `<name i:nil="true"/>` when there is no text.
    pub fn optional(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        match text {
            Some(text) => self.element(name, text),
            None => self.nil(name),
        }
    }

    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::XmlWriter;

    #[test]
    fn text_and_attributes_are_escaped() {
        let xml = XmlWriter::new()
            .open("Root", &[("xmlns", "urn:a&b")])
            .element("Key", "<m & \"n\">")
            .close("Root")
            .finish();
        assert_eq!(
            xml,
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><Root xmlns="urn:a&amp;b">"#,
                "<Key>&lt;m &amp; &quot;n&quot;&gt;</Key></Root>"
            )
        );
    }

    #[test]
    fn characters_xml_forbids_are_never_written() {
        let xml = XmlWriter::new()
            .open("Root", &[("a", "x\u{1}y")])
            .element("Key", "a\u{0}b\u{1b}c\u{FFFE}d\u{FFFF}e\tf\u{10000}")
            .close("Root")
            .finish();
        assert!(xml.contains("a=\"x\u{FFFD}y\""), "{xml}");
        assert!(
            xml.contains("<Key>a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\tf\u{10000}</Key>"),
            "{xml}"
        );
    }
}
