//! Bulk generation of a large site for the growth benchmark: many posts and comments in a few statements,
//! each row made by the database from a counter. Only the benchmarks use it.

use super::{Store, StoreResult, with_pool};

/// The word that only one generated post holds (a rare-word search finds exactly it).
pub const RARE_WORD: &str = "zanzibar";
/// A word that every generated post holds.
pub const COMMON_WORD: &str = "telegram";

const PARAGRAPH: &str = "The long telegram argued that Soviet power, unlike that of Hitlerite Germany, was \
     neither schematic nor adventuristic; it did not work by fixed plans and took no unnecessary risks. \
     Impervious to the logic of reason, it was highly sensitive to the logic of force, and for this reason it \
     could easily withdraw, and usually did, when strong resistance was encountered at any point.";

impl Store {
    /// Adds `posts` published posts to a site, spread over its categories `category_ids` (round robin) and a
    /// minute apart going back from `now`, with their search entries; then `comments` approved comments
    /// spread over them. One post in the middle holds [`RARE_WORD`].
    pub async fn seed_bulk(
        &self,
        site_id: i64,
        author_id: i64,
        category_ids: &[i64],
        posts: i64,
        comments: i64,
        now: i64,
    ) -> StoreResult<()> {
        let body = format!("{PARAGRAPH}\n\n{PARAGRAPH}\n\n{PARAGRAPH}");
        let rare_at = posts / 2 + 1;
        with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let above: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM posts")
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $3)
                 INSERT INTO posts (site_id, author_id, kind, status, slug, title, source, source_format,
                                    content_html, excerpt, summary, comments_open, published_at, created_at,
                                    modified_at)
                 SELECT $1, $2, 'post', 'publish', 'bulk-' || ($6 + i), 'Bulk reading response ' || ($6 + i),
                        $4 || CASE WHEN i = $7 THEN ' ' || $8 ELSE '' END, 'markdown',
                        '<p>' || $4 || CASE WHEN i = $7 THEN ' ' || $8 ELSE '' END || '</p>', '',
                        substr($4, 1, 300), TRUE, $5 - 86400 * 30 - i * 60, $5, $5
                 FROM n",
            )
            .bind(site_id)
            .bind(author_id)
            .bind(posts)
            .bind(&body)
            .bind(now)
            .bind(above)
            .bind(rare_at)
            .bind(RARE_WORD)
            .execute(&mut *tx)
            .await?;
            sqlx::query(dialect.index_posts_above)
                .bind(site_id)
                .bind(above)
                .execute(&mut *tx)
                .await?;
            for (index, category_id) in category_ids.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO post_terms (post_id, term_id)
                     SELECT id, $1 FROM posts WHERE site_id = $2 AND id > $3 AND id % $4 = $5",
                )
                .bind(category_id)
                .bind(site_id)
                .bind(above)
                .bind(i64::try_from(category_ids.len()).unwrap_or(1))
                .bind(i64::try_from(index).unwrap_or(0))
                .execute(&mut *tx)
                .await?;
            }
            let first: i64 =
                sqlx::query_scalar("SELECT MIN(id) FROM posts WHERE site_id = $1 AND id > $2")
                    .bind(site_id)
                    .bind(above)
                    .fetch_one(&mut *tx)
                    .await?;
            sqlx::query(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $3)
                 INSERT INTO comments (site_id, post_id, author_name, author_email, author_ip, user_agent, content,
                                       content_html, status, created_at)
                 SELECT $1, $2 + (i % $4), 'Reader ' || (i % 5000), 'reader' || (i % 5000) || '@example.org',
                        '192.0.2.' || (i % 250), '', 'Comment ' || i || ' on the reading.',
                        '<p>Comment ' || i || ' on the reading.</p>', 'approved', $5 - i
                 FROM n",
            )
            .bind(site_id)
            .bind(first)
            .bind(comments)
            .bind(posts)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        })?;
        self.settle_after_bulk_writes().await
    }

    /// Brings the query planner's statistics up to date after many rows arrived at once, as PostgreSQL's
    /// autovacuum would within a minute (on SQLite: folds the write-ahead log into the database).
    pub async fn settle_after_bulk_writes(&self) -> StoreResult<()> {
        with_pool!(self, writer, |pool, dialect| {
            sqlx::query(dialect.after_bulk_write).execute(pool).await?;
            Ok(())
        })
    }
}
