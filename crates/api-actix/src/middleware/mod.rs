//! What runs around every request, outermost first: its context (txID, format, log
//! line, metrics), the case of route literals, and the key check.

pub mod authentication;
pub mod expect_continue;
pub mod request_context;
pub mod route_case;
pub mod shares;
