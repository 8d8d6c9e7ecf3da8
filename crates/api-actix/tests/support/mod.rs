//! Helpers shared by this crate's test binaries; each uses a part of them.
#![allow(dead_code)]

pub mod hostile_bodies;
pub mod running;
