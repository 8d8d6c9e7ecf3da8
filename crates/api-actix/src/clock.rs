//! The clock port on the system's real time.

use app::Clock;
use domain::Timestamp;

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(chrono::Utc::now())
            .expect("the system clock is within years 1-9999")
    }
}
