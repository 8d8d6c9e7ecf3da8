//! The text encodings a body may come in, as the original's .NET formatters read them:
//! UTF-8 with or without a byte order mark (`new StreamWriter(stream, Encoding.UTF8)`
//! writes one), and UTF-16 (`charset=utf-16`, or a UTF-16 byte order mark). Every
//! decoder then reads UTF-8. Any other charset, and any `Content-Encoding` but
//! `identity`, is a 415 that names it, instead of a misleading "malformed" 400.

use crate::decode::DecodeError;
use actix_web::http::header;
use actix_web::HttpRequest;
use std::borrow::Cow;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text encoding a request says (or its bytes show) its body is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// UTF-8, named or not (US-ASCII is a part of it).
    Utf8,
    /// `utf-16`: byte order from a byte order mark, else little-endian (as .NET's
    /// `Encoding.Unicode` writes it).
    Utf16,
    Utf16Le,
    Utf16Be,
}

/// The charset `Content-Type` names, refusing one we cannot read and any compression.
///
/// # Errors
/// `UnsupportedMediaType`, naming the charset or the `Content-Encoding`.
pub fn declared(req: &HttpRequest) -> Result<Charset, DecodeError> {
    if let Some(coding) = req.headers().get(header::CONTENT_ENCODING) {
        let coding = String::from_utf8_lossy(coding.as_bytes());
        if !coding.trim().eq_ignore_ascii_case("identity") {
            return Err(DecodeError::UnsupportedMediaType(Some(format!(
                "Content-Encoding {}; send the body uncompressed",
                coding.trim()
            ))));
        }
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default();
    let charset = content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_ascii_lowercase())
    });
    match charset.as_deref() {
        None | Some("utf-8" | "utf8" | "us-ascii") => Ok(Charset::Utf8),
        Some("utf-16" | "unicode") => Ok(Charset::Utf16),
        Some("utf-16le") => Ok(Charset::Utf16Le),
        Some("utf-16be") => Ok(Charset::Utf16Be),
        Some(other) => Err(DecodeError::UnsupportedMediaType(Some(format!(
            "charset={other}; send UTF-8 or UTF-16"
        )))),
    }
}

/// The room the UTF-8 form of `body` takes beside it: none when it is UTF-8 already
/// (borrowed), else one and a half times its length (a UTF-16 unit is at most three
/// UTF-8 bytes), which `to_utf8` allocates at once.
pub fn utf8_room(body: &[u8], charset: Charset) -> usize {
    match effective(body, charset) {
        Charset::Utf8 => 0,
        _ => body.len() + body.len() / 2,
    }
}

/// The charset `body` is read in: a byte order mark wins over the label.
pub fn effective(body: &[u8], charset: Charset) -> Charset {
    match (charset, body) {
        (Charset::Utf8 | Charset::Utf16, [0xFE, 0xFF, ..]) => Charset::Utf16Be,
        (Charset::Utf8, [0xFF, 0xFE, ..]) | (Charset::Utf16, _) => Charset::Utf16Le,
        (chosen, _) => chosen,
    }
}

/// The body as UTF-8 without a byte order mark: borrowed when it already is one.
///
/// # Errors
/// `MalformedBody` when UTF-16 has an odd number of bytes or an unpaired surrogate.
pub fn to_utf8(body: &[u8], charset: Charset) -> Result<Cow<'_, [u8]>, DecodeError> {
    let big_endian = match effective(body, charset) {
        Charset::Utf8 => return Ok(Cow::Borrowed(body.strip_prefix(UTF8_BOM).unwrap_or(body))),
        Charset::Utf16Be => true,
        Charset::Utf16Le | Charset::Utf16 => false,
    };
    if !body.len().is_multiple_of(2) {
        return Err(DecodeError::MalformedBody(
            "a UTF-16 body must have an even number of bytes".into(),
        ));
    }
    let mut units = body
        .chunks_exact(2)
        .map(|pair| {
            let pair = [pair[0], pair[1]];
            if big_endian {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            }
        })
        .peekable();
    // A byte order mark is not part of the text.
    units.next_if_eq(&0xFEFF);
    let mut text = String::with_capacity(utf8_room(body, charset));
    for decoded in char::decode_utf16(units) {
        let character = decoded.map_err(|_| {
            DecodeError::MalformedBody("the UTF-16 body has an unpaired surrogate".into())
        })?;
        text.push(character);
    }
    Ok(Cow::Owned(text.into_bytes()))
}

