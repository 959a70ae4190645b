//! Discussion: leaving a comment, moderating it, correcting it and a staff reply (PRODUCT.md §5), carried out
//! against the store and the mailer. Every door calls it (the public "Leave a Reply" form, the dashboard's
//! moderation queue and reply box, `colloquy comment …`), so each gets the same checks, the same stored fields
//! and the same mails. It knows no HTTP: it answers with outcomes and closed kinds of refusal, and the doors
//! choose the words a person reads.

mod notify;
mod passages;

use std::sync::Arc;

pub use passages::{
    CurrentPassage, current_passages, post_passages, reading_passages, reading_text,
};

use crate::{
    address::{self, CommentReader, Target},
    domain::{
        calendar, citation,
        comment::{
            self, Account, Comment, CommentInput, CommentStatus, Field, FieldError, Moderation,
            PassageRef, Standing, Submission,
        },
        markup,
        post::Post,
        site::Site,
        thread::CommentPage,
        user::{Role, User},
    },
    mail::Mailer,
    store::{CommentCorrection, Conflict, NewComment, Store, StoreError, Submitted},
};

/// What discussion works with: the store, the mailer and the public origin that mails link to.
#[derive(Clone)]
pub struct Discussion {
    store: Store,
    mailer: Mailer,
    base_url: Arc<str>,
}

/// Why a discussion refused what was asked; each door words it for its reader.
#[derive(Debug, thiserror::Error)]
pub enum DiscussionError {
    /// The post or comment does not exist on this site (or is not in a state the action applies to).
    #[error("not found")]
    NotFound,
    /// The post takes no more comments.
    #[error("comments are closed")]
    Closed,
    /// The course is archived: read-only, it takes no comments and no moderation until it is restored.
    #[error("the course is archived")]
    Archived,
    /// Private feedback from someone who is neither the post's author nor staff.
    #[error("private feedback is for the post's author and staff")]
    PrivateNotAllowed,
    /// A grade from someone who is not staff.
    #[error("only staff give grades")]
    GradeNotAllowed,
    /// A moderation that the comment's state does not allow (restoring one that is not in the trash).
    #[error("the comment cannot be moderated so: {0:?}")]
    NotApplicable(Conflict),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for DiscussionError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound,
            other => Self::Store(other),
        }
    }
}

pub type DiscussionResult<T> = Result<T, DiscussionError>;

/// An archived course's discussions are as they were left: nothing is added, moderated or corrected.
fn open_for_writing(site: &Site) -> DiscussionResult<()> {
    if site.is_archived() {
        return Err(DiscussionError::Archived);
    }
    Ok(())
}

/// A comment's text as HTML, rendered off the async workers.
async fn rendered_comment(text: &str) -> markup::SafeHtml {
    let text = text.to_owned();
    crate::cpu::off_the_async_workers(move || markup::comment_to_html(&text)).await
}

/// Who writes: a signed-in member (with their role on the site) or a visitor, from where.
#[derive(Clone, Copy, Debug)]
pub struct Writer<'a> {
    pub member: Option<Member<'a>>,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

impl Writer<'_> {
    /// The account the comment's name and email come from, when signed in.
    fn account(&self) -> Option<Account<'_>> {
        self.member.map(|member| Account {
            name: member.user.public_name(),
            email: &member.user.email,
        })
    }
}

/// A signed-in writer and their role on the site (`None`: signed in, not a member).
#[derive(Clone, Copy, Debug)]
pub struct Member<'a> {
    pub user: &'a User,
    pub role: Option<Role>,
}

impl Member<'_> {
    pub fn is_staff(&self) -> bool {
        self.role.is_some_and(Role::is_staff)
    }

    /// Whether they may write and read private feedback on `post`.
    pub fn sees_private(&self, post: &Post) -> bool {
        comment::sees_private(self.role, self.user.id, post.author_id)
    }
}

