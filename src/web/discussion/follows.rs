//! Following a discussion by mail: the links in the mails. Both open as a page with a button and change
//! nothing (mail scanners open every link, and anyone can ask to follow under someone else's address); the
//! button's POST acts, signed in or not, with no CSRF token: the token in the address is the proof.
//! `/follow/confirm/TOKEN` confirms the address (nothing is sent before). `/follow/stop/TOKEN` ends the follow,
//! and so does the POST a mail program sends for RFC 8058's one-click unsubscribe (body
//! `List-Unsubscribe=One-Click`).

use axum::{extract::Path, http::StatusCode, response::Response};

use crate::domain::calendar;

use crate::web::{
    error::WebError,
    respond::private,
    respond::render,
    site_scope::Scoped,
    views::{ButtonPage, MessagePage},
};

async fn title_of(state: &Scoped, site_id: i64, post_id: i64) -> Result<String, WebError> {
    Ok(state
        .store
        .post_by_id(site_id, post_id)
        .await?
        .map(|post| post.title)
        .unwrap_or_default())
}

async fn message(
    state: &Scoped,
    status: StatusCode,
    heading: &str,
    message: String,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let page = MessagePage {
        layout: state.layout(&site, Some(heading), None).await?,
        heading: heading.into(),
        message,
    };
    private(render(status, &page))
}

async fn nothing_to_confirm(state: &Scoped) -> Result<Response, WebError> {
    message(
        state,
        StatusCode::NOT_FOUND,
        "Nothing to confirm",
        "This link follows no discussion: it was stopped already, or the address is not right."
            .into(),
    )
    .await
}

/// `GET /follow/confirm/TOKEN`: what the button would confirm, and the button; once confirmed, says so.
pub async fn confirm_page(state: Scoped, Path(token): Path<String>) -> Result<Response, WebError> {
    let site = state.site().clone();
    let Some(follow) = state.store.follow_by_token(site.id, &token).await? else {
        return nothing_to_confirm(&state).await;
    };
    let title = title_of(&state, site.id, follow.post_id).await?;
    if follow.confirmed_at.is_some() {
        return message(
            &state,
            StatusCode::OK,
            "You follow this discussion",
            format!(
                "{} gets a mail for each new comment on “{title}”. Each mail has a link to stop them.",
                follow.email
            ),
        )
        .await;
    }
    let page = ButtonPage {
        layout: state
            .layout(&site, Some("Follow this discussion"), None)
            .await?,
        heading: "Follow this discussion".into(),
        message: format!(
            "Someone asked that {} get a mail for each new comment on “{title}”. If it was you, confirm with \
             this button; if not, close this page: nothing is sent without it.",
            follow.email
        ),
        action: format!("/follow/confirm/{token}"),
        button: "Confirm".into(),
    };
    private(render(StatusCode::OK, &page))
}

/// `POST /follow/confirm/TOKEN`: confirms the address, and the follow starts (the page's button).
pub async fn confirm(state: Scoped, Path(token): Path<String>) -> Result<Response, WebError> {
    let site_id = state.site().id;
    match state
        .store
        .confirm_follow(site_id, &token, calendar::now())
        .await?
    {
        Some(follow) => {
            let title = title_of(&state, site_id, follow.post_id).await?;
            message(
                &state,
                StatusCode::OK,
                "You follow this discussion",
                format!(
                    "{} will get a mail for each new comment on “{title}”. Each mail has a link to stop them.",
                    follow.email
                ),
            )
            .await
        }
        None => nothing_to_confirm(&state).await,
    }
}

/// `GET /follow/stop/TOKEN`: what the button would stop, and the button.
pub async fn stop_page(state: Scoped, Path(token): Path<String>) -> Result<Response, WebError> {
    let site = state.site().clone();
    let message = match state.store.follow_by_token(site.id, &token).await? {
        Some(follow) => {
            let title = title_of(&state, site.id, follow.post_id).await?;
            format!(
                "{} gets a mail for each new comment on “{title}”. Stop them with this button.",
                follow.email
            )
        }
        None => "This link follows no discussion any more: no more mails will come from it.".into(),
    };
    let page = ButtonPage {
        layout: state.layout(&site, Some("Stop these mails"), None).await?,
        heading: "Stop these mails".into(),
        message,
        action: format!("/follow/stop/{token}"),
        button: "Unsubscribe".into(),
    };
    private(render(StatusCode::OK, &page))
}

/// `POST /follow/stop/TOKEN`: ends the follow (the page's button, or a mail program's one-click unsubscribe).
pub async fn stop(state: Scoped, Path(token): Path<String>) -> Result<Response, WebError> {
    let site_id = state.site().id;
    match state.store.unfollow(site_id, &token).await? {
        Some(follow) => {
            let title = title_of(&state, site_id, follow.post_id).await?;
            message(
                &state,
                StatusCode::OK,
                "Unsubscribed",
                format!(
                    "{} will get no more mails about the discussion of “{title}”.",
                    follow.email
                ),
            )
            .await
        }
        None => {
            message(
                &state,
                StatusCode::OK,
                "Unsubscribed",
                "This link follows no discussion any more: no more mails will come from it.".into(),
            )
            .await
        }
    }
}
