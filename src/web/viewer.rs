//! The signed-in person as handlers and the page frame see them: their account, their role on the site, and the
//! CSRF token their forms carry. `session` finds them from the request's cookie.

use std::cell::Cell;

use axum::{
    extract::Request,
    http::{HeaderMap, header},
    middleware::Next,
    response::Response,
};

use crate::{
    discussion::Member,
    domain::user::{Role, User},
    web::{error::WebError, views::ViewerView},
};

/// The cookie that carries a session's token.
pub(crate) const SESSION_COOKIE: &str = "colloquy_session";

/// What the page frame needs of the request being answered.
struct ThisRequest {
    /// Its session cookie, for the page frame of handlers that did not look for the person themselves (error
    /// pages, pages reached by a mailed link): every page's header says who is signed in.
    cookies: Option<HeaderMap>,
    /// Whether a page frame named the person signed in (and held their log-out form's CSRF token).
    named: Cell<bool>,
}

tokio::task_local! {
    static THIS_REQUEST: ThisRequest;
}

/// Keeps the request's session cookie within reach of `cookies_of_this_request` while it is answered; an
/// answer whose page frame named the person signed in is private, whichever handler drew it (#18 review: the
/// search page and the forgotten-password page did not say so, and a page drawn for a member could land in
/// the shared page cache).
pub async fn keep_cookies(request: Request, next: Next) -> Response {
    let ours: Vec<_> = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter(|value| {
            value
                .to_str()
                .is_ok_and(|value| value.contains(SESSION_COOKIE))
        })
        .cloned()
        .collect();
    let cookies = (!ours.is_empty()).then(|| {
        let mut cookies = HeaderMap::new();
        for value in ours {
            cookies.append(header::COOKIE, value);
        }
        cookies
    });
    let this = ThisRequest {
        cookies,
        named: Cell::new(false),
    };
    THIS_REQUEST
        .scope(this, async {
            let mut response = next.run(request).await;
            if THIS_REQUEST.with(|this| this.named.get()) {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, crate::web::respond::PRIVATE);
            }
            response
        })
        .await
}

/// The cookies `keep_cookies` kept for the request being answered, if it sent a session's.
pub(crate) fn cookies_of_this_request() -> Option<HeaderMap> {
    THIS_REQUEST
        .try_with(|this| this.cookies.clone())
        .ok()
        .flatten()
}

/// Says that the page being drawn names the person signed in: its answer is private.
pub(crate) fn page_names_its_reader() {
    let _ = THIS_REQUEST.try_with(|this| this.named.set(true));
}

/// A signed-in person: their account, their role on the site (if any), and their forms' CSRF token.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub user: User,
    pub role: Option<Role>,
    pub csrf: String,
    pub(crate) token_hash: String,
}

impl SignedIn {
    pub fn is_staff(&self) -> bool {
        self.role.is_some_and(Role::is_staff)
    }

    /// The signed-in person as discussion knows a writer.
    pub fn member(&self) -> Member<'_> {
        Member {
            user: &self.user,
            role: self.role,
        }
    }

    /// The signed-in person as the page frame and the comment form show them.
    pub fn view(&self) -> ViewerView {
        ViewerView {
            name: self.user.name.clone(),
            publishes_as: self.user.pseudonym.clone(),
            is_staff: self.is_staff(),
            can_write: self.role.is_some_and(|role| role != Role::Subscriber),
            csrf: self.csrf.clone(),
        }
    }

    /// Refuses a state-changing form whose CSRF token is not this session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), WebError> {
        if same_secret(submitted, &self.csrf) {
            Ok(())
        } else {
            Err(WebError::Forbidden(
                "This form has expired or did not come from this site. Go back, reload the page and try again.",
            ))
        }
    }
}

/// Compares a submitted secret with the expected one in time that does not depend on where they differ.
pub fn same_secret(submitted: &str, expected: &str) -> bool {
    let (submitted, expected) = (submitted.as_bytes(), expected.as_bytes());
    submitted.len() == expected.len()
        && submitted
            .iter()
            .zip(expected)
            .fold(0_u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}
