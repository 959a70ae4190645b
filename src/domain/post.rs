//! Posts, pages and their terms (PRODUCT.md §6): kinds, statuses, and the rules about when a post is public and
//! when its discussion is open.

use std::{fmt, str::FromStr};

use super::{
    citation::{Citable, Cited, link_citations},
    markup,
    markup::SafeHtml,
    settings::SiteSettings,
    user::Role,
};

/// Dated posts (in the feed and archives) and static pages (hierarchical, undated URLs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostKind {
    Post,
    Page,
}

impl PostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "post",
            Self::Page => "page",
        }
    }
}

impl FromStr for PostKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "post" => Ok(Self::Post),
            "page" => Ok(Self::Page),
            other => Err(format!("unknown post type '{other}' (post or page)")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostStatus {
    Draft,
    Pending,
    /// Scheduled: becomes `Publish` at its date.
    Future,
    Publish,
    Private,
    Trash,
}

impl PostStatus {
    pub const ALL: [Self; 6] = [
        Self::Draft,
        Self::Pending,
        Self::Future,
        Self::Publish,
        Self::Private,
        Self::Trash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Pending => "pending",
            Self::Future => "future",
            Self::Publish => "publish",
            Self::Private => "private",
            Self::Trash => "trash",
        }
    }
}

impl fmt::Display for PostStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for PostStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                format!("unknown status '{text}' (draft, pending, future, publish, private, trash)")
            })
    }
}

/// The status a post gets when its writer asks for `requested` with the date `published_at`:
/// publishing with a date still to come schedules it.
pub fn effective_status(requested: PostStatus, published_at: i64, now: i64) -> PostStatus {
    match requested {
        PostStatus::Publish if published_at > now => PostStatus::Future,
        PostStatus::Future if published_at <= now => PostStatus::Publish,
        other => other,
    }
}

/// How a post's body was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    Markdown,
    Html,
}

impl FromStr for SourceFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "markdown" => Ok(Self::Markdown),
            "html" => Ok(Self::Html),
            other => Err(format!("unknown source format '{other}'")),
        }
    }
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Markdown => "markdown",
            Self::Html => "html",
        }
    }
}

/// A post or page as stored.
#[derive(Clone, Debug)]
pub struct Post {
    pub id: i64,
    pub site_id: i64,
    pub author_id: i64,
    pub kind: PostKind,
    pub status: PostStatus,
    pub slug: String,
    pub title: String,
    pub source: String,
    pub content_html: SafeHtml,
    /// The excerpt as written; empty when none was.
    pub excerpt: String,
    /// Plain-text summary: the written excerpt, or the first 55 words of the body.
    pub summary: String,
    pub parent_id: Option<i64>,
    pub comments_open: bool,
    pub published_at: i64,
    pub modified_at: i64,
    pub sticky: bool,
    pub source_format: SourceFormat,
    /// Readers must give this password to read the body and the discussion.
    pub password: Option<String>,
    /// Bumped by every save, so that a save based on an older version is caught.
    pub version: i64,
    /// The reading the post discusses: its citations without a label cite this one.
    pub reading_id: Option<i64>,
    /// The post holds its reading's discussion: never listed, shown on the reading's page.
    pub discusses_reading: bool,
    /// Its date was set by its writer (or it was published); otherwise a draft's date is when it is published.
    pub date_chosen: bool,
    /// A draft the editor's autosave made that its writer has not saved since.
    pub autosaved_only: bool,
}

impl Post {
    pub fn is_public(&self) -> bool {
        self.status == PostStatus::Publish
    }

    /// Step 1 of the comment pipeline: whether the discussion still takes comments.
    pub fn accepts_comments(&self, settings: &SiteSettings, now: i64) -> bool {
        let days = i64::from(settings.close_comments_days_old);
        self.comments_open
            && (days == 0 || self.kind == PostKind::Page || now - self.published_at < days * 86_400)
    }
}

/// The stored forms of a body: sanitized HTML and the plain-text summary.
pub struct RenderedBody {
    pub html: SafeHtml,
    pub summary: String,
}

/// Number of words in an automatic excerpt (WordPress's default).
pub const EXCERPT_WORDS: usize = 55;

