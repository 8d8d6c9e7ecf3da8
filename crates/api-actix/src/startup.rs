//! Building the application: database, listener and HTTP server, in that order.
//!
//! The application owns its listener, so tests bind port 0 and ask which port they got.

use crate::clock::SystemClock;
use crate::connection::{ConnectionRules, ConnectionWatch, GuardedStream, HostSlots};
use crate::middleware::authentication::{self, Gate};
use crate::middleware::expect_continue;
use crate::middleware::{request_context, route_case};
use crate::routes::{self, AppState};
use crate::settings::Settings;
use actix_http::error::DispatchError;
use actix_http::{HttpService, Protocol};
use actix_service::{map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::dev::{fn_service, AppConfig, Server};
use actix_web::middleware::from_fn;
use actix_web::{web, App};
use std::net::{IpAddr, SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// Installs the metrics recorder (once per process) and keeps it tidy: histogram
/// samples wait in buffers until upkeep folds them in, so run it even when nobody scrapes.
fn start_metrics() {
    static UPKEEP: std::sync::Once = std::sync::Once::new();
    let handle = crate::telemetry::prometheus::handle();
    crate::telemetry::prometheus::export_counters_at_zero();
    UPKEEP.call_once(|| {
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        });
    });
}

/// `billing_events_build_info{version, schema}` at 1, once the database is open and its
/// schema known (at once on SQLite; when a PostgreSQL server first answers, on it).
fn export_build_info() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        tokio::spawn(async {
            loop {
                if let Some(schema) = infra_diesel::schema_version() {
                    metrics::gauge!(
                        "billing_events_build_info",
                        "version" => env!("CARGO_PKG_VERSION"),
                        "schema" => schema
                    )
                    .set(1.0);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
    });
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] infra_diesel::ConnectError),
    #[error("cannot listen on {address}")]
    Listen {
        address: String,
        #[source]
        source: std::io::Error,
    },
}

impl StartupError {
    /// What the process exits with: 2 for a setting to fix (as for a bad setting), 1
    /// for anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            StartupError::Database(error) if error.needs_an_operator() => 2,
            _ => 1,
        }
    }
}

/// A built application, listening, not yet serving.
pub struct Application {
    port: u16,
    server: Server,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Connects the database (running its migrations), binds the listener and builds
    /// the server. A PostgreSQL database that is not there yet, or is a standby, is
    /// waited for while the server runs (`/ready` answers 503 meanwhile).
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        start_metrics();
        let stores = infra_diesel::connect_or_wait(&settings.database).await?;
        export_build_info();
        let limits = settings.limits();
        let state = AppState::new(
            stores.events,
            Arc::new(SystemClock),
            limits,
            settings.xml.clone(),
        );
        if !settings.auth.required {
            tracing::warn!(
                "AUTHENTICATION IS OFF (auth.required = false): anyone who can reach this \
                 port may read and change every client's billing events. Development only."
            );
        }
        let gate = web::Data::new(Gate::new(
            app::Authenticate::new(stores.keys),
            settings.auth,
        ));

        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listen_error = |source| StartupError::Listen {
            address: address.clone(),
            source,
        };
        let listener = listen(&address, settings.server.backlog).map_err(listen_error)?;
        let port = listener.local_addr().map_err(listen_error)?.port();

        let body_limits = limits.body_bytes;
        let xml = web::Data::from(state.xml.clone());
        let state = web::Data::new(state);
        let app = move || {
            App::new()
                .app_data(state.clone())
                .app_data(xml.clone())
                .app_data(gate.clone())
                .configure(routes::configure)
                // The last one wrapped runs first: track the request, fix the case, then
                // authenticate.
                .wrap(from_fn(authentication::guard))
                .wrap(from_fn(route_case::canonicalize))
                .wrap(from_fn(request_context::track))
        };
        let head_timeout = Duration::from_millis(settings.http.head_timeout_ms);
        let keep_alive = Duration::from_millis(settings.http.keep_alive_ms);
        let rules = settings.http.connection_rules();
        let hosts = HostSlots::new(settings.server.max_connections_per_host);
        let local = listener.local_addr().map_err(listen_error)?;
        // What actix-web's HttpServer does, plus the expect service it does not let us set
        // and the stream that bounds each connection.
        let workers = settings.server.worker_count();
        let builder = Server::build()
            .shutdown_timeout(settings.server.shutdown_grace_secs)
            .workers(workers)
            // actix-server counts connections per worker.
            .max_concurrent_connections(settings.server.max_connections.div_ceil(workers));
        let shutdown = builder.graceful_shutdown_signal();
        let server = builder
            .listen("billing-events", listener, move || {
                let shutdown = shutdown.clone();
                let hosts = hosts.clone();
                let accept =
                    fn_service(move |io: TcpStream| std::future::ready(guard(io, &hosts, rules)));
                let http = HttpService::build()
                    // A client must send its first request head within this, or the
                    // connection is closed; later heads are held to `rules`.
                    .client_request_timeout(head_timeout)
                    .keep_alive(keep_alive)
                    .client_disconnect_timeout(Duration::from_secs(1))
                    // A client that closes its end has left: its request is dropped, and
                    // work not yet started for it never starts.
                    .h1_allow_half_closed(false)
                    .on_connect_ext(|io: &GuardedStream, data| {
                        data.insert(io.watch().clone());
                    })
                    .local_addr(local)
                    .graceful_shutdown_signal(move || {
                        let shutdown = shutdown.clone();
                        async move { shutdown.notified().await }
                    })
                    .expect(fn_service(move |req| {
                        std::future::ready(expect_continue::check(&body_limits, req))
                    }))
                    // HttpServer gives the app its listening address as the host; that
                    // constructor is private to actix-web, and the host only matters to
                    // `url_for` and requests without a Host header, neither used here.
                    .finish(map_config(
                        app().into_factory().map_err(|error| error.error_response()),
                        |()| AppConfig::default(),
                    ));
                accept.and_then(http)
            })
            .map_err(listen_error)?
            .run();
        tracing::info!(
            address = %format!("{}:{port}", settings.server.host),
            database = %settings.database.options.url,
            "billing-events is listening"
        );
        Ok(Self { port, server })
    }
}

/// Binds `address` with room for `backlog` connections not yet accepted.
fn listen(address: &str, backlog: u32) -> std::io::Result<TcpListener> {
    let address: SocketAddr = address.to_socket_addrs()?.next().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address to bind")
    })?;
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(address),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
    Ok(socket.into())
}

/// An accepted connection, under its bounds; refused when its host holds its share.
fn guard(
    io: TcpStream,
    hosts: &HostSlots,
    rules: ConnectionRules,
) -> Result<(GuardedStream, Protocol, Option<SocketAddr>), DispatchError> {
    let peer = io.peer_addr().ok();
    let host = peer.map_or(IpAddr::from([0, 0, 0, 0]), |peer| peer.ip());
    let Some(slot) = hosts.take(host) else {
        crate::telemetry::prometheus::connection_refused("host_limit");
        return Err(DispatchError::Io(std::io::Error::other(
            "the host holds its share of connections",
        )));
    };
    let stream = GuardedStream::new(io, ConnectionWatch::new(rules), slot);
    Ok((stream, Protocol::Http1, peer))
}

impl Application {
    /// The port actually bound (useful when the settings asked for port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish within the
    /// grace period.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
