//! Signing in and out: passwords (throttled), mailed sign-in links, password reset.
//!
//! No answer says whether an email has an account: wrong email and wrong password read the same, and the
//! "mail me a link" forms always answer that a link is on its way if the account exists.

use std::sync::LazyLock;

use axum::{
    extract::{Path, Query},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use crate::{
    domain::{
        calendar,
        client::ClientGroup,
        user::{email_key, hash_password},
    },
    store::{MailLimits, MailRequestKind, SignInLimits, SignInTurn, TokenPurpose},
};

use crate::web::{
    client_ip::ClientIp,
    error::WebError,
    form::StrictForm,
    notice::Notice,
    respond::capitalized,
    respond::render,
    session::{self, SignedIn, hash_token, new_token, safe_next},
    site_scope::Scoped,
    views::{ForgotPage, LoginPage, MessagePage, NewPasswordPage, SignInLinkPage},
};

/// The window over which failed sign-ins are counted, in seconds.
pub(super) const THROTTLE_WINDOW: i64 = 15 * 60;
/// Failed sign-ins allowed within the window: 5 for one email from one client; 50 for every email from one
/// client (a lecture hall shares one address, so one student's typos must not lock out the room); 20 for one
/// email from anywhere, before password sign-in pauses for it. A client is an IPv4 address or an IPv6 /64
/// (`domain::client`).
pub(super) const SIGN_IN_LIMITS: SignInLimits = SignInLimits {
    per_account_and_address: 5,
    per_address: 50,
    per_account: 20,
};
/// The window over which mails asked for by strangers are counted, in seconds.
const MAIL_WINDOW: i64 = 3_600;
/// Reset and sign-in links mailed within the window: 3 to one address, 20 at the request of one client (an
/// IPv4 address or an IPv6 /64). Past either, the form answers as always and nothing is sent: no inbox can be
/// flooded from here.
const LINK_MAIL_LIMITS: MailLimits = MailLimits {
    per_recipient: 3,
    per_client: 20,
};
const RESET_LINK_SECONDS: i64 = 3_600;
const SIGN_IN_LINK_SECONDS: i64 = 15 * 60;
/// The hash of a random password, checked when the email has no account (or no password), so that every
/// wrong answer takes as long as a real check.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&new_token()).unwrap_or_default());

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    reset: Option<String>,
    #[serde(default)]
    signed_out: Option<String>,
}

