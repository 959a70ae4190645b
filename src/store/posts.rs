//! Posts and pages: writing them, finding them by URL, listing them for the home page and archives.

use crate::domain::{
    citation::{Citable, Cited},
    markup::html_to_text,
    permalink::{ArchiveKind, archive_path},
    post::{
        DEFAULT_CATEGORY, Post, PostKind, PostStatus, RenderedBody, SourceFormat, Taxonomy, Term,
        render_body_citing,
    },
    site::SiteRoot,
    slug,
};

use super::{
    Conflict, Store, StoreError, StoreResult,
    readings::replace_citations,
    records::{CardRow, POST_COLUMNS, POST_LIST_COLUMNS, PostRow, convert_all},
    with_pool,
};

/// A post or page to create.
pub struct NewPost<'a> {
    pub site_id: i64,
    pub author_id: i64,
    pub kind: PostKind,
    pub status: PostStatus,
    pub title: &'a str,
    pub source: &'a str,
    pub format: SourceFormat,
    pub excerpt: &'a str,
    /// A slug chosen by the writer (already checked to be in slug form); made from the title when `None`.
    pub slug: Option<&'a str>,
    pub parent_id: Option<i64>,
    pub comments_open: bool,
    pub published_at: i64,
    pub categories: &'a [String],
    pub tags: &'a [String],
    pub sticky: bool,
    pub password: Option<&'a str>,
    /// The reading the post discusses (a reading of the same site).
    pub reading_id: Option<i64>,
}

/// How the editor made a draft: in which editing session, by an autosave or a save, with or without a date
/// its writer chose.
#[derive(Clone, Copy, Debug)]
pub struct Drafting<'a> {
    pub editing_session: Option<&'a str>,
    pub autosaved_only: bool,
    pub date_chosen: bool,
}

impl Default for Drafting<'_> {
    fn default() -> Self {
        Self {
            editing_session: None,
            autosaved_only: false,
            date_chosen: true,
        }
    }
}

/// The categories (the default one when none is named) and tags a post gets; pages get none.
fn terms_to_attach<'a>(
    kind: PostKind,
    categories: &'a [String],
    tags: &'a [String],
) -> Vec<(Taxonomy, String)> {
    if kind == PostKind::Page {
        return Vec::new();
    }
    let named: Vec<&String> = categories
        .iter()
        .filter(|name| !name.trim().is_empty())
        .collect();
    let categories = if named.is_empty() {
        vec![DEFAULT_CATEGORY.to_owned()]
    } else {
        named.into_iter().cloned().collect()
    };
    categories
        .into_iter()
        .map(|name| (Taxonomy::Category, name.trim().to_owned()))
        .chain(
            tags.iter()
                .filter(|name| !name.trim().is_empty())
                .map(|name| (Taxonomy::Tag, name.trim().to_owned())),
        )
        .collect()
}

/// Links a post to its terms inside a transaction, creating terms that do not exist yet (matched by name,
/// ignoring case, or by slug). Written as a macro so that one text serves both backends' transactions.
macro_rules! attach_terms {
    ($tx:expr, $site_id:expr, $post_id:expr, $terms:expr) => {
        for (taxonomy, name) in $terms {
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM terms WHERE site_id = $1 AND taxonomy = $2 AND (lower(name) = lower($3) OR slug = $4)
                 ORDER BY id LIMIT 1",
            )
            .bind($site_id)
            .bind(taxonomy.as_str())
            .bind(name.as_str())
            .bind(slug::slugify(name))
            .fetch_optional($tx)
            .await?;
            let term_id: i64 = match existing {
                Some(term_id) => term_id,
                None => {
                    let base = slug::slugify(name);
                    let stem = slug::stem(&base, "term");
                    let taken: Vec<String> = sqlx::query_scalar(
                        "SELECT slug FROM terms WHERE site_id = $1 AND taxonomy = $2 AND (slug = $3 OR slug LIKE $4)",
                    )
                    .bind($site_id)
                    .bind(taxonomy.as_str())
                    .bind(stem)
                    .bind(format!("{stem}-%"))
                    .fetch_all($tx)
                    .await?;
                    sqlx::query_scalar("INSERT INTO terms (site_id, taxonomy, slug, name) VALUES ($1, $2, $3, $4) RETURNING id")
                        .bind($site_id)
                        .bind(taxonomy.as_str())
                        .bind(slug::first_free(slug::Namespace::Archive, &base, "term", &taken))
                        .bind(name.as_str())
                        .fetch_one($tx)
                        .await?
                }
            };
            sqlx::query("INSERT INTO post_terms (post_id, term_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind($post_id)
                .bind(term_id)
                .execute($tx)
                .await?;
        }
    };
}