/// A comment as a door received it.
#[derive(Clone, Debug, Default)]
pub struct CommentRequest {
    pub input: CommentInput,
    /// "Private: only the author of this post and the staff".
    pub private: bool,
    /// Staff's grade or mark (private feedback).
    pub grade: String,
    /// "Notify me of follow-up comments by email".
    pub follow: bool,
    /// The signature of the passage commented on, or empty.
    pub passage: String,
}

/// What became of a comment sent.
#[derive(Debug)]
pub enum Outcome {
    /// Stored (approved, held, or quietly as spam); `address` is where the writer sees it.
    Stored {
        comment: Box<Comment>,
        address: String,
    },
    /// Fields to correct; nothing was stored.
    Invalid(Vec<FieldError>),
    /// The same text from the same person is already there.
    Duplicate,
    /// Too soon after the writer's last comment.
    Flood { retry_after: u64 },
}

/// Whether a moderation mails those it concerns (the post's author and the discussion's followers when a
/// comment is approved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mail {
    Send,
    Skip,
}

/// What a moderation did.
#[derive(Debug)]
pub struct Moderated {
    pub comment: Comment,
    /// The status it had before.
    pub before: CommentStatus,
    /// How many mails it put in the outbox.
    pub mails: usize,
}

/// A staff correction of a comment's author and text.
#[derive(Clone, Debug, Default)]
pub struct Correction {
    pub author: String,
    pub email: String,
    pub url: String,
    pub text: String,
}

impl Discussion {
    pub fn new(store: Store, mailer: Mailer, base_url: &str) -> Self {
        Self {
            store,
            mailer,
            base_url: base_url.trim_end_matches('/').into(),
        }
    }

    /// The public origin of a site's root, for mails.
    fn site_url(&self, site: &Site) -> String {
        format!("{}{}", self.base_url, site.root())
    }

    /// The pipeline of "Leave a Reply" on `post` (which the door has found readable by the writer): fields,
    /// private feedback and grade, passage, parent, classification, duplicate and flood, stored, mailed, and
    /// the follow-up asked for. `held` are the writer's own comments awaiting moderation, for the address.
    pub async fn submit(
        &self,
        site: &Site,
        post: &Post,
        writer: Writer<'_>,
        request: &CommentRequest,
        held: &[i64],
    ) -> DiscussionResult<Outcome> {
        // 1. The post takes comments (and its course is not archived).
        open_for_writing(site)?;
        if !post.accepts_comments(&site.settings, calendar::now()) {
            return Err(DiscussionError::Closed);
        }
        self.write(site, post, writer, request, held).await
    }