pub async fn login_page(
    state: Scoped,
    Query(query): Query<NextQuery>,
    signed_in: Option<SignedIn>,
) -> Result<Response, WebError> {
    if signed_in.is_some() {
        return Ok(Redirect::to(
            &safe_next(&query.next, &state.site().root())
                .map_or_else(|| state.site().root().join("/"), str::to_owned),
        )
        .into_response());
    }
    let notice = match (query.reset, query.signed_out) {
        (Some(_), _) => Some(Notice::success(
            "Your password was changed. Sign in with it now.",
        )),
        (None, Some(_)) => Some(Notice::success(
            "You have signed out. Sign in again to write or comment as yourself.",
        )),
        (None, None) => None,
    };
    show_login(
        &state,
        StatusCode::OK,
        LoginForm {
            next: query.next,
            notice,
            ..LoginForm::default()
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(skip)]
    notice: Option<Notice>,
}

async fn show_login(
    state: &Scoped,
    status: StatusCode,
    form: LoginForm,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let mut layout = state.layout(&site, Some("Sign in"), None).await?;
    layout.notice = form.notice;
    let page = LoginPage {
        layout,
        email: form.email,
        next: form.next,
    };
    render(status, &page)
}

pub async fn log_in(
    state: Scoped,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    StrictForm(form): StrictForm<LoginForm>,
) -> Result<Response, WebError> {
    let now = calendar::now();
    let user = state.store.user_by_email(form.email.trim()).await?;
    // Counted under the account's own address when the store finds one, so that every spelling the store
    // takes for it (PostgreSQL's `lower()` reads `İ` as `i`) shares its count.
    let key = match &user {
        Some(user) => email_key(&user.email),
        None => email_key(&form.email),
    };
    // The failure is counted before the password is checked, so attempts sent at once are checked no more
    // than the limit allows.
    let turn = state
        .store
        .take_sign_in_turn(
            ClientGroup::of(ip),
            &key,
            now,
            now - THROTTLE_WINDOW,
            SIGN_IN_LIMITS,
        )
        .await?;
    let attempt = match turn {
        SignInTurn::Go { attempt } => attempt,
        SignInTurn::Wait {
            oldest,
            whole_address,
        } => {
            let seconds = (oldest + THROTTLE_WINDOW - now).max(1);
            let notice = if whole_address {
                format!(
                    "Too many failed sign-ins from your address. Please try again in {} minutes.",
                    minutes(seconds)
                )
            } else {
                format!(
                    "Password sign-in for this email is paused here for {} minutes after several failed \
                     attempts. A sign-in link by email still works.",
                    minutes(seconds)
                )
            };
            return throttled(&state, form, notice, seconds).await;
        }
    };
    let stored_hash = match &user {
        Some(user) => state.store.password_hash(user.id).await?,
        None => None,
    };
    let matches = state
        .passwords
        .verify(
            form.password.clone(),
            stored_hash.unwrap_or_else(|| DECOY_HASH.clone()),
        )
        .await?;
    match user.filter(|_| matches) {
        Some(user) => {
            state.store.forget_sign_in_attempt(attempt).await?;
            let cookie = session::start(&state, &user).await?;
            tracing::info!(user = user.id, "signed in");
            Ok((
                jar.add(cookie),
                Redirect::to(
                    &safe_next(&form.next, &state.site().root())
                        .map_or_else(|| state.site().root().join("/"), str::to_owned),
                ),
            )
                .into_response())
        }
        None => {
            let notice = Some(Notice::problem(
                "That email and password do not match an account. Check both and try again.",
            ));
            show_login(
                &state,
                StatusCode::UNAUTHORIZED,
                LoginForm {
                    password: String::new(),
                    notice,
                    ..form
                },
            )
            .await
        }
    }
}

fn minutes(seconds: i64) -> i64 {
    (seconds + 59) / 60
}

async fn throttled(
    state: &Scoped,
    form: LoginForm,
    notice: String,
    retry_after: i64,
) -> Result<Response, WebError> {
    let mut response = show_login(
        state,
        StatusCode::TOO_MANY_REQUESTS,
        LoginForm {
            password: String::new(),
            notice: Some(Notice::problem(notice)),
            ..form
        },
    )
    .await?;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn log_out(
    state: Scoped,
    signed_in: SignedIn,
    jar: CookieJar,
    StrictForm(form): StrictForm<CsrfForm>,
) -> Result<Response, WebError> {
    signed_in.check_csrf(&form.csrf)?;
    let removal = session::end(&state, &signed_in).await?;
    Ok((
        jar.remove(removal),
        Redirect::to(&state.site().root().join("/login?signed_out=1")),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// `POST /login/forgot` and `POST /login/link`: mail a single-use link if the account exists and the limits
/// allow, and say the same thing either way.
pub async fn mail_reset_link(
    state: Scoped,
    ClientIp(ip): ClientIp,
    StrictForm(form): StrictForm<EmailForm>,
) -> Result<Response, WebError> {
    mail_link(
        &state,
        ClientGroup::of(ip),
        &form.email,
        TokenPurpose::ResetPassword,
    )
    .await
}

pub async fn mail_sign_in_link(
    state: Scoped,
    ClientIp(ip): ClientIp,
    StrictForm(form): StrictForm<EmailForm>,
) -> Result<Response, WebError> {
    mail_link(
        &state,
        ClientGroup::of(ip),
        &form.email,
        TokenPurpose::SignIn,
    )
    .await
}

/// Whether a mail asked for by `client` may go to `email` now. The turn is taken whether an account has the
/// address or not, so the answer's timing says nothing either.
pub(super) async fn may_mail(
    state: &Scoped,
    kind: MailRequestKind,
    client: ClientGroup,
    email: &str,
    limits: MailLimits,
) -> Result<bool, WebError> {
    let now = calendar::now();
    // The address of the account the store finds for what was typed, when there is one: the store's own
    // comparison decides which spellings are one account, so they all share its count.
    let key = match state.store.user_by_email(email.trim()).await? {
        Some(user) => email_key(&user.email),
        None => email_key(email),
    };
    let granted = state
        .store
        .take_mail_turn(kind, &key, client, now, now - MAIL_WINDOW, limits)
        .await?;
    if !granted {
        tracing::info!("an asked-for mail was not sent: the hour's limit is reached");
    }
    Ok(granted)
}

async fn mail_link(
    state: &Scoped,
    client: ClientGroup,
    email: &str,
    purpose: TokenPurpose,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let allowed = may_mail(
        state,
        MailRequestKind::Link,
        client,
        email,
        LINK_MAIL_LIMITS,
    )
    .await?;
    let user = if allowed {
        state.store.user_by_email(email.trim()).await?
    } else {
        None
    };
    if let Some(user) = user {
        let token = new_token();
        let now = calendar::now();
        let (lifetime, path, subject, purpose_text) = match purpose {
            TokenPurpose::ResetPassword => (
                RESET_LINK_SECONDS,
                "reset",
                "Reset your password",
                "choose a new password",
            ),
            TokenPurpose::SignIn => (SIGN_IN_LINK_SECONDS, "link", "Your sign-in link", "sign in"),
        };
        state
            .store
            .create_token(purpose, &hash_token(&token), user.id, now, now + lifetime)
            .await?;
        let body = format!(
            "Hello {name},\n\nSomeone (we hope you) asked to {purpose_text} on {title}. Open this link within {minutes} \
             minutes:\n\n{base}/login/{path}/{token}\n\nThe link works once. If you did not ask for it, ignore this mail.\n",
            name = user.name,
            title = site.settings.title,
            minutes = lifetime / 60,
            base = state.site_url(&site),
        );
        state
            .mailer
            .send_secret(
                Some(site.id),
                &user.email,
                &format!("{subject} – {}", site.settings.title),
                &body,
            )
            .await?;
    }
    let page = MessagePage {
        layout: state.layout(&site, Some("Check your mail"), None).await?,
        heading: "Check your mail".into(),
        message: "If an account has that email, a link is on its way to it. The link works once."
            .into(),
    };
    render(StatusCode::OK, &page)
}

pub async fn forgot_page(state: Scoped) -> Result<Response, WebError> {
    let site = state.site().clone();
    render(
        StatusCode::OK,
        &ForgotPage {
            layout: state
                .layout(&site, Some("Forgot your password?"), None)
                .await?,
        },
    )
}

/// `GET /login/reset/TOKEN`: the new-password form, while the link is good.
pub async fn reset_page(state: Scoped, Path(token): Path<String>) -> Result<Response, WebError> {
    if !state
        .store
        .token_is_live(
            TokenPurpose::ResetPassword,
            &hash_token(&token),
            calendar::now(),
        )
        .await?
    {
        return Err(WebError::LinkExpired);
    }
    show_reset(&state, StatusCode::OK, token, None).await
}

async fn show_reset(
    state: &Scoped,
    status: StatusCode,
    token: String,
    error: Option<String>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let page = NewPasswordPage {
        layout: state
            .layout(&site, Some("Choose a new password"), None)
            .await?,
        token,
        error,
    };
    render(status, &page)
}

#[derive(Debug, Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn reset_password(
    state: Scoped,
    Path(token): Path<String>,
    StrictForm(form): StrictForm<NewPasswordForm>,
) -> Result<Response, WebError> {
    if form.password != form.confirm {
        return show_reset(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            Some("The two passwords differ.".into()),
        )
        .await;
    }
    // The link is checked before any password work: a guessed token costs no hashing.
    if !state
        .store
        .token_is_live(
            TokenPurpose::ResetPassword,
            &hash_token(&token),
            calendar::now(),
        )
        .await?
    {
        return Err(WebError::LinkExpired);
    }
    let hash = match state.passwords.hash(form.password.clone()).await? {
        Ok(hash) => hash,
        Err(error) => {
            return show_reset(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                token,
                Some(capitalized(&error.to_string())),
            )
            .await;
        }
    };
    // The new password, the end of the account's sessions and of every other link it has: one transaction.
    let Some(user_id) = state
        .store
        .reset_password(&hash_token(&token), &hash, calendar::now())
        .await?
    else {
        return Err(WebError::LinkExpired);
    };
    tracing::info!(user = user_id, "password reset");
    Ok(Redirect::to(&state.site().root().join("/login?reset=1")).into_response())
}

/// `GET /login/link/TOKEN`: a button that finishes signing in. (Mail scanners open links; only the POST uses it.)
pub async fn sign_in_link_page(
    state: Scoped,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    if !state
        .store
        .token_is_live(TokenPurpose::SignIn, &hash_token(&token), calendar::now())
        .await?
    {
        return Err(WebError::LinkExpired);
    }
    let site = state.site().clone();
    render(
        StatusCode::OK,
        &SignInLinkPage {
            layout: state.layout(&site, Some("Sign in"), None).await?,
            token,
        },
    )
}

pub async fn use_sign_in_link(
    state: Scoped,
    Path(token): Path<String>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let Some(user_id) = state
        .store
        .consume_token(TokenPurpose::SignIn, &hash_token(&token), calendar::now())
        .await?
    else {
        return Err(WebError::LinkExpired);
    };
    state
        .store
        .confirm_current_email(user_id, calendar::now())
        .await?;
    let user = state.store.user_by_id(user_id).await?;
    let cookie = session::start(&state, &user).await?;
    tracing::info!(user = user.id, "signed in by link");
    Ok((
        jar.add(cookie),
        Redirect::to(&state.site().root().join("/")),
    )
        .into_response())
}
