//! Cutting a PostgreSQL connection's socket from another thread.
//!
//! libpq waits for an answer with no deadline of its own. When the server, or the path
//! to it, stops answering while a kernel on the way still acknowledges (a frozen server
//! process, a stalled proxy), the waiting thread holds its pooled connection until TCP
//! gives up, which may be never. A call whose caller gave up therefore shuts the socket
//! down: libpq's wait ends at once with "server closed the connection", the connection
//! is discarded and its pool slot is free again.
//!
//! diesel does not show libpq's socket, so it is found when the connection is made: the
//! one socket to the database's port that appeared meanwhile. Connections are made one
//! at a time for that; where the socket cannot be told apart (two candidates, a Unix
//! socket), the connection has no lifeline and is not cut.

use nix::sys::socket::{getpeername, getsockname, shutdown, Shutdown, SockaddrStorage};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// One connection's socket, while the connection lives.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lifeline(Arc<Mutex<Option<Socket>>>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Socket {
    fd: RawFd,
    local: SocketAddr,
    peer: SocketAddr,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Lifeline {
    /// Makes a connection with `connect` and finds its socket to `port`.
    pub fn establish<T, E>(
        port: u16,
        connect: impl FnOnce() -> Result<T, E>,
    ) -> Result<(T, Self), E> {
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let _alone = locked(&ONE_AT_A_TIME);
        let before = sockets_to(port);
        let connection = connect()?;
        let after = sockets_to(port);
        let mut appeared = after.difference(&before).copied();
        let socket = match (appeared.next(), appeared.next()) {
            (Some(socket), None) => Some(socket),
            _ => None,
        };
        Ok((connection, Self(Arc::new(Mutex::new(socket)))))
    }

    /// Whether the connection's socket is known, so that it can be cut.
    #[cfg(test)]
    pub fn is_known(&self) -> bool {
        locked(&self.0).is_some()
    }

    /// Shuts the socket down, if it is still the connection's: whatever waits on it
    /// stops waiting. `true` if it was cut.
    pub fn cut(&self) -> bool {
        let Some(socket) = *locked(&self.0) else {
            return false;
        };
        // libpq closes its socket when it sees the connection lost, and the number may
        // then name another socket: cut only the one this connection was made with.
        if socket_of(socket.fd) != Some((socket.local, socket.peer)) {
            return false;
        }
        shutdown(socket.fd, Shutdown::Both).is_ok()
    }

    /// The connection is about to close: its socket number is no longer its.
    pub fn retire(&self) {
        locked(&self.0).take();
    }
}

/// The lifeline of the connection a call is working on, for its caller to cut if it
/// gives up meanwhile.
#[derive(Debug, Default)]
pub(crate) struct InWork(Mutex<Option<Lifeline>>);

impl InWork {
    /// The call's thread, starting work on a connection.
    pub fn hold(&self, lifeline: &Lifeline) {
        *locked(&self.0) = Some(lifeline.clone());
    }

    /// The call's thread, done with the connection (before it goes back to the pool,
    /// where another call may take it).
    pub fn release(&self) {
        locked(&self.0).take();
    }

    /// The caller, giving up while the work runs: cuts the connection under it.
    pub fn cut(&self) -> bool {
        locked(&self.0).as_ref().is_some_and(Lifeline::cut)
    }
}

/// Every open TCP socket of this process whose peer listens on `port`.
fn sockets_to(port: u16) -> HashSet<Socket> {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return HashSet::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<RawFd>().ok())
        .filter_map(|fd| {
            let (local, peer) = socket_of(fd)?;
            (peer.port() == port).then_some(Socket { fd, local, peer })
        })
        .collect()
}

/// The local and peer addresses of `fd`, when it is a connected TCP socket.
fn socket_of(fd: RawFd) -> Option<(SocketAddr, SocketAddr)> {
    let local: SockaddrStorage = getsockname(fd).ok()?;
    let peer: SockaddrStorage = getpeername(fd).ok()?;
    Some((internet(&local)?, internet(&peer)?))
}

fn internet(address: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::V4((*v4).into()));
    }
    address
        .as_sockaddr_in6()
        .map(|v6| SocketAddr::V6((*v6).into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;

    #[test]
    fn the_socket_a_connection_opens_is_found_and_cutting_it_ends_a_wait_on_it() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let (mut client, lifeline) =
            Lifeline::establish(port, || TcpStream::connect(("127.0.0.1", port))).unwrap();
        let _accepted = server.accept().unwrap();
        assert!(lifeline.is_known());

        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let waiting = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let read = client.read(&mut [0; 16]);
            (read.map_err(|error| error.kind()), started.elapsed())
        });
        // The waiter may not be reading yet; a cut socket answers every read at once.
        assert!(lifeline.cut());
        let (read, waited) = waiting.join().unwrap();
        assert_eq!(read, Ok(0), "a cut socket reads as closed");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    }

    #[test]
    fn a_retired_lifeline_cuts_nothing() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let (client, lifeline) =
            Lifeline::establish(port, || TcpStream::connect(("127.0.0.1", port))).unwrap();
        lifeline.retire();
        assert!(!lifeline.cut());
        assert!(client.peer_addr().is_ok(), "the socket is untouched");
    }

    #[test]
    fn a_socket_number_that_names_another_socket_now_is_not_cut() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = server.local_addr().unwrap().port();
        let (client, lifeline) =
            Lifeline::establish(port, || TcpStream::connect(("127.0.0.1", port))).unwrap();
        // The connection closes without retiring its lifeline, and its number is reused.
        drop(client);
        let reused = TcpStream::connect(("127.0.0.1", port)).unwrap();
        assert!(!lifeline.cut());
        assert!(reused.peer_addr().is_ok());
    }
}
