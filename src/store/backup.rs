//! Backups of the SQLite file while the server keeps serving, and restoring one. PostgreSQL has its own tools
//! (`pg_dump`, `pg_restore`), which do this better than colloquy could.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
};

use sqlx::sqlite::SqliteConnectOptions;

use super::{Store, StoreError, StoreResult, with_pool};

/// What a PostgreSQL user is told instead.
pub const POSTGRES_BACKUPS: &str = "back up PostgreSQL with its own tools: \
     pg_dump --format=custom --file=colloquy.dump DATABASE_URL, and restore with \
     pg_restore --clean --dbname=DATABASE_URL colloquy.dump";

/// How much a database holds that people made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contents {
    pub accounts: i64,
    pub posts: i64,
    pub comments: i64,
}

impl Contents {
    pub fn is_empty(&self) -> bool {
        self.accounts == 0 && self.posts == 0 && self.comments == 0
    }
}

impl Store {
    /// Writes a consistent copy of the whole SQLite database to `path`, which must not exist yet. Readers and
    /// writers go on meanwhile; the copy is the database as of one moment.
    pub async fn backup_to(&self, path: &Path) -> StoreResult<()> {
        let Self::Sqlite(backend) = self else {
            return Err(StoreError::Unsupported(POSTGRES_BACKUPS.into()));
        };
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::BadUrl(format!("{} is not UTF-8", path.display())))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&backend.reader)
            .await?;
        Ok(())
    }

    pub async fn contents(&self) -> StoreResult<Contents> {
        with_pool!(self, reader, |pool| {
            let (accounts, posts, comments): (i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM posts), (SELECT COUNT(*) FROM comments)",
            )
            .fetch_one(pool)
            .await?;
            Ok(Contents {
                accounts,
                posts,
                comments,
            })
        })
    }

    /// Checks that `path` is a whole colloquy SQLite database (integrity and schema), without changing it.
    pub async fn check_backup(path: &Path) -> StoreResult<Contents> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .create_if_missing(false);
        let pool = sqlx::SqlitePool::connect_with(options)
            .await
            .map_err(|error| StoreError::Corrupt(format!("{}: {error}", path.display())))?;
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .map_err(|error| StoreError::Corrupt(format!("{}: {error}", path.display())))?;
        if integrity != "ok" {
            return Err(StoreError::Corrupt(format!(
                "{} fails SQLite's integrity check: {integrity}",
                path.display()
            )));
        }
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'
             AND name IN ('_sqlx_migrations', 'sites', 'users', 'posts', 'comments')",
        )
        .fetch_one(&pool)
        .await?;
        if tables != 5 {
            return Err(StoreError::Corrupt(format!(
                "{} is an SQLite database but not a colloquy backup",
                path.display()
            )));
        }
        let store = Self::Sqlite(super::sqlite::SqliteBackend {
            reader: pool.clone(),
            writer: pool,
        });
        store.contents().await
    }
}

/// The file behind a `sqlite://` URL, whatever parameters follow it (`?synchronous=full`, `?mode=rwc`);
/// `None` for other databases and for a SQLite URL that names no file.
pub fn sqlite_file(database_url: &str) -> Option<PathBuf> {
    if !database_url.starts_with("sqlite:") {
        return None;
    }
    let file_part = database_url
        .split_once('?')
        .map_or(database_url, |(file, _)| file);
    SqliteConnectOptions::from_str(file_part)
        .ok()
        .map(|options| options.get_filename().to_path_buf())
}
