//! `POST /comments`: the "Leave a Reply" pipeline of PRODUCT.md §5, step by step. The rules are in
//! `domain::comment`; the duplicate and flood checks and the insert happen in one store transaction.

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    domain::{
        calendar, citation,
        comment::{
            self, Account, CommentInput, CommentStatus, Field, FieldError, PassageRef, Standing,
            Submission,
        },
        markup,
        post::Post,
        thread::CommentPage,
    },
    store::{NewComment, Site, Submitted},
};

use super::{
    client_ip::ClientIp,
    error::WebError,
    form::StrictForm,
    notify,
    posts::{PostView, comment_location, current_passages, render_post},
    session::SignedIn,
    site_scope::Scoped,
    views::{CommentFormView, FieldView, PassageChoice},
    visitor::{Remembered, Visitor},
};

/// The comment form's fields, under their colloquy names or WordPress's.
#[derive(Debug, Default, Deserialize)]
pub struct CommentFields {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    url: String,
    #[serde(default, alias = "comment_post_ID")]
    post_id: String,
    #[serde(default, alias = "comment_parent")]
    parent: String,
    #[serde(default, alias = "wp-comment-cookies-consent")]
    remember: Option<String>,
    /// Carried by the form of a signed-in member.
    #[serde(default)]
    csrf: String,
    /// Ticked by the post's author or staff: only they see the comment.
    #[serde(default)]
    private: Option<String>,
    /// Staff's grade or mark with private feedback.
    #[serde(default)]
    grade: String,
    /// "Notify me of follow-up comments by email".
    #[serde(default)]
    follow: Option<String>,
    /// The signature of the passage commented on.
    #[serde(default)]
    passage: String,
}

