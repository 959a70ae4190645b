//! The PostgreSQL backend: one pool; PostgreSQL serialises conflicting writes itself.

use std::{str::FromStr, time::Duration};

use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use super::{Dialect, StoreError, StoreResult};

pub(crate) static DIALECT: Dialect = Dialect {
    after_bulk_write: "VACUUM ANALYZE",
    begin: "BEGIN",
    advisory_lock: Some("SELECT pg_advisory_xact_lock(hashtext($1))"),
    advisory_locks_pair: Some([
        "SELECT pg_advisory_xact_lock(LEAST(hashtext($1), hashtext($2)))",
        "SELECT pg_advisory_xact_lock(GREATEST(hashtext($1), hashtext($2)))",
    ]),
    index_post: &["INSERT INTO post_search (post_id, title, body, document)
         VALUES ($1, $2, $3, setweight(to_tsvector('english', $2), 'A') || setweight(to_tsvector('english', $3), 'B'))
         ON CONFLICT (post_id) DO UPDATE SET title = excluded.title, body = excluded.body, document = excluded.document"],
    // The newest `$5` matches, ranked; then the (costly) headlines for the page's rows alone.
    search: "SELECT ranked.post_id,
                    ts_headline('english', ranked.body, to_tsquery('english', $2),
                                'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=35, MinWords=15')
                      AS snippet
             FROM (SELECT s.post_id, s.body, ts_rank_cd(s.document, to_tsquery('english', $2)) AS score,
                          candidates.published_at
                   FROM (SELECT s.post_id, p.published_at
                         FROM post_search s JOIN posts p ON p.id = s.post_id
                         WHERE s.document @@ to_tsquery('english', $2) AND p.site_id = $1 AND p.status = 'publish'
                           AND p.password IS NULL
                         ORDER BY s.post_id DESC LIMIT $5) candidates
                   JOIN post_search s ON s.post_id = candidates.post_id
                   ORDER BY score DESC, candidates.published_at DESC LIMIT $3 OFFSET $4) ranked
             ORDER BY ranked.score DESC, ranked.published_at DESC",
    search_many: "SELECT ranked.post_id, ranked.body AS text
             FROM (SELECT s.post_id, s.body, candidates.published_at,
                          to_tsvector('english', s.title) @@ to_tsquery('english', $6) AS in_title
                   FROM (SELECT s.post_id, p.published_at
                         FROM post_search s JOIN posts p ON p.id = s.post_id
                         WHERE s.document @@ to_tsquery('english', $2) AND p.site_id = $1 AND p.status = 'publish'
                           AND p.password IS NULL
                         ORDER BY s.post_id DESC LIMIT $5) candidates
                   JOIN post_search s ON s.post_id = candidates.post_id
                   ORDER BY in_title DESC, candidates.published_at DESC LIMIT $3 OFFSET $4) ranked
             ORDER BY ranked.in_title DESC, ranked.published_at DESC",
    search_syntax: crate::domain::search::tsquery,
    search_in_titles: crate::domain::search::tsquery,
    index_posts_above: "INSERT INTO post_search (post_id, title, body, document)
                        SELECT id, title, source,
                               setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', source), 'B')
                        FROM posts WHERE site_id = $1 AND id > $2",
    search_count: "SELECT COUNT(*) FROM post_search s JOIN posts p ON p.id = s.post_id
                   WHERE s.document @@ to_tsquery('english', $2) AND p.site_id = $1 AND p.status = 'publish'
                     AND p.password IS NULL",
};

#[derive(Clone)]
pub struct PostgresBackend {
    pub(crate) reader: PgPool,
    pub(crate) writer: PgPool,
}

impl PostgresBackend {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|error| StoreError::BadUrl(format!("{error}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(StoreError::Unavailable)?;
        Ok(Self {
            reader: pool.clone(),
            writer: pool,
        })
    }
}
