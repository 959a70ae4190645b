//! The web layer: HTTP over `discussion`, `address`, `domain` and `store`.
//!
//! Handlers are grouped by audience, each folder with its router fragment: `public` (reading the site: pages,
//! posts, feeds, search, readings), `discussion` (the comment form, follow-up links), `accounts` (sign-in,
//! joining, one's own account) and `dashboard` (writing, moderation, members, settings, participation). Below
//! them sit the shared parts: `state` (AppState and the page frame), `site_scope` (which site a request is
//! for), `session`, `error`, `respond`, `views` (the templates' view models) and the rest. `router` merges the
//! fragments in one list; no file imports a file of a folder above it, and nothing imports this one.

pub mod accounts;
pub mod cache;
pub mod client_ip;
pub mod dashboard;
pub mod discussion;
pub mod error;
pub mod form;
mod frame;
pub mod memo;
pub mod privacy;
pub mod public;
pub mod respond;
pub mod session;
pub mod site_scope;
pub mod state;
pub mod static_files;
pub mod viewer;
pub mod views;
pub mod visitor;

use std::time::Duration;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::StatusCode,
    middleware,
    response::{Html, IntoResponse},
    routing::get,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    timeout::TimeoutLayer,
    trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer},
};
use tracing::Level;

pub use self::state::AppState;
use self::{
    error::WebError,
    frame::{BASELINE_PAGE, security_headers, themed_errors},
};

/// The whole application. With `benchmark_baseline`, it also answers `/_bench/baseline` with a fixed 20 KB
/// page from memory, through the same server and outer middleware: the ceiling that `colloquy-bench`
/// compares every page with.
pub fn router(state: AppState, benchmark_baseline: bool) -> Router {
    let routes = Router::new()
        .merge(public::routes())
        .merge(discussion::routes())
        .merge(accounts::routes())
        .merge(dashboard::routes())
        .route_layer(middleware::from_fn(frame::name_the_route))
        .fallback(public::pages::public_page)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            privacy::members_only,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), themed_errors))
        .layer(CatchPanicLayer::custom(|_panic| {
            WebError::Panicked.into_response()
        }))
        .layer(DefaultBodyLimit::max(form::MAX_FORM_BYTES))
        .with_state(state.clone());
    // Each further site is the same application mounted at /SLUG/: `mount` runs before routing.
    let mut outer = Router::new();
    if benchmark_baseline {
        outer = outer.route(
            "/_bench/baseline",
            get(|| async { Html(BASELINE_PAGE.as_str()) }),
        );
    }
    outer
        .fallback_service(routes)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            site_scope::mount,
        ))
        .layer(middleware::from_fn_with_state(state, security_headers))
        .layer(
            tower_http::compression::CompressionLayer::new()
                .gzip(true)
                .br(true),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(frame::request_span)
                .on_request(DefaultOnRequest::new().level(Level::DEBUG))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}
