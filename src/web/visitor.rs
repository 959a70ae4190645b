//! What a visitor's cookies say: their own held comments (a signed list of ids) and, when they asked for it,
//! the name, email and website to fill the comment form with.

use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};
use axum_extra::extract::cookie::{Cookie, CookieJar, Key, SameSite, SignedCookieJar};
use serde::{Deserialize, Serialize};
use time::Duration;

const HELD_COOKIE: &str = "colloquy_held";
const COMMENTER_COOKIE: &str = "colloquy_commenter";
/// How many held comments a visitor's cookie remembers.
const MAX_HELD: usize = 20;

/// The commenter details the "Save my name…" box keeps.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Remembered {
    pub author: String,
    pub email: String,
    pub url: String,
}

/// A visitor as their cookies describe them.
pub struct Visitor {
    pub held: Vec<i64>,
    pub remembered: Option<Remembered>,
    signed: SignedCookieJar,
    plain: CookieJar,
    secure: bool,
}

/// Whether cookies are sent only over https (the site's base URL is https).
#[derive(Clone, Copy)]
pub struct SecureCookies(pub bool);

impl<S> FromRequestParts<S> for Visitor
where
    S: Send + Sync,
    Key: FromRef<S>,
    SecureCookies: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let signed = SignedCookieJar::<Key>::from_request_parts(parts, state).await?;
        let plain = CookieJar::from_request_parts(parts, state).await?;
        let held = signed
            .get(HELD_COOKIE)
            .map(|cookie| {
                cookie
                    .value()
                    .split('.')
                    .filter_map(|id| id.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        let remembered = plain
            .get(COMMENTER_COOKIE)
            .and_then(|cookie| serde_urlencoded::from_str(cookie.value()).ok());
        Ok(Self {
            held,
            remembered,
            signed,
            plain,
            secure: SecureCookies::from_ref(state).0,
        })
    }
}

impl Visitor {
    /// Adds a held comment to the visitor's signed list.
    pub fn hold(mut self, comment_id: i64) -> Self {
        self.held.retain(|id| *id != comment_id);
        self.held.push(comment_id);
        let keep_from = self.held.len().saturating_sub(MAX_HELD);
        let value: Vec<String> = self.held[keep_from..].iter().map(i64::to_string).collect();
        self.signed = self
            .signed
            .add(long_lived(HELD_COOKIE, value.join("."), self.secure));
        self
    }

    /// Keeps the commenter's details for next time, or forgets them when the box was left unticked.
    pub fn remember(mut self, details: Option<Remembered>) -> Self {
        self.plain = match details.and_then(|details| serde_urlencoded::to_string(details).ok()) {
            Some(value) => self
                .plain
                .add(long_lived(COMMENTER_COOKIE, value, self.secure)),
            None if self.remembered.is_some() => {
                self.plain.remove(Cookie::build(COMMENTER_COOKIE).path("/"))
            }
            None => self.plain,
        };
        self
    }

    /// Whether the visitor gave this post's current password (within the last 10 days).
    pub fn has_unlocked(&self, post_id: i64, password: &str) -> bool {
        self.signed
            .get(&unlock_cookie_name(post_id))
            .is_some_and(|cookie| cookie.value() == password_fingerprint(password))
    }

    /// Remembers for 10 days that the visitor gave this post's password.
    pub fn unlock(mut self, post_id: i64, password: &str) -> Self {
        let cookie = Cookie::build((unlock_cookie_name(post_id), password_fingerprint(password)))
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .max_age(Duration::days(10))
            .build();
        self.signed = self.signed.add(cookie);
        self
    }

    /// The cookie jars to send back with the response.
    pub fn into_jars(self) -> (SignedCookieJar, CookieJar) {
        (self.signed, self.plain)
    }
}

fn unlock_cookie_name(post_id: i64) -> String {
    format!("colloquy_unlocked_{post_id}")
}

/// Changes when the password changes, so an old unlock stops working; reveals nothing of the password.
fn password_fingerprint(password: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(password.as_bytes())[..12])
}

fn long_lived(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(Duration::days(365))
        .build()
}
