//! What a WordPress import writes: accounts and terms found or made, each post with its comments in one
//! transaction with its WordPress id, and the old site's addresses; and the lookups that send old links home.

use std::collections::HashMap;

use crate::domain::{
    comment::CommentStatus,
    markup::{SafeHtml, html_to_text},
    post::{PostKind, PostStatus, SourceFormat, Taxonomy, render_body},
    slug,
    user::Role,
};

use super::{
    Store, StoreError, StoreResult,
    posts::{free_post_slug, index_post, insert_revision},
    users::free_nicename,
    with_pool,
};

/// A WordPress author as the import knows it.
pub struct ImportedAuthor<'a> {
    pub login: &'a str,
    pub email: &'a str,
    pub name: &'a str,
}

/// A post or page ready to store, with everything that belongs to it.
pub struct ImportedPost<'a> {
    pub site_id: i64,
    pub wordpress_id: i64,
    pub parent_wordpress_id: Option<i64>,
    pub author_id: i64,
    pub kind: PostKind,
    pub status: PostStatus,
    pub status_before_trash: Option<PostStatus>,
    /// The slug wanted (already in slug form); the first free variant is taken if another post has it.
    pub slug: &'a str,
    pub title: &'a str,
    pub source: &'a str,
    pub format: SourceFormat,
    pub excerpt: &'a str,
    pub comments_open: bool,
    pub published_at: i64,
    pub modified_at: i64,
    pub sticky: bool,
    pub password: Option<&'a str>,
    pub term_ids: &'a [i64],
    pub old_slugs: &'a [String],
    pub legacy_paths: &'a [String],
    pub comments: &'a [ImportedComment<'a>],
}

/// A comment of an imported post.
pub struct ImportedComment<'a> {
    pub wordpress_id: i64,
    pub parent_wordpress_id: Option<i64>,
    pub user_id: Option<i64>,
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: Option<&'a str>,
    pub author_ip: &'a str,
    pub content: &'a str,
    pub content_html: &'a SafeHtml,
    pub status: CommentStatus,
    pub created_at: i64,
}

/// What storing one item did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemOutcome {
    Stored {
        comments: usize,
    },
    /// An earlier import brought this WordPress id in already; nothing was written.
    AlreadyThere,
}

