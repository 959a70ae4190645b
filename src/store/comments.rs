//! Comments: the atomic submit (duplicate and flood checks, then insert), threads, moderation.

use crate::domain::{
    citation::Cited,
    comment::{Comment, CommentStatus, Moderation, PassageRef, flood_wait},
    thread::{self, CommentPage},
};

use super::{
    Conflict, Store, StoreError, StoreResult,
    readings::replace_citations,
    records::{COMMENT_COLUMNS, CommentRow, convert_all},
    with_pool,
};

/// A comment that passed the checks that need no database, ready to store.
pub struct NewComment<'a> {
    pub site_id: i64,
    pub post_id: i64,
    pub parent_id: Option<i64>,
    pub user_id: Option<i64>,
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: Option<&'a str>,
    pub author_ip: &'a str,
    pub user_agent: &'a str,
    pub content: &'a str,
    pub content_html: &'a str,
    pub status: CommentStatus,
    pub created_at: i64,
    /// The readings' pages the text cites (its HTML already links them).
    pub cited: &'a [Cited],
    /// Only the post's author and staff see it.
    pub is_private: bool,
    pub grade: Option<&'a str>,
    pub passage: Option<&'a PassageRef>,
}

/// The outcome of a submit.
#[derive(Debug)]
pub enum Submitted {
    Stored {
        comment: Box<Comment>,
        /// No approved or held comment of the post was dated after it when it was stored: a top-level
        /// comment was then on the newest page of its discussion.
        last_of_post: bool,
    },
    /// The same text from the same person on the same post is already there.
    Duplicate,
    /// Too soon after the last comment from the same address or email.
    Flood { retry_after: u64 },
}

/// The row a submit returns: the comment, and whether it was the post's last when stored.
#[derive(sqlx::FromRow)]
struct StoredRow {
    #[sqlx(flatten)]
    comment: CommentRow,
    last_of_post: bool,
}

/// Which comments `list_comments` returns.
#[derive(Clone, Copy, Debug, Default)]
pub struct CommentFilter {
    pub status: Option<CommentStatus>,
    pub post_id: Option<i64>,
}

