//! Every body decoder costs time in proportion to its input: each hostile shape is
//! decoded at 1×, 4× and 16× a base size, and the time may not grow faster than the
//! size. A decoder with a quadratic step (quick-xml's duplicate-attribute check was one:
//! 64k attributes took 10 s) grows 16× and 256× here, far past the bound.
//!
//! This checks a growth *ratio* within one run, not a speed: each time is the fastest
//! of several runs, and the bound (three times the size ratio) leaves room for caches
//! and a busy machine that a quadratic cost never fits in.

mod support;

use std::time::{Duration, Instant};
use support::hostile_bodies::cases;

const BASE_BYTES: usize = 64 * 1024;
const RUNS: usize = 5;
/// How much faster than the size the time may grow before it counts as superlinear.
const SLACK: f64 = 3.0;

fn fastest(run: fn(&[u8]), body: &[u8]) -> Duration {
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            run(std::hint::black_box(body));
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

#[test]
fn every_decoder_is_linear_in_every_hostile_shape() {
    let mut superlinear = Vec::new();
    for (decoder, shapes) in cases() {
        for shape in shapes {
            let times: Vec<(usize, Duration)> = [1, 4, 16]
                .into_iter()
                .map(|scale| {
                    let body = (shape.build)(BASE_BYTES * scale);
                    (body.len(), fastest(decoder.run, &body))
                })
                .collect();
            let (base_len, base_time) = times[0];
            println!("{} / {}: {times:?}", decoder.name, shape.name);
            for &(len, time) in &times[1..] {
                #[allow(clippy::cast_precision_loss)] // sizes and nanoseconds far below 2^52
                let size_ratio = len as f64 / base_len as f64;
                let time_ratio = time.as_secs_f64() / base_time.as_secs_f64().max(1e-9);
                if time_ratio > size_ratio * SLACK {
                    superlinear.push(format!(
                        "{} / {}: {len} bytes took {time_ratio:.1}× the time of {base_len} \
                         ({time:?} against {base_time:?})",
                        decoder.name, shape.name
                    ));
                }
            }
        }
    }
    assert!(superlinear.is_empty(), "{}", superlinear.join("\n"));
}