/// Refuses XML whose declaration names another encoding than the one its bytes were
/// read in (`source`): an encoding other than UTF-8 or UTF-16, or one the charset (or
/// byte order mark) contradicts. `utf8` is the body as read. .NET's readers refuse the
/// same mismatch; reading on would take Latin-1 bytes declared as such for malformed
/// UTF-8, and UTF-8 declared Latin-1 for what it is not.
///
/// # Errors
/// `UnsupportedMediaType`, naming the declared encoding.
pub fn check_xml_declaration(utf8: &[u8], source: Charset) -> Result<(), DecodeError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(utf8);
    let Ok(Event::Decl(declaration)) = reader.read_event() else {
        return Ok(());
    };
    let Some(Ok(declared)) = declaration.encoding() else {
        return Ok(());
    };
    let declared = String::from_utf8_lossy(&declared).to_ascii_lowercase();
    let read_as_utf16 = !matches!(source, Charset::Utf8);
    let agrees = match declared.as_str() {
        "utf-8" | "utf8" | "us-ascii" | "ascii" => !read_as_utf16,
        "utf-16" | "utf-16le" | "utf-16be" | "unicode" => read_as_utf16,
        other => {
            return Err(DecodeError::UnsupportedMediaType(Some(format!(
                "an XML declaration of encoding=\"{other}\"; send UTF-8 or UTF-16"
            ))))
        }
    };
    if agrees {
        return Ok(());
    }
    let sent = if read_as_utf16 { "UTF-16" } else { "UTF-8" };
    Err(DecodeError::UnsupportedMediaType(Some(format!(
        "an XML declaration of encoding=\"{declared}\" on a body sent as {sent}; \
         declare the encoding the body is in"
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_xml_declaration_must_name_the_encoding_the_body_was_read_in() {
        let document = |encoding: &str| {
            format!(r#"<?xml version="1.0" encoding="{encoding}"?><E><Price>1</Price></E>"#)
        };
        let refused = |encoding: &str, source| match check_xml_declaration(
            document(encoding).as_bytes(),
            source,
        ) {
            Err(DecodeError::UnsupportedMediaType(Some(detail))) => detail,
            other => panic!("{encoding}: {other:?}"),
        };
        for (encoding, source) in [
            ("utf-8", Charset::Utf8),
            ("UTF-8", Charset::Utf8),
            ("us-ascii", Charset::Utf8),
            ("utf-16", Charset::Utf16Le),
            ("utf-16", Charset::Utf16Be),
        ] {
            assert!(check_xml_declaration(document(encoding).as_bytes(), source).is_ok());
        }
        assert!(check_xml_declaration(b"<E/>", Charset::Utf16).is_ok());
        assert!(check_xml_declaration(br#"<?xml version="1.0"?><E/>"#, Charset::Utf8).is_ok());
        assert!(refused("ISO-8859-1", Charset::Utf8).contains("iso-8859-1"));
        assert!(refused("windows-1252", Charset::Utf16Le).contains("windows-1252"));
        assert!(refused("utf-16", Charset::Utf8).contains("sent as UTF-8"));
        assert!(refused("utf-8", Charset::Utf16Le).contains("sent as UTF-16"));
    }

    #[test]
    fn utf16_is_turned_into_utf8_in_the_room_it_is_charged_for() {
        // Three UTF-8 bytes for each two of UTF-16: the most a unit takes.
        let text = "価格".repeat(1_000);
        let body: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let room = utf8_room(&body, Charset::Utf16Le);
        assert_eq!(room, body.len() * 3 / 2);
        let Cow::Owned(utf8) = to_utf8(&body, Charset::Utf16Le).unwrap() else {
            panic!("UTF-16 is converted");
        };
        assert_eq!(utf8, text.as_bytes());
        assert_eq!(utf8.capacity(), room, "no growth past the charge");
        assert_eq!(utf8_room(text.as_bytes(), Charset::Utf8), 0);
    }

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut bytes = Vec::new();
        let units = bom
            .then_some(0xFEFF_u16)
            .into_iter()
            .chain(text.encode_utf16());
        for unit in units {
            bytes.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        bytes
    }

    #[test]
    fn a_utf8_byte_order_mark_is_dropped() {
        assert_eq!(&*to_utf8(b"\xEF\xBB\xBF{}", Charset::Utf8).unwrap(), b"{}");
        assert_eq!(&*to_utf8(b"{}", Charset::Utf8).unwrap(), b"{}");
    }

    #[test]
    fn utf16_is_read_by_its_mark_or_its_label() {
        let text = r#"{"memberUniqueKey":"Zoë 😍"}"#;
        for (bytes, charset) in [
            (utf16(text, false, true), Charset::Utf8),
            (utf16(text, true, true), Charset::Utf8),
            (utf16(text, false, false), Charset::Utf16),
            (utf16(text, true, true), Charset::Utf16),
            (utf16(text, true, false), Charset::Utf16Be),
            (utf16(text, false, false), Charset::Utf16Le),
        ] {
            assert_eq!(
                &*to_utf8(&bytes, charset).unwrap(),
                text.as_bytes(),
                "{charset:?}"
            );
        }
    }

    #[test]
    fn broken_utf16_is_malformed() {
        assert!(to_utf8(b"\xFF\xFE{", Charset::Utf8).is_err(), "odd length");
        assert!(
            to_utf8(&[0x00, 0xD8, 0x41, 0x00], Charset::Utf16Le).is_err(),
            "unpaired surrogate"
        );
    }
}
