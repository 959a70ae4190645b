//! Readings and the citations of their pages.

use crate::domain::{
    citation::{Citable, CitableReading, label_key},
    post::Post,
    reading::{Reading, ReadingDetails},
    site::SiteRoot,
    slug,
};

use super::{
    Conflict, Store, StoreError, StoreResult,
    posts::{free_post_slug, index_post, insert_revision},
    records::{POST_COLUMNS, PostRow},
    with_pool,
};

const READING_COLUMNS: &str =
    "id, site_id, slug, title, author, year, label, source, members_only, created_at, modified_at";

#[derive(sqlx::FromRow)]
struct ReadingRow {
    id: i64,
    site_id: i64,
    slug: String,
    title: String,
    author: String,
    year: Option<i32>,
    label: String,
    source: String,
    members_only: bool,
    created_at: i64,
    modified_at: i64,
}

impl From<ReadingRow> for Reading {
    fn from(row: ReadingRow) -> Self {
        Self {
            id: row.id,
            site_id: row.site_id,
            slug: row.slug,
            title: row.title,
            author: row.author,
            year: row.year,
            label: row.label,
            source: row.source,
            members_only: row.members_only,
            created_at: row.created_at,
            modified_at: row.modified_at,
        }
    }
}

/// A post or comment that cites a reading, as the reading's margin and page listing show it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CitationRecord {
    pub post_id: i64,
    /// `None` for a citation in the post's own text.
    pub comment_id: Option<i64>,
    pub first_page: i64,
    pub last_page: i64,
    pub quote: String,
}

/// How `reading_where` finds a reading.
enum ReadingKey<'a> {
    Slug(&'a str),
    Id(i64),
}

fn label_taken() -> StoreError {
    StoreError::Conflict(Conflict::LabelTaken)
}

