//! The post page (PRODUCT.md §4): the post or page, its threaded discussion, and the "Leave a Reply" form.

use axum::{
    http::{StatusCode, header},
    response::Response,
};

use crate::{
    domain::{
        avatar, calendar,
        permalink::{self, ArchiveKind, archive_path, comment_page_path},
        post::{Post, PostKind, Taxonomy},
        thread::{self, ThreadEntry},
    },
    store::{PostCard, Site},
};

use super::{
    PRIVATE,
    error::WebError,
    render,
    session::SignedIn,
    site_scope::Scoped,
    views::{CommentFormView, CommentView, Link, Pagination, PostPage},
    visitor::Visitor,
};

/// How to draw a post page: which page of comments, and the form's state.
pub struct PostView<'a> {
    pub site: &'a Site,
    pub card: PostCard,
    /// `None` for the newest page (the post's own URL).
    pub comment_page: Option<u32>,
    pub form: CommentFormView,
    /// Held comments of this visitor that they may see.
    pub held: &'a [i64],
    pub status: StatusCode,
    pub viewer: Option<&'a SignedIn>,
    /// Password-protected and not unlocked by this reader.
    pub locked: bool,
    pub password_error: Option<String>,
}

/// Whether a reader must still give a post's password: not when they gave it, nor for its author and staff.
pub fn is_locked(post: &Post, visitor: &Visitor, viewer: Option<&SignedIn>) -> bool {
    let Some(password) = &post.password else {
        return false;
    };
    let privileged =
        viewer.is_some_and(|viewer| viewer.is_staff() || viewer.user.id == post.author_id);
    !privileged && !visitor.has_unlocked(post.id, password)
}

/// The canonical path of a post or page.
pub async fn permalink_of(state: &Scoped, site: &Site, post: &Post) -> Result<String, WebError> {
    let lineage = if post.kind == PostKind::Page {
        state.store.page_lineage(post).await?
    } else {
        Vec::new()
    };
    Ok(permalink::permalink(post, &site.settings.zone(), &lineage))
}

/// The path of the comment page a comment appears on, with its anchor.
pub async fn comment_location(
    state: &Scoped,
    site: &Site,
    post: &Post,
    comment_id: i64,
    held: &[i64],
    with_private: bool,
) -> Result<String, WebError> {
    let permalink = permalink_of(state, site, post).await?;
    let place = state
        .store
        .page_of_comment(
            post.id,
            comment_id,
            held,
            site.settings.comments_per_page,
            with_private,
        )
        .await?;
    Ok(match place {
        Some((page, pages)) if page < pages => format!(
            "{}#comment-{comment_id}",
            comment_page_path(&permalink, page)
        ),
        Some(_) => format!("{permalink}#comment-{comment_id}"),
        None => permalink,
    })
}