    /// Steps 2 to 7 of the pipeline, and what follows a stored comment.
    async fn write(
        &self,
        site: &Site,
        post: &Post,
        writer: Writer<'_>,
        request: &CommentRequest,
        held: &[i64],
    ) -> DiscussionResult<Outcome> {
        let now = calendar::now();
        // 2. Fields.
        let valid = match comment::validate(&request.input, writer.account()) {
            Ok(valid) => valid,
            Err(errors) => return Ok(Outcome::Invalid(errors)),
        };
        // Private feedback: only the post's author and staff write it (or see it, to reply to it); a grade
        // only staff give.
        let sees_private = writer
            .member
            .is_some_and(|member| member.sees_private(post));
        let grade = request.grade.trim();
        if (request.private || !grade.is_empty()) && !sees_private {
            return Err(DiscussionError::PrivateNotAllowed);
        }
        if !grade.is_empty() && !writer.member.is_some_and(|member| member.is_staff()) {
            return Err(DiscussionError::GradeNotAllowed);
        }
        if grade.chars().count() > comment::LONGEST_GRADE {
            return Ok(Outcome::Invalid(vec![FieldError {
                field: Field::Grade,
                message: format!(
                    "A grade or mark has at most {} characters.",
                    comment::LONGEST_GRADE
                ),
            }]));
        }
        let grade = if grade.is_empty() {
            None
        } else {
            match site.settings.grade_scale().read(grade) {
                Ok(grade) => Some(grade),
                Err(message) => {
                    return Ok(Outcome::Invalid(vec![FieldError {
                        field: Field::Grade,
                        message,
                    }]));
                }
            }
        };
        let mut is_private = request.private || grade.is_some();

        // A comment on a passage names one that is on the page now (a reply is on its parent's).
        let chosen = request.passage.trim();
        let mut on_passage = None;
        if !chosen.is_empty() {
            let passages = current_passages(&self.store, post).await?;
            let Some(found) = passages.iter().find(|passage| passage.signature == chosen) else {
                return Ok(Outcome::Invalid(vec![FieldError {
                    field: Field::Passage,
                    message: "The passage you commented on is no longer in the text (it was just edited): \
                              your comment is below, to send on the whole text or on another passage."
                        .into(),
                }]));
            };
            on_passage = Some(PassageRef {
                signature: found.signature.clone(),
                text: found.text.clone(),
            });
        }

        // 3. The parent is an approved comment of the same post (a private one only for those who see it; a
        // reply to it is private too).
        if let Some(parent_id) = valid.parent_id {
            let parent = self.store.comment_by_id(site.id, parent_id).await?;
            is_private |= parent.as_ref().is_some_and(|parent| parent.is_private);
            if let Some(parent) = &parent
                && parent.passage.is_some()
            {
                on_passage.clone_from(&parent.passage);
            }
            let graded_elsewhere = grade.is_some()
                && parent
                    .as_ref()
                    .is_some_and(|parent| parent.user_id != Some(post.author_id));
            if !parent.is_some_and(|parent| {
                parent.post_id == post.id
                    && parent.status == CommentStatus::Approved
                    && (!parent.is_private || sees_private)
            }) {
                return Ok(Outcome::Invalid(vec![FieldError {
                    field: Field::Parent,
                    message: "The comment you replied to is not part of this discussion (it may have been removed)."
                        .into(),
                }]));
            }
            // A grade is its student's, seen in private feedback, which a student sees only on their own
            // posts: a grade on someone else's comment here would reach the post's author instead.
            if graded_elsewhere {
                return Ok(Outcome::Invalid(vec![FieldError {
                    field: Field::Grade,
                    message: "A grade reaches a student in private feedback, which they see only on their own \
                              posts: grade this comment's writer on one of their posts, or grade the post's \
                              author's own comments here."
                        .into(),
                }]));
            }
        }

        // 6. Classification (it needs no lock, so it is decided before the transaction of 4, 5 and 7).
        let rendered = rendered_comment(&valid.text).await;
        let standing = match writer.member {
            Some(member) if member.is_staff() || member.user.id == post.author_id => {
                Standing::Trusted
            }
            Some(member) if member.role.is_some() => Standing::Member,
            None if self.store.user_by_email(&valid.email).await?.is_some() => {
                Standing::ClaimsAccount
            }
            _ => Standing::Public {
                approved_before: site.settings.comment_previously_approved
                    && self
                        .store
                        .has_approved_comment_from(site.id, &valid.email)
                        .await?,
            },
        };
        let verdict = comment::classify(
            &site.settings,
            &Submission {
                comment: &valid,
                rendered: &rendered,
                ip: writer.ip,
                user_agent: writer.user_agent,
                standing,
            },
        );

        // Citations of the readings are linked after classifying, so that they never count as links.
        let (linked, cited) = self.link_citations(post, &rendered).await?;

        // 4, 5 and 7: duplicate, flood, then stored durably before answering.
        let user_agent: String = writer.user_agent.chars().take(255).collect();
        let new = NewComment {
            site_id: site.id,
            post_id: post.id,
            parent_id: valid.parent_id,
            user_id: writer.member.map(|member| member.user.id),
            author_name: &valid.author,
            author_email: &valid.email,
            author_url: valid.url.as_deref(),
            author_ip: writer.ip,
            user_agent: &user_agent,
            content: &valid.text,
            content_html: linked.as_str(),
            status: verdict.status(),
            created_at: now,
            cited: &cited,
            is_private,
            grade: grade.as_deref(),
            passage: on_passage.as_ref(),
        };
        let flood_interval = if writer.member.is_some_and(|member| member.is_staff()) {
            0
        } else {
            site.settings.comment_flood_interval
        };
        let (stored, last_of_post) = match self.store.submit_comment(&new, flood_interval).await? {
            Submitted::Stored {
                comment,
                last_of_post,
            } => (*comment, last_of_post),
            Submitted::Duplicate => return Ok(Outcome::Duplicate),
            Submitted::Flood { retry_after } => return Ok(Outcome::Flood { retry_after }),
        };
        tracing::info!(comment = stored.id, post = post.id, status = %stored.status, ?verdict, "comment stored");
        self.announce(site, post, &stored).await;

        if request.follow
            && matches!(
                stored.status,
                CommentStatus::Approved | CommentStatus::Pending
            )
        {
            let address_confirmed = writer.member.is_some_and(|member| {
                member.user.email_confirmed
                    && member.user.email.eq_ignore_ascii_case(&stored.author_email)
            });
            notify::start_following(self, site, post, &stored, address_confirmed).await;
        }

        let address = match stored.status {
            CommentStatus::Approved | CommentStatus::Pending => {
                let mut held = held.to_vec();
                if stored.status == CommentStatus::Pending {
                    held.push(stored.id);
                }
                // A thread that nothing followed when it was stored ends the newest page.
                let known =
                    (stored.parent_id.is_none() && last_of_post).then_some(CommentPage::Newest);
                address::of(
                    &self.store,
                    site,
                    Target::Comment {
                        post,
                        comment_id: stored.id,
                        reader: CommentReader {
                            held: &held,
                            with_private: sees_private,
                            known,
                        },
                    },
                )
                .await?
            }
            CommentStatus::Spam | CommentStatus::Trash => {
                address::of(&self.store, site, Target::Post(post)).await?
            }
        };
        Ok(Outcome::Stored {
            comment: Box::new(stored),
            address,
        })
    }

