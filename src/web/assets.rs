//! Fixed resources: the stylesheet, identicon avatars, and the liveness probe.

use axum::{
    extract::Path,
    http::{StatusCode, header},
    response::IntoResponse,
};

use crate::domain::{avatar, settings::Visibility};

use super::{error::WebError, site_scope::Scoped};

/// `/healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(state: Scoped) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// `/robots.txt`: public sites welcome crawlers; hidden and members-only sites turn them away.
pub async fn robots(state: Scoped) -> Result<impl IntoResponse, WebError> {
    let site = state.site().clone();
    let rules = match site.settings.visibility {
        Visibility::Public => "User-agent: *\nDisallow:\n",
        Visibility::Hidden | Visibility::MembersOnly => "User-agent: *\nDisallow: /\n",
    };
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], rules))
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/style.css"),
    )
}

/// `/avatar/KEY.svg`: the identicon for an avatar key. Keys come from a salted hash, so this learns nothing.
pub async fn avatar(Path(file): Path<String>) -> Result<impl IntoResponse, WebError> {
    let key = file
        .strip_suffix(".svg")
        .filter(|key| avatar::is_key(key))
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        avatar::identicon_svg(key),
    ))
}