pub async fn leave_reply(
    state: Scoped,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    visitor: Visitor,
    signed_in: Option<SignedIn>,
    StrictForm(fields): StrictForm<CommentFields>,
) -> Result<Response, WebError> {
    if let Some(signed_in) = &signed_in {
        signed_in.check_csrf(&fields.csrf)?;
    }
    let site = state.site().clone();
    let now = calendar::now();

    // 1. The post exists, is visible, and takes comments.
    let post_id = fields
        .post_id
        .trim()
        .parse::<i64>()
        .map_err(|_| WebError::NotFound)?;
    let post = state
        .store
        .post_by_id(site.id, post_id)
        .await?
        .filter(|post| post.is_public() || post.discusses_reading)
        .ok_or(WebError::NotFound)?;
    if post.discusses_reading {
        super::readings::discussion_readable(&state, &post, signed_in.as_ref())
            .await
            .map_err(|error| match error {
                WebError::SignInRequired(_) => WebError::Forbidden(
                    "This reading and its discussion are for the course's members: sign in to comment.",
                ),
                other => other,
            })?;
    }
    if super::posts::is_locked(&post, &visitor, signed_in.as_ref()) {
        return Err(WebError::Forbidden(
            "This post is password protected: give its password to read and reply.",
        ));
    }
    if !post.accepts_comments(&site.settings, now) {
        return Err(WebError::Forbidden(
            "Sorry, comments are closed for this item.",
        ));
    }
    let typed = CommentInput {
        comment: fields.comment.clone(),
        author: fields.author.clone(),
        email: fields.email.clone(),
        url: fields.url.clone(),
        parent: fields.parent.clone(),
    };
    let redisplay = Redisplay {
        state: &state,
        site: &site,
        visitor: &visitor,
        fields: &fields,
        viewer: signed_in.as_ref(),
    };

    // 2. Fields.
    let account = signed_in.as_ref().map(|signed_in| Account {
        name: signed_in.user.public_name(),
        email: &signed_in.user.email,
    });
    let valid = match comment::validate(&typed, account) {
        Ok(valid) => valid,
        Err(errors) => {
            return redisplay
                .show(&post, StatusCode::UNPROCESSABLE_ENTITY, &errors, None)
                .await;
        }
    };

    // Private feedback: only the post's author and staff write it (or see it, to reply to it); a grade only
    // staff give.
    let sees_private = signed_in
        .as_ref()
        .is_some_and(|member| comment::sees_private(member.role, member.user.id, post.author_id));
    let grade = fields.grade.trim();
    if (fields.private.is_some() || !grade.is_empty()) && !sees_private {
        return Err(WebError::Forbidden(
            "Only the post's author and the course's staff can write private feedback.",
        ));
    }
    if !grade.is_empty() && !signed_in.as_ref().is_some_and(SignedIn::is_staff) {
        return Err(WebError::Forbidden("Only the course's staff give grades."));
    }
    if grade.chars().count() > comment::LONGEST_GRADE {
        let error = FieldError {
            field: Field::Grade,
            message: format!(
                "A grade or mark has at most {} characters.",
                comment::LONGEST_GRADE
            ),
        };
        return redisplay
            .show(&post, StatusCode::UNPROCESSABLE_ENTITY, &[error], None)
            .await;
    }
    let mut is_private = fields.private.is_some() || !grade.is_empty();

    // A comment on a passage names one that is on the page now (a reply is on its parent's).
    let chosen = fields.passage.trim();
    let mut on_passage = None;
    if !chosen.is_empty() {
        let passages = current_passages(&state, &post).await?;
        let Some(found) = passages.iter().find(|passage| passage.signature == chosen) else {
            let error = FieldError {
                field: Field::Passage,
                message:
                    "The passage you commented on is no longer in the text (it was just edited): \
                          your comment is below, to send on the whole text or on another passage."
                        .into(),
            };
            return redisplay
                .show(&post, StatusCode::UNPROCESSABLE_ENTITY, &[error], None)
                .await;
        };
        on_passage = Some(PassageRef {
            signature: found.signature.clone(),
            text: found.text.clone(),
        });
    }

    // 3. The parent is an approved comment of the same post (a private one only for those who see it; a reply
    // to it is private too).
    if let Some(parent_id) = valid.parent_id {
        let parent = state.store.comment_by_id(site.id, parent_id).await?;
        is_private |= parent.as_ref().is_some_and(|parent| parent.is_private);
        if let Some(parent) = &parent
            && parent.passage.is_some()
        {
            on_passage.clone_from(&parent.passage);
        }
        if !parent.is_some_and(|parent| {
            parent.post_id == post.id
                && parent.status == CommentStatus::Approved
                && (!parent.is_private || sees_private)
        }) {
            let notice = "The comment you replied to is not part of this discussion (it may have been removed).";
            let error = FieldError {
                field: Field::Parent,
                message: notice.into(),
            };
            return redisplay
                .show(&post, StatusCode::UNPROCESSABLE_ENTITY, &[error], None)
                .await;
        }
    }

    // 6. Classification (it needs no lock, so it is decided before the transaction of 4, 5 and 7).
    let rendered = markup::comment_to_html(&valid.text);
    let standing = match &signed_in {
        Some(member) if member.is_staff() || member.user.id == post.author_id => Standing::Trusted,
        Some(member) if member.role.is_some() => Standing::Member,
        _ => Standing::Public {
            approved_before: site.settings.comment_previously_approved
                && state
                    .store
                    .has_approved_comment_from(site.id, &valid.email)
                    .await?,
        },
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let ip_text = ip.to_string();
    let verdict = comment::classify(
        &site.settings,
        &Submission {
            comment: &valid,
            rendered: &rendered,
            ip: &ip_text,
            user_agent,
            standing,
        },
    );

    // Citations of the readings are linked after classifying, so that they never count as links.
    let (linked, cited) = link_citations(&state, &post, &valid.text, &rendered).await?;

    // 4, 5 and 7: duplicate, flood, then stored durably before answering.
    let new = NewComment {
        site_id: site.id,
        post_id: post.id,
        parent_id: valid.parent_id,
        user_id: signed_in.as_ref().map(|signed_in| signed_in.user.id),
        author_name: &valid.author,
        author_email: &valid.email,
        author_url: valid.url.as_deref(),
        author_ip: &ip_text,
        user_agent: &user_agent.chars().take(255).collect::<String>(),
        content: &valid.text,
        content_html: linked.as_str(),
        status: verdict.status(),
        created_at: now,
        cited: &cited,
        is_private,
        grade: Some(grade).filter(|grade| !grade.is_empty()),
        passage: on_passage.as_ref(),
    };
    let staff = signed_in.as_ref().is_some_and(SignedIn::is_staff);
    let flood_interval = if staff {
        0
    } else {
        site.settings.comment_flood_interval
    };
    let (stored, last_of_post) = match state.store.submit_comment(&new, flood_interval).await? {
        Submitted::Stored {
            comment,
            last_of_post,
        } => (comment, last_of_post),
        Submitted::Duplicate => {
            let notice = "Duplicate comment detected; it looks as though you’ve already said that!";
            return redisplay
                .show(&post, StatusCode::CONFLICT, &[], Some(notice))
                .await;
        }
        Submitted::Flood { retry_after } => {
            let notice = format!(
                "You are posting comments too quickly. Please wait {retry_after} seconds and send it again."
            );
            let mut response = redisplay
                .show(&post, StatusCode::TOO_MANY_REQUESTS, &[], Some(&notice))
                .await?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return Ok(response);
        }
    };
    tracing::info!(comment = stored.id, post = post.id, status = %stored.status, ?verdict, "comment stored");
    match stored.status {
        CommentStatus::Approved if stored.is_private && stored.user_id == Some(post.author_id) => {
            notify::private_question(&state, &site, &post, &stored).await;
        }
        CommentStatus::Approved => {
            notify::comment_approved(&state, &site, &post, &stored).await;
        }
        CommentStatus::Pending => notify::comment_held(&state, &site, &post, &stored).await,
        CommentStatus::Spam | CommentStatus::Trash => {}
    }

    if fields.follow.is_some()
        && matches!(
            stored.status,
            CommentStatus::Approved | CommentStatus::Pending
        )
    {
        let address_confirmed = signed_in.as_ref().is_some_and(|member| {
            member.user.email_confirmed
                && member.user.email.eq_ignore_ascii_case(&stored.author_email)
        });
        notify::start_following(&state, &site, &post, &stored, address_confirmed).await;
    }

    let remember = (fields.remember.is_some() && signed_in.is_none()).then(|| Remembered {
        author: valid.author.clone(),
        email: valid.email.clone(),
        url: valid.url.clone().unwrap_or_default(),
    });
    let visitor = match stored.status {
        CommentStatus::Pending => visitor.hold(stored.id),
        _ => visitor,
    }
    .remember(remember);
    let target = match stored.status {
        CommentStatus::Approved | CommentStatus::Pending => {
            // A thread that nothing followed when it was stored ends the newest page.
            let known = (stored.parent_id.is_none() && last_of_post).then_some(CommentPage::Newest);
            comment_location(
                &state,
                &site,
                &post,
                stored.id,
                known,
                &visitor.held,
                sees_private,
            )
            .await?
        }
        CommentStatus::Spam | CommentStatus::Trash => {
            super::posts::permalink_of(&state, &site, &post).await?
        }
    };
    Ok((visitor.into_jars(), Redirect::to(&target)).into_response())
}

/// Draws the post page again with the form as it was typed and what was wrong with it.
struct Redisplay<'a> {
    state: &'a Scoped,
    site: &'a Site,
    visitor: &'a Visitor,
    fields: &'a CommentFields,
    viewer: Option<&'a SignedIn>,
}