    /// A staff member's reply to a comment, from the dashboard: approved at once, private when the comment
    /// is, on its passage; a held comment replied to is approved first (as WordPress does), with its mails.
    pub async fn staff_reply(
        &self,
        site: &Site,
        comment_id: i64,
        writer: Writer<'_>,
        text: &str,
    ) -> DiscussionResult<Outcome> {
        open_for_writing(site)?;
        let original = self
            .store
            .comment_by_id(site.id, comment_id)
            .await?
            .ok_or(DiscussionError::NotFound)?;
        let post = self
            .store
            .post_by_id(site.id, original.post_id)
            .await?
            .ok_or(DiscussionError::NotFound)?;
        let request = CommentRequest {
            input: CommentInput {
                comment: text.to_owned(),
                parent: comment_id.to_string(),
                ..CommentInput::default()
            },
            private: original.is_private,
            ..CommentRequest::default()
        };
        if original.status != CommentStatus::Approved {
            if let Err(errors) = comment::validate(&request.input, writer.account()) {
                return Ok(Outcome::Invalid(errors));
            }
            self.moderate(site, comment_id, Moderation::Approve, Mail::Send)
                .await?;
        }
        // Staff reply from the dashboard even where the discussion has closed, as in WordPress.
        self.write(site, &post, writer, &request, &[]).await
    }

