//! What a connection's stream and its requests share: whether a request is in hand,
//! since when the connection has been idle, and how many more bytes the stream may read.
//!
//! The stream is below actix-http and cannot see requests; the request middleware and
//! the body reader tell it through this. One connection lives on one worker thread, so
//! the state is plain cells behind an `Rc`.

use std::cell::Cell;
use std::rc::Rc;
use std::task::Waker;
use std::time::{Duration, Instant};

/// The bounds every connection is held to.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionRules {
    /// From the moment a connection has no request in hand, the time it gets to deliver
    /// the next request head, and to take the answers it is owed: keep-alive plus the
    /// head time.
    pub idle_allowance: Duration,
    /// Bytes read ahead of the request in hand: actix-http decodes every request it has
    /// bytes for at once, so this bounds how many wait in memory.
    pub read_ahead: usize,
}

struct State {
    rules: ConnectionRules,
    in_flight: Cell<usize>,
    /// When the connection last had no request in hand; `None` while one is.
    idle_since: Cell<Option<Instant>>,
    /// Bytes the stream may still hand to actix-http before the service catches up.
    credit: Cell<usize>,
    /// The connection's task, when its stream stopped reading for want of credit.
    reader: Cell<Option<Waker>>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("in_flight", &self.in_flight.get())
            .field("credit", &self.credit.get())
            .finish_non_exhaustive()
    }
}

/// One connection's shared state: the stream holds one, and every request's
/// connection data another.
#[derive(Debug, Clone)]
pub struct ConnectionWatch(Rc<State>);

impl ConnectionWatch {
    pub fn new(rules: ConnectionRules) -> Self {
        Self(Rc::new(State {
            rules,
            in_flight: Cell::new(0),
            idle_since: Cell::new(Some(Instant::now())),
            credit: Cell::new(rules.read_ahead),
            reader: Cell::new(None),
        }))
    }

    /// A request head has arrived and the service has it, until the turn is dropped.
    pub fn request_started(&self) -> RequestInHand {
        let state = &self.0;
        state.in_flight.set(state.in_flight.get() + 1);
        state.idle_since.set(None);
        RequestInHand(self.clone())
    }

    /// A body reader has taken everything it was given and waits for `remaining` more
    /// bytes (`None`: a chunked body, of unknown length): the stream may read that much,
    /// and no further, so that it never reads past the body into requests behind it.
    pub fn body_wanted(&self, remaining: Option<usize>) {
        let window = match remaining {
            Some(remaining) if remaining > 0 => remaining,
            _ => self.0.rules.read_ahead,
        };
        self.0.credit.set(window);
        self.wake_reader();
    }

    /// The instant by which the connection must have its next request in hand, while it
    /// has none.
    pub(super) fn deadline(&self) -> Option<Instant> {
        let state = &self.0;
        state
            .idle_since
            .get()
            .map(|since| since + state.rules.idle_allowance)
    }

    pub(super) fn is_idle(&self) -> bool {
        self.0.in_flight.get() == 0
    }

    pub(super) fn credit(&self) -> usize {
        self.0.credit.get()
    }

    pub(super) fn spend(&self, bytes: usize) {
        self.0.credit.set(self.0.credit.get().saturating_sub(bytes));
    }

    /// Called by the stream when its connection is idle and everything it read has been
    /// taken: another window.
    pub(super) fn refill(&self) {
        self.0.credit.set(self.0.rules.read_ahead);
    }

    pub(super) fn wait_for_credit(&self, waker: &Waker) {
        let reader = self.0.reader.take();
        match reader {
            Some(stored) if stored.will_wake(waker) => self.0.reader.set(Some(stored)),
            _ => self.0.reader.set(Some(waker.clone())),
        }
    }

    fn wake_reader(&self) {
        if let Some(reader) = self.0.reader.take() {
            reader.wake();
        }
    }
}

/// A request the service holds; dropping it (answered, or abandoned) makes the
/// connection idle again once no other is in hand.
#[derive(Debug)]
pub struct RequestInHand(ConnectionWatch);

impl Drop for RequestInHand {
    fn drop(&mut self) {
        let state = &(self.0).0;
        let left = state.in_flight.get().saturating_sub(1);
        state.in_flight.set(left);
        if left == 0 {
            state.idle_since.set(Some(Instant::now()));
            self.0.wake_reader();
        }
    }
}
