//! A member's own writing on a site (#18 point 6): `/account/writing.zip`, everything they wrote there as one
//! zip, and `/account/leave`, leaving the site. Both act on the signed-in person only: no address names
//! anyone else.

use std::{collections::HashMap, sync::Arc};

use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    address::{CommentReader, Target},
    domain::{
        calendar,
        comment::{Comment, CommentStatus},
        leaving::{LeaveRefusal, may_leave, staff_notice, what_happens},
        own_writing::{self, Feedback, OwnComment, OwnPost, OwnWriting},
        post::{Post, Taxonomy, Term},
        user::Role,
    },
    store::{Conflict, Site, StoreError, WritingRecords},
};

use crate::web::{
    error::WebError,
    form::StrictForm,
    respond::{private, render},
    session::SignedIn,
    site_scope::Scoped,
    views::{LeavePage, MessagePage},
};

/// What someone who is no member of the site is told.
const NOT_A_MEMBER: &str =
    "You are not a member of this course: there is nothing of yours to download or leave here.";

/// `GET /account/writing.zip`: the signed-in member's posts, comments and feedback received on this site.
pub async fn download(state: Scoped, signed_in: SignedIn) -> Result<Response, WebError> {
    if signed_in.role.is_none() {
        return Err(WebError::Forbidden(NOT_A_MEMBER));
    }
    // Everything a member wrote is held in memory while it is packed: a crowd asking at once would hold it
    // many times over, so the turns are few and a request beyond them is asked to come back.
    let turn = Arc::clone(&state.zips)
        .try_acquire_owned()
        .map_err(|_| WebError::BusyZipping)?;
    let site = state.site().clone();
    let records = state.store.writing_of(site.id, signed_in.user.id).await?;
    let writing = gather(&state, &site, &signed_in, records).await?;
    let file_name = own_writing::download_name(&site.slug, &signed_in.user.name);
    // The turn ends with the packing, also when the request was given up meanwhile.
    let bytes = crate::cpu::off_the_async_workers(move || {
        let _turn = turn;
        own_writing::zip(&writing)
    })
    .await?;
    tracing::info!(
        user = signed_in.user.id,
        site = site.id,
        "own writing downloaded"
    );
    private(Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()))
}

/// The records with their addresses, dates and terms, as the zip holds them.
async fn gather(
    state: &Scoped,
    site: &Site,
    signed_in: &SignedIn,
    records: WritingRecords,
) -> Result<OwnWriting, WebError> {
    let origin = &state.base_url;
    let mut terms_of: HashMap<i64, Vec<&Term>> = HashMap::new();
    for (post_id, term) in &records.terms {
        terms_of.entry(*post_id).or_default().push(term);
    }
    let mut posts = Vec::with_capacity(records.posts.len());
    for post in &records.posts {
        let terms = |taxonomy| {
            terms_of
                .get(&post.id)
                .into_iter()
                .flatten()
                .filter(|term| term.taxonomy == taxonomy)
                .map(|term| term.name.clone())
                .collect()
        };
        posts.push(OwnPost {
            title: post.title.clone(),
            slug: post.slug.clone(),
            published_at: post.published_at,
            status: post.status.as_str(),
            categories: terms(Taxonomy::Category),
            tags: terms(Taxonomy::Tag),
            address: format!(
                "{origin}{}",
                state.address_of(site, Target::Post(post)).await?
            ),
            source: post.source.clone(),
            format: post.source_format,
        });
    }
    let on: HashMap<i64, &Post> = records
        .commented
        .iter()
        .chain(&records.posts)
        .map(|post| (post.id, post))
        .collect();
    let mut comments = Vec::with_capacity(records.comments.len());
    for comment in &records.comments {
        if let Some(post) = on.get(&comment.post_id) {
            comments.push(OwnComment {
                post_title: post.title.clone(),
                address: comment_address(state, site, post, comment).await?,
                created_at: comment.created_at,
                status: comment.status.as_str(),
                private: comment.is_private,
                text: comment.content.clone(),
            });
        }
    }
    let mut feedback = Vec::with_capacity(records.feedback.len());
    for comment in &records.feedback {
        if let Some(post) = on.get(&comment.post_id) {
            feedback.push(Feedback {
                post_title: post.title.clone(),
                address: comment_address(state, site, post, comment).await?,
                created_at: comment.created_at,
                from: comment.author_name.clone(),
                grade: comment.grade.clone(),
                text: comment.content.clone(),
            });
        }
    }
    Ok(OwnWriting {
        course: site.settings.title.clone(),
        course_address: format!("{}/", state.site_url(site)),
        person: signed_in.user.name.clone(),
        made_at: calendar::now(),
        zone: site.settings.zone(),
        posts,
        comments,
        feedback,
    })
}

