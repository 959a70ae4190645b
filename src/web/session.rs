//! Who is signed in: the session cookie, the account and role behind it, and the CSRF token its forms carry.
//!
//! The cookie holds a random token; the database keeps only its SHA-256, so any instance can serve any
//! request and a stolen database does not yield live sessions.

use axum::{
    extract::{FromRequestParts, OptionalFromRequestParts},
    http::{HeaderMap, request::Parts},
};
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::{
    domain::{
        calendar,
        site::SiteRoot,
        user::{Role, User},
    },
    store::{Site, StoreResult},
};

pub use crate::{
    domain::user::{hash_token, new_token},
    web::viewer::{SignedIn, same_secret},
};

use crate::web::{error::WebError, state::AppState, viewer::SESSION_COOKIE};

/// How long a sign-in lasts.
const SESSION_DAYS: i64 = 14;

/// A session already looked up for this request (by the members-only gate), so handlers do not ask again.
#[derive(Clone)]
pub struct ResolvedSession(pub Option<SignedIn>);

/// Looks up the session a request's cookie names, and the person's role on the site.
pub async fn resolve(
    headers: &HeaderMap,
    state: &AppState,
    site: &Site,
) -> Result<Option<SignedIn>, WebError> {
    state.signed_in(headers, site).await
}

/// The visitor's session, if they are signed in. Extract `Option<SignedIn>` for pages anyone may see.
impl OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        if let Some(ResolvedSession(resolved)) = parts.extensions.get::<ResolvedSession>() {
            return Ok(resolved.clone());
        }
        let site = crate::web::site_scope::current_site(parts, state).await?;
        resolve(&parts.headers, state, &site).await
    }
}

/// A page that needs a signed-in person: the signed-out are sent to sign in and brought back.
impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let root = crate::web::site_scope::current_site(parts, state)
            .await?
            .root();
        let back_to = root.join(parts.uri.path_and_query().map_or("/", |path| path.as_str()));
        <Self as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
            .await?
            .ok_or(WebError::SignInRequired { root, back_to })
    }
}

/// A staff member (editor or administrator) of the site.
pub struct Staff(pub SignedIn);

impl FromRequestParts<AppState> for Staff {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let signed_in =
            <SignedIn as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        if signed_in.is_staff() {
            Ok(Self(signed_in))
        } else {
            Err(WebError::Forbidden(
                "Only the course's editors and administrators can see this.",
            ))
        }
    }
}

/// An administrator of the site.
pub struct Administrator(pub SignedIn);

impl FromRequestParts<AppState> for Administrator {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let signed_in =
            <SignedIn as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        if signed_in.role == Some(Role::Administrator) {
            Ok(Self(signed_in))
        } else {
            Err(WebError::Forbidden(
                "Only the course's administrators can see this.",
            ))
        }
    }
}

/// Starts a session for an account; returns the cookie to set.
pub async fn start(state: &AppState, user: &User) -> StoreResult<Cookie<'static>> {
    let token = new_token();
    let now = calendar::now();
    state
        .store
        .create_session(
            &hash_token(&token),
            user.id,
            &new_token(),
            now,
            now + SESSION_DAYS * 86_400,
        )
        .await?;
    Ok(Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(SESSION_DAYS))
        .build())
}

/// Ends a session; returns the cookie removal to send.
pub async fn end(state: &AppState, signed_in: &SignedIn) -> StoreResult<Cookie<'static>> {
    state.store.delete_session(&signed_in.token_hash).await?;
    Ok(Cookie::build(SESSION_COOKIE).path("/").build())
}

/// Whether a `next` address is a path of the site at `root` (never another site, never another origin): it
/// starts with the site's root and one `/`, climbs no `..`, and holds no backslash, whitespace or control
/// character, which browsers drop or read as `/` (`/\t/evil.example` would take them to evil.example).
pub fn safe_next<'a>(next: &'a str, root: &SiteRoot) -> Option<&'a str> {
    // The path as the browser will read it: `.%2e` is `..` to it, and `%2f%2f` may become `//`.
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let path_only = next.starts_with('/')
        && root.contains(next)
        && !decoded
            .split('/')
            .any(|segment| segment == ".." || segment == ".")
        && !decoded.contains("//")
        && !next[1..].starts_with(['/', '\\'])
        && ![next, &decoded].iter().any(|text| {
            text.chars().any(|character| {
                character == '\\' || character.is_whitespace() || character.is_control()
            })
        });
    path_only.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::safe_next;
    use crate::domain::site::{MAIN_SITE, SiteRoot};

    #[test]
    fn next_addresses_never_leave_the_site() {
        let main = SiteRoot::for_slug(MAIN_SITE);
        let hist = SiteRoot::for_slug("hist-220");
        for fine in [
            "/",
            "/admin/",
            "/hist-220/2026/01/05/week-1/?replytocom=3#respond",
        ] {
            assert_eq!(safe_next(fine, &main), Some(fine));
        }
        assert_eq!(
            safe_next("/hist-220/admin/", &hist),
            Some("/hist-220/admin/")
        );
        for elsewhere in ["/welcome/", "/admin/", "/hist-220/../admin/", "/hist-2200/"] {
            assert_eq!(safe_next(elsewhere, &hist), None, "{elsewhere}");
        }
        for hostile in [
            "",
            "//evil.example/x",
            "/\\evil.example/x",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "https://evil.example/",
            "evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/\u{85}/evil.example",
            "/.%2e//evil.example",
            "/hist-220/.%2e/admin/",
            "/hist-220/%2E./admin/",
            "/hist-220/%2e/admin/",
            "/hist-220/x/%2f%2fevil.example",
            "/hist-220/%5c%5cevil.example",
            "/hist-220/%0a/admin/",
        ] {
            assert_eq!(safe_next(hostile, &main), None, "{hostile:?}");
            assert_eq!(safe_next(hostile, &hist), None, "{hostile:?}");
        }
    }
}