impl Store {
    /// Steps 4, 5 and 7 of the pipeline, atomically: a duplicate or a flood stores nothing; otherwise the
    /// comment is committed before this returns. `flood_interval` 0 skips the flood check. A signed-in writer
    /// is checked against their account's comments only (a lecture hall shares one address, and anyone can type
    /// their email); a visitor against other visitors' comments from the same address or email.
    ///
    /// The checks are conditions of the insert itself, so that SQLite's one writer stores a comment in one
    /// statement: each statement is a hand-over to the database's thread, and on a busy machine those
    /// hand-overs, not the work, bounded how many comments a second the writer took. PostgreSQL's concurrent
    /// writers first take the sender's locks, in a transaction; so does a comment that cites a reading.
    pub async fn submit_comment(
        &self,
        new: &NewComment<'_>,
        flood_interval: u32,
    ) -> StoreResult<Submitted> {
        let guarded_insert = format!(
            "INSERT INTO comments (site_id, post_id, parent_id, user_id, author_name, author_email, author_url,
                                   author_ip, user_agent, content, content_html, status, created_at, is_private,
                                   grade, passage_signature, passage_text)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17
             WHERE ($4 IS NOT NULL OR (
                     NOT EXISTS (SELECT 1 FROM comments
                                 WHERE site_id = $1 AND lower(author_email) = lower($6) AND post_id = $2
                                   AND content = $10 AND status <> 'trash' AND user_id IS NULL)
                     AND ($18 = 0 OR (
                         NOT EXISTS (SELECT 1 FROM comments
                                     WHERE site_id = $1 AND author_ip = $8 AND created_at > $13 - $18
                                       AND user_id IS NULL)
                         AND NOT EXISTS (SELECT 1 FROM comments
                                         WHERE site_id = $1 AND lower(author_email) = lower($6)
                                           AND created_at > $13 - $18 AND user_id IS NULL)))))
               AND ($4 IS NULL OR (
                     NOT EXISTS (SELECT 1 FROM comments
                                 WHERE user_id = $4 AND post_id = $2 AND content = $10 AND status <> 'trash')
                     AND ($18 = 0 OR NOT EXISTS (SELECT 1 FROM comments
                                                 WHERE user_id = $4 AND site_id = $1
                                                   AND created_at > $13 - $18))))
             RETURNING {COMMENT_COLUMNS},
                       NOT EXISTS (SELECT 1 FROM comments later
                                   WHERE later.post_id = $2 AND later.status IN ('approved', 'pending')
                                     AND later.created_at > $13) AS last_of_post"
        );
        macro_rules! insert_unless_refused {
            ($connection:expr) => {
                sqlx::query_as::<_, StoredRow>(&guarded_insert)
                    .bind(new.site_id)
                    .bind(new.post_id)
                    .bind(new.parent_id)
                    .bind(new.user_id)
                    .bind(new.author_name)
                    .bind(new.author_email)
                    .bind(new.author_url)
                    .bind(new.author_ip)
                    .bind(new.user_agent)
                    .bind(new.content)
                    .bind(new.content_html)
                    .bind(new.status.as_str())
                    .bind(new.created_at)
                    .bind(new.is_private)
                    .bind(new.grade)
                    .bind(new.passage.map(|passage| passage.signature.as_str()))
                    .bind(new.passage.map(|passage| passage.text.as_str()))
                    .bind(i64::from(flood_interval))
                    .fetch_optional($connection)
                    .await?
            };
        }
        // Only after a refusal: which rule refused it, and for how long a flood lasts.
        macro_rules! refusal {
            ($connection:expr) => {{
                let (duplicate, last_comment_at): (Option<i64>, Option<i64>) = match new.user_id {
                    None => sqlx::query_as(
                        "SELECT
                           (SELECT id FROM comments
                            WHERE site_id = $1 AND lower(author_email) = lower($2) AND post_id = $3 AND content = $4
                              AND status <> 'trash' AND user_id IS NULL
                            LIMIT 1),
                           (SELECT MAX(created_at) FROM comments
                            WHERE site_id = $1 AND (author_ip = $5 OR lower(author_email) = lower($2))
                              AND user_id IS NULL)",
                    )
                    .bind(new.site_id)
                    .bind(new.author_email)
                    .bind(new.post_id)
                    .bind(new.content)
                    .bind(new.author_ip)
                    .fetch_one(&mut *$connection)
                    .await?,
                    Some(user_id) => sqlx::query_as(
                        "SELECT
                           (SELECT id FROM comments
                            WHERE user_id = $1 AND post_id = $2 AND content = $3 AND status <> 'trash'
                            LIMIT 1),
                           (SELECT MAX(created_at) FROM comments WHERE user_id = $1 AND site_id = $4)",
                    )
                    .bind(user_id)
                    .bind(new.post_id)
                    .bind(new.content)
                    .bind(new.site_id)
                    .fetch_one(&mut *$connection)
                    .await?,
                };
                if duplicate.is_some() {
                    Submitted::Duplicate
                } else {
                    Submitted::Flood {
                        // A reason gone by now (another process wrote between the two statements) is a flood
                        // of a second: sent again, the comment is checked afresh.
                        retry_after: flood_wait(last_comment_at, new.created_at, flood_interval)
                            .unwrap_or(1),
                    }
                }
            }};
        }
        let row: StoredRow = with_pool!(self, writer, |pool, dialect| {
            if dialect.advisory_lock.is_none() && new.cited.is_empty() {
                let mut connection = pool.acquire().await?;
                match insert_unless_refused!(&mut *connection) {
                    Some(row) => row,
                    None => return Ok(refusal!(connection)),
                }
            } else {
                let mut tx = pool.begin_with(dialect.begin).await?;
                if let Some(lock) = dialect.advisory_lock {
                    let mut lock_keys = match new.user_id {
                        Some(user_id) => vec![format!("flood:{}:user:{user_id}", new.site_id)],
                        None => vec![
                            format!("flood:{}:ip:{}", new.site_id, new.author_ip),
                            format!(
                                "flood:{}:email:{}",
                                new.site_id,
                                new.author_email.to_lowercase()
                            ),
                        ],
                    };
                    lock_keys.sort();
                    for key in &lock_keys {
                        sqlx::query(lock).bind(key).execute(&mut *tx).await?;
                    }
                }
                let Some(row) = insert_unless_refused!(&mut *tx) else {
                    return Ok(refusal!(tx));
                };
                if !new.cited.is_empty() {
                    replace_citations!(
                        &mut *tx,
                        new.site_id,
                        new.post_id,
                        Some(row.comment.comment_id()),
                        new.cited
                    );
                }
                tx.commit().await?;
                row
            }
        });
        Ok(Submitted::Stored {
            comment: Box::new(Comment::try_from(row.comment)?),
            last_of_post: row.last_of_post,
        })
    }

    pub async fn comment_by_id(&self, site_id: i64, id: i64) -> StoreResult<Option<Comment>> {
        let row: Option<CommentRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COMMENT_COLUMNS} FROM comments WHERE site_id = $1 AND id = $2"
            ))
            .bind(site_id)
            .bind(id)
            .fetch_optional(pool)
            .await
        })?;
        row.map(Comment::try_from).transpose()
    }

    /// The page of a post's discussion that shows a comment, as `thread::arrange` pages it (by top-level
    /// comments, a reply with its thread; a reply whose parent is not shown counts as top-level). `None` when
    /// the comment is not shown to this visitor. Found in SQL: a thread that no later thread follows is on the
    /// newest page, found through the index (as most comments just sent are); any other is placed by counting
    /// the threads of the post.
    pub async fn page_of_comment(
        &self,
        post_id: i64,
        comment_id: i64,
        held_ids: &[i64],
        per_page: u32,
        with_private: bool,
    ) -> StoreResult<Option<CommentPage>> {
        let private_shown = if with_private { "TRUE" } else { "FALSE" };
        let held_list = |first: usize| -> String {
            if held_ids.is_empty() {
                "NULL".to_owned()
            } else {
                (0..held_ids.len())
                    .map(|n| format!("${}", n + first))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let shown = |alias: &str, first: usize| {
            format!(
                "(({alias}.is_private = FALSE OR {private_shown}) AND ({alias}.status = 'approved' OR ({alias}.status = 'pending' AND {alias}.id IN ({}))))",
                held_list(first)
            )
        };
        let step_sql = format!(
            "SELECT c.parent_id, c.created_at, {} FROM comments c WHERE c.id = $1 AND c.post_id = $2",
            shown("c", 3)
        );
        let mut root: Option<(i64, i64)> = None;
        let mut current = comment_id;
        for _ in 0..64 {
            let step: Option<(Option<i64>, i64, bool)> = with_pool!(self, reader, |pool| {
                let mut query = sqlx::query_as(&step_sql).bind(current).bind(post_id);
                for id in held_ids {
                    query = query.bind(id);
                }
                query.fetch_optional(pool).await
            })?;
            match step {
                Some((parent, created_at, true)) => {
                    root = Some((current, created_at));
                    match parent {
                        Some(parent) => current = parent,
                        None => break,
                    }
                }
                _ => break,
            }
        }
        let Some((root_id, root_created_at)) = root else {
            return Ok(None);
        };
        let top_level = |alias: &str| {
            format!(
                "({alias}.parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM comments p WHERE p.id = {alias}.parent_id AND {}))",
                shown("p", 4)
            )
        };
        let later_sql = format!(
            "SELECT c.id FROM comments c
             WHERE c.post_id = $1 AND (c.created_at, c.id) > ($2, $3) AND {} AND {}
             LIMIT 1",
            shown("c", 4),
            top_level("c")
        );
        // Both questions are asked about the thread's root, with the held comments shown.
        macro_rules! about_the_root {
            ($query:expr) => {{
                let mut query = $query.bind(post_id).bind(root_created_at).bind(root_id);
                for id in held_ids {
                    query = query.bind(id);
                }
                query
            }};
        }
        let later: Option<i64> = with_pool!(self, reader, |pool| {
            about_the_root!(sqlx::query_scalar(&later_sql))
                .fetch_optional(pool)
                .await
        })?;
        if later.is_none() {
            return Ok(Some(CommentPage::Newest));
        }
        let count_sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN c.created_at < $2 OR (c.created_at = $2 AND c.id < $3) THEN 1 ELSE 0 END), 0)
             FROM comments c
             WHERE c.post_id = $1 AND {} AND {}",
            shown("c", 4),
            top_level("c")
        );
        let (top_level, before): (i64, i64) = with_pool!(self, reader, |pool| {
            about_the_root!(sqlx::query_as(&count_sql))
                .fetch_one(pool)
                .await
        })?;
        Ok(Some(thread::page_at(
            usize::try_from(before).unwrap_or(0),
            usize::try_from(top_level).unwrap_or(0),
            per_page,
        )))
    }

    /// A discussion as one reader sees it: approved comments, the reader's own held ones, and (for the post's
    /// author and staff, `with_private`) private feedback.
    pub async fn visible_comments(
        &self,
        post_id: i64,
        held_ids: &[i64],
        with_private: bool,
    ) -> StoreResult<Vec<Comment>> {
        let held: Vec<String> = (0..held_ids.len()).map(|n| format!("${}", n + 2)).collect();
        let own_held = if held.is_empty() {
            String::new()
        } else {
            format!(" OR (status = 'pending' AND id IN ({}))", held.join(", "))
        };
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE post_id = $1 AND (status = 'approved'{own_held}){}
             ORDER BY created_at, id",
            if with_private { "" } else { " AND is_private = FALSE" }
        );
        let rows: Vec<CommentRow> = with_pool!(self, reader, |pool| {
            let mut query = sqlx::query_as(&sql).bind(post_id);
            for id in held_ids {
                query = query.bind(id);
            }
            query.fetch_all(pool).await
        })?;
        convert_all(rows)
    }

    /// Whether a public commenter's email has an approved comment anywhere on the site.
    pub async fn has_approved_comment_from(&self, site_id: i64, email: &str) -> StoreResult<bool> {
        let found: Option<i64> = with_pool!(self, reader, |pool| {
            sqlx::query_scalar(
                "SELECT id FROM comments WHERE site_id = $1 AND lower(author_email) = lower($2) AND status = 'approved' LIMIT 1",
            )
            .bind(site_id)
            .bind(email)
            .fetch_optional(pool)
            .await
        })?;
        Ok(found.is_some())
    }

    /// Comments of a site for moderators, newest first.
    pub async fn list_comments(
        &self,
        site_id: i64,
        filter: CommentFilter,
    ) -> StoreResult<Vec<Comment>> {
        let mut sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE site_id = $1");
        let mut next = 2;
        if filter.status.is_some() {
            sql.push_str(&format!(" AND status = ${next}"));
            next += 1;
        }
        if filter.post_id.is_some() {
            sql.push_str(&format!(" AND post_id = ${next}"));
        }
        sql.push_str(" ORDER BY created_at DESC, id DESC");
        let rows: Vec<CommentRow> = with_pool!(self, reader, |pool| {
            let mut query = sqlx::query_as(&sql).bind(site_id);
            if let Some(status) = filter.status {
                query = query.bind(status.as_str());
            }
            if let Some(post_id) = filter.post_id {
                query = query.bind(post_id);
            }
            query.fetch_all(pool).await
        })?;
        convert_all(rows)
    }

    /// Applies a moderation action and returns the comment as it now stands. Restoring a comment that is not in
    /// the trash is a `Conflict`.
    pub async fn moderate_comment(
        &self,
        site_id: i64,
        id: i64,
        action: Moderation,
        now: i64,
    ) -> StoreResult<Comment> {
        let row: CommentRow = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let (status, before_trash, trashed_at): (String, Option<String>, Option<i64>) = sqlx::query_as(
                "SELECT status, status_before_trash, trashed_at FROM comments WHERE site_id = $1 AND id = $2",
            )
            .bind(site_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            let in_trash = status == CommentStatus::Trash.as_str();
            let (status, before_trash, trashed_at) = match action {
                Moderation::Approve => (CommentStatus::Approved.as_str().to_owned(), None, None),
                Moderation::Unapprove => (CommentStatus::Pending.as_str().to_owned(), None, None),
                Moderation::Spam => (CommentStatus::Spam.as_str().to_owned(), None, None),
                Moderation::Trash if in_trash => (status, before_trash, trashed_at),
                Moderation::Trash => (
                    CommentStatus::Trash.as_str().to_owned(),
                    Some(status),
                    Some(now),
                ),
                Moderation::Restore if !in_trash => {
                    return Err(StoreError::Conflict(Conflict::NotInTrash));
                }
                Moderation::Restore => (
                    before_trash.unwrap_or_else(|| CommentStatus::Pending.as_str().to_owned()),
                    None,
                    None,
                ),
            };
            let row: CommentRow = sqlx::query_as(&format!(
                "UPDATE comments SET status = $1, status_before_trash = $2, trashed_at = $3 WHERE id = $4
                 RETURNING {COMMENT_COLUMNS}"
            ))
            .bind(&status)
            .bind(before_trash)
            .bind(trashed_at)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            row
        });
        Comment::try_from(row)
    }
}