/// Puts a post's title and text in the search index inside a transaction, with the backend's statements.
macro_rules! index_post {
    ($tx:expr, $dialect:expr, $post_id:expr, $title:expr, $text:expr) => {
        for statement in $dialect.index_post {
            sqlx::query(statement)
                .bind($post_id)
                .bind($title)
                .bind($text)
                .execute($tx)
                .await?;
        }
    };
}
pub(super) use index_post;

/// The first slug made from `base` that no post of the site and no site has, inside a transaction.
macro_rules! free_post_slug {
    ($tx:expr, $site_id:expr, $base:expr, $fallback:expr) => {{
        let (base, fallback): (&str, &str) = ($base, $fallback);
        let stem = slug::stem(base, fallback);
        let taken: Vec<String> = sqlx::query_scalar(
            "SELECT slug FROM posts WHERE site_id = $1 AND (slug = $2 OR slug LIKE $3)
             UNION SELECT slug FROM sites WHERE slug = $2 OR slug LIKE $3",
        )
        .bind($site_id)
        .bind(stem)
        .bind(format!("{stem}-%"))
        .fetch_all($tx)
        .await?;
        slug::first_free(slug::Namespace::Site, base, fallback, &taken)
    }};
}
pub(super) use free_post_slug;

/// Keeps a revision of a post's text inside a transaction.
macro_rules! insert_revision {
    ($tx:expr, $site_id:expr, $post_id:expr, $editor_id:expr, $title:expr, $source:expr, $excerpt:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO revisions (site_id, post_id, editor_id, title, source, excerpt, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind($site_id)
        .bind($post_id)
        .bind($editor_id)
        .bind($title)
        .bind($source)
        .bind($excerpt)
        .bind($now)
        .execute($tx)
        .await?;
    };
}
pub(super) use insert_revision;

/// How a single card is looked up.
#[derive(Clone, Copy)]
enum CardKey<'a> {
    Id(i64),
    Slug(PostKind, &'a str),
}

/// A post with what a listing or its own page shows around it.
#[derive(Clone, Debug)]
pub struct PostCard {
    pub post: Post,
    pub author_name: String,
    /// Empty for a post kept on a site its writer left: no author page then.
    pub author_nicename: String,
    pub comment_count: i64,
    pub terms: Vec<Term>,
}

impl PostCard {
    /// The address of the author's archive on a site at `root`; `None` for a post by a former member.
    pub fn author_archive(&self, root: &SiteRoot) -> Option<String> {
        (!self.author_nicename.is_empty())
            .then(|| root.join(&archive_path(ArchiveKind::Author, &self.author_nicename)))
    }
}

/// One page of a listing and the size of the whole listing.
pub struct PostPage {
    pub cards: Vec<PostCard>,
    pub total: i64,
}

/// Which published posts a listing shows.
#[derive(Clone, Debug)]
pub enum ListFilter {
    All,
    /// Posts in any of these terms (a category and its descendants, or a tag).
    Terms(Vec<i64>),
    Author(i64),
    /// Published in `[start, end)`, Unix seconds.
    Range(i64, i64),
}

impl ListFilter {
    /// The filter's SQL condition, numbering its parameters from `$2` (`$1` is the site), and its values.
    fn condition(&self) -> (String, Vec<i64>) {
        match self {
            Self::All => (String::new(), Vec::new()),
            Self::Terms(ids) => {
                let placeholders: Vec<String> =
                    (0..ids.len()).map(|n| format!("${}", n + 2)).collect();
                // Asked of each post as the listing's index gives them, newest first, so that a page of a
                // large archive stops after its posts instead of sorting the whole archive.
                let condition = format!(
                    " AND EXISTS (SELECT 1 FROM post_terms pt WHERE pt.post_id = p.id AND pt.term_id IN ({}))",
                    if placeholders.is_empty() {
                        "NULL".to_owned()
                    } else {
                        placeholders.join(", ")
                    }
                );
                (condition, ids.clone())
            }
            Self::Author(id) => (" AND p.author_id = $2".into(), vec![*id]),
            Self::Range(start, end) => (
                " AND p.published_at >= $2 AND p.published_at < $3".into(),
                vec![*start, *end],
            ),
        }
    }
}

/// A post kept on a site its writer left shows `domain::leaving::FORMER_MEMBER` and no author page.
const CARD_SELECT: &str = "CASE WHEN p.by_former_member THEN 'former student' ELSE COALESCE(u.pseudonym, u.name) END \
     AS author_name, CASE WHEN p.by_former_member THEN '' ELSE u.nicename END AS author_nicename, \
     (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id AND c.status = 'approved' AND c.is_private = FALSE) \
     AS comment_count \
     FROM posts p JOIN users u ON u.id = p.author_id";

/// A body rendered with its citations linked, off the async workers.
async fn rendered(
    source: &str,
    format: SourceFormat,
    excerpt: &str,
    citable: Citable,
) -> (RenderedBody, Vec<Cited>) {
    let (source, excerpt) = (source.to_owned(), excerpt.to_owned());
    crate::cpu::off_the_async_workers(move || {
        render_body_citing(&source, format, &excerpt, &citable)
    })
    .await
}

impl Store {
    /// Creates a post or page with a slug unique in its site, and its categories and tags (creating those that
    /// do not exist yet). A post without a category gets the default one.
    pub async fn create_post(&self, new: &NewPost<'_>, now: i64) -> StoreResult<Post> {
        self.create_draft(new, Drafting::default(), now).await
    }

    /// Like `create_post`, for the editor: an editing session that already made a post gets
    /// `Conflict::Duplicate` (its post is `post_of_editing_session`).
    pub async fn create_draft(
        &self,
        new: &NewPost<'_>,
        drafting: Drafting<'_>,
        now: i64,
    ) -> StoreResult<Post> {
        let citable = self.citable(new.site_id, new.reading_id).await?;
        let (body, cited) = rendered(new.source, new.format, new.excerpt, citable).await;
        let terms = terms_to_attach(new.kind, new.categories, new.tags);
        let search_text = html_to_text(body.html.as_str());
        let base_slug = slug::slugify(new.title);
        let id: i64 = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let chosen = match new.slug {
                Some(given) => {
                    let taken: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM posts WHERE site_id = $1 AND slug = $2")
                            .bind(new.site_id)
                            .bind(given)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if taken.is_some() {
                        return Err(StoreError::Conflict(Conflict::SlugTaken));
                    }
                    given.to_owned()
                }
                None => free_post_slug!(&mut *tx, new.site_id, &base_slug, new.kind.as_str()),
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO posts (site_id, author_id, kind, status, slug, title, source, source_format, content_html,
                                    excerpt, summary, parent_id, comments_open, published_at, created_at, modified_at,
                                    sticky, password, reading_id, date_chosen, autosaved_only, editing_session)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17, $18, $19,
                         $20, $21)
                 RETURNING id",
            )
            .bind(new.site_id)
            .bind(new.author_id)
            .bind(new.kind.as_str())
            .bind(new.status.as_str())
            .bind(&chosen)
            .bind(new.title)
            .bind(new.source)
            .bind(new.format.as_str())
            .bind(body.html.as_str())
            .bind(new.excerpt.trim())
            .bind(&body.summary)
            .bind(new.parent_id)
            .bind(new.comments_open)
            .bind(new.published_at)
            .bind(now)
            .bind(new.sticky)
            .bind(new.password)
            .bind(new.reading_id)
            .bind(drafting.date_chosen)
            .bind(drafting.autosaved_only)
            .bind(drafting.editing_session)
            .fetch_one(&mut *tx)
            .await?;
            attach_terms!(&mut *tx, new.site_id, id, &terms);
            replace_citations!(&mut *tx, new.site_id, id, None, &cited);
            index_post!(&mut *tx, dialect, id, new.title, &search_text);
            insert_revision!(
                &mut *tx,
                new.site_id,
                id,
                Some(new.author_id),
                new.title,
                new.source,
                new.excerpt.trim(),
                now
            );
            tx.commit().await?;
            id
        });
        self.post_by_id(new.site_id, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The post an editing session of `author_id` made, if it made one.
    pub async fn post_of_editing_session(
        &self,
        site_id: i64,
        author_id: i64,
        editing_session: &str,
    ) -> StoreResult<Option<Post>> {
        let row: Option<PostRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {POST_COLUMNS} FROM posts p
                 WHERE p.site_id = $1 AND p.author_id = $2 AND p.editing_session = $3"
            ))
            .bind(site_id)
            .bind(author_id)
            .bind(editing_session)
            .fetch_optional(pool)
            .await
        })?;
        row.map(Post::try_from).transpose()
    }

    pub async fn post_by_id(&self, site_id: i64, id: i64) -> StoreResult<Option<Post>> {
        let row: Option<PostRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {POST_COLUMNS} FROM posts p WHERE p.site_id = $1 AND p.id = $2"
            ))
            .bind(site_id)
            .bind(id)
            .fetch_optional(pool)
            .await
        })?;
        row.map(Post::try_from).transpose()
    }

    /// The posts of a site among `ids`, in no particular order, with their listing columns (no body).
    pub async fn listed_posts_by_ids(&self, site_id: i64, ids: &[i64]) -> StoreResult<Vec<Post>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..ids.len()).map(|n| format!("${}", n + 2)).collect();
        // `+p.site_id`: the ids find the rows; without statistics SQLite would otherwise walk the site's whole
        // (site_id, slug) index, reading every post of a large site.
        let sql = format!(
            "SELECT {POST_LIST_COLUMNS} FROM posts p WHERE p.id IN ({}) AND +p.site_id = $1",
            placeholders.join(", ")
        );
        let rows: Vec<PostRow> = with_pool!(self, reader, |pool| {
            let mut query = sqlx::query_as(&sql).bind(site_id);
            for id in ids {
                query = query.bind(id);
            }
            query.fetch_all(pool).await
        })?;
        rows.into_iter().map(Post::try_from).collect()
    }

    /// A post or page with its author, comment count and terms, found by its current slug.
    pub async fn card_by_slug(
        &self,
        site_id: i64,
        kind: PostKind,
        slug: &str,
    ) -> StoreResult<Option<PostCard>> {
        self.card(site_id, CardKey::Slug(kind, slug)).await
    }

    /// A post or page with its author, comment count and terms, found by its id.
    pub async fn card_by_id(&self, site_id: i64, id: i64) -> StoreResult<Option<PostCard>> {
        self.card(site_id, CardKey::Id(id)).await
    }

    async fn card(&self, site_id: i64, key: CardKey<'_>) -> StoreResult<Option<PostCard>> {
        let condition = match key {
            CardKey::Id(_) => "p.id = $2",
            CardKey::Slug(..) => "p.kind = $2 AND p.slug = $3",
        };
        let sql =
            format!("SELECT {POST_COLUMNS}, {CARD_SELECT} WHERE p.site_id = $1 AND {condition}");
        let row: Option<CardRow> = with_pool!(self, reader, |pool| {
            let query = sqlx::query_as(&sql).bind(site_id);
            let query = match key {
                CardKey::Id(id) => query.bind(id),
                CardKey::Slug(kind, slug) => query.bind(kind.as_str()).bind(slug),
            };
            query.fetch_optional(pool).await
        })?;
        let Some(row) = row else { return Ok(None) };
        Ok(self.with_terms(vec![row]).await?.pop())
    }

    /// The post that used to be at `slug` before its slug changed.
    pub async fn post_by_old_slug(&self, site_id: i64, slug: &str) -> StoreResult<Option<Post>> {
        let row: Option<PostRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {POST_COLUMNS} FROM post_old_slugs o JOIN posts p ON p.id = o.post_id
                 WHERE o.site_id = $1 AND o.slug = $2"
            ))
            .bind(site_id)
            .bind(slug)
            .fetch_optional(pool)
            .await
        })?;
        row.map(Post::try_from).transpose()
    }

    /// Gives a post a new slug; the old one keeps answering (with a redirect). `Conflict` when it is taken.
    pub async fn change_slug(
        &self,
        site_id: i64,
        post_id: i64,
        new_slug: &str,
        now: i64,
    ) -> StoreResult<Post> {
        with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let old: String =
                sqlx::query_scalar("SELECT slug FROM posts WHERE site_id = $1 AND id = $2")
                    .bind(site_id)
                    .bind(post_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
            if old != new_slug {
                let taken: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM posts WHERE site_id = $1 AND slug = $2")
                        .bind(site_id)
                        .bind(new_slug)
                        .fetch_optional(&mut *tx)
                        .await?;
                if taken.is_some() {
                    return Err(StoreError::Conflict(Conflict::SlugTaken));
                }
                sqlx::query("UPDATE posts SET slug = $1, modified_at = $2 WHERE id = $3")
                    .bind(new_slug)
                    .bind(now)
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO post_old_slugs (site_id, slug, post_id) VALUES ($1, $2, $3)
                     ON CONFLICT (site_id, slug) DO UPDATE SET post_id = excluded.post_id",
                )
                .bind(site_id)
                .bind(&old)
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM post_old_slugs WHERE site_id = $1 AND slug = $2")
                    .bind(site_id)
                    .bind(new_slug)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        self.post_by_id(site_id, post_id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// How many published posts a listing has.
    pub async fn count_published(&self, site_id: i64, filter: &ListFilter) -> StoreResult<i64> {
        let (condition, values) = filter.condition();
        let sql = format!(
            "SELECT COUNT(*) FROM posts p
             WHERE p.site_id = $1 AND p.kind = 'post' AND p.status = 'publish'{condition}"
        );
        with_pool!(self, reader, |pool| {
            let mut count = sqlx::query_scalar(&sql).bind(site_id);
            for value in &values {
                count = count.bind(value);
            }
            count.fetch_one(pool).await.map_err(StoreError::from)
        })
    }

    /// One page of published posts, newest first (sticky ones first on the home page). The page's posts are
    /// found on the listing's index alone, then read whole; given the listing's `total`, a page in the second
    /// half is found from the oldest end, so that the last pages cost what the first ones do.
    pub async fn list_published(
        &self,
        site_id: i64,
        filter: &ListFilter,
        page: u32,
        per_page: u32,
        total: Option<i64>,
    ) -> StoreResult<Vec<PostCard>> {
        let (condition, values) = filter.condition();
        let listed =
            format!("WHERE p.site_id = $1 AND p.kind = 'post' AND p.status = 'publish'{condition}");
        let limit_at = values.len() + 2;
        // Sticky posts lead the home page, as in WordPress; archives keep plain date order.
        let sticky = matches!(filter, ListFilter::All);
        let order = |descending: bool| {
            let direction = if descending { "DESC" } else { "ASC" };
            let sticky = if sticky {
                format!("p.sticky {direction}, ")
            } else {
                String::new()
            };
            format!("{sticky}p.published_at {direction}, p.id {direction}")
        };
        let per_page = i64::from(per_page);
        let offset = i64::from(page.saturating_sub(1)) * per_page;
        let (inner_order, limit, offset) = match total {
            Some(total) if offset > total / 2 => (
                order(false),
                per_page.min(total - offset).max(0),
                (total - offset - per_page).max(0),
            ),
            _ => (order(true), per_page, offset),
        };
        let list_sql = format!(
            "SELECT {POST_LIST_COLUMNS}, {CARD_SELECT}
             WHERE p.id IN (SELECT p.id FROM posts p {listed} ORDER BY {inner_order} LIMIT ${limit_at} OFFSET ${})
             ORDER BY {}",
            limit_at + 1,
            order(true)
        );
        let rows: Vec<CardRow> = with_pool!(self, reader, |pool| {
            let mut list = sqlx::query_as(&list_sql).bind(site_id);
            for value in &values {
                list = list.bind(value);
            }
            list.bind(limit).bind(offset).fetch_all(pool).await
        })?;
        self.with_terms(rows).await
    }

    async fn with_terms(&self, rows: Vec<CardRow>) -> StoreResult<Vec<PostCard>> {
        let ids: Vec<i64> = rows.iter().map(|row| row.post.id()).collect();
        let mut terms = self.terms_of_posts(&ids).await?;
        rows.into_iter()
            .map(|row| {
                let post = Post::try_from(row.post)?;
                let (mine, rest): (Vec<_>, Vec<_>) = terms
                    .drain(..)
                    .partition(|(post_id, _)| *post_id == post.id);
                terms = rest;
                Ok(PostCard {
                    post,
                    author_name: row.author_name,
                    author_nicename: row.author_nicename,
                    comment_count: row.comment_count,
                    terms: mine.into_iter().map(|(_, term)| term).collect(),
                })
            })
            .collect()
    }

    /// The published posts just before (older) and after (newer) a post.
    pub async fn adjacent_posts(&self, post: &Post) -> StoreResult<(Option<Post>, Option<Post>)> {
        let around = |older: bool| {
            let (comparison, order) = if older { ("<", "DESC") } else { (">", "ASC") };
            format!(
                "SELECT * FROM (SELECT {POST_LIST_COLUMNS} FROM posts p
                 WHERE p.site_id = $1 AND p.kind = 'post' AND p.status = 'publish'
                   AND (p.published_at, p.id) {comparison} ($2, $3)
                 ORDER BY p.published_at {order}, p.id {order} LIMIT 1) {}",
                if older { "older" } else { "newer" }
            )
        };
        let both = format!("{} UNION ALL {}", around(true), around(false));
        let rows: Vec<PostRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&both)
                .bind(post.site_id)
                .bind(post.published_at)
                .bind(post.id)
                .fetch_all(pool)
                .await
        })?;
        let (mut previous, mut next) = (None, None);
        for neighbour in convert_all::<PostRow, Post>(rows)? {
            if (neighbour.published_at, neighbour.id) < (post.published_at, post.id) {
                previous = Some(neighbour);
            } else {
                next = Some(neighbour);
            }
        }
        Ok((previous, next))
    }

    /// Published top-level pages, for the site's navigation.
    pub async fn top_level_pages(&self, site_id: i64) -> StoreResult<Vec<Post>> {
        let rows: Vec<PostRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {POST_LIST_COLUMNS} FROM posts p
                 WHERE p.site_id = $1 AND p.kind = 'page' AND p.status = 'publish' AND p.parent_id IS NULL
                 ORDER BY lower(p.title)"
            ))
            .bind(site_id)
            .fetch_all(pool)
            .await
        })?;
        convert_all(rows)
    }

    /// A page and its ancestors, outermost first.
    pub async fn page_lineage(&self, page: &Post) -> StoreResult<Vec<Post>> {
        let mut lineage = vec![page.clone()];
        let mut next = page.parent_id;
        while let Some(parent_id) = next {
            if lineage.len() > 32 || lineage.iter().any(|known| known.id == parent_id) {
                return Err(StoreError::Corrupt(format!(
                    "page {} has a cycle of parents",
                    page.id
                )));
            }
            let parent = self
                .post_by_id(page.site_id, parent_id)
                .await?
                .ok_or(StoreError::NotFound)?;
            next = parent.parent_id;
            lineage.push(parent);
        }
        lineage.reverse();
        Ok(lineage)
    }

    /// Publishes scheduled posts whose time has come; returns how many.
    pub async fn publish_due_posts(&self, now: i64) -> StoreResult<u64> {
        let done = with_pool!(self, writer, |pool| {
            sqlx::query("UPDATE posts SET status = 'publish' WHERE status = 'future' AND published_at <= $1")
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(done)
    }
}

/// What the editor saves over a post.
pub struct PostEdit<'a> {
    pub title: &'a str,
    pub source: &'a str,
    pub excerpt: &'a str,
    pub status: PostStatus,
    pub published_at: i64,
    pub comments_open: bool,
    pub sticky: bool,
    pub password: Option<&'a str>,
    pub parent_id: Option<i64>,
    pub categories: &'a [String],
    pub tags: &'a [String],
    pub reading_id: Option<i64>,
    /// The writer set `published_at` (or the post is being published); `false` keeps a draft's date floating.
    pub date_chosen: bool,
}

