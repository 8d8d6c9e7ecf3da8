//! Each TCP connection, bounded from its first byte to its last: how many one host may
//! hold, how long the head of any of its requests may take, and how far the server reads
//! ahead of the answers it owes.
//!
//! actix-http times only a connection's first request head, and reads on while the
//! client leaves its answers unread. The stream here wraps the socket under actix-http,
//! and the request middleware tells it when a request is in hand.

pub mod hosts;
pub mod stream;
pub mod watch;

pub use hosts::HostSlots;
pub use stream::GuardedStream;
pub use watch::{ConnectionRules, ConnectionWatch};
