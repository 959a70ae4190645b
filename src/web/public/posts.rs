//! The post page (PRODUCT.md §4): the post or page, its threaded discussion, and the "Leave a Reply" form.

use std::collections::HashMap;

use askama::Template;
use axum::{
    http::{StatusCode, header},
    response::Response,
};

use crate::{
    address::Target,
    discussion::{CurrentPassage, post_passages},
    domain::{
        avatar, calendar,
        comment::CommentStatus,
        markup::{SafeHtml, excerpt},
        passage,
        permalink::{ArchiveKind, archive_path, comment_page_path},
        post::{Post, PostKind, Taxonomy},
        thread::{self, ThreadEntry},
    },
    store::{PostCard, Site},
};

use crate::web::{
    error::WebError,
    respond::PRIVATE,
    respond::render,
    session::SignedIn,
    site_scope::Scoped,
    views::{
        Byline, CommentFormView, CommentView, DiscussionView, FieldView, Link, Pagination,
        PassageChoice, PassageNote, PostPage,
    },
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

/// A comment form as a reader first sees it: their remembered details, and the comment they reply to or the
/// passage they comment on when the address names one.
pub fn fresh_form(
    visitor: &Visitor,
    replying_to: Option<&str>,
    passage: Option<&str>,
) -> CommentFormView {
    let remembered = visitor.remembered.clone().unwrap_or_default();
    let field = |value: String| FieldView { value, error: None };
    CommentFormView {
        author: field(remembered.author),
        email: field(remembered.email),
        url: field(remembered.url),
        remember: visitor.remembered.is_some(),
        parent: replying_to
            .filter(|id| id.parse::<i64>().is_ok())
            .unwrap_or_default()
            .to_owned(),
        passage: passage.map(|signature| PassageChoice {
            signature: signature.to_owned(),
            text: String::new(),
        }),
        ..CommentFormView::default()
    }
}

/// The canonical path of a post or page (for the post that holds a reading's discussion, the reading's).
pub async fn permalink_of(state: &Scoped, site: &Site, post: &Post) -> Result<String, WebError> {
    state.address_of(site, Target::Post(post)).await
}

pub async fn render_post(state: &Scoped, view: PostView<'_>) -> Result<Response, WebError> {
    let PostView {
        site,
        card,
        comment_page,
        form,
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
    // A post's page shows a post, never a reading's discussion: its passages are its block quotes.
    let found = {
        let html = post.content_html.as_str().to_owned();
        crate::cpu::off_the_async_workers(move || passage::block_quotes(&html)).await
    };
    let passages = post_passages(&found);
    let discussion = discussion(
        state,
        DiscussionSetup {
            site,
            post,
            address: permalink.clone(),
            comment_page,
            paged: true,
            form,
            held,
            viewer,
            title: &post.title,
            passages: &passages,
            say_closed: post.kind == PostKind::Post,
        },
    )
    .await?;
    let content_html = if !found.is_empty() {
        passage::annotate(&post.content_html, &found, &discussion.asides)
    } else {
        post.content_html.clone()
    };
    let (previous, next) = if post.kind == PostKind::Post {
        state.store.adjacent_posts(post).await?
    } else {
        (None, None)
    };
    let mut neighbours = Vec::with_capacity(2);
    for neighbour in [previous, next] {
        neighbours.push(match neighbour {
            Some(neighbour) => Some(Link {
                href: state.address_of(site, Target::Post(&neighbour)).await?,
                text: neighbour.title,
            }),
            None => None,
        });
    }
    let mut neighbours = neighbours.into_iter();
    let (previous, next) = (neighbours.next().flatten(), neighbours.next().flatten());
    let terms = |taxonomy: Taxonomy, kind: ArchiveKind| -> Vec<Link> {
        card.terms
            .iter()
            .filter(|term| term.taxonomy == taxonomy)
            .map(|term| Link {
                href: site.root().join(&archive_path(kind, &term.slug)),
                text: term.name.clone(),
            })
            .collect()
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
        author: Byline {
            href: card.author_archive(&site.root()),
            text: card.author_name.clone(),
        },
        date: zone.long_date(post.published_at),
        date_iso: zone.iso(post.published_at),
        content_html,
        categories: terms(Taxonomy::Category, ArchiveKind::Category),
        tags: terms(Taxonomy::Tag, ArchiveKind::Tag),
        previous,
        next,
        discussion: discussion.view,
        permalink,
        locked,
        password_error,
    };
    let personal = viewer.is_some()
        || post.password.is_some()
        || !held.is_empty()
        || !page.discussion.form.author.value.is_empty()
        || status != StatusCode::OK;
    let mut response = render(status, &page)?;
    if personal {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, PRIVATE);
    }
    Ok(response)
}

/// What a discussion is drawn from.
pub struct DiscussionSetup<'a> {
    pub site: &'a Site,
    pub post: &'a Post,
    /// The address of the page that shows the discussion.
    pub address: String,
    pub comment_page: Option<u32>,
    /// Paged by the site's comments-per-page setting (a reading's discussion is on one page).
    pub paged: bool,
    pub form: CommentFormView,
    pub held: &'a [i64],
    pub viewer: Option<&'a SignedIn>,
    /// What the discussion is about, for its heading.
    pub title: &'a str,
    pub passages: &'a [CurrentPassage],
    pub say_closed: bool,
}

