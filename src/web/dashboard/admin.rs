//! The dashboard: the moderation queue for editors and administrators, and the mail outbox for administrators.

use axum::{
    extract::Query,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    address::Target,
    discussion::{Correction, DiscussionError, Mail, Outcome, Writer},
    domain::{
        comment::{CommentStatus, Field, FieldError, Moderation},
        permalink::{ArchiveKind, archive_path},
        settings::SettingError,
    },
};

use crate::web::{
    client_ip::ClientIp,
    dashboard::menu::Section,
    error::WebError,
    form::{self, StrictForm},
    notice::{Done, Notice, Undo, counted},
    path::Param,
    respond::capitalized,
    respond::private,
    respond::render,
    session::{Administrator, Staff},
    site_scope::Scoped,
    views::{
        AdminCommentsPage, CategoriesPage, CommentEditPage, CommentRow, DashboardPage, FieldKind,
        Link, MailRow, OutboxPage, SettingField, SettingsPage, StatusTab,
    },
};

const QUEUE_PAGE_SIZE: u32 = 50;

pub async fn dashboard(state: Scoped, Staff(staff): Staff) -> Result<Response, WebError> {
    let site = state.site().clone();
    let counts = state.store.comment_counts(site.id).await?;
    let pending = counts
        .iter()
        .find(|(status, _)| *status == CommentStatus::Pending)
        .map_or(0, |(_, count)| *count);
    let is_administrator = staff.role == Some(crate::domain::user::Role::Administrator);
    let sites = state
        .store
        .sites_of_user(staff.user.id)
        .await?
        .into_iter()
        .map(|(other, role)| Link {
            href: other.root().join("/admin/"),
            text: format!(
                "{} ({role}){}",
                other.settings.title,
                if other.id == site.id {
                    ", this site"
                } else {
                    ""
                }
            ),
        })
        .collect();
    let page = DashboardPage {
        layout: state
            .dashboard_layout(&site, "Dashboard", &staff, Section::Dashboard)
            .await?,
        pending,
        is_administrator,
        manages_sites: is_administrator && site.is_main(),
        sites,
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
    state: Scoped,
    Staff(staff): Staff,
    Query(query): Query<QueueQuery>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
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
        href: site.root().join(&format!(
            "/admin/comments?status={}",
            tab.map_or("all", CommentStatus::as_str)
        )),
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
    let mut addresses = std::collections::HashMap::new();
    for queued in &queue {
        let post_id = queued.comment.post_id;
        if let std::collections::hash_map::Entry::Vacant(entry) = addresses.entry(post_id)
            && let Some(post) = state.store.post_by_id(site.id, post_id).await?
        {
            entry.insert(state.address_of(&site, Target::Preview(&post)).await?);
        }
    }
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
                content_html: comment.content_html,
                post: Link {
                    href: addresses.get(&comment.post_id).cloned().unwrap_or_default(),
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
    let page_link = |number: u32| {
        site.root().join(&format!(
            "/admin/comments?status={status_text}&page={number}"
        ))
    };
    let mut layout = state
        .dashboard_layout(&site, "Comments", &staff, Section::Comments)
        .await?;
    layout.notice = moderation_notice(&site, &status_text, &done, &staff.csrf);
    let view = AdminCommentsPage {
        layout,
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

/// `POST /admin/comments`: one comment's button (`one=ACTION:ID`), a bulk action on the ticked `ids`, or an
/// Undo (`action=undo`, `undo=ID:STATUS,…`: each comment back to the status it had, without mail).
pub async fn moderate(
    state: Scoped,
    Staff(staff): Staff,
    StrictForm(fields): StrictForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |name: &str| form::field(&fields, name);
    staff.check_csrf(field("csrf").unwrap_or_default())?;
    let site = state.site().clone();
    let status =
        parse_status(field("status").unwrap_or_default())?.map_or("all", CommentStatus::as_str);
    let back = |query: String| {
        Redirect::to(
            &site
                .root()
                .join(&format!("/admin/comments?status={status}&{query}")),
        )
        .into_response()
    };
    if field("action") == Some("undo") {
        let undo = field("undo").unwrap_or_default();
        if !crate::web::notice::is_ours(&staff.csrf, undo, field("tag").unwrap_or_default()) {
            return Err(WebError::BadRequest(
                "This Undo was not made on this page for you; nothing was changed.".into(),
            ));
        }
        let mut undone = 0;
        for (id, before) in read_undo(undo)? {
            let Some(now) = state.store.comment_by_id(site.id, id).await? else {
                continue;
            };
            let Some(action) = Moderation::back_to(now.status, before) else {
                continue;
            };
            if moderate_one(&state, &staff, id, action, Mail::Skip)
                .await?
                .is_some()
            {
                undone += 1;
            }
        }
        return Ok(back(Done::query("undone", undone, None)));
    }
    let (action_name, ids): (&str, Vec<i64>) =
        match field("one").and_then(|one| one.split_once(':')) {
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
    let action = moderation(action_name)
        .ok_or_else(|| WebError::BadRequest("Choose what to do with the comments.".into()))?;
    if ids.is_empty() {
        return Ok(back(Done::query("none", 0, None)));
    }
    let mut moved = Vec::new();
    for id in ids {
        if let Some(before) = moderate_one(&state, &staff, id, action, Mail::Send).await? {
            moved.push(format!("{id}:{}", before.as_str()));
        }
    }
    let undo = matches!(
        action,
        Moderation::Trash | Moderation::Spam | Moderation::Unapprove
    )
    .then(|| moved.join(","))
    .filter(|undo| !undo.is_empty());
    Ok(back(match undo {
        Some(undo) => Done::signed_query(action_name, moved.len(), &undo, &staff.csrf),
        None => Done::query(action_name, moved.len(), None),
    }))
}

/// One comment moderated; the status it had, or `None` when the action no longer applied.
async fn moderate_one(
    state: &Scoped,
    staff: &crate::web::session::SignedIn,
    id: i64,
    action: Moderation,
    mail: Mail,
) -> Result<Option<CommentStatus>, WebError> {
    match state
        .discussion
        .moderate(state.site(), id, action, mail)
        .await
    {
        Ok(moderated) => {
            tracing::info!(comment = id, by = staff.user.id, status = %moderated.comment.status, "comment moderated");
            Ok((moderated.before != moderated.comment.status).then_some(moderated.before))
        }
        // Another moderator removed it, or moved it where this action no longer applies.
        Err(DiscussionError::NotFound | DiscussionError::NotApplicable(_)) => Ok(None),
        Err(error) => Err(crate::web::discussion::comments::refusal(error)),
    }
}

/// An Undo's `ID:STATUS,…`.
fn read_undo(text: &str) -> Result<Vec<(i64, CommentStatus)>, WebError> {
    let unreadable =
        || WebError::BadRequest("This Undo cannot be read; nothing was changed.".into());
    text.split(',')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (id, status) = pair.split_once(':').ok_or_else(unreadable)?;
            Ok((
                id.parse().map_err(|_| unreadable())?,
                status.parse().map_err(|_| unreadable())?,
            ))
        })
        .collect()
}

/// What the moderation queue says after an action.
fn moderation_notice(
    site: &crate::store::Site,
    status: &str,
    done: &Done,
    secret: &str,
) -> Option<Notice> {
    let count = done.count();
    let comments = counted(count, "comment", "comments");
    let text = match done.what()? {
        "none" => {
            return Some(Notice::problem(
                "Nothing was changed: tick the comments to act on first.",
            ));
        }
        _ if count == 0 => {
            "Nothing was changed: another moderator had already moved these comments.".to_owned()
        }
        "approve" => format!(
            "{comments} approved: readers can see {}.",
            if count == 1 { "it" } else { "them" }
        ),
        "unapprove" => format!("{comments} unapproved: held again, hidden from readers."),
        "spam" => format!("{comments} marked as spam."),
        "trash" => format!("{comments} moved to the trash."),
        "restore" => format!("{comments} restored from the trash."),
        "reply" => "Your reply is published, and the comment it answers is approved.".to_owned(),
        "correct" => "The comment is corrected.".to_owned(),
        "undone" => format!(
            "Undone: {comments} {} back as before.",
            if count == 1 { "is" } else { "are" }
        ),
        _ => return None,
    };
    let mut notice = Notice::success(text);
    if let Some((undo, tag)) = done.undo_for(secret) {
        notice = notice.with_undo(Undo {
            action: site.root().join("/admin/comments"),
            fields: vec![
                ("action", "undo".to_owned()),
                ("status", status.to_owned()),
                ("undo", undo.to_owned()),
                ("tag", tag.to_owned()),
            ],
            what: match done.what() {
                Some("trash") => "(take the comments out of the trash)",
                Some("spam") => "(they are not spam)",
                _ => "(show the comments again)",
            }
            .to_owned(),
        });
    }
    Some(notice)
}

/// `/admin/outbox`: every mail colloquy wrote, newest first, for administrators.
pub async fn outbox(
    state: Scoped,
    Administrator(admin): Administrator,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let zone = site.settings.zone();
    let mut mails = state.store.outbox(site.id, 200).await?;
    for mail in mails.iter_mut().filter(|mail| mail.carries_secret) {
        if !may_read_secret(&state, &site, &admin, &mail.recipient).await? {
            mail.body = "This mail holds a one-time link that signs its recipient in. Its recipient also \
                         belongs to another course or runs this one, so its text is shown to them alone."
                .to_owned();
        }
    }
    let mails = mails
        .into_iter()
        .map(|mail| MailRow {
            state: match (mail.sent_at, &mail.last_error) {
                (Some(sent), _) => format!("sent {}", zone.long_date_time(sent)),
                (None, Some(error)) => match mail.next_attempt_at {
                    Some(next) => format!(
                        "not delivered after {} tries, tried again {}: {error}",
                        mail.attempts,
                        zone.long_date_time(next)
                    ),
                    None => format!(
                        "not delivered after {} tries over a day; no more tries (read it here): {error}",
                        mail.attempts
                    ),
                },
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
        layout: state
            .dashboard_layout(&site, "Outbox", &admin, Section::Outbox)
            .await?,
        mails,
    };
    private(render(StatusCode::OK, &view))
}

/// Whether this site's administrator may read a mail holding a one-time link for `recipient`: their own, or
/// one for someone whose account they could act for anyway (a member of this site alone, not an
/// administrator). A sign-in link for anyone else would hand them another course's account, or a peer's.
async fn may_read_secret(
    state: &Scoped,
    site: &crate::store::Site,
    admin: &crate::web::viewer::SignedIn,
    recipient: &str,
) -> Result<bool, WebError> {
    let Some(account) = state.store.user_by_email(recipient).await? else {
        return Ok(true);
    };
    if account.id == admin.user.id {
        return Ok(true);
    }
    let memberships = state.store.sites_of_user(account.id).await?;
    Ok(memberships.iter().all(|(other, role)| {
        other.id == site.id && *role != crate::domain::user::Role::Administrator
    }))
}

/// How each setting is asked for on the settings page: (key, label, kind, help).
const SETTING_FIELDS: &[(&str, &str, FieldKind, &str)] = &[
    ("title", "Site title", FieldKind::Text, ""),
    (
        "term_start",
        "First day of the term",
        FieldKind::Date,
        "Participation is counted week by week from it.",
    ),
    ("term_weeks", "Weeks in the term", FieldKind::Number, ""),
    (
        "grade_scale",
        "Grades given with private feedback",
        FieldKind::GradeScale,
        "",
    ),
    (
        "grade_points",
        "Most points a grade gives",
        FieldKind::Number,
        "On the points scale; the gradebook CSV's \"Points Possible\".",
    ),
    (
        "tagline",
        "Tagline",
        FieldKind::Text,
        "A line under the title.",
    ),
    (
        "timezone",
        "Time zone",
        FieldKind::Zone,
        "Dates on the site and in permalinks are in it.",
    ),
    ("posts_per_page", "Posts per page", FieldKind::Number, ""),
    (
        "visibility",
        "Who can read the site",
        FieldKind::Visibility,
        "",
    ),
    (
        "leavers_writing",
        "When a member leaves the course, their posts and comments",
        FieldKind::LeaversWriting,
        "Members leave from their account page; the administrators are mailed each time.",
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

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `/admin/settings`: the site's settings, for administrators.
pub async fn settings(
    state: Scoped,
    Administrator(admin): Administrator,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let values: Vec<(String, String)> = SETTING_FIELDS
        .iter()
        .map(|(key, ..)| {
            (
                (*key).to_owned(),
                site.settings.get(key).unwrap_or_default(),
            )
        })
        .collect();
    let notice = query.saved.map(|_| Notice::success("Settings saved."));
    show_settings(&state, &admin, StatusCode::OK, &values, &[], notice).await
}

async fn show_settings(
    state: &Scoped,
    admin: &crate::web::session::SignedIn,
    status: StatusCode,
    values: &[(String, String)],
    errors: &[(String, String)],
    notice: Option<Notice>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
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
    let mut layout = state
        .dashboard_layout(&site, "Settings", admin, Section::Settings)
        .await?;
    layout.notice = notice;
    let view = SettingsPage {
        layout,
        csrf: admin.csrf.clone(),
        fields,
        zones: crate::domain::calendar::zone_names(),
    };
    private(render(status, &view))
}

/// A setting's fault in the words of the form: the field as its label names it, what it takes, what was typed.
fn setting_error(label: &str, error: &SettingError) -> String {
    match error {
        SettingError::BadValue {
            value, expected, ..
        } if value.trim().is_empty() => format!("{label} {expected}; it was left empty."),
        SettingError::BadValue {
            value, expected, ..
        } => format!("{label} {expected}, not “{}”.", value.trim()),
        SettingError::UnknownKey(_) => capitalized(&error.to_string()),
    }
}

/// `POST /admin/settings`: every field is checked; any fault shows the form again with what was typed.
pub async fn save_settings(
    state: Scoped,
    Administrator(admin): Administrator,
    StrictForm(form): StrictForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |name: &str| form::field(&form, name).map(str::to_owned);
    admin.check_csrf(&field("csrf").unwrap_or_default())?;
    let site = state.site().clone();
    let mut settings = site.settings.clone();
    let mut typed = Vec::new();
    let mut errors = Vec::new();
    for (key, label, kind, _) in SETTING_FIELDS {
        let value = match kind {
            FieldKind::Checkbox => if field(key).is_some() {
                "true"
            } else {
                "false"
            }
            .to_owned(),
            // A field the form did not send (a page from before the setting existed) keeps its value.
            _ => field(key).unwrap_or_else(|| site.settings.get(key).unwrap_or_default()),
        };
        if let Err(error) = settings.set(key, &value) {
            errors.push(((*key).to_owned(), setting_error(label, &error)));
        }
        typed.push(((*key).to_owned(), value));
    }
    if !errors.is_empty() {
        let notice = Some(Notice::problem(
            "Nothing was saved: please correct the marked settings.",
        ));
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
    Ok(Redirect::to(&state.site().root().join("/admin/settings?saved=1")).into_response())
}

/// `/admin/comments/ID`: correct a comment, or answer it as yourself (which approves it if it was held).
pub async fn comment_page(
    state: Scoped,
    Staff(staff): Staff,
    Param(id): Param<i64>,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let comment = state
        .store
        .comment_by_id(site.id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let fields = CommentEditFields {
        author: comment.author_name.clone(),
        email: comment.author_email.clone(),
        url: comment.author_url.clone().unwrap_or_default(),
        text: comment.content.clone(),
        ..CommentEditFields::default()
    };
    show_comment_page(&state, &staff, &comment, fields, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub struct CommentEditFields {
    #[serde(default)]
    author: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    csrf: String,
}

async fn show_comment_page(
    state: &Scoped,
    staff: &crate::web::session::SignedIn,
    comment: &crate::domain::comment::Comment,
    fields: CommentEditFields,
    errors: Option<Vec<crate::domain::comment::FieldError>>,
    status: StatusCode,
) -> Result<Response, WebError> {
    use crate::domain::comment::Field;
    let site = state.site().clone();
    let errors = errors.unwrap_or_default();
    let error = |field: Field| {
        errors
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.clone())
    };
    let post = state.store.post_by_id(site.id, comment.post_id).await?;
    let post_href = match &post {
        Some(post) => state.address_of(&site, Target::Preview(post)).await?,
        None => String::new(),
    };
    let page = CommentEditPage {
        layout: state
            .dashboard_layout(&site, "Edit comment", staff, Section::Comments)
            .await?,
        id: comment.id,
        csrf: staff.csrf.clone(),
        post: Link {
            href: post_href,
            text: post.map(|post| post.title).unwrap_or_default(),
        },
        status: comment.status.as_str(),
        author_error: error(Field::Author),
        email_error: error(Field::Email),
        url_error: error(Field::Url),
        text_error: error(Field::Comment),
        reply_error: errors
            .iter()
            .find(|error| error.field == Field::Parent)
            .map(|error| error.message.clone()),
        author: fields.author,
        email: fields.email,
        url: fields.url,
        text: fields.text,
        reply: fields.reply,
    };
    private(render(status, &page))
}

pub async fn save_comment(
    state: Scoped,
    Staff(staff): Staff,
    Param(id): Param<i64>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    StrictForm(fields): StrictForm<CommentEditFields>,
) -> Result<Response, WebError> {
    staff.check_csrf(&fields.csrf)?;
    let site = state.site().clone();
    let original = state
        .store
        .comment_by_id(site.id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    if fields.action == "reply" {
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let ip_text = ip.to_string();
        let writer = Writer {
            member: Some(staff.member()),
            ip: &ip_text,
            user_agent,
        };
        let outcome = state
            .discussion
            .staff_reply(&site, id, writer, &fields.reply)
            .await
            .map_err(crate::web::discussion::comments::refusal)?;
        let notice = match outcome {
            Outcome::Stored { comment, .. } => {
                tracing::info!(
                    comment = comment.id,
                    by = staff.user.id,
                    "replied from the dashboard"
                );
                return Ok(Redirect::to(&site.root().join(&format!(
                    "/admin/comments?{}",
                    Done::query("reply", 1, None)
                )))
                .into_response());
            }
            Outcome::Invalid(errors) => errors.into_iter().map(|error| error.message).collect(),
            Outcome::Duplicate => {
                vec![
                    "Duplicate comment detected; it looks as though you’ve already said that!"
                        .to_owned(),
                ]
            }
            Outcome::Flood { .. } => {
                vec![
                    "You are posting comments too quickly. Please wait and send it again."
                        .to_owned(),
                ]
            }
        };
        let errors = notice
            .into_iter()
            .map(|message| FieldError {
                field: Field::Parent,
                message,
            })
            .collect();
        return show_comment_page(
            &state,
            &staff,
            &original,
            fields,
            Some(errors),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let correction = Correction {
        author: fields.author.clone(),
        email: fields.email.clone(),
        url: fields.url.clone(),
        text: fields.text.clone(),
    };
    match state
        .discussion
        .correct(&site, id, &correction)
        .await
        .map_err(crate::web::discussion::comments::refusal)?
    {
        Ok(_) => {
            tracing::info!(comment = id, by = staff.user.id, "comment edited");
            Ok(Redirect::to(&site.root().join(&format!(
                "/admin/comments?{}",
                Done::query("correct", 1, None)
            )))
            .into_response())
        }
        Err(errors) => {
            show_comment_page(
                &state,
                &staff,
                &original,
                fields,
                Some(errors),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `/admin/categories`: the category tree, for editors and administrators to grow and rename.
pub async fn categories(
    state: Scoped,
    Staff(staff): Staff,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let site = state.site();
    let assignments = state.store.assignment_categories(site.id).await?;
    let named = match done.id() {
        Some(id) => state.store.term_by_id(site.id, id).await?,
        None => None,
    };
    let notice = named.and_then(|term| {
        let name = &term.name;
        Some(Notice::success(match done.what()? {
            "add" => format!("Category “{name}” added."),
            "rename" => format!("Renamed: the category is “{name}” now."),
            "assignment" if assignments.contains(&term.id) => format!(
                "“{name}” is an assignment now: its posts' grades are one column of the gradebook export."
            ),
            "assignment" => format!("“{name}” is no longer an assignment."),
            _ => return None,
        }))
    });
    show_categories(&state, &staff, notice, StatusCode::OK).await
}

async fn show_categories(
    state: &Scoped,
    staff: &crate::web::session::SignedIn,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let categories = state.store.categories(site.id).await?;
    let mut rows = Vec::new();
    fn walk(
        root: &crate::domain::site::SiteRoot,
        parent: Option<i64>,
        depth: usize,
        all: &[crate::domain::post::Term],
        rows: &mut Vec<(i64, String, String, usize)>,
    ) {
        for term in all.iter().filter(|term| term.parent_id == parent) {
            rows.push((
                term.id,
                term.name.clone(),
                root.join(&archive_path(ArchiveKind::Category, &term.slug)),
                depth,
            ));
            walk(root, Some(term.id), depth + 1, all, rows);
        }
    }
    walk(&site.root(), None, 0, &categories, &mut rows);
    let mut layout = state
        .dashboard_layout(&site, "Categories", staff, Section::Categories)
        .await?;
    layout.notice = notice;
    let page = CategoriesPage {
        layout,
        csrf: staff.csrf.clone(),
        rows,
        assignments: state.store.assignment_categories(site.id).await?,
    };
    private(render(status, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    id: String,
    /// The "Assignment" checkbox (ticked: `on`).
    #[serde(default)]
    assignment: String,
}

pub async fn save_category(
    state: Scoped,
    Staff(staff): Staff,
    StrictForm(form): StrictForm<CategoryForm>,
) -> Result<Response, WebError> {
    staff.check_csrf(&form.csrf)?;
    let site = state.site().clone();
    if form.action == "assignment" {
        let id = form.id.parse::<i64>().map_err(|_| WebError::NotFound)?;
        state
            .store
            .set_assignment(site.id, id, !form.assignment.is_empty())
            .await?;
        return Ok(Redirect::to(&site.root().join(&format!(
            "/admin/categories?{}",
            Done::about("assignment", id)
        )))
        .into_response());
    }
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return show_categories(
            &state,
            &staff,
            Some(Notice::problem(
                "A category needs a name of at most 100 characters.",
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let outcome = match form.action.as_str() {
        "rename" => {
            let id = form.id.parse::<i64>().map_err(|_| WebError::NotFound)?;
            state
                .store
                .rename_term(site.id, id, name)
                .await
                .map(|()| Done::about("rename", id))
        }
        _ => {
            let parent = match form.parent.parse::<i64>() {
                Ok(id) => Some(
                    state
                        .store
                        .term_by_id(site.id, id)
                        .await?
                        .ok_or(WebError::NotFound)?
                        .id,
                ),
                Err(_) => None,
            };
            state
                .store
                .create_category(site.id, name, parent)
                .await
                .map(|term| Done::about("add", term.id))
        }
    };
    match outcome {
        Ok(done) => Ok(Redirect::to(
            &state
                .site()
                .root()
                .join(&format!("/admin/categories?{done}")),
        )
        .into_response()),
        Err(crate::store::StoreError::Conflict(_)) => {
            show_categories(
                &state,
                &staff,
                Some(Notice::problem(format!(
                    "There is already a category named “{name}”."
                ))),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(crate::store::StoreError::NotFound) => Err(WebError::NotFound),
        Err(error) => Err(error.into()),
    }
}