pub fn render_body(source: &str, format: SourceFormat, excerpt: &str) -> RenderedBody {
    let html = match format {
        SourceFormat::Markdown => markup::markdown_to_html(source),
        SourceFormat::Html => markup::wordpress_to_html(source),
    };
    let summary = if excerpt.trim().is_empty() {
        markup::excerpt(&markup::excerpt_text(html.as_str()), EXCERPT_WORDS)
    } else {
        excerpt.trim().to_owned()
    };
    RenderedBody { html, summary }
}

/// Renders a body and links its citations of the readings `citable` knows; also returns those citations.
pub fn render_body_citing(
    source: &str,
    format: SourceFormat,
    excerpt: &str,
    citable: &Citable,
) -> (RenderedBody, Vec<Cited>) {
    let rendered = render_body(source, format, excerpt);
    let (html, cited) = link_citations(&rendered.html, citable);
    (
        RenderedBody {
            html,
            summary: rendered.summary,
        },
        cited,
    )
}

/// Whether someone with `role` may write a new post (contributors and up) or page (editors and up).
pub fn may_create(role: Option<Role>, kind: PostKind) -> bool {
    match kind {
        PostKind::Post => role.is_some_and(|role| role != Role::Subscriber),
        PostKind::Page => role.is_some_and(Role::is_staff),
    }
}

/// Whether someone may change a post: staff any post; authors their own; contributors their own until it is
/// published; subscribers and strangers nothing.
pub fn may_edit(role: Option<Role>, user_id: i64, post: &Post) -> bool {
    match role {
        Some(role) if role.is_staff() => true,
        Some(Role::Author) => post.author_id == user_id && post.kind == PostKind::Post,
        Some(Role::Contributor) => {
            post.author_id == user_id
                && matches!(post.status, PostStatus::Draft | PostStatus::Pending)
        }
        _ => false,
    }
}

/// The status a writer's request becomes: a contributor's publishing goes to review.
pub fn permitted_status(role: Role, requested: PostStatus) -> PostStatus {
    match requested {
        PostStatus::Publish | PostStatus::Future | PostStatus::Private if !role.can_publish() => {
            PostStatus::Pending
        }
        other => other,
    }
}

/// A schedule for a moment that has already passed.
#[derive(Debug, PartialEq, Eq)]
pub struct ScheduleInThePast;

/// The status a save gets from the writer's role, the status asked for and the date: publishing with a
/// future date schedules; scheduling for a past date is refused (the writer is offered to publish now).
pub fn planned_status(
    role: Role,
    requested: PostStatus,
    published_at: i64,
    now: i64,
) -> Result<PostStatus, ScheduleInThePast> {
    if requested == PostStatus::Future && published_at <= now {
        return Err(ScheduleInThePast);
    }
    Ok(permitted_status(
        role,
        effective_status(requested, published_at, now),
    ))
}

/// Longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 300;

/// Why a title cannot be saved, if it cannot.
pub fn title_problem(title: &str) -> Option<&'static str> {
    if title.trim().is_empty() {
        Some("Please give the post a title.")
    } else if title.chars().count() > MAX_TITLE_CHARS {
        Some("The title is too long: at most 300 characters, please.")
    } else {
        None
    }
}

/// Categories (hierarchical) and tags (flat).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Taxonomy {
    Category,
    Tag,
}

impl Taxonomy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Category => "category",
            Self::Tag => "post_tag",
        }
    }
}

/// A category or tag.
#[derive(Clone, Debug)]
pub struct Term {
    pub id: i64,
    pub taxonomy: Taxonomy,
    pub slug: String,
    pub name: String,
    pub parent_id: Option<i64>,
}