/// What writes a post: the writer's save, or an autosave of a draft nobody has saved yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writing {
    Save,
    AutosaveOfDraft,
}

/// The outcome of a save.
#[derive(Debug)]
pub enum Saved {
    Saved(Box<Post>),
    /// Someone saved the post since the version the editor started from; nothing was written. Carries the post
    /// as it now stands.
    Conflict(Box<Post>),
}

/// A saved state of a post's text.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Revision {
    pub id: i64,
    pub editor_name: Option<String>,
    pub title: String,
    pub source: String,
    pub excerpt: String,
    pub created_at: i64,
}

/// Which posts the dashboard lists.
#[derive(Clone, Debug, Default)]
pub struct AdminFilter {
    pub kind: Option<PostKind>,
    /// `None`: every status but the trash.
    pub status: Option<PostStatus>,
    pub author_id: Option<i64>,
    pub category_id: Option<i64>,
    /// Words in the title or body.
    pub search: Option<String>,
}

enum Value {
    Int(i64),
    Text(String),
}

impl Store {
    /// Writes an edit if the post is still at `expected_version`, and replaces its terms. A save keeps a
    /// revision and makes the post saved; an autosave of a draft nobody has saved yet writes the draft itself
    /// (text, categories, tags, reading, discussion), keeps it autosave-only and leaves no revision, and is a
    /// `Saved::Conflict` when the post is no longer such a draft (the autosave then goes aside).
    #[allow(clippy::too_many_arguments)]
    pub async fn update_post(
        &self,
        site_id: i64,
        post_id: i64,
        expected_version: i64,
        editor_id: i64,
        edit: &PostEdit<'_>,
        now: i64,
        writing: Writing,
    ) -> StoreResult<Saved> {
        let current = self
            .post_by_id(site_id, post_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let citable = self.citable(site_id, edit.reading_id).await?;
        let (body, cited) =
            rendered(edit.source, current.source_format, edit.excerpt, citable).await;
        let terms = terms_to_attach(current.kind, edit.categories, edit.tags);
        let search_text = html_to_text(body.html.as_str());
        let saved: bool = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let updated = sqlx::query(match writing {
                Writing::Save => "UPDATE posts SET title = $1, source = $2, content_html = $3, excerpt = $4, summary = $5,
                        status = $6, published_at = $7, comments_open = $8, sticky = $9, password = $10,
                        parent_id = $11, modified_at = $12, version = version + 1, reading_id = $16,
                        date_chosen = $17, autosaved_only = FALSE
                 WHERE site_id = $13 AND id = $14 AND version = $15",
                Writing::AutosaveOfDraft => "UPDATE posts SET title = $1, source = $2, content_html = $3, excerpt = $4,
                        summary = $5, status = $6, published_at = $7, comments_open = $8, sticky = $9,
                        password = $10, parent_id = $11, modified_at = $12, version = version + 1,
                        reading_id = $16, date_chosen = $17
                 WHERE site_id = $13 AND id = $14 AND version = $15 AND autosaved_only AND status = 'draft'",
            })
            .bind(edit.title)
            .bind(edit.source)
            .bind(body.html.as_str())
            .bind(edit.excerpt.trim())
            .bind(&body.summary)
            .bind(edit.status.as_str())
            .bind(edit.published_at)
            .bind(edit.comments_open)
            .bind(edit.sticky)
            .bind(edit.password)
            .bind(edit.parent_id)
            .bind(now)
            .bind(site_id)
            .bind(post_id)
            .bind(expected_version)
            .bind(edit.reading_id)
            .bind(edit.date_chosen)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 1 {
                replace_citations!(&mut *tx, site_id, post_id, None, &cited);
                sqlx::query("DELETE FROM post_terms WHERE post_id = $1")
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?;
                attach_terms!(&mut *tx, site_id, post_id, &terms);
                index_post!(&mut *tx, dialect, post_id, edit.title, &search_text);
                if writing == Writing::Save {
                    insert_revision!(
                        &mut *tx,
                        site_id,
                        post_id,
                        Some(editor_id),
                        edit.title,
                        edit.source,
                        edit.excerpt.trim(),
                        now
                    );
                }
                tx.commit().await?;
                true
            } else {
                false
            }
        });
        let post = self
            .post_by_id(site_id, post_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(if saved {
            Saved::Saved(Box::new(post))
        } else {
            Saved::Conflict(Box::new(post))
        })
    }