impl Store {
    /// The account with the author's email, or a new one without a password (its owner sets one through
    /// "Forgot your password?"); either way a member of the site, as an author unless already more.
    /// Returns the account's id and whether it was made now.
    pub async fn import_author(
        &self,
        site_id: i64,
        author: &ImportedAuthor<'_>,
        now: i64,
    ) -> StoreResult<(i64, bool)> {
        let base = slug::slugify(author.login);
        with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
                    .bind(author.email)
                    .fetch_optional(&mut *tx)
                    .await?;
            let (user_id, created) = match existing {
                Some(id) => (id, false),
                None => {
                    let nicename = free_nicename!(&mut *tx, &base);
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO users (email, name, nicename, password_hash, created_at)
                         VALUES ($1, $2, $3, NULL, $4) RETURNING id",
                    )
                    .bind(author.email)
                    .bind(author.name)
                    .bind(&nicename)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    (id, true)
                }
            };
            sqlx::query(
                "INSERT INTO memberships (site_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (site_id, user_id) DO NOTHING",
            )
            .bind(site_id)
            .bind(user_id)
            .bind(Role::Author.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok((user_id, created))
        })
    }

    /// The term with this slug in the taxonomy, or a new one; a new category gets `parent_id`.
    /// Returns the term's id and whether it was made now.
    pub async fn import_term(
        &self,
        site_id: i64,
        taxonomy: Taxonomy,
        term_slug: &str,
        name: &str,
        parent_id: Option<i64>,
    ) -> StoreResult<(i64, bool)> {
        with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM terms WHERE site_id = $1 AND taxonomy = $2 AND slug = $3",
            )
            .bind(site_id)
            .bind(taxonomy.as_str())
            .bind(term_slug)
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match existing {
                Some(id) => (id, false),
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO terms (site_id, taxonomy, slug, name, parent_id) VALUES ($1, $2, $3, $4, $5)
                         RETURNING id",
                    )
                    .bind(site_id)
                    .bind(taxonomy.as_str())
                    .bind(term_slug)
                    .bind(name)
                    .bind(parent_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    (id, true)
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Stores a post or page with its terms, old slugs, old addresses, search entry, first revision and
    /// comments, all in one transaction, unless an earlier import stored this WordPress id.
    pub async fn import_post(&self, item: &ImportedPost<'_>, now: i64) -> StoreResult<ItemOutcome> {
        let body = render_body(item.source, item.format, item.excerpt);
        let search_text = html_to_text(body.html.as_str());
        let base_slug = item.slug;
        let fallback = item.kind.as_str();
        with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let known: Option<i64> = sqlx::query_scalar(
                "SELECT wordpress_id FROM imported_posts WHERE site_id = $1 AND wordpress_id = $2",
            )
            .bind(item.site_id)
            .bind(item.wordpress_id)
            .fetch_optional(&mut *tx)
            .await?;
            if known.is_some() {
                return Ok(ItemOutcome::AlreadyThere);
            }
            let chosen = free_post_slug!(&mut *tx, item.site_id, base_slug, fallback);
            let post_id: i64 = sqlx::query_scalar(
                "INSERT INTO posts (site_id, author_id, kind, status, slug, title, source, source_format, content_html,
                                    excerpt, summary, comments_open, published_at, created_at, modified_at,
                                    sticky, password, status_before_trash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                 RETURNING id",
            )
            .bind(item.site_id)
            .bind(item.author_id)
            .bind(item.kind.as_str())
            .bind(item.status.as_str())
            .bind(&chosen)
            .bind(item.title)
            .bind(item.source)
            .bind(item.format.as_str())
            .bind(body.html.as_str())
            .bind(item.excerpt.trim())
            .bind(&body.summary)
            .bind(item.comments_open)
            .bind(item.published_at)
            .bind(now)
            .bind(item.modified_at)
            .bind(item.sticky)
            .bind(item.password)
            .bind(item.status_before_trash.map(PostStatus::as_str))
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO imported_posts (site_id, wordpress_id, post_id, parent_wordpress_id)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(item.site_id)
            .bind(item.wordpress_id)
            .bind(post_id)
            .bind(item.parent_wordpress_id)
            .execute(&mut *tx)
            .await?;
            for term_id in item.term_ids {
                sqlx::query(
                    "INSERT INTO post_terms (post_id, term_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(post_id)
                .bind(term_id)
                .execute(&mut *tx)
                .await?;
            }
            for old_slug in item.old_slugs.iter().filter(|old| **old != chosen) {
                sqlx::query(
                    "INSERT INTO post_old_slugs (site_id, slug, post_id) VALUES ($1, $2, $3)
                     ON CONFLICT (site_id, slug) DO NOTHING",
                )
                .bind(item.site_id)
                .bind(old_slug)
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
            }
            for path in item.legacy_paths {
                sqlx::query(
                    "INSERT INTO legacy_paths (site_id, path, wordpress_id) VALUES ($1, $2, $3)
                     ON CONFLICT (site_id, path) DO NOTHING",
                )
                .bind(item.site_id)
                .bind(path)
                .bind(item.wordpress_id)
                .execute(&mut *tx)
                .await?;
            }
            index_post!(&mut *tx, dialect, post_id, item.title, &search_text);
            insert_revision!(
                &mut *tx,
                item.site_id,
                post_id,
                Some(item.author_id),
                item.title,
                item.source,
                item.excerpt.trim(),
                item.modified_at
            );
            let mut local_ids: HashMap<i64, i64> = HashMap::with_capacity(item.comments.len());
            for comment in item.comments {
                let trashed = comment.status == CommentStatus::Trash;
                let comment_id: i64 = sqlx::query_scalar(
                    "INSERT INTO comments (site_id, post_id, user_id, author_name, author_email, author_url, author_ip,
                                           user_agent, content, content_html, status, status_before_trash, trashed_at,
                                           created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $9, $10, $11, $12, $13) RETURNING id",
                )
                .bind(item.site_id)
                .bind(post_id)
                .bind(comment.user_id)
                .bind(comment.author_name)
                .bind(comment.author_email)
                .bind(comment.author_url)
                .bind(comment.author_ip)
                .bind(comment.content)
                .bind(comment.content_html.as_str())
                .bind(comment.status.as_str())
                .bind(trashed.then_some(CommentStatus::Pending.as_str()))
                .bind(trashed.then_some(now))
                .bind(comment.created_at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO imported_comments (site_id, wordpress_id, comment_id) VALUES ($1, $2, $3)
                     ON CONFLICT (site_id, wordpress_id) DO NOTHING",
                )
                .bind(item.site_id)
                .bind(comment.wordpress_id)
                .bind(comment_id)
                .execute(&mut *tx)
                .await?;
                local_ids.insert(comment.wordpress_id, comment_id);
            }
            for comment in item.comments {
                let (Some(parent), Some(own)) = (
                    comment
                        .parent_wordpress_id
                        .and_then(|parent| local_ids.get(&parent)),
                    local_ids.get(&comment.wordpress_id),
                ) else {
                    continue;
                };
                sqlx::query("UPDATE comments SET parent_id = $1 WHERE id = $2")
                    .bind(parent)
                    .bind(own)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(ItemOutcome::Stored {
                comments: item.comments.len(),
            })
        })
    }

    /// Records an attachment: it has no page here, but its old addresses lead to the post it belongs to.
    pub async fn import_attachment(
        &self,
        site_id: i64,
        wordpress_id: i64,
        parent_wordpress_id: Option<i64>,
        legacy_paths: &[String],
    ) -> StoreResult<ItemOutcome> {
        with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let inserted = sqlx::query(
                "INSERT INTO imported_posts (site_id, wordpress_id, post_id, parent_wordpress_id)
                 VALUES ($1, $2, NULL, $3) ON CONFLICT (site_id, wordpress_id) DO NOTHING",
            )
            .bind(site_id)
            .bind(wordpress_id)
            .bind(parent_wordpress_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Ok(ItemOutcome::AlreadyThere);
            }
            for path in legacy_paths {
                sqlx::query(
                    "INSERT INTO legacy_paths (site_id, path, wordpress_id) VALUES ($1, $2, $3)
                     ON CONFLICT (site_id, path) DO NOTHING",
                )
                .bind(site_id)
                .bind(path)
                .bind(wordpress_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(ItemOutcome::Stored { comments: 0 })
        })
    }

    /// Gives imported pages the parent pages they had in WordPress, once both are here (a child may come
    /// first in the file). Returns how many pages got their parent.
    pub async fn link_imported_parents(&self, site_id: i64) -> StoreResult<u64> {
        with_pool!(self, writer, |pool| {
            let linked = sqlx::query(
                "UPDATE posts SET parent_id = (
                     SELECT parent.post_id FROM imported_posts child
                     JOIN imported_posts parent
                       ON parent.site_id = child.site_id AND parent.wordpress_id = child.parent_wordpress_id
                     WHERE child.site_id = posts.site_id AND child.post_id = posts.id)
                 WHERE site_id = $1 AND kind = 'page' AND parent_id IS NULL AND id IN (
                     SELECT child.post_id FROM imported_posts child
                     JOIN imported_posts parent
                       ON parent.site_id = child.site_id AND parent.wordpress_id = child.parent_wordpress_id
                     JOIN posts parent_post ON parent_post.id = parent.post_id AND parent_post.kind = 'page'
                     WHERE child.site_id = $1 AND parent.post_id <> child.post_id)",
            )
            .bind(site_id)
            .execute(pool)
            .await?
            .rows_affected();
            Ok(linked)
        })
    }

    /// The post that a WordPress id (`?p=`, `?page_id=`, `?attachment_id=`) became: an attachment leads to the
    /// post it belongs to.
    pub async fn post_of_wordpress_id(
        &self,
        site_id: i64,
        wordpress_id: i64,
    ) -> StoreResult<Option<i64>> {
        let found: Option<Option<i64>> = with_pool!(self, reader, |pool| {
            sqlx::query_scalar(
                "SELECT COALESCE(item.post_id, parent.post_id) FROM imported_posts item
                 LEFT JOIN imported_posts parent
                   ON parent.site_id = item.site_id AND parent.wordpress_id = item.parent_wordpress_id
                 WHERE item.site_id = $1 AND item.wordpress_id = $2",
            )
            .bind(site_id)
            .bind(wordpress_id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(found.flatten())
    }

    /// The post an old address of the WordPress site leads to (see `legacy_paths` for the address's form).
    pub async fn post_of_legacy_path(&self, site_id: i64, path: &str) -> StoreResult<Option<i64>> {
        let wordpress_id: Option<i64> = with_pool!(self, reader, |pool| {
            sqlx::query_scalar(
                "SELECT wordpress_id FROM legacy_paths WHERE site_id = $1 AND path = $2",
            )
            .bind(site_id)
            .bind(path)
            .fetch_optional(pool)
            .await
        })?;
        match wordpress_id {
            Some(wordpress_id) => self.post_of_wordpress_id(site_id, wordpress_id).await,
            None => Ok(None),
        }
    }

    /// How many WordPress ids this site has taken in, to tell a first import from a resumed one.
    pub async fn imported_count(&self, site_id: i64) -> StoreResult<i64> {
        with_pool!(self, reader, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM imported_posts WHERE site_id = $1")
                .bind(site_id)
                .fetch_one(pool)
                .await
                .map_err(StoreError::from)
        })
    }

    /// Every post's earlier slugs on a site, as (post id, slug), for an export.
    pub async fn old_slugs(&self, site_id: i64) -> StoreResult<Vec<(i64, String)>> {
        with_pool!(self, reader, |pool| {
            sqlx::query_as(
                "SELECT post_id, slug FROM post_old_slugs WHERE site_id = $1 ORDER BY slug",
            )
            .bind(site_id)
            .fetch_all(pool)
            .await
            .map_err(StoreError::from)
        })
    }
}