/// A comment's absolute address, on the page of comments that shows it to its writer.
async fn comment_address(
    state: &Scoped,
    site: &Site,
    post: &Post,
    comment: &Comment,
) -> Result<String, WebError> {
    let held = [comment.id];
    let reader = CommentReader {
        held: if comment.status == CommentStatus::Pending {
            &held
        } else {
            &[]
        },
        with_private: true,
        known: None,
    };
    let path = state
        .address_of(
            site,
            Target::Comment {
                post,
                comment_id: comment.id,
                reader,
            },
        )
        .await?;
    Ok(format!("{}{path}", state.base_url))
}

/// `GET /account/leave`: what leaving this course does, and the button that does it.
pub async fn leave_page(state: Scoped, signed_in: SignedIn) -> Result<Response, WebError> {
    let Some(role) = signed_in.role else {
        return Err(WebError::Forbidden(NOT_A_MEMBER));
    };
    let site = state.site().clone();
    let administrators = state
        .store
        .members(site.id)
        .await?
        .iter()
        .filter(|member| member.role == Role::Administrator)
        .count();
    let refusal = may_leave(role, administrators).err();
    show_leave(&state, &signed_in, refusal, StatusCode::OK).await
}

async fn show_leave(
    state: &Scoped,
    signed_in: &SignedIn,
    refusal: Option<LeaveRefusal>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let site = state.site().clone();
    let page = LeavePage {
        layout: state
            .layout(&site, Some("Leave the course"), Some(signed_in))
            .await?,
        csrf: signed_in.csrf.clone(),
        course: site.settings.title.clone(),
        what_happens: what_happens(site.settings.leavers_writing),
        refusal: refusal.map(|refusal| refusal.to_string()),
    };
    private(render(status, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct LeaveForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /account/leave`: the signed-in member leaves this course; its administrators are told by mail.
pub async fn leave(
    state: Scoped,
    signed_in: SignedIn,
    StrictForm(form): StrictForm<LeaveForm>,
) -> Result<Response, WebError> {
    signed_in.check_csrf(&form.csrf)?;
    if signed_in.role.is_none() {
        return Err(WebError::Forbidden(NOT_A_MEMBER));
    }
    let site = state.site().clone();
    let user = &signed_in.user;
    let left = match state
        .store
        .leave_site(
            site.id,
            user.id,
            site.settings.leavers_writing,
            calendar::now(),
        )
        .await
    {
        Ok(left) => left,
        Err(StoreError::Conflict(Conflict::LastAdministrator)) => {
            return show_leave(
                &state,
                &signed_in,
                Some(LeaveRefusal::LastAdministrator),
                StatusCode::CONFLICT,
            )
            .await;
        }
        Err(error) => return Err(error.into()),
    };
    tracing::info!(
        user = user.id,
        site = site.id,
        writing = left.writing.as_str(),
        "left the site"
    );
    let (subject, body) = staff_notice(&site.settings.title, &user.name, &user.email, &left);
    for member in state.store.members(site.id).await? {
        if member.role == Role::Administrator && member.user.email_confirmed {
            state
                .mailer
                .send(Some(site.id), &member.user.email, &subject, &body)
                .await?;
        }
    }
    let former = SignedIn {
        role: None,
        ..signed_in.clone()
    };
    let page = MessagePage {
        layout: state
            .layout(&site, Some("You left the course"), Some(&former))
            .await?,
        heading: format!("You left {}", site.settings.title),
        message: format!(
            "{} Your account stays, with any other course you belong to; its staff have been told.",
            what_happens(left.writing)
        ),
    };
    private(render(StatusCode::OK, &page))
}
