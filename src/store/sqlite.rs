//! The SQLite backend: one file in WAL mode, a pool of readers and a single writer connection.

use std::{str::FromStr, time::Duration};

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use super::{Dialect, StoreError, StoreResult};

pub(crate) static DIALECT: Dialect = Dialect {
    after_bulk_write: "PRAGMA wal_checkpoint(TRUNCATE)",
    begin: "BEGIN IMMEDIATE",
    advisory_lock: None,
    advisory_locks_pair: None,
    index_post: &[
        "DELETE FROM post_search WHERE rowid = $1",
        "INSERT INTO post_search (rowid, title, body) VALUES ($1, $2, $3)",
    ],
    // The newest matches (CROSS JOIN keeps the full-text index as the outer loop, read newest first and left
    // after `$5` rows), ranked; then the (costly) snippets for the page's rows alone.
    search: "WITH candidates AS (
                 SELECT post_search.rowid AS id, bm25(post_search, 10.0, 1.0) AS score, p.published_at AS published_at
                 FROM post_search CROSS JOIN posts p ON p.id = post_search.rowid
                 WHERE post_search MATCH $2 AND p.site_id = $1 AND p.status = 'publish' AND p.password IS NULL
                 ORDER BY post_search.rowid DESC LIMIT $5),
             ranked AS (SELECT id, score, published_at FROM candidates
                        ORDER BY score, published_at DESC LIMIT $3 OFFSET $4)
             SELECT ranked.id AS post_id, snippet(post_search, 1, char(2), char(3), '…', 24) AS snippet
             FROM ranked JOIN post_search ON post_search.rowid = ranked.id
             WHERE post_search MATCH $2
             ORDER BY ranked.score, ranked.published_at DESC",
    search_many: "WITH candidates AS MATERIALIZED (
                      SELECT post_search.rowid AS id, p.published_at AS published_at
                      FROM post_search CROSS JOIN posts p ON p.id = post_search.rowid
                      WHERE post_search MATCH $2 AND p.site_id = $1 AND p.status = 'publish' AND p.password IS NULL
                      ORDER BY post_search.rowid DESC LIMIT $5),
                  in_titles AS MATERIALIZED (
                      SELECT rowid AS id FROM post_search
                      WHERE post_search MATCH $6 AND rowid >= (SELECT MIN(id) FROM candidates)),
                  ranked AS (
                      SELECT id, published_at, id IN (SELECT id FROM in_titles) AS in_title
                      FROM candidates ORDER BY in_title DESC, published_at DESC LIMIT $3 OFFSET $4)
                  SELECT ranked.id AS post_id, post_search.body AS text
                  FROM ranked JOIN post_search ON post_search.rowid = ranked.id
                  ORDER BY ranked.in_title DESC, ranked.published_at DESC",
    search_syntax: crate::domain::search::fts5,
    search_in_titles: crate::domain::search::fts5_in_titles,
    index_posts_above: "INSERT INTO post_search (rowid, title, body)
                        SELECT id, title, source FROM posts WHERE site_id = $1 AND id > $2",
    // The matches first (one pass over the full-text index), then their posts: the other way round, SQLite
    // would ask the index once per post of the site.
    search_count: "SELECT COUNT(*) FROM post_search CROSS JOIN posts p ON p.id = post_search.rowid
                   WHERE post_search MATCH $2 AND p.site_id = $1 AND p.status = 'publish' AND p.password IS NULL",
};

#[derive(Clone)]
pub struct SqliteBackend {
    pub(crate) reader: SqlitePool,
    pub(crate) writer: SqlitePool,
}

impl SqliteBackend {
    /// `url` may end in `?synchronous=full` (or `&synchronous=full`) to have every commit reach the disk
    /// before it returns, which a power cut cannot take back either.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let (url, synchronous) = synchronous_of(url)?;
        let options = SqliteConnectOptions::from_str(&url)
            .map_err(|error| StoreError::BadUrl(format!("{url}: {error}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL loses nothing when the process is killed: a commit is in the OS's hands before
            // the call returns. Only a power cut can take the last transactions back.
            .synchronous(synchronous)
            .busy_timeout(Duration::from_secs(10))
            // 8 MB of page cache per connection (SQLite's default is 2 MB): a large site's indexes stay in it.
            .pragma("cache_size", "-8192")
            .foreign_keys(true);
        // A local file cannot drop a connection the way a network can, so the pools skip the ping that would
        // otherwise precede every acquire.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(StoreError::Unavailable)?;
        let readers = std::thread::available_parallelism()
            .map_or(4, |cores| cores.get() * 2)
            .clamp(2, 16);
        let reader = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(u32::try_from(readers).unwrap_or(4))
            .connect_with(options)
            .await
            .map_err(StoreError::Unavailable)?;
        Ok(Self { reader, writer })
    }
}

/// Takes colloquy's own `synchronous` parameter (`normal`, the default, or `full`) off a SQLite URL.
fn synchronous_of(url: &str) -> StoreResult<(String, SqliteSynchronous)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), SqliteSynchronous::Normal));
    };
    let mut synchronous = SqliteSynchronous::Normal;
    let mut rest = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("synchronous", "normal")) => synchronous = SqliteSynchronous::Normal,
            Some(("synchronous", "full")) => synchronous = SqliteSynchronous::Full,
            Some(("synchronous", other)) => {
                return Err(StoreError::BadUrl(format!(
                    "synchronous={other}: colloquy takes synchronous=normal or synchronous=full"
                )));
            }
            _ => rest.push(pair),
        }
    }
    let url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, synchronous))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synchronous_parameter_is_colloquys_own() {
        let (url, synchronous) =
            synchronous_of("sqlite:///tmp/a.db?mode=rwc&synchronous=full").unwrap();
        assert_eq!(url, "sqlite:///tmp/a.db?mode=rwc");
        assert!(matches!(synchronous, SqliteSynchronous::Full));
        let (url, synchronous) = synchronous_of("sqlite:///tmp/a.db").unwrap();
        assert_eq!(url, "sqlite:///tmp/a.db");
        assert!(matches!(synchronous, SqliteSynchronous::Normal));
        assert!(synchronous_of("sqlite:///tmp/a.db?synchronous=off").is_err());
    }
}
