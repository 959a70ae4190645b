//! The web layer's one error type and its mapping to HTTP, done once here.
//!
//! An error becomes a status and a short message for the reader; `themed_errors` in `web` then renders it in
//! the site's theme. Internal causes are logged with their whole chain and never sent to the client.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{domain::site::SiteRoot, store::StoreError};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(&'static str),
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The page needs a signed-in person: they are sent to the sign-in page of the site at `root`, and brought
    /// back to `back_to` (an address from the server's root).
    #[error("sign-in required")]
    SignInRequired { root: SiteRoot, back_to: String },
    /// A mailed link that was used already or has expired.
    #[error("the link has expired")]
    LinkExpired,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Render(#[from] askama::Error),
    /// A zip that could not be written (in memory, so only a bug makes one).
    #[error(transparent)]
    Zip(#[from] zip::result::ZipError),
    /// Too much password work is waiting already: come back in a few seconds.
    #[error("busy")]
    Busy,
    /// As many zips of members' writing are being made as the machine has cores: come back in a few seconds.
    #[error("busy making zips")]
    BusyZipping,
    /// A handler panicked (a bug); the panic itself is already logged by the runtime.
    #[error("a handler panicked")]
    Panicked,
}

/// What the themed error page shows; carried from `into_response` to the theming middleware.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    pub heading: &'static str,
    pub message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let Self::SignInRequired { root, back_to } = &self {
            let next =
                percent_encoding::utf8_percent_encode(back_to, percent_encoding::NON_ALPHANUMERIC);
            return (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, root.join(&format!("/login?next={next}")))],
            )
                .into_response();
        }
        let busy = matches!(self, Self::Busy | Self::BusyZipping);
        let (status, heading, message) = match &self {
            // A row another person removed a moment ago (two moderators on one queue) is simply not there.
            Self::NotFound | Self::Store(StoreError::NotFound) => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "Nothing lives at this address. It may have moved; try the home page or an archive.".to_owned(),
            ),
            Self::Forbidden(reason) => (StatusCode::FORBIDDEN, "Not allowed", (*reason).to_owned()),
            Self::BadRequest(reason) => (StatusCode::BAD_REQUEST, "Bad request", reason.clone()),
            Self::Conflict(reason) => (StatusCode::CONFLICT, "Changed meanwhile", (*reason).to_owned()),
            Self::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "What you sent is larger than this site accepts (1 MB for a form). Nothing was saved.".to_owned(),
            ),
            Self::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, "Not allowed", "This address only answers GET and HEAD.".to_owned())
            }
            Self::SignInRequired { .. } => (StatusCode::UNAUTHORIZED, "Sign in", "Please sign in first.".to_owned()),
            Self::LinkExpired => (
                StatusCode::GONE,
                "This link no longer works",
                "The link has expired or has already been used. You can ask for a new one from the sign-in page.".to_owned(),
            ),
            Self::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Busy for a moment",
                "Many people are signing in at once. Nothing was changed: please send the form again in a few seconds.".to_owned(),
            ),
            Self::BusyZipping => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Busy for a moment",
                "Other members' writing is being packed right now. Please ask for your zip again in a few seconds.".to_owned(),
            ),
            Self::Store(StoreError::Unavailable(_)) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Temporarily unavailable",
                "The site cannot reach its database just now. Please try again in a moment.".to_owned(),
            ),
            Self::Store(_) | Self::Render(_) | Self::Zip(_) | Self::Panicked => {
                tracing::error!(error = ?anyhow::Error::from(self), "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Sorry: the site failed to answer this request. The problem has been logged.".to_owned(),
                )
            }
        };
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            message.clone(),
        )
            .into_response();
        if busy {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        }
        response
            .extensions_mut()
            .insert(ErrorPage { heading, message });
        response
    }
}
