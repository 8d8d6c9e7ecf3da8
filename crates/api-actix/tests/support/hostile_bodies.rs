//! Bodies of hostile shapes, built to a size, shared by the decoder cost tests.

/// `open`, then `item` repeated until the body is about `bytes` long, then `close`.
pub fn repeated(open: &str, item: &str, separator: &str, close: &str, bytes: usize) -> Vec<u8> {
    let mut body = String::with_capacity(bytes + open.len() + close.len());
    body.push_str(open);
    let mut first = true;
    while body.len() < bytes {
        if !first {
            body.push_str(separator);
        }
        body.push_str(item);
        first = false;
    }
    body.push_str(close);
    body.into_bytes()
}

/// `item` repeated with a counter in it (`{}` stands for the counter), so that names
/// differ: distinct attributes, distinct keys.
pub fn numbered(open: &str, item: &str, separator: &str, close: &str, bytes: usize) -> Vec<u8> {
    let mut body = String::with_capacity(bytes + open.len() + close.len());
    body.push_str(open);
    let mut n = 0_usize;
    while body.len() < bytes {
        if n > 0 {
            body.push_str(separator);
        }
        body.push_str(&item.replace("{}", &n.to_string()));
        n += 1;
    }
    body.push_str(close);
    body.into_bytes()
}

/// `depth` elements each inside the one before: `<a><a>…</a></a>`.
pub fn nested_xml(bytes: usize) -> Vec<u8> {
    let depth = bytes / 7;
    let mut body = String::from("<E><Price>");
    body.push_str(&"<a>".repeat(depth));
    body.push_str(&"</a>".repeat(depth));
    body.push_str("</Price></E>");
    body.into_bytes()
}

/// A decoder under test: a name, and how to run it on a body.
pub struct Decoder {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

/// A hostile shape: a name, and how to build a body of it of about `bytes`.
pub struct Shape {
    pub name: &'static str,
    pub build: fn(usize) -> Vec<u8>,
}

/// Every decoder with the shapes that could cost it more than their size.
/// Batch decoders run without an item limit, so that the cost of every item counts.
#[allow(clippy::too_many_lines)] // a table, one line of data a case
pub fn cases() -> Vec<(Decoder, Vec<Shape>)> {
    use api_actix::decoders;
    vec![
        (
            Decoder {
                name: "xml event",
                run: |b| drop(decoders::xml(b, "acme")),
            },
            vec![
                Shape {
                    name: "attributes on the root",
                    build: |n| numbered("<E ", "a{}=\"\"", " ", "/>", n),
                },
                Shape {
                    name: "attributes on a field",
                    build: |n| numbered("<E><Price ", "a{}=\"\"", " ", "/></E>", n),
                },
                Shape {
                    name: "duplicate-free prefixed attributes",
                    build: |n| numbered("<E ", "p{}:nil=\"true\"", " ", "/>", n),
                },
                Shape {
                    name: "unknown elements",
                    build: |n| repeated("<E>", "<x/>", "", "</E>", n),
                },
                Shape {
                    name: "field elements",
                    build: |n| repeated("<E>", "<Price>1</Price>", "", "</E>", n),
                },
                Shape {
                    name: "nesting",
                    build: nested_xml,
                },
                Shape {
                    name: "entity references",
                    build: |n| {
                        repeated(
                            "<E><MemberUniqueKey>",
                            "&amp;",
                            "",
                            "</MemberUniqueKey></E>",
                            n,
                        )
                    },
                },
            ],
        ),
        (
            Decoder {
                name: "xml batch",
                run: |b| drop(decoders::xml_batch(b, "acme", usize::MAX)),
            },
            vec![
                Shape {
                    name: "attributes on the root",
                    build: |n| numbered("<A ", "a{}=\"\"", " ", "/>", n),
                },
                Shape {
                    name: "attributes on an item",
                    build: |n| numbered("<A><E ", "a{}=\"\"", " ", "/></A>", n),
                },
                Shape {
                    name: "items",
                    build: |n| repeated("<A>", "<E><Price>1</Price></E>", "", "</A>", n),
                },
            ],
        ),
        (
            Decoder {
                name: "json event",
                run: |b| drop(decoders::json(b, "acme")),
            },
            vec![
                Shape {
                    name: "distinct keys",
                    build: |n| numbered("{", "\"k{}\":0", ",", "}", n),
                },
                Shape {
                    name: "one field repeated",
                    build: |n| repeated("{", "\"price\":\"1\"", ",", "}", n),
                },
                Shape {
                    name: "a field holding an array",
                    build: |n| repeated("{\"price\":[", "0", ",", "]}", n),
                },
                Shape {
                    name: "escaped text",
                    build: |n| repeated("{\"memberUniqueKey\":\"", "\\u0041", "", "\"}", n),
                },
            ],
        ),
        (
            Decoder {
                name: "json batch",
                run: |b| drop(decoders::json_batch(b, "acme", usize::MAX)),
            },
            vec![
                Shape {
                    name: "items",
                    build: |n| repeated("[", "{}", ",", "]", n),
                },
                Shape {
                    name: "keys in an item",
                    build: |n| numbered("[{", "\"k{}\":0", ",", "}]", n),
                },
            ],
        ),
        (
            Decoder {
                name: "form",
                run: |b| drop(decoders::form(b, "acme")),
            },
            vec![
                Shape {
                    name: "distinct keys",
                    build: |n| numbered("", "k{}=1", "&", "", n),
                },
                Shape {
                    name: "one field repeated",
                    build: |n| repeated("", "price=%31", "&", "", n),
                },
            ],
        ),
        (
            Decoder {
                name: "settlement",
                run: |b| drop(decoders::settlement(b, "acme", usize::MAX)),
            },
            vec![
                Shape {
                    name: "guids",
                    build: |n| {
                        repeated(
                            "{\"status\":\"Paid\",\"billingEventGuids\":[",
                            "\"x\"",
                            ",",
                            "]}",
                            n,
                        )
                    },
                },
                Shape {
                    name: "distinct keys",
                    build: |n| numbered("{", "\"k{}\":0", ",", "}", n),
                },
            ],
        ),
    ]
}
