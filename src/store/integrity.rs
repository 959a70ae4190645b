//! Checks for what a half-finished write would leave behind: rows that point at nothing, posts without their
//! search row or first revision. Each write of colloquy is one transaction, so on a sound database every count
//! is zero; the crash tests run these after killing the server mid-write.

use super::{Store, StoreResult};

/// Each check: what it counts, and its SQL on SQLite and on PostgreSQL (the search index differs).
const CHECKS: &[(&str, &str, &str)] = &[
    (
        "comments whose post is missing",
        "SELECT COUNT(*) FROM comments c WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = c.post_id)",
        "SELECT COUNT(*) FROM comments c WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = c.post_id)",
    ),
    (
        "replies whose parent comment is missing",
        "SELECT COUNT(*) FROM comments c WHERE c.parent_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM comments p WHERE p.id = c.parent_id)",
        "SELECT COUNT(*) FROM comments c WHERE c.parent_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM comments p WHERE p.id = c.parent_id)",
    ),
    (
        "revisions whose post is missing",
        "SELECT COUNT(*) FROM revisions r WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = r.post_id)",
        "SELECT COUNT(*) FROM revisions r WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = r.post_id)",
    ),
    (
        "category or tag links whose post or term is missing",
        "SELECT COUNT(*) FROM post_terms pt WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = pt.post_id)
         OR NOT EXISTS (SELECT 1 FROM terms t WHERE t.id = pt.term_id)",
        "SELECT COUNT(*) FROM post_terms pt WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = pt.post_id)
         OR NOT EXISTS (SELECT 1 FROM terms t WHERE t.id = pt.term_id)",
    ),
    (
        "search rows whose post is missing",
        "SELECT COUNT(*) FROM post_search s WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = s.rowid)",
        "SELECT COUNT(*) FROM post_search s WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = s.post_id)",
    ),
    (
        "posts without their search row",
        "SELECT COUNT(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM post_search s WHERE s.rowid = p.id)",
        "SELECT COUNT(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM post_search s WHERE s.post_id = p.id)",
    ),
    (
        "posts without their first revision",
        "SELECT COUNT(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.post_id = p.id)",
        "SELECT COUNT(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.post_id = p.id)",
    ),
];

impl Store {
    /// Every way the database is not whole, as sentences ("3 comments whose post is missing"); empty when it
    /// is. On SQLite, also what `PRAGMA integrity_check` finds in the file.
    pub async fn integrity_problems(&self) -> StoreResult<Vec<String>> {
        let mut problems = Vec::new();
        for (what, sqlite, postgres) in CHECKS {
            let count: i64 = match self {
                Store::Sqlite(backend) => {
                    sqlx::query_scalar(sqlite)
                        .fetch_one(&backend.reader)
                        .await?
                }
                Store::Postgres(backend) => {
                    sqlx::query_scalar(postgres)
                        .fetch_one(&backend.reader)
                        .await?
                }
            };
            if count > 0 {
                problems.push(format!("{count} {what}"));
            }
        }
        if let Store::Sqlite(backend) = self {
            let verdicts: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_all(&backend.reader)
                .await?;
            problems.extend(verdicts.into_iter().filter(|verdict| verdict != "ok"));
        }
        Ok(problems)
    }
}
