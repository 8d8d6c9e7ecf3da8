//! How many connections one host holds: past its share, a new one is closed at once, so
//! that no single host can take every connection the service allows.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// The open connections of each host, shared by every worker.
#[derive(Debug, Clone)]
pub struct HostSlots {
    per_host: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl HostSlots {
    /// At most `per_host` connections from one host (0: no bound of its own).
    pub fn new(per_host: usize) -> Self {
        Self {
            per_host,
            open: Arc::default(),
        }
    }

    /// A slot for a connection from `peer`, or `None` when that host holds its share.
    pub fn take(&self, peer: IpAddr) -> Option<HostSlot> {
        let host = host_of(peer);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(host).or_insert(0);
        if self.per_host > 0 && *count >= self.per_host {
            return None;
        }
        *count += 1;
        Some(HostSlot {
            slots: self.clone(),
            host,
        })
    }

    fn give_back(&self, host: IpAddr) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&host) {
            *count -= 1;
            if *count == 0 {
                open.remove(&host);
            }
        }
    }
}

/// The host a peer address counts against: itself for IPv4, its /64 for IPv6, where one
/// machine commonly holds a whole /64.
fn host_of(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => peer,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

/// One connection's place in its host's count, given back when dropped.
#[derive(Debug)]
pub struct HostSlot {
    slots: HostSlots,
    host: IpAddr,
}

impl Drop for HostSlot {
    fn drop(&mut self) {
        self.slots.give_back(self.host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_holds_its_share_and_gets_slots_back_as_connections_close() {
        let slots = HostSlots::new(2);
        let one: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        let first = slots.take(one).unwrap();
        let _second = slots.take(one).unwrap();
        assert!(slots.take(one).is_none());
        assert!(slots.take(other).is_some(), "another host is not counted");
        drop(first);
        assert!(slots.take(one).is_some());
    }

    #[test]
    fn the_addresses_of_one_ipv6_64_are_one_host() {
        let slots = HostSlots::new(1);
        let _held = slots.take("2001:db8::1".parse().unwrap()).unwrap();
        assert!(slots.take("2001:db8::ffff:1".parse().unwrap()).is_none());
        assert!(slots.take("2001:db8:0:1::1".parse().unwrap()).is_some());
        let _v4 = slots.take("::ffff:10.0.0.9".parse().unwrap()).unwrap();
        assert!(slots.take("10.0.0.9".parse().unwrap()).is_none());
    }

    #[test]
    fn zero_means_no_bound_per_host() {
        let slots = HostSlots::new(0);
        let held: Vec<_> = (0..100)
            .map(|_| slots.take("10.0.0.1".parse().unwrap()).unwrap())
            .collect();
        assert_eq!(held.len(), 100);
    }
}
