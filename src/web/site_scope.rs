//! Several course sites on one server (PRODUCT.md §7): the main site is served at `/`, each further one at
//! `/SLUG/…`. `mount` is wrapped around the whole router: it takes `/SLUG` off the request's path, so routes and
//! handlers are the same for every site, and puts the site on the request. Handlers learn their site from
//! `Scoped`, and build every address they write from its root (`Site::root`); nothing on the way out is
//! rewritten.

use std::ops::Deref;

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{Uri, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    domain::{settings::Visibility, site::MAIN_SITE, slug},
    store::Site,
};

use crate::web::{error::WebError, state::AppState};

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
    // A members-only site's pages are for its members: none is kept for anyone else, whatever the request
    // looks like (the members-only gate runs after this).
    let shared = if site.settings.visibility == Visibility::MembersOnly {
        None
    } else {
        state.pages.key_for(site.id, &request)
    };
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
        // `/hist-220?p=9` is WordPress's short link without its slash: the query goes along.
        let location = match request.uri().query() {
            Some(query) => format!("{prefix}/?{query}"),
            None => format!("{prefix}/"),
        };
        return (
            axum::http::StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
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
    next.run(request).await
}

/// Site slugs are never reserved words or numbers, so such segments need no database look-up.
fn could_be_site(segment: &str) -> bool {
    !segment.is_empty()
        && segment != MAIN_SITE
        && !slug::is_reserved(segment)
        && !segment.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_words_and_numbers_are_never_sites() {
        assert!(could_be_site("hist-220"));
        for segment in ["", "main", "admin", "2026", "favicon.ico", "page"] {
            assert!(!could_be_site(segment), "{segment}");
        }
    }
}