/// A discussion drawn: its thread and form, and for each passage what follows it on the page.
pub struct Discussion {
    pub view: DiscussionView,
    pub asides: Vec<SafeHtml>,
}

#[derive(Template)]
#[template(path = "passage_aside.html")]
struct PassageAside {
    comments: Vec<PassageComment>,
    comment_href: String,
}

struct PassageComment {
    href: String,
    author: String,
    excerpt: String,
}

/// How many words of a passage a note or the form quotes.
const PASSAGE_WORDS: usize = 30;

pub async fn discussion(
    state: &Scoped,
    setup: DiscussionSetup<'_>,
) -> Result<Discussion, WebError> {
    let DiscussionSetup {
        site,
        post,
        address,
        comment_page,
        paged,
        mut form,
        held,
        viewer,
        title,
        passages,
        say_closed,
    } = setup;
    let settings = &site.settings;
    let zone = settings.zone();
    let sees_private = viewer.is_some_and(|viewer| {
        crate::domain::comment::sees_private(viewer.role, viewer.user.id, post.author_id)
    });
    let comments = state
        .store
        .visible_comments(post.id, held, sees_private)
        .await?;
    let per_page = if paged {
        settings.comments_per_page
    } else {
        u32::MAX
    };
    let public_count = comments
        .iter()
        .filter(|comment| comment.status == CommentStatus::Approved && !comment.is_private)
        .count();
    let keys: Vec<(&str, &str)> = passages
        .iter()
        .map(|passage| (passage.signature.as_str(), passage.text.as_str()))
        .collect();
    let located: HashMap<i64, Option<usize>> = comments
        .iter()
        .filter_map(|comment| {
            let on = comment.passage.as_ref()?;
            Some((comment.id, passage::locate(&on.signature, &on.text, &keys)))
        })
        .collect();
    let pages = if located.is_empty() {
        HashMap::new()
    } else {
        thread::pages_of(&comments, per_page)
    };
    let thread = thread::arrange(
        comments.clone(),
        settings.thread_comments_depth,
        per_page,
        comment_page,
    )
    .ok_or(WebError::NotFound)?;
    let path_of_page = |page: u32| {
        if page == thread.pages {
            address.clone()
        } else {
            comment_page_path(&address, page)
        }
    };
    let page_path = path_of_page(thread.page);

    let mut by_passage: Vec<Vec<PassageComment>> = passages.iter().map(|_| Vec::new()).collect();
    for comment in &comments {
        if comment.status != CommentStatus::Approved {
            continue;
        }
        if let Some(Some(index)) = located.get(&comment.id) {
            by_passage[*index].push(PassageComment {
                href: format!(
                    "{}#comment-{}",
                    path_of_page(pages.get(&comment.id).copied().unwrap_or(thread.pages)),
                    comment.id
                ),
                author: comment.author_name.clone(),
                excerpt: excerpt(&comment.content, 20),
            });
        }
    }
    let asides = by_passage
        .into_iter()
        .zip(passages)
        .map(|(comments, passage)| {
            SafeHtml::from_template(&PassageAside {
                comments,
                comment_href: format!("{address}?passage={}#respond", passage.signature),
            })
            .map_err(WebError::from)
        })
        .collect::<Result<Vec<SafeHtml>, WebError>>()?;

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
    form.passage = form.passage.take().and_then(|chosen| {
        passages
            .iter()
            .find(|passage| passage.signature == chosen.signature)
            .map(|passage| PassageChoice {
                signature: passage.signature.clone(),
                text: excerpt(&passage.text, PASSAGE_WORDS),
            })
    });
    let avatar_prefix = site.root().join("/avatar/");
    let signed_out_emails: Vec<&str> = thread
        .entries
        .iter()
        .filter(|entry| entry.comment.user_id.is_none())
        .map(|entry| entry.comment.author_email.as_str())
        .collect();
    let accounts_emails = state.store.emails_with_accounts(&signed_out_emails).await?;
    let comment_views = thread
        .entries
        .iter()
        .map(|entry| {
            let comment = &entry.comment;
            let avatar_key = if comment.user_id.is_none()
                && accounts_emails.contains(&comment.author_email.trim().to_lowercase())
            {
                avatar::ANYONE.to_owned()
            } else {
                avatar::key_for(&comment.author_email, &state.avatar_salt)
            };
            let mut view = comment_view(
                entry,
                &page_path,
                &zone,
                &format!("{avatar_prefix}{avatar_key}.svg"),
            );
            view.passage = entry.comment.passage.as_ref().map(|on| {
                match located.get(&entry.comment.id).copied().flatten() {
                    Some(index) => PassageNote {
                        href: Some(passages[index].anchor.clone()),
                        text: excerpt(&passages[index].text, PASSAGE_WORDS),
                    },
                    None => PassageNote {
                        href: None,
                        text: on.text.clone(),
                    },
                }
            });
            view
        })
        .collect();
    let comment_pages = (thread.pages > 1).then(|| Pagination {
        older: (thread.page > 1).then(|| path_of_page(thread.page - 1)),
        newer: (thread.page < thread.pages).then(|| path_of_page(thread.page + 1)),
        page: thread.page,
        pages: thread.pages,
    });
    let heading = match public_count {
        0 => None,
        1 => Some(format!("One Response to “{title}”")),
        count => Some(format!("{count} Responses to “{title}”")),
    };
    Ok(Discussion {
        view: DiscussionView {
            post_id: post.id,
            address,
            heading,
            comments: comment_views,
            // A reading has no author: "only the author of this post" would name nobody, and a grade would
            // reach no student.
            offer_private: sees_private && !post.discusses_reading,
            offer_grade: viewer.is_some_and(SignedIn::is_staff) && !post.discusses_reading,
            grade_scale: settings.grade_scale().describe(),
            pages: comment_pages,
            open: !site.is_archived() && post.accepts_comments(settings, calendar::now()),
            say_closed,
            archived: site.is_archived()
                && (say_closed || post.accepts_comments(settings, calendar::now())),
            form,
            commenter: viewer.map(SignedIn::view),
        },
        asides,
    })
}

fn comment_view(
    entry: &ThreadEntry,
    page_path: &str,
    zone: &calendar::SiteZone,
    avatar: &str,
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
        avatar: avatar.to_owned(),
        date: zone.long_date_time(comment.created_at),
        date_iso: zone.iso(comment.created_at),
        content_html: comment.content_html.clone(),
        awaiting_moderation: comment.status == crate::domain::comment::CommentStatus::Pending,
        private: comment.is_private,
        grade: comment.grade.clone(),
        passage: None,
        reply_href: format!("{page_path}?replytocom={}#respond", comment.id),
        opens_replies: entry.opens_replies,
        closes: entry.closes,
    }
}