/// The category every post has when it names none.
pub const DEFAULT_CATEGORY: &str = "Uncategorized";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishing_with_a_future_date_schedules() {
        assert_eq!(
            effective_status(PostStatus::Publish, 200, 100),
            PostStatus::Future
        );
        assert_eq!(
            effective_status(PostStatus::Publish, 100, 100),
            PostStatus::Publish
        );
        assert_eq!(
            effective_status(PostStatus::Future, 50, 100),
            PostStatus::Publish
        );
        assert_eq!(
            effective_status(PostStatus::Draft, 200, 100),
            PostStatus::Draft
        );
    }

    #[test]
    fn summary_is_the_written_excerpt_or_the_first_words() {
        let long = "word ".repeat(80);
        let body = render_body(&long, SourceFormat::Markdown, "");
        assert_eq!(body.summary.split_whitespace().count(), EXCERPT_WORDS + 1);
        assert!(body.summary.ends_with("[…]"));
        assert_eq!(
            render_body(&long, SourceFormat::Markdown, " Short. ").summary,
            "Short."
        );
    }

    fn post(published_at: i64, kind: PostKind) -> Post {
        Post {
            id: 1,
            site_id: 1,
            author_id: 1,
            kind,
            status: PostStatus::Publish,
            slug: "p".into(),
            title: "P".into(),
            source: String::new(),
            content_html: SafeHtml::default(),
            excerpt: String::new(),
            summary: String::new(),
            parent_id: None,
            comments_open: true,
            published_at,
            modified_at: published_at,
            sticky: false,
            source_format: SourceFormat::Markdown,
            password: None,
            version: 1,
            reading_id: None,
            discusses_reading: false,
            date_chosen: true,
            autosaved_only: false,
        }
    }

    #[test]
    fn who_may_edit_what() {
        let mine = Post {
            author_id: 7,
            ..post(0, PostKind::Post)
        };
        assert!(may_edit(Some(Role::Editor), 1, &mine));
        assert!(may_edit(Some(Role::Author), 7, &mine));
        assert!(!may_edit(Some(Role::Author), 8, &mine));
        assert!(
            !may_edit(Some(Role::Contributor), 7, &mine),
            "published: out of a contributor's hands"
        );
        let draft = Post {
            status: PostStatus::Draft,
            ..mine.clone()
        };
        assert!(may_edit(Some(Role::Contributor), 7, &draft));
        assert!(!may_edit(Some(Role::Subscriber), 7, &draft));
        assert!(!may_edit(None, 7, &draft));
        let page = Post {
            kind: PostKind::Page,
            ..mine
        };
        assert!(!may_edit(Some(Role::Author), 7, &page));
    }

    #[test]
    fn contributors_publish_into_review() {
        assert_eq!(
            permitted_status(Role::Contributor, PostStatus::Publish),
            PostStatus::Pending
        );
        assert_eq!(
            permitted_status(Role::Contributor, PostStatus::Draft),
            PostStatus::Draft
        );
        assert_eq!(
            permitted_status(Role::Author, PostStatus::Publish),
            PostStatus::Publish
        );
        assert!(may_create(Some(Role::Contributor), PostKind::Post));
        assert!(!may_create(Some(Role::Author), PostKind::Page));
        assert!(!may_create(Some(Role::Subscriber), PostKind::Post));
    }

    #[test]
    fn schedules_in_the_past_are_refused_and_future_publishing_is_scheduled() {
        assert_eq!(
            planned_status(Role::Author, PostStatus::Future, 50, 100),
            Err(ScheduleInThePast)
        );
        assert_eq!(
            planned_status(Role::Author, PostStatus::Future, 150, 100),
            Ok(PostStatus::Future)
        );
        assert_eq!(
            planned_status(Role::Author, PostStatus::Publish, 150, 100),
            Ok(PostStatus::Future)
        );
        assert_eq!(
            planned_status(Role::Contributor, PostStatus::Publish, 50, 100),
            Ok(PostStatus::Pending)
        );
        assert_eq!(title_problem("  "), Some("Please give the post a title."));
        assert_eq!(title_problem("Week 1"), None);
    }

    #[test]
    fn old_posts_close_when_the_site_says_so() {
        let mut settings = SiteSettings::default();
        let now = 100 * 86_400;
        assert!(post(0, PostKind::Post).accepts_comments(&settings, now));
        settings.close_comments_days_old = 30;
        assert!(!post(0, PostKind::Post).accepts_comments(&settings, now));
        assert!(post(now - 86_400, PostKind::Post).accepts_comments(&settings, now));
    }
}
