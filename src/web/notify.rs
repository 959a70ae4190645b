//! The mails that discussion sends (PRODUCT.md §5): the post's author hears of each approved comment, the
//! moderators of each held one, a discussion's followers of each approved comment. Only confirmed addresses
//! are written to (a follower's by the link of the one mail that asks).

use crate::{
    domain::{
        calendar,
        comment::{Comment, CommentStatus},
        post::Post,
    },
    store::{FollowStart, Follower, Site},
};

use super::AppState;

/// Mails a newly approved comment to the post's author (not their own) and to the discussion's followers,
/// who are found in one question.
pub async fn comment_approved(state: &AppState, site: &Site, post: &Post, comment: &Comment) {
    let author_id = (comment.user_id != Some(post.author_id)).then_some(post.author_id);
    let audience = match state
        .store
        .audience(post.id, author_id, &comment.author_email)
        .await
    {
        Ok(audience) => audience,
        Err(error) => return tracing::warn!(%error, "cannot find whom to notify of the comment"),
    };
    if let Some(author_email) = &audience.author_email {
        let body = comment_mail(
            state,
            site,
            post,
            comment,
            &format!("{} commented on your post", comment.author_name),
            "Read and reply",
        );
        let subject = format!("[{}] New comment on “{}”", site.settings.title, post.title);
        if let Err(error) = state
            .mailer
            .send(Some(site.id), author_email, &subject, &body)
            .await
        {
            tracing::warn!(%error, "cannot queue the comment notification");
        }
    }
    mail_followers(state, site, post, comment, &audience.followers).await;
}

/// A mail about one comment: who did what on which post, the comment's text, and a link to it under `link_label`.
fn comment_mail(
    state: &AppState,
    site: &Site,
    post: &Post,
    comment: &Comment,
    what_happened: &str,
    link_label: &str,
) -> String {
    format!(
        "{what_happened} “{title}”:\n\n{text}\n\n{link_label}: {base}/?p={post_id}#comment-{id}\n",
        title = post.title,
        text = comment.content,
        base = state.site_url(site),
        post_id = post.id,
        id = comment.id,
    )
}

/// Mails the site's staff a post author's private question on their own post.
pub async fn private_question(state: &AppState, site: &Site, post: &Post, comment: &Comment) {
    let staff = match state.store.staff_of(site.id).await {
        Ok(staff) => staff,
        Err(error) => return tracing::warn!(%error, "cannot find the staff to notify"),
    };
    let body = comment_mail(
        state,
        site,
        post,
        comment,
        &format!("{} asks privately about their post", comment.author_name),
        "Answer (privately)",
    );
    let subject = format!(
        "[{}] A private question on “{}”",
        site.settings.title, post.title
    );
    for member in staff.iter().filter(|member| member.email_confirmed) {
        if let Err(error) = state
            .mailer
            .send(Some(site.id), &member.email, &subject, &body)
            .await
        {
            tracing::warn!(%error, "cannot queue the private question's notification");
        }
    }
}

/// Mails every moderator about a comment that waits for them.
pub async fn comment_held(state: &AppState, site: &Site, post: &Post, comment: &Comment) {
    let moderators = match state.store.staff_of(site.id).await {
        Ok(moderators) => moderators,
        Err(error) => return tracing::warn!(%error, "cannot find the moderators to notify"),
    };
    let body = format!(
        "A comment on “{title}” is waiting for moderation.\n\nAuthor: {name} <{email}>\nAddress: {ip}\n\n{text}\n\n\
         Moderate it: {base}/admin/comments?status=pending\n",
        title = post.title,
        name = comment.author_name,
        email = comment.author_email,
        ip = comment.author_ip,
        text = comment.content,
        base = state.site_url(site),
    );
    let subject = format!(
        "[{}] Please moderate: “{}”",
        site.settings.title, post.title
    );
    for moderator in moderators
        .iter()
        .filter(|moderator| moderator.email_confirmed)
    {
        if let Err(error) = state
            .mailer
            .send(Some(site.id), &moderator.email, &subject, &body)
            .await
        {
            tracing::warn!(%error, "cannot queue the moderation notification");
        }
    }
}

/// Starts following a discussion for the writer of a comment who asked to; an address not yet known to be
/// theirs gets the first mail, whose link confirms it.
pub async fn start_following(
    state: &AppState,
    site: &Site,
    post: &Post,
    comment: &Comment,
    address_confirmed: bool,
) {
    let token = super::session::new_token();
    let started = state
        .store
        .follow(
            site.id,
            post.id,
            &comment.author_email,
            &token,
            address_confirmed,
            calendar::now(),
        )
        .await;
    let follow = match started {
        Ok(FollowStart::Started(follow)) => follow,
        Ok(FollowStart::AlreadyAsked) => return,
        Err(error) => return tracing::warn!(%error, "cannot start following the discussion"),
    };
    if follow.confirmed_at.is_some() {
        return;
    }
    let base = state.site_url(site);
    let body = format!(
        "You asked to be mailed the follow-up comments on “{title}”.\n\n\
         Confirm that this address is yours, and start them: {base}/follow/confirm/{token}\n\n\
         Nothing more is sent unless you do. Changed your mind? {base}/follow/stop/{token}\n",
        title = post.title,
        token = follow.token,
    );
    let subject = format!(
        "[{}] Confirm: follow-up comments on “{}”",
        site.settings.title, post.title
    );
    if let Err(error) = state
        .mailer
        .send(Some(site.id), &follow.email, &subject, &body)
        .await
    {
        tracing::warn!(%error, "cannot queue the follow confirmation");
    }
}

/// Mails a newly approved comment to the discussion's confirmed followers only.
pub async fn follow_up(state: &AppState, site: &Site, post: &Post, comment: &Comment) {
    match state
        .store
        .audience(post.id, None, &comment.author_email)
        .await
    {
        Ok(audience) => mail_followers(state, site, post, comment, &audience.followers).await,
        Err(error) => tracing::warn!(%error, "cannot find the discussion's followers"),
    }
}

/// Mails the followers of a discussion (not the comment's writer; never a private comment) a newly approved
/// comment, each mail with its one-click unsubscribe link.
async fn mail_followers(
    state: &AppState,
    site: &Site,
    post: &Post,
    comment: &Comment,
    followers: &[Follower],
) {
    if comment.is_private || comment.status != CommentStatus::Approved || followers.is_empty() {
        return;
    }
    let base = state.site_url(site);
    let address = match state.comment_address(site, post, comment.id).await {
        Ok(address) => address,
        Err(error) => return tracing::warn!(%error, "cannot find the comment's address"),
    };
    let subject = format!("[{}] New comment on “{}”", site.settings.title, post.title);
    for follow in followers {
        let body = format!(
            "{name} commented on “{title}”:\n\n{text}\n\nRead and reply: {base}{address}\n\n\
             You follow this discussion. Stop these mails (one click, no sign-in): {base}/follow/stop/{token}\n",
            name = comment.author_name,
            title = post.title,
            text = comment.content,
            token = follow.token,
        );
        if let Err(error) = state
            .mailer
            .send(Some(site.id), &follow.email, &subject, &body)
            .await
        {
            tracing::warn!(%error, "cannot queue a follow-up mail");
        }
    }
}