/// What a moderator may correct in a comment.
pub struct CommentCorrection<'a> {
    pub author_name: &'a str,
    pub author_email: &'a str,
    pub author_url: Option<&'a str>,
    pub content: &'a str,
    pub content_html: &'a str,
    /// The readings' pages the corrected text cites.
    pub cited: &'a [Cited],
}

/// What waits for a site's staff, for the dashboard's menu.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AwaitingStaff {
    pub comments: i64,
    pub posts: i64,
}

/// A comment in the moderation queue, with the title of its post.
#[derive(Clone, Debug)]
pub struct QueuedComment {
    pub comment: Comment,
    pub post_title: String,
    pub user_agent: String,
}

#[derive(sqlx::FromRow)]
struct QueuedRow {
    #[sqlx(flatten)]
    comment: CommentRow,
    post_title: String,
    user_agent: String,
}

impl Store {
    /// How many comments of a site stand in each status.
    pub async fn comment_counts(&self, site_id: i64) -> StoreResult<Vec<(CommentStatus, i64)>> {
        let rows: Vec<(String, i64)> = with_pool!(self, reader, |pool| {
            sqlx::query_as(
                "SELECT status, COUNT(*) FROM comments WHERE site_id = $1 GROUP BY status",
            )
            .bind(site_id)
            .fetch_all(pool)
            .await
        })?;
        rows.into_iter()
            .map(|(status, count)| {
                let status = status
                    .parse::<CommentStatus>()
                    .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                Ok((status, count))
            })
            .collect()
    }

