//! The text encodings a body may come in, as the original's .NET formatters read them:
//! UTF-8 with or without a byte order mark (`new StreamWriter(stream, Encoding.UTF8)`
//! writes one), and UTF-16 (`charset=utf-16`, or a UTF-16 byte order mark). Every
//! decoder then reads UTF-8. Any other charset, and any `Content-Encoding` but
//! `identity`, is a 415 that names it, instead of a misleading "malformed" 400.

use crate::api_error::ApiError;
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
pub fn declared(req: &HttpRequest) -> Result<Charset, ApiError> {
    if let Some(coding) = req.headers().get(header::CONTENT_ENCODING) {
        let coding = String::from_utf8_lossy(coding.as_bytes());
        if !coding.trim().eq_ignore_ascii_case("identity") {
            return Err(ApiError::UnsupportedMediaType(Some(format!(
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
        Some(other) => Err(ApiError::UnsupportedMediaType(Some(format!(
            "charset={other}; send UTF-8 or UTF-16"
        )))),
    }
}

/// The body as UTF-8 without a byte order mark: borrowed when it already is one.
///
/// # Errors
/// `MalformedBody` when UTF-16 has an odd number of bytes or an unpaired surrogate.
pub fn to_utf8(body: &[u8], charset: Charset) -> Result<Cow<'_, [u8]>, ApiError> {
    let charset = match (charset, body) {
        (Charset::Utf8 | Charset::Utf16, [0xFE, 0xFF, ..]) => Charset::Utf16Be,
        (Charset::Utf8, [0xFF, 0xFE, ..]) | (Charset::Utf16, _) => Charset::Utf16Le,
        (chosen, _) => chosen,
    };
    let big_endian = match charset {
        Charset::Utf8 => return Ok(Cow::Borrowed(body.strip_prefix(UTF8_BOM).unwrap_or(body))),
        Charset::Utf16Be => true,
        Charset::Utf16Le | Charset::Utf16 => false,
    };
    if body.len() % 2 != 0 {
        return Err(ApiError::MalformedBody(
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
    let mut text = String::with_capacity(body.len());
    for decoded in char::decode_utf16(units) {
        let character = decoded.map_err(|_| {
            ApiError::MalformedBody("the UTF-16 body has an unpaired surrogate".into())
        })?;
        text.push(character);
    }
    Ok(Cow::Owned(text.into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
