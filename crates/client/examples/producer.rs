//! A producer: a service that posts one usage event for each metered thing it did.
//!
//! `cargo run -p billing-events-client --example producer -- http://127.0.0.1:8080 <key>`
//!
//! The event (and so its guid) is made once; the client retries it, as it is, until the
//! service answers. A crash between making the event and its answer is the one place a
//! producer must keep the event (in its own outbox, say) to post it again after the
//! restart: with the same guid, it is stored once.

use billing_events_client::{Client, ClientError, Posted};
use domain::{
    BillingEventGuid, ClientName, EventStatus, EventType, MemberUniqueKey, NewBillingEvent, Price,
    Quantity, Timestamp,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(base_url), Some(key)) = (args.next(), args.next()) else {
        eprintln!("usage: producer <base-url> <api-key>");
        std::process::exit(2);
    };
    let client = Client::new(&base_url, &key)?;
    let now = Timestamp::parse(&chrono_free_now())?;
    for (member, minutes) in [("member-1", "12.5"), ("member-2", "3")] {
        let usage = NewBillingEvent {
            guid: BillingEventGuid::new_random(),
            client: ClientName::parse("acme")?,
            member: MemberUniqueKey::parse(member)?,
            event_time: now,
            event_type: EventType::Usage,
            status: EventStatus::Pending,
            quantity: Quantity::parse(minutes)?,
            price: Price::parse("0.02")?,
        };
        match client.post(&usage).await {
            Ok(Posted::Created(event)) => println!("stored {} for {member}", event.guid),
            Ok(Posted::AlreadyStored(event)) => println!("already had {}", event.guid),
            // Keep the event and post it again later: it is the same event.
            Err(ClientError::Unavailable { attempts, last }) => {
                eprintln!("not answered after {attempts} attempts ({last}); kept for later");
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(())
}

/// Now, as `YYYY-MM-DDThh:mm:ssZ`, from the system clock.
fn chrono_free_now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let micros = i64::try_from(seconds).unwrap_or(0) * 1_000_000;
    Timestamp::from_unix_micros(micros)
        .map_or_else(|_| "2026-01-01T00:00:00Z".into(), |t| t.to_string())
}
