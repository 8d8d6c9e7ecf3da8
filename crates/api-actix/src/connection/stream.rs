//! The socket under actix-http, held to its connection's bounds: it stops reading while
//! an answer waits for the client to take it or the service has not caught up, and fails
//! once the connection has been idle past its allowance.

use super::hosts::HostSlot;
use super::watch::ConnectionWatch;
use crate::telemetry::prometheus;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

/// An accepted connection.
#[derive(Debug)]
pub struct GuardedStream {
    io: TcpStream,
    watch: ConnectionWatch,
    /// Fires at the idle deadline it was last set to (`armed_for`).
    alarm: Pin<Box<Sleep>>,
    armed_for: Option<Instant>,
    /// The last write found the client's window full: read nothing more until it drains.
    write_blocked: bool,
    /// The last read returned `Pending`, so actix-http has since decoded all it was given.
    paused: bool,
    _host: HostSlot,
}

impl GuardedStream {
    pub fn new(io: TcpStream, watch: ConnectionWatch, host: HostSlot) -> Self {
        metrics::gauge!("http_connections_open").increment(1);
        Self {
            io,
            watch,
            alarm: Box::pin(tokio::time::sleep_until(Instant::now().into())),
            armed_for: None,
            write_blocked: false,
            paused: false,
            _host: host,
        }
    }

    /// The state this connection's requests share with it.
    pub fn watch(&self) -> &ConnectionWatch {
        &self.watch
    }

    /// An error once the connection has had no request in hand for its whole allowance;
    /// until then the alarm is set to wake the connection at that moment.
    fn check_deadline(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let Some(deadline) = self.watch.deadline() else {
            return Ok(());
        };
        if self.armed_for != Some(deadline) {
            self.alarm.as_mut().reset(deadline.into());
            self.armed_for = Some(deadline);
        }
        match self.alarm.as_mut().poll(cx) {
            Poll::Ready(()) => {
                prometheus::connection_closed("idle_deadline");
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no request head within the connection's allowance",
                ))
            }
            Poll::Pending => Ok(()),
        }
    }

    /// Whether the stream may read now; when not, the connection's task is woken once it
    /// may.
    fn may_read(&mut self, cx: &mut Context<'_>) -> bool {
        if self.paused && self.watch.is_idle() {
            // actix-http has decoded everything it was given since the last read stopped,
            // and answered it all: a request still queued would be in hand now. What it
            // holds is at most part of one head.
            self.watch.refill();
        }
        self.paused = true;
        if self.write_blocked {
            // The write that blocked wakes the connection when the client drains.
            return false;
        }
        if self.watch.credit() > 0 {
            return true;
        }
        if self.watch.is_idle() {
            // Let actix-http decode what it has first, then come back.
            cx.waker().wake_by_ref();
        } else {
            self.watch.wait_for_credit(cx.waker());
        }
        false
    }
}

impl GuardedStream {
    /// While nothing may be read, whether the client has closed its end: then the end of
    /// the stream, so that actix-http drops the request it has in hand and work not yet
    /// started for it never starts. A byte waiting (a request behind it) is left where it
    /// is, and so is the close behind that byte.
    fn poll_client_gone(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut byte = [0; 1];
        match self.io.poll_peek(cx, &mut ReadBuf::new(&mut byte)) {
            Poll::Ready(Ok(0)) => Poll::Ready(Ok(())),
            Poll::Ready(Ok(_)) | Poll::Pending => Poll::Pending,
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
        }
    }
}

impl Drop for GuardedStream {
    fn drop(&mut self) {
        metrics::gauge!("http_connections_open").decrement(1);
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check_deadline(cx)?;
        if !this.may_read(cx) {
            return if this.write_blocked {
                Poll::Pending
            } else {
                this.poll_client_gone(cx)
            };
        }
        let allowed = this.watch.credit().min(buf.remaining());
        let mut window = ReadBuf::new(buf.initialize_unfilled_to(allowed));
        let read = Pin::new(&mut this.io).poll_read(cx, &mut window);
        let n = window.filled().len();
        buf.advance(n);
        this.watch.spend(n);
        this.paused = read.is_pending();
        read
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check_deadline(cx)?;
        let written = Pin::new(&mut this.io).poll_write(cx, buf);
        let blocked = written.is_pending();
        if this.write_blocked && !blocked {
            // The client took its answers: reading may go on.
            cx.waker().wake_by_ref();
        }
        this.write_blocked = blocked;
        written
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
