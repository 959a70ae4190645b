//! Form bodies read strictly: at most 1 MB (413 above), and every field valid UTF-8 once decoded (400
//! otherwise), because a lossy decode would store text the person never typed.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
};
use serde::de::DeserializeOwned;

use crate::web::error::WebError;

/// The largest form body accepted: above the longest valid comment, URL-encoded.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;

/// A URL-encoded form, decoded into `T` only when every name and value is valid UTF-8.
pub struct StrictForm<T>(pub T);

impl<S, T> FromRequest<S> for StrictForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok());
        if !content_type.is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
        {
            return Err(WebError::BadRequest(
                "Expected a form (application/x-www-form-urlencoded).".into(),
            ));
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    WebError::PayloadTooLarge
                } else {
                    WebError::BadRequest("The form could not be read.".into())
                }
            })?;
        if body.len() > MAX_FORM_BYTES {
            return Err(WebError::PayloadTooLarge);
        }
        decode(&body).map(StrictForm)
    }
}

/// The first value of a field in a form read as pairs (forms with repeated fields are read that way).
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Decodes a form body, refusing any byte sequence that is not UTF-8 (raw or percent-encoded).
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, WebError> {
    let invalid =
        || WebError::BadRequest("The form is not valid UTF-8 text. Nothing was saved.".into());
    let text = std::str::from_utf8(body).map_err(|_| invalid())?;
    for pair in text.split('&') {
        let unplussed = pair.replace('+', " ");
        percent_encoding::percent_decode_str(&unplussed)
            .decode_utf8()
            .map_err(|_| invalid())?;
    }
    serde_urlencoded::from_str(text)
        .map_err(|_| WebError::BadRequest("The form's fields could not be read.".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn valid_utf8_forms_decode() {
        let form: HashMap<String, String> =
            decode(b"comment=caf%C3%A9+au+lait&author=Zo%C3%AB").unwrap();
        assert_eq!(form["comment"], "café au lait");
        assert_eq!(form["author"], "Zoë");
    }

    #[test]
    fn percent_encoded_invalid_utf8_is_refused() {
        assert!(decode::<HashMap<String, String>>(b"comment=%FF%FE").is_err());
        assert!(decode::<HashMap<String, String>>(b"comment=\xff").is_err());
    }
}
