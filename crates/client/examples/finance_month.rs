//! A finance job: every event of a client in one month, page after page, into CSV.
//!
//! ```text
//! cargo run -p billing-events-client --example finance_month -- \
//!     http://127.0.0.1:8080 <key> acme 2026-11 > acme-2026-11.csv
//! ```

use billing_events_client::Client;
use domain::{ClientName, EventFilter, Timestamp};
use futures_util::TryStreamExt;
use std::io::Write;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base_url, key, client_name, month] = args.as_slice() else {
        eprintln!("usage: finance_month <base-url> <api-key> <client> <YYYY-MM>");
        std::process::exit(2);
    };
    let (year, number): (i32, u32) = match month.split_once('-') {
        Some((year, number)) => (year.parse()?, number.parse()?),
        None => return Err("the month is YYYY-MM".into()),
    };
    let (next_year, next_number) = if number == 12 {
        (year + 1, 1)
    } else {
        (year, number + 1)
    };
    let mut filter = EventFilter::of_client(ClientName::parse(client_name)?);
    filter.from = Some(Timestamp::parse(&format!(
        "{year:04}-{number:02}-01T00:00:00Z"
    ))?);
    filter.to = Some(Timestamp::parse(&format!(
        "{next_year:04}-{next_number:02}-01T00:00:00Z"
    ))?);

    let client = Client::new(base_url, key)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "billingEventGuid,memberUniqueKey,eventDateTime,eventTypeId,status,quantity,price"
    )?;
    let mut events = std::pin::pin!(client.list(&filter));
    let mut count = 0_u64;
    while let Some(event) = events.try_next().await? {
        writeln!(
            out,
            "{},{},{},{},{},{},{}",
            event.guid,
            csv_field(event.member.as_str()),
            event.event_time,
            event.event_type.name(),
            event.status.name(),
            event.quantity,
            event.price
        )?;
        count += 1;
    }
    eprintln!("{count} events of {client_name} in {month}");
    Ok(())
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
