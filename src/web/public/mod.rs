//! Reading the site, for everyone: the home page, archives, posts and pages (`pages`, drawn by `posts`), feeds,
//! search, readings, and the fixed addresses (`/healthz`, `robots.txt`, the sitemap, avatars, static files).

pub mod assets;
pub mod feeds;
pub mod pages;
pub mod posts;
pub mod readings;
pub mod search;

use axum::{
    Router,
    routing::{get, post},
};

use crate::web::{state::AppState, static_files};

/// The public routes; every other GET falls through to `pages::public_page`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(assets::healthz))
        .route("/robots.txt", get(assets::robots))
        .route("/sitemap.xml", get(assets::sitemap))
        .route("/static/{*file}", get(static_files::serve))
        .route("/avatar/{file}", get(assets::avatar))
        .route("/search/", get(search::results))
        .route("/post-password", post(pages::unlock_post))
        .route("/readings/", get(readings::list))
        .route("/readings/{slug}/", get(readings::show))
        .route("/readings/{slug}/page/{number}/", get(readings::cited_page))
}
