//! The mails that discussion sends (PRODUCT.md §5): the post's author hears of each approved comment, the
//! moderators of each held one, a discussion's followers of each approved comment. Only confirmed addresses
//! are written to (a follower's by the link of the one mail that asks). Every link is the comment's own
//! address (`crate::address`) on its site, after the site's public origin.

use crate::{
    address::{self, CommentReader, Target},
    domain::{
        calendar,
        comment::{Comment, CommentStatus},
        post::Post,
        site::Site,
        user::new_token,
    },
    store::{FollowStart, Follower},
};

use super::Discussion;

/// Mails a newly approved comment to the post's author (not their own) and to the discussion's followers,
/// who are found in one question; answers how many mails were queued.
pub(super) async fn comment_approved(
    discussion: &Discussion,
    site: &Site,
    post: &Post,
    comment: &Comment,
) -> usize {
    let author_id = (comment.user_id != Some(post.author_id)).then_some(post.author_id);
    let audience = match discussion
        .store
        .audience(post.id, author_id, &comment.author_email)
        .await
    {
        Ok(audience) => audience,
        Err(error) => {
            tracing::warn!(%error, "cannot find whom to notify of the comment");
            return 0;
        }
    };
    let Some(link) = comment_link(discussion, site, post, comment).await else {
        return 0;
    };
    let mut sent = 0;
    if let Some(author_email) = &audience.author_email {
        let body = comment_mail(
            post,
            comment,
            &format!("{} commented on your post", comment.author_name),
            "Read and reply",
            &link,
        );
        let subject = format!("[{}] New comment on “{}”", site.settings.title, post.title);
        sent += usize::from(queue(discussion, site, author_email, &subject, &body).await);
    }
    sent + mail_followers(discussion, site, post, comment, &audience.followers, &link).await
}

/// The public address of a comment, after the site's origin; `None` (logged) when it cannot be found.
async fn comment_link(
    discussion: &Discussion,
    site: &Site,
    post: &Post,
    comment: &Comment,
) -> Option<String> {
    let target = Target::Comment {
        post,
        comment_id: comment.id,
        reader: CommentReader {
            with_private: comment.is_private,
            ..CommentReader::default()
        },
    };
    match address::of(&discussion.store, site, target).await {
        Ok(path) => Some(format!("{}{path}", discussion.base_url)),
        Err(error) => {
            tracing::warn!(%error, "cannot find the comment's address");
            None
        }
    }
}

/// Puts one mail in the outbox; whether it was.
async fn queue(
    discussion: &Discussion,
    site: &Site,
    recipient: &str,
    subject: &str,
    body: &str,
) -> bool {
    match discussion
        .mailer
        .send(Some(site.id), recipient, subject, body)
        .await
    {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "cannot queue a mail of the discussion");
            false
        }
    }
}

/// A mail about one comment: who did what on which post, the comment's text, and `link` under `link_label`.
fn comment_mail(
    post: &Post,
    comment: &Comment,
    what_happened: &str,
    link_label: &str,
    link: &str,
) -> String {
    format!(
        "{what_happened} “{title}”:\n\n{text}\n\n{link_label}: {link}\n",
        title = post.title,
        text = comment.content,
    )
}

/// Mails the site's staff a post author's private question on their own post.
pub(super) async fn private_question(
    discussion: &Discussion,
    site: &Site,
    post: &Post,
    comment: &Comment,
) {
    let staff = match discussion.store.staff_of(site.id).await {
        Ok(staff) => staff,
        Err(error) => return tracing::warn!(%error, "cannot find the staff to notify"),
    };
    let Some(link) = comment_link(discussion, site, post, comment).await else {
        return;
    };
    let body = comment_mail(
        post,
        comment,
        &format!("{} asks privately about their post", comment.author_name),
        "Answer (privately)",
        &link,
    );
    let subject = format!(
        "[{}] A private question on “{}”",
        site.settings.title, post.title
    );
    for member in staff.iter().filter(|member| member.email_confirmed) {
        queue(discussion, site, &member.email, &subject, &body).await;
    }
}

/// Mails every moderator about a comment that waits for them.
pub(super) async fn comment_held(
    discussion: &Discussion,
    site: &Site,
    post: &Post,
    comment: &Comment,
) {
    let moderators = match discussion.store.staff_of(site.id).await {
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
        base = discussion.site_url(site),
    );
    let subject = format!(
        "[{}] Please moderate: “{}”",
        site.settings.title, post.title
    );
    for moderator in moderators
        .iter()
        .filter(|moderator| moderator.email_confirmed)
    {
        queue(discussion, site, &moderator.email, &subject, &body).await;
    }
}

/// Starts following a discussion for the writer of a comment who asked to; an address not yet known to be
/// theirs gets the first mail, whose link confirms it.
pub(super) async fn start_following(
    discussion: &Discussion,
    site: &Site,
    post: &Post,
    comment: &Comment,
    address_confirmed: bool,
) {
    let started = discussion
        .store
        .follow(
            site.id,
            post.id,
            &comment.author_email,
            &new_token(),
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
    let base = discussion.site_url(site);
    let body = format!(
        "You asked to be mailed the follow-up comments on “{title}”.\n\n\
         Confirm that this address is yours, and start them, with the button of this page: \
         {base}/follow/confirm/{token}\n\n\
         Nothing more is sent unless you do. Changed your mind? {base}/follow/stop/{token}\n",
        title = post.title,
        token = follow.token,
    );
    let subject = format!(
        "[{}] Confirm: follow-up comments on “{}”",
        site.settings.title, post.title
    );
    queue(discussion, site, &follow.email, &subject, &body).await;
}

/// Mails the followers of a discussion (not the comment's writer; never a private comment) a newly approved
/// comment, each mail with its one-click unsubscribe link (in the text and in its headers); answers how many
/// were queued.
async fn mail_followers(
    discussion: &Discussion,
    site: &Site,
    post: &Post,
    comment: &Comment,
    followers: &[Follower],
    link: &str,
) -> usize {
    if comment.is_private || comment.status != CommentStatus::Approved || followers.is_empty() {
        return 0;
    }
    let base = discussion.site_url(site);
    let subject = format!("[{}] New comment on “{}”", site.settings.title, post.title);
    let mut sent = 0;
    for follow in followers {
        let unsubscribe = format!("{base}/follow/stop/{token}", token = follow.token);
        let body = format!(
            "{name} commented on “{title}”:\n\n{text}\n\nRead and reply: {link}\n\n\
             You follow this discussion. Stop these mails (one click, no sign-in): {unsubscribe}\n",
            name = comment.author_name,
            title = post.title,
            text = comment.content,
        );
        // The mail program offers the same link as its own "unsubscribe" (RFC 8058's headers).
        match discussion
            .mailer
            .send_follow_up(Some(site.id), &follow.email, &subject, &body, &unsubscribe)
            .await
        {
            Ok(()) => sent += 1,
            Err(error) => tracing::warn!(%error, "cannot queue a follow-up mail"),
        }
    }
    sent
}
