//! Rows as the database returns them, and their conversion into domain types.

use crate::domain::{
    comment::{Comment, CommentStatus, PassageRef},
    markup::SafeHtml,
    post::{Post, Taxonomy, Term},
    user::User,
};

use super::{StoreError, StoreResult};

/// The columns of `PostRow`, for `SELECT … FROM posts p`.
pub(crate) const POST_COLUMNS: &str = "p.id, p.site_id, p.author_id, p.kind, p.status, p.slug, p.title, p.source, \
     p.content_html, p.excerpt, p.summary, p.parent_id, p.comments_open, p.published_at, p.modified_at, p.sticky, \
     p.password, p.version, p.source_format, p.reading_id, p.discusses_reading, p.date_chosen, p.autosaved_only";

/// The columns of `PostRow` for listings, which show the summary and leave the body out.
pub(crate) const POST_LIST_COLUMNS: &str = "p.id, p.site_id, p.author_id, p.kind, p.status, p.slug, p.title, \
     '' AS source, '' AS content_html, p.excerpt, p.summary, p.parent_id, p.comments_open, p.published_at, p.modified_at, \
     p.sticky, p.password, p.version, p.source_format, p.reading_id, p.discusses_reading, p.date_chosen, p.autosaved_only";

#[derive(sqlx::FromRow)]
pub(crate) struct PostRow {
    id: i64,
    site_id: i64,
    author_id: i64,
    kind: String,
    status: String,
    slug: String,
    title: String,
    source: String,
    content_html: String,
    excerpt: String,
    summary: String,
    parent_id: Option<i64>,
    comments_open: bool,
    published_at: i64,
    modified_at: i64,
    sticky: bool,
    password: Option<String>,
    version: i64,
    source_format: String,
    reading_id: Option<i64>,
    discusses_reading: bool,
    date_chosen: bool,
    autosaved_only: bool,
}

impl PostRow {
    pub(crate) fn id(&self) -> i64 {
        self.id
    }
}

impl TryFrom<PostRow> for Post {
    type Error = StoreError;

    fn try_from(row: PostRow) -> StoreResult<Self> {
        Ok(Post {
            id: row.id,
            site_id: row.site_id,
            author_id: row.author_id,
            kind: row.kind.parse().map_err(StoreError::Corrupt)?,
            status: row.status.parse().map_err(StoreError::Corrupt)?,
            slug: row.slug,
            title: row.title,
            source: row.source,
            content_html: SafeHtml::from_stored(row.content_html),
            excerpt: row.excerpt,
            summary: row.summary,
            parent_id: row.parent_id,
            comments_open: row.comments_open,
            published_at: row.published_at,
            modified_at: row.modified_at,
            sticky: row.sticky,
            source_format: row.source_format.parse().map_err(StoreError::Corrupt)?,
            password: row.password,
            version: row.version,
            reading_id: row.reading_id,
            discusses_reading: row.discusses_reading,
            date_chosen: row.date_chosen,
            autosaved_only: row.autosaved_only,
        })
    }
}

pub(crate) const TERM_COLUMNS: &str = "t.id, t.taxonomy, t.slug, t.name, t.parent_id";

#[derive(sqlx::FromRow)]
pub(crate) struct TermRow {
    id: i64,
    taxonomy: String,
    slug: String,
    name: String,
    parent_id: Option<i64>,
}

impl TryFrom<TermRow> for Term {
    type Error = StoreError;

    fn try_from(row: TermRow) -> StoreResult<Self> {
        let taxonomy = match row.taxonomy.as_str() {
            "category" => Taxonomy::Category,
            "post_tag" => Taxonomy::Tag,
            other => return Err(StoreError::Corrupt(format!("unknown taxonomy '{other}'"))),
        };
        Ok(Term {
            id: row.id,
            taxonomy,
            slug: row.slug,
            name: row.name,
            parent_id: row.parent_id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PostTermRow {
    pub post_id: i64,
    #[sqlx(flatten)]
    pub term: TermRow,
}

/// A post with what its card shows: author and count of approved comments.
#[derive(sqlx::FromRow)]
pub(crate) struct CardRow {
    #[sqlx(flatten)]
    pub post: PostRow,
    pub author_name: String,
    pub author_nicename: String,
    pub comment_count: i64,
}

/// Unqualified, so that `RETURNING` can use them too.
pub(crate) const USER_COLUMNS: &str = "id, email, name, nicename, email_confirmed_at, pseudonym";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    email: String,
    name: String,
    nicename: String,
    email_confirmed_at: Option<i64>,
    pseudonym: Option<String>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            email_confirmed: row.email_confirmed_at.is_some(),
            id: row.id,
            email: row.email,
            name: row.name,
            nicename: row.nicename,
            pseudonym: row.pseudonym,
        }
    }
}

/// Unqualified, so that `RETURNING` can use them too.
pub(crate) const COMMENT_COLUMNS: &str = "id, post_id, parent_id, user_id, author_name, author_email, author_url, \
     author_ip, content, content_html, status, created_at, is_private, grade, \
     passage_signature, passage_text";

#[derive(sqlx::FromRow)]
pub(crate) struct CommentRow {
    id: i64,
    post_id: i64,
    parent_id: Option<i64>,
    user_id: Option<i64>,
    author_name: String,
    author_email: String,
    author_url: Option<String>,
    author_ip: String,
    content: String,
    content_html: String,
    status: String,
    created_at: i64,
    is_private: bool,
    grade: Option<String>,
    passage_signature: Option<String>,
    passage_text: Option<String>,
}

impl CommentRow {
    pub(crate) fn comment_id(&self) -> i64 {
        self.id
    }

    pub(crate) fn post_id(&self) -> i64 {
        self.post_id
    }
}

impl TryFrom<CommentRow> for Comment {
    type Error = StoreError;

    fn try_from(row: CommentRow) -> StoreResult<Self> {
        Ok(Comment {
            id: row.id,
            post_id: row.post_id,
            parent_id: row.parent_id,
            user_id: row.user_id,
            author_name: row.author_name,
            author_email: row.author_email,
            author_url: row.author_url,
            author_ip: row.author_ip,
            content: row.content,
            content_html: SafeHtml::from_stored(row.content_html),
            status: row
                .status
                .parse::<CommentStatus>()
                .map_err(|error| StoreError::Corrupt(error.to_string()))?,
            created_at: row.created_at,
            is_private: row.is_private,
            grade: row.grade,
            passage: row
                .passage_signature
                .zip(row.passage_text)
                .map(|(signature, text)| PassageRef { signature, text }),
        })
    }
}

/// Converts every row, failing on the first that does not read.
pub(crate) fn convert_all<R, T: TryFrom<R, Error = StoreError>>(
    rows: Vec<R>,
) -> StoreResult<Vec<T>> {
    rows.into_iter().map(T::try_from).collect()
}