    /// Moves a post to the trash, or (`false`) back to the status it had.
    pub async fn set_trashed(
        &self,
        site_id: i64,
        post_id: i64,
        trashed: bool,
        now: i64,
    ) -> StoreResult<Post> {
        let sql = if trashed {
            "UPDATE posts SET status_before_trash = status, status = 'trash', modified_at = $3, version = version + 1
             WHERE site_id = $1 AND id = $2 AND status <> 'trash'"
        } else {
            "UPDATE posts SET status = COALESCE(status_before_trash, 'draft'), status_before_trash = NULL,
                    modified_at = $3, version = version + 1
             WHERE site_id = $1 AND id = $2 AND status = 'trash'"
        };
        with_pool!(self, writer, |pool| {
            sqlx::query(sql)
                .bind(site_id)
                .bind(post_id)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        self.post_by_id(site_id, post_id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// A post's revisions, newest first.
    pub async fn revisions(&self, site_id: i64, post_id: i64) -> StoreResult<Vec<Revision>> {
        let revisions = with_pool!(self, reader, |pool| {
            sqlx::query_as(
                "SELECT r.id, u.name AS editor_name, r.title, r.source, r.excerpt, r.created_at
                 FROM revisions r LEFT JOIN users u ON u.id = r.editor_id
                 WHERE r.site_id = $1 AND r.post_id = $2 ORDER BY r.id DESC",
            )
            .bind(site_id)
            .bind(post_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(revisions)
    }

    /// One page of the dashboard's post list, newest first, and how many match in all.
    pub async fn admin_posts(
        &self,
        site_id: i64,
        filter: &AdminFilter,
        page: u32,
        per_page: u32,
    ) -> StoreResult<PostPage> {
        let mut values = vec![Value::Int(site_id)];
        let mut condition = String::from("WHERE p.site_id = $1 AND NOT p.discusses_reading");
        let mut add = |sql: &str, value: Value, values: &mut Vec<Value>| {
            values.push(value);
            condition.push_str(&sql.replace("$?", &format!("${}", values.len())));
        };
        if let Some(kind) = filter.kind {
            add(
                " AND p.kind = $?",
                Value::Text(kind.as_str().into()),
                &mut values,
            );
        }
        match filter.status {
            Some(status) => add(
                " AND p.status = $?",
                Value::Text(status.as_str().into()),
                &mut values,
            ),
            None => add(
                " AND p.status <> $?",
                Value::Text(PostStatus::Trash.as_str().into()),
                &mut values,
            ),
        }
        if let Some(author) = filter.author_id {
            add(" AND p.author_id = $?", Value::Int(author), &mut values);
        }
        if let Some(category) = filter.category_id {
            add(
                " AND p.id IN (SELECT post_id FROM post_terms WHERE term_id = $?)",
                Value::Int(category),
                &mut values,
            );
        }
        if let Some(words) = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|words| !words.is_empty())
        {
            let pattern = format!(
                "%{}%",
                words
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            add(
                " AND (lower(p.title) LIKE $? ESCAPE '\\' OR lower(p.source) LIKE $? ESCAPE '\\')",
                Value::Text(pattern),
                &mut values,
            );
        }
        let limit_at = values.len() + 1;
        let list_sql = format!(
            "SELECT {POST_LIST_COLUMNS}, {CARD_SELECT} {condition}
             ORDER BY p.modified_at DESC, p.id DESC LIMIT ${limit_at} OFFSET ${}",
            limit_at + 1
        );
        let count_sql = format!("SELECT COUNT(*) FROM posts p {condition}");
        let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
        let (rows, total): (Vec<CardRow>, i64) = with_pool!(self, reader, |pool| {
            let mut count = sqlx::query_scalar(&count_sql);
            let mut list = sqlx::query_as(&list_sql);
            for value in &values {
                match value {
                    Value::Int(number) => {
                        count = count.bind(*number);
                        list = list.bind(*number);
                    }
                    Value::Text(text) => {
                        count = count.bind(text.clone());
                        list = list.bind(text.clone());
                    }
                }
            }
            let total: i64 = count.fetch_one(pool).await?;
            let rows = list
                .bind(i64::from(per_page))
                .bind(offset)
                .fetch_all(pool)
                .await?;
            (rows, total)
        });
        Ok(PostPage {
            cards: self.with_terms(rows).await?,
            total,
        })
    }
}

impl Store {
    /// Every published post and page of a site, most recently changed first, for the sitemap.
    pub async fn published_for_sitemap(&self, site_id: i64, limit: i64) -> StoreResult<Vec<Post>> {
        let rows: Vec<PostRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {POST_LIST_COLUMNS} FROM posts p WHERE p.site_id = $1 AND p.status = 'publish'
                 ORDER BY p.modified_at DESC, p.id DESC LIMIT $2"
            ))
            .bind(site_id)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        convert_all(rows)
    }
}

impl Store {
    /// Every post and page of a site, whatever its status, oldest first (for export).
    pub async fn all_posts(&self, site_id: i64) -> StoreResult<Vec<Post>> {
        let rows: Vec<PostRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {POST_COLUMNS} FROM posts p WHERE p.site_id = $1 ORDER BY p.id"
            ))
            .bind(site_id)
            .fetch_all(pool)
            .await
        })?;
        convert_all(rows)
    }
}
