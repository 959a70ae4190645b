//! The store: every SQL statement of colloquy, behind one API that speaks the domain.
//!
//! `Store` is a closed enum over the two backends. Most statements are the same text on both (both take `$1`
//! parameters, `RETURNING`, `ON CONFLICT`), so a method is written once and `with_pool!` compiles its body for
//! each backend's pool; where the dialects differ, `Dialect` carries the backend's own SQL.
//! Transactions stay inside the methods. On SQLite all writes go through one connection, so writers queue in
//! the application instead of meeting "database is locked".

mod accounts;
mod autosaves;
mod backup;
mod comments;
mod follows;
mod imports;
mod integrity;
mod leaving;
mod members;
mod outbox;
mod participation;
mod postgres;
mod posts;
mod readings;
mod records;
mod search;
mod seed;
mod sites;
mod sqlite;
mod terms;
mod upgrades;
mod users;

pub use accounts::{
    MailLimits, MailRequestKind, SessionRecord, SignInLimits, SignInTurn, TokenPurpose,
};
pub use autosaves::Autosave;
pub use backup::{Contents, POSTGRES_BACKUPS, sqlite_file};
pub use comments::{
    AwaitingStaff, CommentCorrection, CommentFilter, NewComment, QueuedComment, Submitted,
};
pub use follows::{Audience, Follow, FollowStart, Follower};
pub use imports::{ImportedAuthor, ImportedComment, ImportedPost, ItemOutcome};
pub use leaving::WritingRecords;
pub use members::{FormerMember, JoinRequest, Membership, NewJoinRequest};
pub use outbox::{NewMail, OutboxMail};
pub use posts::{
    AdminFilter, Drafting, ListFilter, NewPost, PostCard, PostEdit, PostPage, Revision, Saved,
    Writing,
};
pub use readings::CitationRecord;
pub use search::SEARCH_CANDIDATES;
pub use seed::{COMMON_WORD, RARE_WORD};
pub use sites::{FirstAdministrator, GivenAdministrator, MadeSite, NewSite, Site, SiteVersions};
pub use upgrades::RootedLinks;
pub use users::NewUser;

/// What a write clashed with. The store says which kind; the words a person reads are chosen by the door
/// (web or CLI) that knows what they asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// Another post or page of the site has the slug.
    SlugTaken,
    /// An account has the email address.
    EmailTaken,
    /// Someone else publishes under the name.
    NameTaken,
    /// Another reading of the site has the label.
    LabelTaken,
    /// Only a comment in the trash can be restored.
    NotInTrash,
    /// The site has a category of that name.
    CategoryExists,
    /// The member is the site's only administrator: they may not leave it.
    LastAdministrator,
    /// A unique key the store has no more particular kind for (a site's slug, a write that raced another).
    Duplicate,
}

/// What went wrong in the store, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("bad database URL: {0}")]
    BadUrl(String),
    #[error("stored data does not read back: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Unsupported(String),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Other(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(database) if database.is_unique_violation() => {
                Self::Conflict(Conflict::Duplicate)
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(error)
            }
            _ => Self::Other(error),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The SQL that differs between the backends.
pub(crate) struct Dialect {
    /// How a writing transaction starts. SQLite's must take the write lock at once: a transaction that reads
    /// first and writes later fails at once, whatever the busy timeout, if another process (the CLI beside
    /// the server) wrote in between.
    pub begin: &'static str,
    /// Serialises a transaction against others on the same key (flood checks); `None` where writes are already
    /// serialised.
    pub advisory_lock: Option<&'static str>,
    /// Serialises a transaction against others on either of two keys (`$1`, `$2`): two statements, run in
    /// order, that take the two locks lower hash first, so that two transactions never wait for each other.
    pub advisory_locks_pair: Option<[&'static str; 2]>,
    /// Statements that put a post in the search index: `$1` post id, `$2` title, `$3` text.
    pub index_post: &'static [&'static str],
    /// Matching posts, best first among the newest `$5`: `$1` site, `$2` the query in this backend's syntax,
    /// `$3` limit, `$4` offset;
    /// columns `post_id` and `snippet` (matches between `MATCH_START` and `MATCH_END`).
    pub search: &'static str,
    /// How many posts match: `$1` site, `$2` query.
    pub search_count: &'static str,
    /// Matching posts when more than `$5` match: the newest `$5`, those matching in their titles first, then by
    /// date; `$6` is the search in titles only (`search_in_titles`); columns `post_id` and the post's `text`
    /// (snippets are made from it in Rust). Used when scoring every match, or seeking each result's snippet
    /// through a word's every match, would cost more than the search is worth.
    pub search_many: &'static str,
    /// Writes a search in this backend's query syntax.
    pub search_syntax: fn(&[crate::domain::search::Term]) -> String,
    /// Writes the search limited to titles, for `search_many`.
    pub search_in_titles: fn(&[crate::domain::search::Term]) -> String,
    /// Follows a bulk write: SQLite folds its write-ahead log back into the database; PostgreSQL gathers the
    /// statistics its planner needs (without them, the queries of a freshly grown site took whole seconds) and
    /// moves the search index's pending entries into the index (each search read them all, 2 ms at 100,000
    /// posts), work its autovacuum would otherwise do some minutes later.
    pub after_bulk_write: &'static str,
    /// Indexes every post of site `$1` whose id is above `$2`, in one statement (bulk seeding).
    pub index_posts_above: &'static str,
}

