//! The dashboard: the moderation queue for editors and administrators, and the mail outbox for administrators.

use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::domain::{
    calendar,
    comment::{CommentStatus, Moderation},
};

use super::{
    AppState, PRIVATE,
    error::WebError,
    form::StrictForm,
    notify, render,
    session::{Administrator, Staff},
    views::{
        AdminCommentsPage, CommentRow, DashboardPage, Link, MailRow, OutboxPage, SettingField,
        SettingsPage, StatusTab,
    },
};

const QUEUE_PAGE_SIZE: u32 = 50;

/// Every dashboard page is personal: never cached by anyone.
fn private(response: Result<Response, WebError>) -> Result<Response, WebError> {
    response.map(|mut response| {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, PRIVATE);
        response
    })
}

pub async fn dashboard(
    State(state): State<AppState>,
    Staff(staff): Staff,
) -> Result<Response, WebError> {
    let site = state.site().await?;
    let counts = state.store.comment_counts(site.id).await?;
    let pending = counts
        .iter()
        .find(|(status, _)| *status == CommentStatus::Pending)
        .map_or(0, |(_, count)| *count);
    let is_administrator = staff.role == Some(crate::domain::user::Role::Administrator);
    let page = DashboardPage {
        layout: state.layout(&site, Some("Dashboard"), Some(&staff)).await?,
        pending,
        is_administrator,
    };
    private(render(StatusCode::OK, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<u32>,
}

fn parse_status(text: &str) -> Result<Option<CommentStatus>, WebError> {
    match text {
        "" | "all" => Ok(None),
        other => other.parse().map(Some).map_err(|_| WebError::NotFound),
    }
}

/// `/admin/comments`: held comments first, with what only staff may see (email, address).
pub async fn comments(
    State(state): State<AppState>,
    Staff(staff): Staff,
    Query(query): Query<QueueQuery>,
) -> Result<Response, WebError> {
    let site = state.site().await?;
    let status = parse_status(&query.status)?;
    let page = query.page.unwrap_or(1).max(1);
    let counts = state.store.comment_counts(site.id).await?;
    let count_of = |wanted: Option<CommentStatus>| -> i64 {
        counts
            .iter()
            .filter(|(status, _)| wanted.is_none_or(|wanted| *status == wanted))
            .map(|(_, count)| count)
            .sum()
    };
    let tabs = [
        None,
        Some(CommentStatus::Pending),
        Some(CommentStatus::Approved),
        Some(CommentStatus::Spam),
        Some(CommentStatus::Trash),
    ]
    .into_iter()
    .map(|tab| StatusTab {
        label: tab.map_or("All", |status| match status {
            CommentStatus::Pending => "Pending",
            CommentStatus::Approved => "Approved",
            CommentStatus::Spam => "Spam",
            CommentStatus::Trash => "Trash",
        }),
        href: format!(
            "/admin/comments?status={}",
            tab.map_or("all", CommentStatus::as_str)
        ),
        count: count_of(tab),
        current: tab == status,
    })
    .collect();
    let zone = site.settings.zone();
    let queue = state
        .store
        .moderation_queue(site.id, status, page, QUEUE_PAGE_SIZE)
        .await?;
    let total = count_of(status);
    let rows = queue
        .into_iter()
        .map(|queued| {
            let comment = queued.comment;
            CommentRow {
                actions: actions_for(comment.status),
                id: comment.id,
                author: comment.author_name,
                email: comment.author_email,
                url: comment.author_url.unwrap_or_default(),
                ip: comment.author_ip,
                user_agent: queued.user_agent,
                date: zone.long_date_time(comment.created_at),
                content_html: comment.content_html.into_string(),
                post: Link {
                    href: format!("/?p={}", comment.post_id),
                    text: queued.post_title,
                },
                status: comment.status.as_str(),
            }
        })
        .collect();
    let pages = u32::try_from((total.max(0) as u64).div_ceil(u64::from(QUEUE_PAGE_SIZE)))
        .unwrap_or(1)
        .max(1);
    let status_text = status.map_or("all", CommentStatus::as_str).to_owned();
    let page_link = |number: u32| format!("/admin/comments?status={status_text}&page={number}");
    let view = AdminCommentsPage {
        layout: state.layout(&site, Some("Comments"), Some(&staff)).await?,
        tabs,
        rows,
        csrf: staff.csrf.clone(),
        status: status_text.clone(),
        newer: (page > 1).then(|| page_link(page - 1)),
        older: (page < pages).then(|| page_link(page + 1)),
    };
    private(render(StatusCode::OK, &view))
}

/// The actions that make sense for a comment in a status, as (form value, button label).
fn actions_for(status: CommentStatus) -> Vec<(&'static str, &'static str)> {
    match status {
        CommentStatus::Pending => {
            vec![("approve", "Approve"), ("spam", "Spam"), ("trash", "Trash")]
        }
        CommentStatus::Approved => vec![
            ("unapprove", "Unapprove"),
            ("spam", "Spam"),
            ("trash", "Trash"),
        ],
        CommentStatus::Spam => vec![("approve", "Not spam"), ("trash", "Trash")],
        CommentStatus::Trash => vec![("restore", "Restore")],
    }
}

fn moderation(action: &str) -> Option<Moderation> {
    Some(match action {
        "approve" => Moderation::Approve,
        "unapprove" => Moderation::Unapprove,
        "spam" => Moderation::Spam,
        "trash" => Moderation::Trash,
        "restore" => Moderation::Restore,
        _ => return None,
    })
}

/// `POST /admin/comments`: one comment's button (`one=ACTION:ID`) or a bulk action on the ticked `ids`.
pub async fn moderate(
    State(state): State<AppState>,
    Staff(staff): Staff,
    StrictForm(fields): StrictForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    staff.check_csrf(field("csrf").unwrap_or_default())?;
    let site = state.site().await?;
    let (action, ids): (&str, Vec<i64>) = match field("one").and_then(|one| one.split_once(':')) {
        Some((action, id)) => (
            action,
            id.parse()
                .map(|id| vec![id])
                .map_err(|_| WebError::BadRequest("No such comment.".into()))?,
        ),
        None => (
            field("action").unwrap_or_default(),
            fields
                .iter()
                .filter(|(key, _)| key == "ids")
                .filter_map(|(_, id)| id.parse().ok())
                .collect(),
        ),
    };
    let action = moderation(action)
        .ok_or_else(|| WebError::BadRequest("Choose what to do with the comments.".into()))?;
    let now = calendar::now();
    for id in ids {
        let before = state.store.comment_by_id(site.id, id).await?;
        let Some(before) = before else { continue };
        let after = match state.store.moderate_comment(site.id, id, action, now).await {
            Ok(after) => after,
            Err(crate::store::StoreError::Conflict(_)) => continue,
            Err(error) => return Err(error.into()),
        };
        tracing::info!(comment = id, by = staff.user.id, status = %after.status, "comment moderated");
        if before.status != CommentStatus::Approved
            && after.status == CommentStatus::Approved
            && let Some(post) = state.store.post_by_id(site.id, after.post_id).await?
        {
            notify::comment_approved(&state, &site, &post, &after).await;
        }
    }
    let status =
        parse_status(field("status").unwrap_or_default())?.map_or("all", CommentStatus::as_str);
    Ok(Redirect::to(&format!("/admin/comments?status={status}")).into_response())
}

/// `/admin/outbox`: every mail colloquy wrote, newest first, for administrators.
pub async fn outbox(
    State(state): State<AppState>,
    Administrator(admin): Administrator,
) -> Result<Response, WebError> {
    let site = state.site().await?;
    let zone = site.settings.zone();
    let mails = state
        .store
        .outbox(site.id, 200)
        .await?
        .into_iter()
        .map(|mail| MailRow {
            state: match (mail.sent_at, &mail.last_error) {
                (Some(sent), _) => format!("sent {}", zone.long_date_time(sent)),
                (None, Some(error)) => {
                    format!("not delivered after {} tries: {error}", mail.attempts)
                }
                (None, None) if state.mailer.delivers_by_smtp() => "waiting to be sent".to_owned(),
                (None, None) => "kept here (no SMTP server is configured)".to_owned(),
            },
            recipient: mail.recipient,
            subject: mail.subject,
            body: mail.body,
            date: zone.long_date_time(mail.created_at),
        })
        .collect();
    let view = OutboxPage {
        layout: state.layout(&site, Some("Outbox"), Some(&admin)).await?,
        mails,
    };
    private(render(StatusCode::OK, &view))
}

/// How each setting is asked for on the settings page: (key, label, kind, help).
const SETTING_FIELDS: &[(&str, &str, FieldKind, &str)] = &[
    ("title", "Site title", FieldKind::Text, ""),
    (
        "tagline",
        "Tagline",
        FieldKind::Text,
        "A line under the title.",
    ),
    (
        "timezone",
        "Time zone",
        FieldKind::Text,
        "An IANA name such as Europe/Paris; dates in permalinks use it.",
    ),
    ("posts_per_page", "Posts per page", FieldKind::Number, ""),
    (
        "visibility",
        "Who can read the site",
        FieldKind::Visibility,
        "",
    ),
    (
        "comment_moderation",
        "Hold every comment for moderation",
        FieldKind::Checkbox,
        "",
    ),
    (
        "comment_previously_approved",
        "A commenter needs an earlier approved comment",
        FieldKind::Checkbox,
        "Members of the site skip this rule.",
    ),
    (
        "comment_max_links",
        "Hold a comment with this many links",
        FieldKind::Number,
        "0 turns the rule off.",
    ),
    (
        "moderation_keys",
        "Hold comments containing",
        FieldKind::Lines,
        "One word, phrase, email or address a line.",
    ),
    (
        "disallowed_keys",
        "Mark as spam comments containing",
        FieldKind::Lines,
        "One word, phrase, email or address a line.",
    ),
    (
        "comment_flood_interval",
        "Seconds between two comments from one person",
        FieldKind::Number,
        "0 turns the check off.",
    ),
    (
        "thread_comments_depth",
        "Nest replies this many levels deep",
        FieldKind::Number,
        "",
    ),
    (
        "comments_per_page",
        "Top-level comments per page",
        FieldKind::Number,
        "",
    ),
    (
        "close_comments_days_old",
        "Close comments on posts older than (days)",
        FieldKind::Number,
        "0 keeps them open.",
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Lines,
    Checkbox,
    Visibility,
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `/admin/settings`: the site's settings, for administrators.
pub async fn settings(
    State(state): State<AppState>,
    Administrator(admin): Administrator,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let site = state.site().await?;
    let values: Vec<(String, String)> = SETTING_FIELDS
        .iter()
        .map(|(key, ..)| {
            (
                (*key).to_owned(),
                site.settings.get(key).unwrap_or_default(),
            )
        })
        .collect();
    let notice = query.saved.map(|_| "Settings saved.".to_owned());
    show_settings(&state, &admin, StatusCode::OK, &values, &[], notice).await
}

async fn show_settings(
    state: &AppState,
    admin: &crate::web::session::SignedIn,
    status: StatusCode,
    values: &[(String, String)],
    errors: &[(String, String)],
    notice: Option<String>,
) -> Result<Response, WebError> {
    let site = state.site().await?;
    let find = |list: &[(String, String)], key: &str| {
        list.iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.clone())
    };
    let fields = SETTING_FIELDS
        .iter()
        .map(|(key, label, kind, help)| SettingField {
            key,
            label,
            kind: *kind,
            help,
            value: find(values, key).unwrap_or_default(),
            error: find(errors, key),
        })
        .collect();
    let view = SettingsPage {
        layout: state.layout(&site, Some("Settings"), Some(admin)).await?,
        csrf: admin.csrf.clone(),
        fields,
        notice,
    };
    private(render(status, &view))
}

/// `POST /admin/settings`: every field is checked; any fault shows the form again with what was typed.
pub async fn save_settings(
    State(state): State<AppState>,
    Administrator(admin): Administrator,
    StrictForm(form): StrictForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    admin.check_csrf(&field("csrf").unwrap_or_default())?;
    let site = state.site().await?;
    let mut settings = site.settings.clone();
    let mut typed = Vec::new();
    let mut errors = Vec::new();
    for (key, _, kind, _) in SETTING_FIELDS {
        let value = match kind {
            FieldKind::Checkbox => if field(key).is_some() {
                "true"
            } else {
                "false"
            }
            .to_owned(),
            _ => field(key).unwrap_or_default(),
        };
        if let Err(error) = settings.set(key, &value) {
            errors.push(((*key).to_owned(), capitalized(&error.to_string())));
        }
        typed.push(((*key).to_owned(), value));
    }
    if !errors.is_empty() {
        let notice = Some("Nothing was saved: please correct the marked settings.".to_owned());
        return show_settings(
            &state,
            &admin,
            StatusCode::UNPROCESSABLE_ENTITY,
            &typed,
            &errors,
            notice,
        )
        .await;
    }
    for (key, ..) in SETTING_FIELDS {
        let (before, after) = (site.settings.get(key), settings.get(key));
        if before != after {
            state
                .store
                .save_setting(site.id, key, &after.unwrap_or_default())
                .await?;
        }
    }
    tracing::info!(by = admin.user.id, "settings saved");
    Ok(Redirect::to("/admin/settings?saved=1").into_response())
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