    /// Approves, unapproves, marks as spam, trashes or restores a comment; a comment that becomes approved is
    /// mailed to the post's author and the discussion's followers unless `mail` says to skip it.
    pub async fn moderate(
        &self,
        site: &Site,
        comment_id: i64,
        action: Moderation,
        mail: Mail,
    ) -> DiscussionResult<Moderated> {
        open_for_writing(site)?;
        let before = self
            .store
            .comment_by_id(site.id, comment_id)
            .await?
            .ok_or(DiscussionError::NotFound)?;
        let after = match self
            .store
            .moderate_comment(site.id, comment_id, action, calendar::now())
            .await
        {
            Err(StoreError::Conflict(conflict)) => {
                return Err(DiscussionError::NotApplicable(conflict));
            }
            other => other?,
        };
        tracing::info!(comment = comment_id, status = %after.status, "comment moderated");
        let mut mails = 0;
        if mail == Mail::Send
            && before.status != CommentStatus::Approved
            && after.status == CommentStatus::Approved
            && let Some(post) = self.store.post_by_id(site.id, after.post_id).await?
        {
            mails = notify::comment_approved(self, site, &post, &after).await;
        }
        Ok(Moderated {
            comment: after,
            before: before.status,
            mails,
        })
    }

    /// Corrects a comment's author and text (staff): checked as the form checks them, citations linked again.
    pub async fn correct(
        &self,
        site: &Site,
        comment_id: i64,
        correction: &Correction,
    ) -> DiscussionResult<Result<Comment, Vec<FieldError>>> {
        open_for_writing(site)?;
        let original = self
            .store
            .comment_by_id(site.id, comment_id)
            .await?
            .ok_or(DiscussionError::NotFound)?;
        let input = CommentInput {
            comment: correction.text.clone(),
            author: correction.author.clone(),
            email: correction.email.clone(),
            url: correction.url.clone(),
            parent: String::new(),
        };
        let valid = match comment::validate(&input, None) {
            Ok(valid) => valid,
            Err(errors) => return Ok(Err(errors)),
        };
        let rendered = rendered_comment(&valid.text).await;
        let (linked, cited) = match self.store.post_by_id(site.id, original.post_id).await? {
            Some(post) => self.link_citations(&post, &rendered).await?,
            None => (rendered, Vec::new()),
        };
        let stored = self
            .store
            .edit_comment(
                site.id,
                comment_id,
                &CommentCorrection {
                    author_name: &valid.author,
                    author_email: &valid.email,
                    author_url: valid.url.as_deref(),
                    content: &valid.text,
                    content_html: linked.as_str(),
                    cited: &cited,
                },
            )
            .await?;
        tracing::info!(comment = comment_id, "comment edited");
        Ok(Ok(stored))
    }

    /// The mails of a newly stored comment: an approved one to the post's author and the followers (a
    /// private question to staff instead), a held one to the moderators.
    async fn announce(&self, site: &Site, post: &Post, stored: &Comment) {
        match stored.status {
            CommentStatus::Approved
                if stored.is_private && stored.user_id == Some(post.author_id) =>
            {
                notify::private_question(self, site, post, stored).await;
            }
            CommentStatus::Approved => {
                notify::comment_approved(self, site, post, stored).await;
            }
            CommentStatus::Pending => notify::comment_held(self, site, post, stored).await,
            CommentStatus::Spam | CommentStatus::Trash => {}
        }
    }

    /// A comment's HTML with its citations of the site's readings linked (a page alone cites the post's
    /// reading), and those citations.
    async fn link_citations(
        &self,
        post: &Post,
        rendered: &markup::SafeHtml,
    ) -> DiscussionResult<(markup::SafeHtml, Vec<citation::Cited>)> {
        // The rendered text is read, not the typed one: a `<blockquote>` ending with its page cites it too.
        let (_, found) = citation::link_in_html(rendered.as_str(), |_| None);
        if found.is_empty() {
            return Ok((rendered.clone(), Vec::new()));
        }
        let citable = self.store.citable(post.site_id, post.reading_id).await?;
        Ok(citation::link_citations(rendered, &citable))
    }
}
