//! The worst bodies the limits allow cost a small multiple of their size in memory,
//! whatever their shape: decoders keep what they need, never a tree of what they skip,
//! and a batch stops at its item limit while it is read. Measured by dhat's counting
//! allocator, so the figures are the same on any machine.

mod support;

use api_actix::decoders;
use support::hostile_bodies::{numbered, repeated};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

const BATCH_BYTES: usize = 8 * 1024 * 1024;
const BATCH_ITEMS: usize = 1_000;
const SETTLEMENT_BYTES: usize = 1024 * 1024;
/// Peak heap while decoding, as a multiple of the body.
const MAX_MULTIPLE: usize = 3;

/// The most heap `decode` held at once beyond what was live before it.
fn peak_bytes(decode: impl FnOnce()) -> usize {
    let profiler = dhat::Profiler::builder().testing().build();
    decode();
    let peak = dhat::HeapStats::get().max_bytes;
    drop(profiler);
    peak
}

#[test]
fn the_worst_allowed_bodies_cost_a_small_multiple_of_their_size() {
    let json_batches: Vec<(&str, Vec<u8>)> = vec![
        ("empty items", repeated("[", "{}", ",", "]", BATCH_BYTES)),
        (
            "an array in a field",
            repeated("[{\"price\":[", "0", ",", "]}]", BATCH_BYTES),
        ),
        (
            "nested arrays in a field",
            repeated("[{\"price\":[", "[[]]", ",", "]}]", BATCH_BYTES),
        ),
        (
            "unknown keys",
            numbered("[{", "\"k{}\":0", ",", "}]", BATCH_BYTES),
        ),
        (
            "one long member key",
            repeated(
                "[{\"memberUniqueKey\":\"",
                "\\u0041",
                "",
                "\"}]",
                BATCH_BYTES,
            ),
        ),
    ];
    let xml_batches: Vec<(&str, Vec<u8>)> = vec![
        (
            "empty items",
            repeated("<A>", "<E/>", "", "</A>", BATCH_BYTES),
        ),
        (
            "attributes",
            numbered("<A ", "a{}=\"\"", " ", "/>", BATCH_BYTES),
        ),
        (
            "unknown elements",
            repeated("<A><E>", "<x/>", "", "</E></A>", BATCH_BYTES),
        ),
        (
            "one long member key",
            repeated(
                "<A><E><MemberUniqueKey>",
                "&amp;",
                "",
                "</MemberUniqueKey></E></A>",
                BATCH_BYTES,
            ),
        ),
    ];
    let settlements: Vec<(&str, Vec<u8>)> = vec![
        (
            "empty guids",
            repeated(
                "{\"status\":\"Paid\",\"billingEventGuids\":[",
                "\"\"",
                ",",
                "]}",
                SETTLEMENT_BYTES,
            ),
        ),
        (
            "numbers for guids",
            repeated("{\"billingEventGuids\":[", "0", ",", "]}", SETTLEMENT_BYTES),
        ),
    ];

    let mut over = Vec::new();
    let mut check = |what: String, body: &[u8], decode: &dyn Fn(&[u8])| {
        let peak = peak_bytes(|| decode(body));
        if peak > MAX_MULTIPLE * body.len() {
            over.push(format!("{what}: {peak} bytes for a body of {}", body.len()));
        }
    };
    for (shape, body) in &json_batches {
        check(format!("json batch / {shape}"), body, &|b| {
            drop(decoders::json_batch(b, "acme", BATCH_ITEMS));
        });
    }
    for (shape, body) in &xml_batches {
        check(format!("xml batch / {shape}"), body, &|b| {
            drop(decoders::xml_batch(b, "acme", BATCH_ITEMS));
        });
    }
    for (shape, body) in &settlements {
        check(format!("settlement / {shape}"), body, &|b| {
            drop(decoders::settlement(b, "acme", 10_000));
        });
    }
    assert!(over.is_empty(), "{}", over.join("\n"));
}