impl Redisplay<'_> {
    /// Loads the post's card only here: the path of a comment that is stored needs none.
    async fn show(
        &self,
        post: &Post,
        status: StatusCode,
        errors: &[FieldError],
        notice: Option<&str>,
    ) -> Result<Response, WebError> {
        let field = |which: Field, value: &str| FieldView {
            value: value.to_owned(),
            error: errors
                .iter()
                .find(|error| error.field == which)
                .map(|error| error.message.clone()),
        };
        let parent_error = errors
            .iter()
            .find(|error| matches!(error.field, Field::Parent | Field::Passage))
            .map(|error| error.message.clone());
        let passage_lost = errors.iter().any(|error| error.field == Field::Passage);
        let form = CommentFormView {
            comment: field(Field::Comment, &self.fields.comment),
            author: field(Field::Author, &self.fields.author),
            email: field(Field::Email, &self.fields.email),
            url: field(Field::Url, &self.fields.url),
            parent: if parent_error.is_some() {
                String::new()
            } else {
                self.fields.parent.trim().to_owned()
            },
            remember: self.fields.remember.is_some(),
            private: self.fields.private.is_some(),
            follow: self.fields.follow.is_some(),
            grade: field(Field::Grade, &self.fields.grade),
            notice: notice.map(str::to_owned).or(parent_error).or_else(|| {
                (!errors.is_empty()).then(|| {
                    "Your comment was not sent: please correct the marked fields.".to_owned()
                })
            }),
            replying_to: None,
            passage: (!passage_lost && !self.fields.passage.trim().is_empty()).then(|| {
                PassageChoice {
                    signature: self.fields.passage.trim().to_owned(),
                    text: String::new(),
                }
            }),
        };
        if post.discusses_reading {
            return super::readings::redisplay(
                self.state,
                post,
                super::readings::DiscussionState {
                    form,
                    held: &self.visitor.held,
                    status,
                    viewer: self.viewer,
                },
            )
            .await;
        }
        let card = self
            .state
            .store
            .card_by_id(self.site.id, post.id)
            .await?
            .ok_or(WebError::NotFound)?;
        render_post(
            self.state,
            PostView {
                site: self.site,
                card,
                comment_page: None,
                form,
                held: &self.visitor.held,
                status,
                viewer: self.viewer,
                locked: false,
                password_error: None,
            },
        )
        .await
    }
}

/// A comment's HTML with its citations of the site's readings linked (a page alone cites the post's reading),
/// and those citations.
pub(super) async fn link_citations(
    state: &Scoped,
    post: &Post,
    text: &str,
    rendered: &markup::SafeHtml,
) -> Result<(markup::SafeHtml, Vec<citation::Cited>), WebError> {
    if citation::find(text).is_empty() {
        return Ok((rendered.clone(), Vec::new()));
    }
    let citable = state.store.citable(post.site_id, post.reading_id).await?;
    Ok(citation::link_citations(rendered, &citable))
}