    /// What waits for the site's staff: comments held for moderation, and posts submitted for review.
    pub async fn awaiting_staff(&self, site_id: i64) -> StoreResult<AwaitingStaff> {
        let (comments, posts): (i64, i64) = with_pool!(self, reader, |pool| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM comments WHERE site_id = $1 AND status = 'pending'),
                        (SELECT COUNT(*) FROM posts WHERE site_id = $1 AND status = 'pending' AND NOT discusses_reading)",
            )
            .bind(site_id)
            .fetch_one(pool)
            .await
        })?;
        Ok(AwaitingStaff { comments, posts })
    }

    /// One page of the moderation queue: comments awaiting moderation first, then newest first.
    pub async fn moderation_queue(
        &self,
        site_id: i64,
        status: Option<CommentStatus>,
        page: u32,
        per_page: u32,
    ) -> StoreResult<Vec<QueuedComment>> {
        let columns: Vec<String> = COMMENT_COLUMNS
            .split(", ")
            .map(|column| format!("c.{column}"))
            .collect();
        let status_condition = if status.is_some() {
            " AND c.status = $4"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {}, c.user_agent, p.title AS post_title FROM comments c JOIN posts p ON p.id = c.post_id
             WHERE c.site_id = $1{status_condition}
             ORDER BY CASE WHEN c.status = 'pending' THEN 0 ELSE 1 END, c.created_at DESC, c.id DESC
             LIMIT $2 OFFSET $3",
            columns.join(", ")
        );
        let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
        let rows: Vec<QueuedRow> = with_pool!(self, reader, |pool| {
            let mut query = sqlx::query_as(&sql)
                .bind(site_id)
                .bind(i64::from(per_page))
                .bind(offset);
            if let Some(status) = status {
                query = query.bind(status.as_str());
            }
            query.fetch_all(pool).await
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(QueuedComment {
                    comment: Comment::try_from(row.comment)?,
                    post_title: row.post_title,
                    user_agent: row.user_agent,
                })
            })
            .collect()
    }
}

