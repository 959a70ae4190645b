//! Parameters taken from the path (`/admin/posts/{id}`). One that does not read as what the route expects (an
//! id that is not a number, or past the largest one) names nothing: a 404 page in the site's theme, not a bare
//! 400 from the framework.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::web::error::WebError;

/// `Path<T>`, whose rejection is `WebError::NotFound`.
pub struct Param<T>(pub T);

impl<T, S> FromRequestParts<S> for Param<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|_| WebError::NotFound)
    }
}
