//! `POST /comments`: the "Leave a Reply" form's door to `crate::discussion`, which carries out the pipeline of
//! PRODUCT.md §5; this handler finds the post, checks the reader may see it, and words the outcome.

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    discussion::{CommentRequest, DiscussionError, Outcome, Writer},
    domain::{
        comment::{CommentInput, CommentStatus, Field, FieldError},
        post::Post,
        thread::CommentPage,
    },
    store::Site,
};

use crate::web::{
    client_ip::ClientIp,
    error::WebError,
    form::StrictForm,
    public::posts::{PostView, render_post},
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

    // The post exists and this writer may read it; the discussion decides the rest.
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
        crate::web::public::readings::discussion_readable(&state, &post, signed_in.as_ref())
            .await
            .map_err(|error| match error {
                WebError::SignInRequired { .. } => WebError::Forbidden(
                    "This reading and its discussion are for the course's members: sign in to comment.",
                ),
                other => other,
            })?;
    }
    if crate::web::public::posts::is_locked(&post, &visitor, signed_in.as_ref()) {
        return Err(WebError::Forbidden(
            "This post is password protected: give its password to read and reply.",
        ));
    }
    let request = CommentRequest {
        input: CommentInput {
            comment: fields.comment.clone(),
            author: fields.author.clone(),
            email: fields.email.clone(),
            url: fields.url.clone(),
            parent: fields.parent.clone(),
        },
        private: fields.private.is_some(),
        grade: fields.grade.clone(),
        follow: fields.follow.is_some(),
        passage: fields.passage.clone(),
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let ip_text = ip.to_string();
    let writer = Writer {
        member: signed_in.as_ref().map(SignedIn::member),
        ip: &ip_text,
        user_agent,
    };
    let redisplay = Redisplay {
        state: &state,
        site: &site,
        visitor: &visitor,
        fields: &fields,
        viewer: signed_in.as_ref(),
    };
    let outcome = state
        .discussion
        .submit(&site, &post, writer, &request, &visitor.held)
        .await
        .map_err(refusal)?;
    let (stored, address) = match outcome {
        Outcome::Stored { comment, address } => (comment, address),
        Outcome::Invalid(errors) => {
            return redisplay
                .show(&post, StatusCode::UNPROCESSABLE_ENTITY, &errors, None)
                .await;
        }
        Outcome::Duplicate => {
            let notice = "Duplicate comment detected; it looks as though you’ve already said that!";
            return redisplay
                .show(&post, StatusCode::CONFLICT, &[], Some(notice))
                .await;
        }
        Outcome::Flood { retry_after } => {
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
    let remember = (fields.remember.is_some() && signed_in.is_none()).then(|| Remembered {
        author: stored.author_name.clone(),
        email: stored.author_email.clone(),
        url: stored.author_url.clone().unwrap_or_default(),
    });
    let visitor = match stored.status {
        CommentStatus::Pending => visitor.hold(stored.id),
        _ => visitor,
    }
    .remember(remember);
    Ok((visitor.into_jars(), Redirect::to(&address)).into_response())
}

/// The words a reader of the comment form gets for what the discussion refused.
pub(crate) fn refusal(error: DiscussionError) -> WebError {
    match error {
        DiscussionError::NotFound => WebError::NotFound,
        DiscussionError::Closed => WebError::Forbidden("Sorry, comments are closed for this item."),
        DiscussionError::Archived => WebError::Forbidden(crate::web::read_only::ARCHIVED),
        DiscussionError::PrivateNotAllowed => WebError::Forbidden(
            "Only the post's author and the course's staff can write private feedback.",
        ),
        DiscussionError::GradeNotAllowed => {
            WebError::Forbidden("Only the course's staff give grades.")
        }
        DiscussionError::NotApplicable(_) => {
            WebError::Conflict("The comment was changed meanwhile: look at it again.")
        }
        DiscussionError::Store(error) => WebError::Store(error),
    }
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
            return crate::web::public::readings::redisplay(
                self.state,
                post,
                crate::web::public::readings::DiscussionState {
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
        // A reply is shown again on the page of comments that holds its parent, "Leave a Reply to …" and all.
        let comment_page = match form.parent.parse::<i64>() {
            Ok(parent_id) => {
                let sees_private = self
                    .viewer
                    .is_some_and(|viewer| viewer.member().sees_private(post));
                match self
                    .state
                    .store
                    .page_of_comment(
                        post.id,
                        parent_id,
                        &self.visitor.held,
                        self.site.settings.comments_per_page,
                        sees_private,
                    )
                    .await?
                {
                    Some(CommentPage::Earlier(page)) => Some(page),
                    _ => None,
                }
            }
            Err(_) => None,
        };
        render_post(
            self.state,
            PostView {
                site: self.site,
                card,
                comment_page,
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
