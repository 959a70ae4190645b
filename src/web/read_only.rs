//! Archived courses are read-only (PRODUCT.md §7): served to their readers as before, they take no new posts,
//! comments, members or edits until the main site's administrators restore them. This gate, in front of every
//! route, refuses on an archived site whatever would write (any request but GET and HEAD) and its join pages;
//! signing in and out, one's own account and one's follow-up mails stay open. The comment pipeline refuses
//! the same on its own (`DiscussionError::Archived`), for the doors that do not pass here.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::web::{error::WebError, site_scope::current_site, state::AppState};

/// What a write on an archived course is told.
pub const ARCHIVED: &str = "This course is archived: it can still be read, but it takes no new posts, comments \
                            or changes. Nothing was saved.";

/// What someone who tries to join an archived course is told.
const NO_JOINING: &str = "This course is archived: it takes no new members.";

/// The writes an archived site still takes: they are a person's own, not the course's (and the editor's
/// preview, which writes nothing).
fn still_open(path: &str) -> bool {
    path == "/login"
        || path.starts_with("/login/")
        || path == "/logout"
        || path == "/account"
        || path.starts_with("/account/")
        || path.starts_with("/follow/")
        || path == "/admin/preview"
}

pub async fn read_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let site = match current_site(&parts, &state).await {
        Ok(site) => site,
        Err(error) => return error.into_response(),
    };
    let request = Request::from_parts(parts, body);
    if !site.is_archived() {
        return next.run(request).await;
    }
    let path = request.uri().path();
    if path.starts_with("/join/") {
        return WebError::Forbidden(NO_JOINING).into_response();
    }
    if request.method().is_safe() || still_open(path) {
        return next.run(request).await;
    }
    WebError::Forbidden(ARCHIVED).into_response()
}

#[cfg(test)]
mod tests {
    use super::still_open;

    #[test]
    fn an_archived_course_takes_only_a_persons_own_writes() {
        for path in [
            "/login",
            "/login/reset/abc",
            "/logout",
            "/account",
            "/account/confirm/abc",
            "/follow/stop/abc",
            "/admin/preview",
        ] {
            assert!(still_open(path), "{path}");
        }
        for path in [
            "/comments",
            "/admin/posts/new",
            "/admin/posts/3",
            "/admin/comments",
            "/admin/settings",
            "/admin/members",
            "/admin/readings/new",
            "/join/abc",
            "/loginx",
            "/accounts",
        ] {
            assert!(!still_open(path), "{path}");
        }
    }
}
