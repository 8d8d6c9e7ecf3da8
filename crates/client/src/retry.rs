//! When and how long to wait before trying a call again.

use std::time::Duration;

/// Retries of one call: at most `max_attempts` attempts in all; between them, the
/// service's `Retry-After` when it gives one, else exponential backoff from `base_delay`
/// with full jitter; never a wait longer than `max_delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The backoff before the second attempt; it doubles after each failure.
    pub base_delay: Duration,
    /// The longest wait, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Ten attempts, 100 ms doubling to at most 5 s: about half a minute of trying.
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1 for the first): `retry_after`
    /// when the service said one, else a random share (full jitter) of
    /// `base_delay × 2^(attempt-1)`; capped at `max_delay` either way.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_delay);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(2_u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_delay);
        ceiling.mul_f64(jitter())
    }
}

/// A fraction in [0, 1), from the operating system's randomness.
fn jitter() -> f64 {
    let mut bytes = [0_u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_wins_but_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(3, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn backoff_doubles_under_its_cap_with_jitter() {
        let policy = RetryPolicy::default();
        for attempt in 1..=12 {
            let ceiling =
                (Duration::from_millis(100) * 2_u32.pow(attempt - 1)).min(Duration::from_secs(5));
            for _ in 0..20 {
                assert!(policy.delay(attempt, None) < ceiling.max(Duration::from_nanos(1)));
            }
        }
    }
}