/// The store: SQLite or PostgreSQL, chosen by the database URL at run time.
#[derive(Clone)]
pub enum Store {
    Sqlite(sqlite::SqliteBackend),
    Postgres(postgres::PostgresBackend),
}

/// Runs `$body` with `$pool` bound to the backend's reader or writer pool and `$dialect` to its `Dialect`.
macro_rules! with_pool {
    ($store:expr, $role:ident, |$pool:ident, $dialect:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite(backend) => {
                let $pool = &backend.$role;
                let $dialect = &$crate::store::sqlite::DIALECT;
                let _ = $dialect;
                $body
            }
            $crate::store::Store::Postgres(backend) => {
                let $pool = &backend.$role;
                let $dialect = &$crate::store::postgres::DIALECT;
                let _ = $dialect;
                $body
            }
        }
    };
    ($store:expr, $role:ident, |$pool:ident| $body:expr) => {
        with_pool!($store, $role, |$pool, _dialect| $body)
    };
}
pub(crate) use with_pool;

impl Store {
    /// Connects to `sqlite://PATH` (created when missing) or `postgres://…`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite(sqlite::SqliteBackend::connect(url).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(
                postgres::PostgresBackend::connect(url).await?,
            ))
        } else {
            Err(StoreError::BadUrl(format!(
                "'{url}' is neither sqlite://PATH nor postgres://…"
            )))
        }
    }

    /// Applies the backend's pending migrations, then the one-time upgrades of stored data (what they did,
    /// when this call did them).
    pub async fn migrate(&self) -> StoreResult<Option<RootedLinks>> {
        match self {
            Self::Sqlite(backend) => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&backend.writer)
                    .await?
            }
            Self::Postgres(backend) => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&backend.writer)
                    .await?
            }
        }
        let rooted = self
            .root_sub_site_links(crate::domain::calendar::now())
            .await?;
        if let Some(rooted) = rooted {
            tracing::info!(
                posts = rooted.posts,
                links = rooted.links,
                comments = rooted.comments,
                "links of sites other than the main one put under their site's root, each post with a revision"
            );
        }
        let now = crate::domain::calendar::now();
        if let Some(redrawn) = self.redraw_quotes_and_footnotes(now).await? {
            tracing::info!(
                posts = redrawn,
                "posts with footnotes or quotations drawn again: excerpts without footnote marks, quoted pages cited"
            );
        }
        Ok(rooted)
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        with_pool!(self, reader, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// A named secret, made by `make` and stored the first time it is asked for. Every instance on one
    /// database gets the same value, whichever made it.
    pub async fn secret(&self, name: &str, make: impl FnOnce() -> String) -> StoreResult<String> {
        let candidate = make();
        with_pool!(self, writer, |pool| {
            sqlx::query(
                "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(&candidate)
            .execute(pool)
            .await?;
            sqlx::query_scalar::<_, String>("SELECT value FROM secrets WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await
        })
        .map_err(StoreError::from)
    }

    /// Closes every connection, letting SQLite check its write-ahead log back into the database file.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(backend) => {
                backend.reader.close().await;
                backend.writer.close().await;
            }
            Self::Postgres(backend) => backend.writer.close().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn versions(folder: &str) -> BTreeSet<String> {
        std::fs::read_dir(format!(
            "{}/migrations/{folder}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    entry
                        .file_name()
                        .to_str()
                        .and_then(|name| name.split('_').next())
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
    }

    #[test]
    fn both_backends_have_the_same_migration_versions() {
        let sqlite = versions("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, versions("postgres"));
    }
}
