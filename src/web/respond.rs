//! How handlers answer: a template rendered with a status, a response kept private to one visitor, and a
//! message put as a sentence.

use askama::Template;
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

use crate::web::error::WebError;

/// Renders a template into an HTML response with a status.
pub fn render(status: StatusCode, template: &impl Template) -> Result<Response, WebError> {
    Ok((status, Html(template.render()?)).into_response())
}

/// Marks a response as drawn for one person: no cache may keep or share it.
pub fn private(response: Result<Response, WebError>) -> Result<Response, WebError> {
    response.map(|mut response| {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, PRIVATE);
        response
    })
}

/// Marks every answer of the routes it wraps as private, errors included: pages reached by a secret link (a
/// reset, sign-in, confirmation, join or unsubscribe token) change when the link is used, and a shared cache
/// must never answer one with the page it drew before. (`route_layer(map_response(every_answer_private))`)
pub async fn every_answer_private(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, PRIVATE);
    response
}

/// A message as a sentence: its first letter in capitals.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `Cache-Control` for pages drawn for one visitor.
pub const PRIVATE: HeaderValue = HeaderValue::from_static("private, no-store");
