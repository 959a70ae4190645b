//! Building and running the server: connect, migrate, seed an empty database, bind, serve until stopped.

use std::time::Duration;

use anyhow::Context;
use sha2::{Digest, Sha512};
use tokio::net::TcpListener;

use crate::{
    config::Config,
    demo,
    domain::calendar,
    mail::Mailer,
    store::Store,
    web::{self, AppState, cache::PageCache, client_ip::TrustedProxies},
};

/// A bound, migrated, ready-to-serve colloquy.
pub struct Application {
    listener: TcpListener,
    port: u16,
    state: AppState,
    benchmark_baseline: bool,
    header_timeout: Duration,
}

impl Application {
    /// Connects to the database, migrates it, creates the demo course in an empty database (unless told not
    /// to), and binds the listening socket.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        raise_open_file_limit();
        let store = Store::connect(&config.database_url)
            .await
            .context("connecting to the database")?;
        store.migrate().await.context("migrating the database")?;
        let unused = store.is_unused().await?;
        let site = demo::ensure_main_site(&store).await?;
        if unused && !config.serve.no_demo {
            let instructor = demo::create_demo_course(&store, &site)
                .await
                .context("creating the demo course")?;
            println!(
                "Created a demo course. Instructor account: {} with the password {} (shown this once).",
                instructor.email, instructor.password
            );
        }
        let cookie_key = cookie_key(&store, config.serve.secret_key.as_deref()).await?;
        let trusted_proxies = TrustedProxies::parse(&config.serve.trusted_proxies)?;
        let listener = TcpListener::bind(config.serve.bind)
            .await
            .with_context(|| format!("binding {}", config.serve.bind))?;
        let local = listener.local_addr()?;
        let port = local.port();
        let mailer = Mailer::new(
            store.clone(),
            config.serve.smtp_url.as_deref(),
            &config.serve.mail_from,
        )?;
        let base_url = config
            .serve
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        let state = AppState::new(store, cookie_key, trusted_proxies, mailer, base_url)
            .with_page_cache(PageCache::new(config.serve.page_cache_mb * 1024 * 1024));
        Ok(Self {
            listener,
            port,
            state,
            benchmark_baseline: false,
            header_timeout: Duration::from_secs(config.serve.header_timeout_seconds.max(1)),
        })
    }

    /// Also answers `/_bench/baseline` with a fixed 20 KB page from memory: the ceiling of the HTTP stack that
    /// `colloquy-bench` compares every page with.
    pub fn with_benchmark_baseline(mut self) -> Self {
        self.benchmark_baseline = true;
        self
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// The clock the server goes by, for tests to move on.
    pub fn clock(&self) -> crate::domain::calendar::Clock {
        self.state.clock.clone()
    }

    /// Serves until SIGINT or SIGTERM, publishing scheduled posts as their time comes.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let scheduler = tokio::spawn(background_work(
            self.state.store.clone(),
            self.state.mailer.clone(),
        ));
        let store = self.state.store.clone();
        let router = web::router(self.state, self.benchmark_baseline);
        serve_connections(self.listener, router, self.header_timeout).await;
        scheduler.abort();
        store.close().await;
        Ok(())
    }
}

/// The most a request's line and headers may take together; larger ones are answered 431.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// How long open requests may take to finish once the server is told to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Accepts connections and serves HTTP/1.1 and HTTP/2 on each until SIGINT or SIGTERM, then lets open requests
/// finish (for at most `SHUTDOWN_GRACE`). Unlike `axum::serve`, it gives hyper a timer, so that a client must
/// send a request's headers within `header_timeout` or lose the connection: slow clients cannot hold the
/// server's connections.
async fn serve_connections(listener: TcpListener, router: axum::Router, header_timeout: Duration) {
    use hyper_util::{
        rt::{TokioExecutor, TokioIo, TokioTimer},
        server::{conn::auto::Builder, graceful::GracefulShutdown},
        service::TowerToHyperService,
    };
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(MAX_HEADER_BYTES);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown_signal());
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, most likely: give connections a moment to close.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY");
        }
        let service = TowerToHyperService::new(
            router
                .clone()
                .layer(axum::Extension(axum::extract::ConnectInfo(remote))),
        );
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("requests still open after the grace period were cut off");
        }
    }
}

/// Open files a server asks for: every connection is one, and the default soft limit is often 1,024.
pub const OPEN_FILES_WANTED: u64 = 65_536;

/// Raises this process's open-file limit towards [`OPEN_FILES_WANTED`], as far as the hard limit allows.
fn raise_open_file_limit() {
    match rlimit::increase_nofile_limit(OPEN_FILES_WANTED) {
        Ok(limit) => tracing::debug!(limit, "open-file limit"),
        Err(error) => tracing::warn!(%error, "could not raise the open-file limit"),
    }
}

/// The key that signs cookies: from `COLLOQUY_SECRET_KEY`, or generated once and kept in the database so that
/// every instance on one database shares it.
async fn cookie_key(store: &Store, configured: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let secret = match configured {
        Some(secret) if secret.len() < 32 => {
            anyhow::bail!("COLLOQUY_SECRET_KEY must be at least 32 characters")
        }
        Some(secret) => secret.to_owned(),
        None => {
            store
                .secret("cookie_key", || hex::encode(rand::random::<[u8; 64]>()))
                .await?
        }
    };
    Ok(Sha512::digest(secret.as_bytes()).to_vec())
}

/// How long a trashed comment can be restored.
const TRASH_DAYS: i64 = 30;

/// Publishes scheduled posts as their time comes, retries mail that could not be delivered, and empties the
/// comment trash of what has been there for 30 days.
/// How long sent mail stays in the outbox.
const SENT_MAIL_DAYS: i64 = 30;

async fn background_work(store: Store, mailer: Mailer) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    for second in 0_u64.. {
        tick.tick().await;
        match store.publish_due_posts(calendar::now()).await {
            Ok(0) => {}
            Ok(published) => tracing::info!(published, "published scheduled posts"),
            Err(error) => tracing::warn!(%error, "could not publish scheduled posts"),
        }
        // Failed mail waits its turn (`mail::next_attempt`); this only looks for what is due.
        if second % 15 == 7 {
            mailer.retry_undelivered().await;
        }
        if second % 3_600 == 0 {
            match store
                .purge_trashed_comments(calendar::now() - TRASH_DAYS * 86_400)
                .await
            {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "emptied comments trashed over 30 days ago"),
                Err(error) => tracing::warn!(%error, "could not empty the comment trash"),
            }
            let now = calendar::now();
            match store
                .clean_out(now, now - 86_400, now - SENT_MAIL_DAYS * 86_400)
                .await
            {
                Ok(0) => {}
                Ok(removed) => tracing::info!(
                    removed,
                    "cleaned out expired sessions, links, failures and old mail"
                ),
                Err(error) => tracing::warn!(%error, "could not clean out expired rows"),
            }
        }
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