impl Store {
    /// A moderator's correction of a comment's author details and text.
    pub async fn edit_comment(
        &self,
        site_id: i64,
        id: i64,
        correction: &CommentCorrection<'_>,
    ) -> StoreResult<Comment> {
        let row: Option<CommentRow> = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let row: Option<CommentRow> = sqlx::query_as(&format!(
                "UPDATE comments SET author_name = $1, author_email = $2, author_url = $3, content = $4, content_html = $5
                 WHERE site_id = $6 AND id = $7 RETURNING {COMMENT_COLUMNS}"
            ))
            .bind(correction.author_name)
            .bind(correction.author_email)
            .bind(correction.author_url)
            .bind(correction.content)
            .bind(correction.content_html)
            .bind(site_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = &row {
                replace_citations!(
                    &mut *tx,
                    site_id,
                    row.post_id(),
                    Some(row.comment_id()),
                    correction.cited
                );
            }
            tx.commit().await?;
            row
        });
        Comment::try_from(row.ok_or(StoreError::NotFound)?)
    }

    /// Removes comments that have been in the trash longer than `before` allows (WordPress keeps 30 days).
    pub async fn purge_trashed_comments(&self, before: i64) -> StoreResult<u64> {
        let purged = with_pool!(self, writer, |pool| {
            sqlx::query("DELETE FROM comments WHERE status = 'trash' AND trashed_at < $1")
                .bind(before)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(purged)
    }
}

impl Store {
    /// The newest approved comments on readable posts (published, without a password), for feeds: the whole
    /// site's, or one post's.
    pub async fn recent_comments(
        &self,
        site_id: i64,
        post_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Comment>> {
        let columns: Vec<String> = COMMENT_COLUMNS
            .split(", ")
            .map(|column| format!("c.{column}"))
            .collect();
        let one_post = if post_id.is_some() {
            " AND c.post_id = $3"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {} FROM comments c JOIN posts p ON p.id = c.post_id
             WHERE c.site_id = $1 AND c.status = 'approved' AND c.is_private = FALSE AND p.status = 'publish'
               AND p.password IS NULL{one_post}
             ORDER BY c.created_at DESC, c.id DESC LIMIT $2",
            columns.join(", ")
        );
        let rows: Vec<CommentRow> = with_pool!(self, reader, |pool| {
            let mut query = sqlx::query_as(&sql).bind(site_id).bind(limit);
            if let Some(post_id) = post_id {
                query = query.bind(post_id);
            }
            query.fetch_all(pool).await
        })?;
        convert_all(rows)
    }
}
