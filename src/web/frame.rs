//! What wraps every response: the security headers, error pages drawn in the site's theme, and the fixed page
//! the benchmark compares the stack with.

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};

use crate::{
    domain::site::MAIN_SITE,
    web::{
        error::{ErrorPage, WebError},
        respond::render,
        site_scope,
        state::AppState,
        views::MessagePage,
    },
};

pub static BASELINE_PAGE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let paragraph = "<p>A fixed paragraph of a course blog's page, served from memory as the ceiling of the HTTP stack.</p>\n";
    let mut page = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Baseline</title></head><body>\n",
    );
    while page.len() < 20 * 1024 - paragraph.len() {
        page.push_str(paragraph);
    }
    page.push_str("</body></html>\n");
    page
});

/// What every response may load and who may frame it: scripts only from this origin (colloquy has no inline
/// script), no plugins, no framing by other sites; images also from https (posts link them).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: https:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Puts the security headers on every response (a handler's own, where it set one, is kept); HSTS only when
/// the site is served over https.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut defaults = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ];
    if state.secure_cookies {
        defaults.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    for (name, value) in defaults {
        headers.entry(name).or_insert(value);
    }
    response
}

/// Draws error responses (those carrying an `ErrorPage`) in the site's theme.
pub async fn themed_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let site = request
        .extensions()
        .get::<site_scope::CurrentSite>()
        .map(|current| current.0.clone());
    let response = next.run(request).await;
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    let status = response.status();
    let themed = async {
        let site = match site {
            Some(site) => site,
            None => state.store.site_by_slug(MAIN_SITE).await?,
        };
        let layout = state.layout(&site, Some(page.heading), None).await?;
        let names_its_reader = layout.viewer.is_some();
        let mut themed = render(
            status,
            &MessagePage {
                layout,
                heading: page.heading.to_owned(),
                message: page.message.clone(),
            },
        )?;
        if names_its_reader {
            // The page names the person and holds their log-out form's token.
            themed.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
        }
        Ok::<_, WebError>(themed)
    };
    match themed.await {
        Ok(mut themed) => {
            // Cache-Control too: a secret-link page's 404 or 410 is as private as its form (docs/security.md).
            for name in [header::ALLOW, header::RETRY_AFTER, header::CACHE_CONTROL] {
                if let Some(value) = response.headers().get(&name) {
                    themed.headers_mut().insert(name, value.clone());
                }
            }
            themed
        }
        Err(error) => {
            tracing::warn!(%error, "could not theme an error page");
            response
        }
    }
}

/// The span every request runs in: its method, and the route pattern it matched (`/admin/posts/{id}`), never
/// the address itself, which can hold a sign-in token or a join code.
pub fn request_span(request: &Request) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        route = tracing::field::Empty
    )
}

/// Names the request's span after the route pattern that matched it; pages of the site's own URL scheme
/// (the fallback) are "(a site page)".
pub async fn name_the_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(a site page)", MatchedPath::as_str);
    tracing::Span::current().record("route", route);
    next.run(request).await
}