impl Store {
    /// Adds a reading, its slug made from the title and unique among the site's readings.
    pub async fn create_reading(
        &self,
        site_id: i64,
        details: &ReadingDetails,
        now: i64,
    ) -> StoreResult<Reading> {
        let base = slug::slugify(details.title.trim());
        let row: ReadingRow = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let stem = slug::stem(&base, "reading");
            let taken: Vec<String> = sqlx::query_scalar(
                "SELECT slug FROM readings WHERE site_id = $1 AND (slug = $2 OR slug LIKE $3)",
            )
            .bind(site_id)
            .bind(stem)
            .bind(format!("{stem}-%"))
            .fetch_all(&mut *tx)
            .await?;
            let chosen = slug::first_free(slug::Namespace::Archive, &base, "reading", &taken);
            let row = sqlx::query_as(&format!(
                "INSERT INTO readings (site_id, slug, title, author, year, label, label_key, source, members_only,
                                       created_at, modified_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING {READING_COLUMNS}"
            ))
            .bind(site_id)
            .bind(&chosen)
            .bind(details.title.trim())
            .bind(details.author.trim())
            .bind(details.year)
            .bind(details.label.trim())
            .bind(label_key(&details.label))
            .bind(&details.source)
            .bind(details.members_only)
            .bind(now)
            .fetch_one(&mut *tx)
            .await;
            let row = match row {
                Err(error) => match StoreError::from(error) {
                    StoreError::Conflict(_) => return Err(label_taken()),
                    other => return Err(other),
                },
                Ok(row) => row,
            };
            tx.commit().await?;
            row
        });
        Ok(row.into())
    }

    /// Replaces a reading's details; its slug stays, so that links to it keep working.
    pub async fn update_reading(
        &self,
        site_id: i64,
        id: i64,
        details: &ReadingDetails,
        now: i64,
    ) -> StoreResult<Reading> {
        let row: Option<ReadingRow> = with_pool!(self, writer, |pool| {
            sqlx::query_as(&format!(
                "UPDATE readings SET title = $1, author = $2, year = $3, label = $4, label_key = $5, source = $6,
                        members_only = $7, modified_at = $8
                 WHERE site_id = $9 AND id = $10 RETURNING {READING_COLUMNS}"
            ))
            .bind(details.title.trim())
            .bind(details.author.trim())
            .bind(details.year)
            .bind(details.label.trim())
            .bind(label_key(&details.label))
            .bind(&details.source)
            .bind(details.members_only)
            .bind(now)
            .bind(site_id)
            .bind(id)
            .fetch_optional(pool)
            .await
        })
        .map_err(|error| match StoreError::from(error) {
            StoreError::Conflict(_) => label_taken(),
            other => other,
        })?;
        row.map(Reading::from).ok_or(StoreError::NotFound)
    }

    /// A site's readings, by title.
    pub async fn readings(&self, site_id: i64) -> StoreResult<Vec<Reading>> {
        let rows: Vec<ReadingRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {READING_COLUMNS} FROM readings WHERE site_id = $1 ORDER BY lower(title), id"
            ))
            .bind(site_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(Reading::from).collect())
    }

    /// Whether the site has any reading.
    pub async fn has_readings(&self, site_id: i64) -> StoreResult<bool> {
        let found: Option<i64> = with_pool!(self, reader, |pool| {
            sqlx::query_scalar("SELECT id FROM readings WHERE site_id = $1 LIMIT 1")
                .bind(site_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(found.is_some())
    }

    pub async fn reading_by_slug(&self, site_id: i64, slug: &str) -> StoreResult<Option<Reading>> {
        self.reading_where(site_id, ReadingKey::Slug(slug)).await
    }

    pub async fn reading_by_id(&self, site_id: i64, id: i64) -> StoreResult<Option<Reading>> {
        self.reading_where(site_id, ReadingKey::Id(id)).await
    }

    async fn reading_where(
        &self,
        site_id: i64,
        key: ReadingKey<'_>,
    ) -> StoreResult<Option<Reading>> {
        let condition = match key {
            ReadingKey::Slug(_) => "slug = $2",
            ReadingKey::Id(_) => "id = $2",
        };
        let sql =
            format!("SELECT {READING_COLUMNS} FROM readings WHERE site_id = $1 AND {condition}");
        let row: Option<ReadingRow> = with_pool!(self, reader, |pool| {
            let query = sqlx::query_as(&sql).bind(site_id);
            match key {
                ReadingKey::Slug(slug) => query.bind(slug),
                ReadingKey::Id(id) => query.bind(id),
            }
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.map(Reading::from))
    }

    /// The readings a text of this site may cite, citations without a label going to `default`.
    pub async fn citable(&self, site_id: i64, default: Option<i64>) -> StoreResult<Citable> {
        let rows: Vec<(i64, String, String, String)> = with_pool!(self, reader, |pool| {
            sqlx::query_as(
                "SELECT r.id, r.slug, r.label_key, s.slug FROM readings r JOIN sites s ON s.id = r.site_id
                 WHERE r.site_id = $1",
            )
            .bind(site_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(Citable {
            root: rows
                .first()
                .map(|(_, _, _, site_slug)| SiteRoot::for_slug(site_slug))
                .unwrap_or_default(),
            readings: rows
                .into_iter()
                .map(|(id, slug, label_key, _)| CitableReading {
                    id,
                    slug,
                    label_key,
                })
                .collect(),
            default,
        })
    }

    /// The citations of a reading that readers can see: in published posts without a password, and in their
    /// approved comments; `page` limits them to those whose range holds that page.
    /// The post that holds a reading's discussion, made on first use: a draft page (so that no listing shows
    /// it) by the site's first administrator (or editor), open for comments. `NotFound` while the site has no
    /// staff.
    pub async fn reading_discussion(&self, reading: &Reading, now: i64) -> StoreResult<Post> {
        if let Some(post) = self.existing_reading_discussion(reading).await? {
            return Ok(post);
        }
        let title = format!("Discussion of {}", reading.title);
        let created: StoreResult<()> = async {
            with_pool!(self, writer, |pool, dialect| {
                let mut tx = pool.begin_with(dialect.begin).await?;
                let chosen = free_post_slug!(
                    &mut *tx,
                    reading.site_id,
                    &format!("discussion-of-{}", reading.slug),
                    "discussion"
                );
                let author_id: i64 = sqlx::query_scalar(
                    "SELECT user_id FROM memberships WHERE site_id = $1 AND role IN ('administrator', 'editor')
                     ORDER BY role, created_at, user_id LIMIT 1",
                )
                .bind(reading.site_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO posts (site_id, author_id, kind, status, slug, title, source, source_format,
                                        content_html, excerpt, summary, comments_open, published_at, created_at,
                                        modified_at, sticky, reading_id, discusses_reading)
                     VALUES ($1, $2, 'page', 'draft', $3, $4, '', 'markdown', '', '', '', TRUE, $5, $5, $5, FALSE,
                             $6, TRUE)
                     RETURNING id",
                )
                .bind(reading.site_id)
                .bind(author_id)
                .bind(&chosen)
                .bind(&title)
                .bind(now)
                .bind(reading.id)
                .fetch_one(&mut *tx)
                .await?;
                index_post!(&mut *tx, dialect, id, &title, "");
                insert_revision!(&mut *tx, reading.site_id, id, Some(author_id), &title, "", "", now);
                tx.commit().await?;
            });
            Ok(())
        }
        .await;
        match created {
            Ok(()) | Err(StoreError::Conflict(_)) => self
                .existing_reading_discussion(reading)
                .await?
                .ok_or(StoreError::NotFound),
            Err(other) => Err(other),
        }
    }

    async fn existing_reading_discussion(&self, reading: &Reading) -> StoreResult<Option<Post>> {
        let row: Option<PostRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {POST_COLUMNS} FROM posts p
                 WHERE p.site_id = $1 AND p.reading_id = $2 AND p.discusses_reading"
            ))
            .bind(reading.site_id)
            .bind(reading.id)
            .fetch_optional(pool)
            .await?
        });
        row.map(Post::try_from).transpose()
    }

    pub async fn citations_of(
        &self,
        reading_id: i64,
        page: Option<u32>,
    ) -> StoreResult<Vec<CitationRecord>> {
        let page_condition = if page.is_some() {
            " AND c.first_page <= $2 AND c.last_page >= $2"
        } else {
            ""
        };
        let sql = format!(
            "SELECT c.post_id, c.comment_id, c.first_page, c.last_page, c.quote
             FROM citations c JOIN posts p ON p.id = c.post_id
             LEFT JOIN comments m ON m.id = c.comment_id
             WHERE c.reading_id = $1{page_condition} AND p.password IS NULL
               AND (p.status = 'publish' OR (p.discusses_reading AND p.reading_id = c.reading_id))
               AND (c.comment_id IS NULL OR (m.status = 'approved' AND m.is_private = FALSE))
             ORDER BY p.published_at, c.post_id, CASE WHEN c.comment_id IS NULL THEN 0 ELSE 1 END, m.created_at, c.id"
        );
        let rows = with_pool!(self, reader, |pool| {
            let query = sqlx::query_as(&sql).bind(reading_id);
            let query = match page {
                Some(page) => query.bind(i64::from(page)),
                None => query,
            };
            query.fetch_all(pool).await
        })?;
        Ok(rows)
    }
}

/// Keeps a text's citations inside a transaction, replacing those it had: `$comment_id` is `None` for the
/// post's own text.
macro_rules! replace_citations {
    ($tx:expr, $site_id:expr, $post_id:expr, $comment_id:expr, $cited:expr) => {{
        let comment_id: Option<i64> = $comment_id;
        let cited: &[crate::domain::citation::Cited] = $cited;
        match comment_id {
            Some(comment_id) => sqlx::query("DELETE FROM citations WHERE comment_id = $1")
                .bind(comment_id)
                .execute($tx)
                .await?,
            None => sqlx::query("DELETE FROM citations WHERE post_id = $1 AND comment_id IS NULL")
                .bind($post_id)
                .execute($tx)
                .await?,
        };
        for citation in cited {
            sqlx::query(
                "INSERT INTO citations (site_id, reading_id, post_id, comment_id, first_page, last_page, quote)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind($site_id)
            .bind(citation.reading_id)
            .bind($post_id)
            .bind(comment_id)
            .bind(i64::from(citation.first_page))
            .bind(i64::from(citation.last_page))
            .bind(&citation.quote)
            .execute($tx)
            .await?;
        }
    }};
}
pub(super) use replace_citations;
