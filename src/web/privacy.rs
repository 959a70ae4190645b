//! Members-only sites (PRODUCT.md §7): nothing reaches a reader who is not a signed-in member, except the
//! ways in (sign-in, joining), `robots.txt`, the health check and the stylesheet. Pages send the reader to
//! sign in; feeds and JSON answer 401.

use axum::{
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::domain::settings::Visibility;

use crate::web::{
    error::WebError,
    session::{self, ResolvedSession},
    site_scope::current_site,
    state::AppState,
};

/// Paths that answer everyone, even on a members-only site.
fn is_open(path: &str) -> bool {
    path == "/login"
        || path.starts_with("/login/")
        || path == "/logout"
        || path.starts_with("/join/")
        || path.starts_with("/follow/")
        || matches!(path, "/robots.txt" | "/healthz" | "/sitemap.xml")
        || path.starts_with("/static/")
}

/// Feeds, sitemaps and the JSON API answer machines, which cannot follow a sign-in page.
fn is_for_machines(path: &str) -> bool {
    path.starts_with("/api/")
        || path.ends_with(".xml")
        || path.split('/').any(|segment| segment == "feed")
}

pub async fn members_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let site = match current_site(&parts, &state).await {
        Ok(site) => site,
        Err(error) => return error.into_response(),
    };
    parts
        .extensions
        .insert(crate::web::site_scope::CurrentSite(site.clone()));
    let mut request = Request::from_parts(parts, body);
    let path = request.uri().path().to_owned();
    if site.settings.visibility != Visibility::MembersOnly || is_open(&path) {
        return next.run(request).await;
    }
    let viewer = match session::resolve(request.headers(), &state, &site).await {
        Ok(viewer) => viewer,
        Err(error) => return error.into_response(),
    };
    match viewer {
        Some(member) if member.role.is_some() => {
            request
                .extensions_mut()
                .insert(ResolvedSession(Some(member)));
            next.run(request).await
        }
        Some(_) => {
            WebError::Forbidden("This course site is open to its members only.").into_response()
        }
        None if is_for_machines(&path) => (
            StatusCode::UNAUTHORIZED,
            [
                (header::WWW_AUTHENTICATE, "Cookie realm=\"course members\""),
                (header::CACHE_CONTROL, "no-store"),
            ],
            "This course site is open to its members only.\n",
        )
            .into_response(),
        None => {
            let root = site.root();
            let back_to = root.join(
                request
                    .uri()
                    .path_and_query()
                    .map_or("/", |path| path.as_str()),
            );
            WebError::SignInRequired { root, back_to }.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ways_in_stay_open() {
        for path in [
            "/login",
            "/login/forgot",
            "/join/abc",
            "/robots.txt",
            "/healthz",
            "/static/style.css",
        ] {
            assert!(is_open(path), "{path}");
        }
        for path in [
            "/",
            "/2026/01/01/post/",
            "/loginx",
            "/admin/",
            "/avatar/x.svg",
        ] {
            assert!(!is_open(path), "{path}");
        }
    }

    #[test]
    fn feeds_and_api_are_for_machines() {
        for path in [
            "/feed/",
            "/comments/feed/atom/",
            "/2026/01/01/post/feed/",
            "/api/v1/posts",
            "/sitemap.xml",
        ] {
            assert!(is_for_machines(path), "{path}");
        }
        assert!(!is_for_machines("/feeding-habits/"));
    }
}
