//! Logging: human-readable or JSON lines, filtered by `log.filter` (or `RUST_LOG`).
//!
//! Values in log lines often come from requests (a path, a client name, a parser's
//! message). In the human-readable format every character of a field outside printable
//! ASCII is written escaped (`\u{a}`, `\u{1b}`, `\u{202e}`), and text values are quoted
//! with their quotes escaped, so a request can neither forge a line or a field, nor send
//! escape sequences or bidirectional overrides to an operator's terminal; JSON lines
//! escape what JSON must.

use crate::settings::{LogFormat, LogSettings};
use crate::telemetry::prometheus;
use std::fmt::{self, Write as _};
use tracing::field::{Field, Visit};
use tracing::{Event, Metadata};
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format::{debug_fn, Writer};
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::layer::{Context, Filter, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// Installs the global subscriber. Call once, first thing in `main`.
pub fn init(settings: &LogSettings) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directive| EnvFilter::try_new(directive).ok())
        .unwrap_or_else(|| EnvFilter::new(&settings.filter));
    let layer: Box<dyn Layer<Registry> + Send + Sync> = match settings.format {
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .with_target(false)
            .fmt_fields(escaped_fields())
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_target(false)
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(
            layer
                .with_filter(ClientConnectionFaults)
                .with_filter(filter),
        )
        .init();
}

/// actix-http logs every connection it gives up on at ERROR, as `stream error: …`,
/// whatever the cause. A request it cannot parse (it answers a bare 400) or one that
/// does not arrive in time (408) is the client's mistake, not ours: those are counted
/// (`http_unreadable_requests_total`) instead of logged. Its other errors still are.
struct ClientConnectionFaults;

/// The message of an event, as text.
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        }
    }
}

/// Which client mistake an actix-http event reports, if it reports one.
fn client_fault(event: &Event<'_>) -> Option<&'static str> {
    if !event.metadata().target().starts_with("actix_http::h1") {
        return None;
    }
    let mut message = Message::default();
    event.record(&mut message);
    if message.0.starts_with("stream error: request parse error") {
        Some("unparsable")
    } else if message
        .0
        .starts_with("stream error: request did not complete")
    {
        Some("too_slow")
    } else {
        None
    }
}

impl<S> Filter<S> for ClientConnectionFaults {
    fn enabled(&self, _: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        true
    }

    fn event_enabled(&self, event: &Event<'_>, _: &Context<'_, S>) -> bool {
        match client_fault(event) {
            Some(reason) => {
                prometheus::unreadable_request(reason);
                false
            }
            None => true,
        }
    }
}

/// `name=value` pairs (the message bare), each value with everything outside printable
/// ASCII escaped. Text values are recorded as `&str`, which this prints quoted.
fn escaped_fields() -> impl for<'w> FormatFields<'w> + Send + Sync + 'static {
    debug_fn(
        |writer: &mut Writer<'_>, field: &Field, value: &dyn fmt::Debug| {
            if field.name() != "message" {
                write!(writer, "{field}=")?;
            }
            let mut text = String::new();
            write!(text, "{value:?}")?;
            for c in text.chars() {
                if c.is_control() {
                    write!(writer, "{}", c.escape_unicode())?;
                } else {
                    writer.write_char(c)?;
                }
            }
            Ok(())
        },
    )
    .delimited(" ")
}

#[cfg(test)]
mod tests {
    use super::escaped_fields;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn control_characters_from_a_request_cannot_forge_lines_or_reach_the_terminal() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .fmt_fields(escaped_fields())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", client = tracing::field::Empty);
            let _entered = span.enter();
            span.record(
                "client",
                tracing::field::display("a\nINFO forged\r\x1b[31m"),
            );
            tracing::info!(detail = %"x\u{7}y", "done\n");
        });
        let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(!log.contains('\x1b') && !log.contains('\r'), "{log}");
        assert!(
            log.contains(r"client=a\u{a}INFO forged\u{d}\u{1b}[31m"),
            "{log}"
        );
        assert!(
            log.contains(r"done\u{a}") && log.contains(r"detail=x\u{7}y"),
            "{log}"
        );
    }
}