pub async fn render_post(state: &Scoped, view: PostView<'_>) -> Result<Response, WebError> {
    let PostView {
        site,
        card,
        comment_page,
        mut form,
        held,
        status,
        viewer,
        locked,
        password_error,
    } = view;
    let settings = &site.settings;
    let zone = settings.zone();
    let post = &card.post;
    let permalink = permalink_of(state, site, post).await?;
    let sees_private = viewer.is_some_and(|viewer| {
        crate::domain::comment::sees_private(viewer.role, viewer.user.id, post.author_id)
    });
    let comments = state
        .store
        .visible_comments(post.id, held, sees_private)
        .await?;
    let thread = thread::arrange(
        comments,
        settings.thread_comments_depth,
        settings.comments_per_page,
        comment_page,
    )
    .ok_or(WebError::NotFound)?;
    let page_path = if thread.page == thread.pages {
        permalink.clone()
    } else {
        comment_page_path(&permalink, thread.page)
    };

    if let Ok(parent) = form.parent.parse::<i64>() {
        form.replying_to = thread
            .entries
            .iter()
            .find(|entry| entry.comment.id == parent)
            .map(|entry| entry.comment.author_name.clone());
        if form.replying_to.is_none() && form.notice.is_none() {
            form.parent.clear();
        }
    }
    let comment_views = thread
        .entries
        .iter()
        .map(|entry| comment_view(entry, &page_path, &zone, &state.avatar_salt))
        .collect();
    let comment_pages = (thread.pages > 1).then(|| Pagination {
        older: (thread.page > 1).then(|| comment_page_path(&permalink, thread.page - 1)),
        newer: (thread.page < thread.pages).then(|| {
            if thread.page + 1 == thread.pages {
                permalink.clone()
            } else {
                comment_page_path(&permalink, thread.page + 1)
            }
        }),
        page: thread.page,
        pages: thread.pages,
    });
    let (previous, next) = if post.kind == PostKind::Post {
        state.store.adjacent_posts(post).await?
    } else {
        (None, None)
    };
    let link_to = |neighbour: Option<Post>| {
        neighbour.map(|neighbour| Link {
            href: permalink::permalink(&neighbour, &zone, &[]),
            text: neighbour.title.clone(),
        })
    };
    let terms = |taxonomy: Taxonomy, kind: ArchiveKind| -> Vec<Link> {
        card.terms
            .iter()
            .filter(|term| term.taxonomy == taxonomy)
            .map(|term| Link {
                href: archive_path(kind, &term.slug),
                text: term.name.clone(),
            })
            .collect()
    };
    let comments_heading = match card.comment_count {
        0 => None,
        1 => Some(format!("One Response to “{}”", post.title)),
        count => Some(format!("{count} Responses to “{}”", post.title)),
    };
    let mut layout = state.layout(site, Some(&post.title), viewer).await?;
    if post.kind == PostKind::Post && post.password.is_none() && !layout.feeds.is_empty() {
        layout.feeds.push(Link {
            href: format!("{permalink}feed/"),
            text: format!("{} » {} Comments Feed", site.settings.title, post.title),
        });
    }
    let page = PostPage {
        layout,
        id: post.id,
        is_page: post.kind == PostKind::Page,
        title: post.title.clone(),
        author: Link {
            href: archive_path(ArchiveKind::Author, &card.author_nicename),
            text: card.author_name.clone(),
        },
        date: zone.long_date(post.published_at),
        date_iso: zone.iso(post.published_at),
        content_html: post.content_html.as_str().to_owned(),
        categories: terms(Taxonomy::Category, ArchiveKind::Category),
        tags: terms(Taxonomy::Tag, ArchiveKind::Tag),
        previous: link_to(previous),
        next: link_to(next),
        comments_heading,
        comments: comment_views,
        offer_private: sees_private,
        offer_grade: viewer.is_some_and(SignedIn::is_staff),
        comment_pages,
        comments_open: post.accepts_comments(settings, calendar::now()),
        form,
        permalink,
        locked,
        password_error,
    };
    let personal = viewer.is_some()
        || post.password.is_some()
        || !held.is_empty()
        || !page.form.author.value.is_empty()
        || status != StatusCode::OK;
    let mut response = render(status, &page)?;
    if personal {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, PRIVATE);
    }
    Ok(response)
}

fn comment_view(
    entry: &ThreadEntry,
    page_path: &str,
    zone: &calendar::SiteZone,
    salt: &[u8],
) -> CommentView {
    let comment = &entry.comment;
    CommentView {
        id: comment.id,
        depth: entry.depth,
        author: comment.author_name.clone(),
        author_url: comment
            .author_url
            .clone()
            .filter(|url| crate::domain::comment::is_web_address(url)),
        avatar: format!(
            "/avatar/{}.svg",
            avatar::key_for(&comment.author_email, salt)
        ),
        date: zone.long_date_time(comment.created_at),
        date_iso: zone.iso(comment.created_at),
        content_html: comment.content_html.as_str().to_owned(),
        awaiting_moderation: comment.status == crate::domain::comment::CommentStatus::Pending,
        private: comment.is_private,
        grade: comment.grade.clone(),
        reply_href: format!("{page_path}?replytocom={}#respond", comment.id),
        opens_replies: entry.opens_replies,
        closing_html: "</ol></li>".repeat(entry.closes as usize),
    }
}
