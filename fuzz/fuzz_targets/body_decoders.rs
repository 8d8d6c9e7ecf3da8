//! Every body decoder, then validation, on arbitrary bytes: nothing may panic, a draft
//! that validates must carry the route's client, and (with `make fuzz`'s per-input time
//! limit) no input may be slow.
#![no_main]

use api_actix::decoders;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let single = [
        decoders::json(body, "acme").ok(),
        decoders::xml(body, "acme").ok(),
        Some(decoders::form(body, "acme")),
    ];
    for draft in single.into_iter().flatten() {
        if let Ok(event) = draft.validate(domain::BillingEventGuid::new_random) {
            assert_eq!(event.client.as_str(), "acme");
        }
    }
    for batch in [
        decoders::json_batch(body, "acme", 1_000).ok(),
        decoders::xml_batch(body, "acme", 1_000).ok(),
    ]
    .into_iter()
    .flatten()
    {
        for draft in batch {
            let _ = draft.validate(domain::BillingEventGuid::new_random);
        }
    }
    if let Ok(request) = decoders::settlement(body, "acme", 10_000) {
        assert!(request.guids.len() <= 10_001, "the guid list stops one past its limit");
    }
});
