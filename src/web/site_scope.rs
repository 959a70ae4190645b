//! Several course sites on one server (PRODUCT.md §7): the first site is served at `/`, each further one at
//! `/SLUG/…`. `mount` is wrapped around the whole router: it takes `/SLUG` off the request's path, so routes and
//! handlers are the same for every site, and puts it back on what goes out (`Location` headers and the site's
//! own links in HTML). Handlers learn their site from `Scoped`.

use std::ops::Deref;

use axum::{
    body::Body,
    extract::{FromRequestParts, Request, State},
    http::{HeaderValue, Uri, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{demo::MAIN_SITE, domain::slug, store::Site};

use super::{AppState, error::WebError};

/// The site a request is for, put on the request by `mount`.
#[derive(Clone, Debug)]
pub struct CurrentSite(pub Site);

/// The application state together with the request's site: what most handlers take.
#[derive(Clone)]
pub struct Scoped {
    app: AppState,
    site: Site,
}

impl Scoped {
    pub fn site(&self) -> &Site {
        &self.site
    }
}

impl Deref for Scoped {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.app
    }
}

/// The request's site: the one `mount` found, or the main site.
pub async fn current_site(parts: &Parts, state: &AppState) -> Result<Site, WebError> {
    match parts.extensions.get::<CurrentSite>() {
        Some(CurrentSite(site)) => Ok(site.clone()),
        None => Ok(state.store.site_by_slug(MAIN_SITE).await?),
    }
}

impl FromRequestParts<AppState> for Scoped {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self {
            app: state.clone(),
            site: current_site(parts, state).await?,
        })
    }
}

/// The largest page whose links are rewritten; larger bodies pass through untouched.
const MAX_REWRITTEN_BYTES: usize = 16 * 1024 * 1024;

pub async fn mount(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let first = path.split('/').nth(1).unwrap_or_default();
    let candidate = if could_be_site(first) {
        first
    } else {
        MAIN_SITE
    };
    let site = match state.current_site(candidate).await {
        Ok(site) => site,
        Err(error) => return WebError::from(error).into_response(),
    };
    let version = site.content_version;
    let shared = state.pages.key_for(site.id, &request);
    let mut drawing = None;
    if let Some((key, conditions)) = &shared {
        if let Some(kept) = state.pages.lookup(key, version, conditions) {
            return kept;
        }
        drawing = state.pages.turn(key, version).wait().await;
        if drawing.is_none()
            && let Some(kept) = state.pages.lookup(key, version, conditions)
        {
            return kept;
        }
    }
    let response = serve_site(site, request, next).await;
    let response = match shared {
        Some((key, conditions)) => state.pages.keep(key, version, &conditions, response).await,
        None => response,
    };
    drop(drawing);
    response
}

async fn serve_site(site: Site, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if site.slug == MAIN_SITE {
        request.extensions_mut().insert(CurrentSite(site));
        return next.run(request).await;
    }
    let prefix = format!("/{}", site.slug);
    let rest = &path[prefix.len()..];
    if rest.is_empty() {
        return (
            axum::http::StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, format!("{prefix}/"))],
        )
            .into_response();
    }
    let rewritten = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    match rewritten.parse::<Uri>() {
        Ok(uri) => *request.uri_mut() = uri,
        Err(_) => return WebError::NotFound.into_response(),
    }
    request.extensions_mut().insert(CurrentSite(site));
    let response = next.run(request).await;
    prefix_response(response, &prefix).await
}

/// Site slugs are never reserved words or numbers, so such segments need no database look-up.
fn could_be_site(segment: &str) -> bool {
    !segment.is_empty()
        && segment != MAIN_SITE
        && !slug::is_reserved(segment)
        && !segment.contains('.')
}

async fn prefix_response(response: Response, prefix: &str) -> Response {
    let (mut parts, body) = response.into_parts();
    let mounted_location = parts
        .headers
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .filter(|location| location.starts_with('/') && !location.starts_with("//"))
        .and_then(|location| HeaderValue::from_str(&format!("{prefix}{location}")).ok());
    if let Some(location) = mounted_location {
        parts.headers.insert(header::LOCATION, location);
    }
    let is_html = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !is_html {
        return Response::from_parts(parts, body);
    }
    match axum::body::to_bytes(body, MAX_REWRITTEN_BYTES).await {
        Ok(bytes) => {
            let html = String::from_utf8_lossy(&bytes);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(mount_links(&html, prefix)))
        }
        Err(error) => {
            tracing::error!(%error, "cannot read a page to mount its links");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry: the site failed to answer this request.",
            )
                .into_response()
        }
    }
}

/// Puts `prefix` before every site-absolute link (`href="/…"`, `action="/…"`, `src="/…"`), leaving
/// protocol-relative (`//host`) and full URLs alone.
pub fn mount_links(html: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 20);
    let mut rest = html;
    while let Some(at) = rest.find("=\"/") {
        let (before, after) = rest.split_at(at + 2);
        out.push_str(before);
        let attribute_ok = ["href", "action", "src"]
            .iter()
            .any(|name| before.ends_with(&format!("{name}=\"")));
        if attribute_ok && !after.starts_with("//") {
            out.push_str(prefix);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_links_get_the_prefix_and_others_do_not() {
        let html = r#"<a href="/2026/">x</a><form action="/comments"><img src="/avatar/a.svg"><a href="//cdn.example/x"><a href="https://e.org/"><p data-x="/y">"#;
        assert_eq!(
            mount_links(html, "/hist"),
            r#"<a href="/hist/2026/">x</a><form action="/hist/comments"><img src="/hist/avatar/a.svg"><a href="//cdn.example/x"><a href="https://e.org/"><p data-x="/y">"#
        );
    }

    #[test]
    fn reserved_words_and_numbers_are_never_sites() {
        assert!(could_be_site("hist-220"));
        for segment in ["", "main", "admin", "2026", "favicon.ico", "page"] {
            assert!(!could_be_site(segment), "{segment}");
        }
    }
}
