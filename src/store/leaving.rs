//! A member's own writing on a site, gathered for its download, and a member leaving a site (#18 point 6).

use crate::domain::{
    comment::Comment,
    leaving::{FORMER_MEMBER, Left, may_leave},
    post::{Post, Term},
    settings::LeaversWriting,
    user::Role,
};

use super::{
    Conflict, Store, StoreError, StoreResult,
    members::end_follows,
    records::{COMMENT_COLUMNS, CommentRow, POST_COLUMNS, PostRow, convert_all},
    with_pool,
};

/// What a member wrote on a site, and received there, as stored.
#[derive(Clone, Debug, Default)]
pub struct WritingRecords {
    /// Their posts and pages that are not in the trash, oldest first.
    pub posts: Vec<Post>,
    /// The categories and tags of their posts, as (post id, term).
    pub terms: Vec<(i64, Term)>,
    /// Their comments that are not in the trash, on posts that are not, oldest first.
    pub comments: Vec<Comment>,
    /// The posts their comments are on.
    pub commented: Vec<Post>,
    /// Private comments of others on their posts, approved, oldest first: the staff's feedback.
    pub feedback: Vec<Comment>,
}

impl Store {
    /// Everything `user_id` wrote on a site, and the private feedback they received there.
    pub async fn writing_of(&self, site_id: i64, user_id: i64) -> StoreResult<WritingRecords> {
        let (posts, comments, commented, feedback): (
            Vec<PostRow>,
            Vec<CommentRow>,
            Vec<PostRow>,
            Vec<CommentRow>,
        ) = with_pool!(self, reader, |pool| {
            let posts = sqlx::query_as(&format!(
                "SELECT {POST_COLUMNS} FROM posts p
                 WHERE p.site_id = $1 AND p.author_id = $2 AND p.status <> 'trash' AND p.discusses_reading = FALSE
                 ORDER BY p.published_at, p.id"
            ))
            .bind(site_id)
            .bind(user_id)
            .fetch_all(pool)
            .await?;
            let comments = sqlx::query_as(&format!(
                "SELECT {COMMENT_COLUMNS} FROM comments
                 WHERE site_id = $1 AND user_id = $2 AND status <> 'trash'
                   AND post_id IN (SELECT id FROM posts WHERE site_id = $1 AND status <> 'trash')
                 ORDER BY created_at, id"
            ))
            .bind(site_id)
            .bind(user_id)
            .fetch_all(pool)
            .await?;
            let commented = sqlx::query_as(&format!(
                "SELECT {POST_COLUMNS} FROM posts p
                 WHERE p.site_id = $1 AND p.status <> 'trash'
                   AND p.id IN (SELECT post_id FROM comments WHERE site_id = $1 AND user_id = $2)"
            ))
            .bind(site_id)
            .bind(user_id)
            .fetch_all(pool)
            .await?;
            let feedback = sqlx::query_as(&format!(
                "SELECT {COMMENT_COLUMNS} FROM comments
                 WHERE site_id = $1 AND is_private = TRUE AND status = 'approved'
                   AND (user_id IS NULL OR user_id <> $2)
                   AND post_id IN (SELECT id FROM posts WHERE site_id = $1 AND author_id = $2 AND status <> 'trash')
                 ORDER BY created_at, id"
            ))
            .bind(site_id)
            .bind(user_id)
            .fetch_all(pool)
            .await?;
            Ok::<_, sqlx::Error>((posts, comments, commented, feedback))
        })?;
        let posts: Vec<Post> = convert_all(posts)?;
        let ids: Vec<i64> = posts.iter().map(|post| post.id).collect();
        Ok(WritingRecords {
            terms: self.terms_of_posts(&ids).await?,
            posts,
            comments: convert_all(comments)?,
            commented: convert_all(commented)?,
            feedback: convert_all(feedback)?,
        })
    }

    /// Ends `user_id`'s membership of a site, in one transaction, doing with their writing what `writing`
    /// says: kept under the name "former student" (their comments lose their name, address and account;
    /// their posts show the name), or put in the trash. Their follows of the site's discussions end too.
    /// `NotFound` when they are no member; `Conflict::LastAdministrator` when they are its only administrator.
    pub async fn leave_site(
        &self,
        site_id: i64,
        user_id: i64,
        writing: LeaversWriting,
        now: i64,
    ) -> StoreResult<Left> {
        with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            if let Some(lock) = dialect.advisory_lock {
                // Two administrators leaving at once must not both count the other one.
                sqlx::query(lock)
                    .bind(format!("administrators-of-{site_id}"))
                    .execute(&mut *tx)
                    .await?;
            }
            let role: Option<String> = sqlx::query_scalar(
                "SELECT role FROM memberships WHERE site_id = $1 AND user_id = $2",
            )
            .bind(site_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let role: Role = role.ok_or(StoreError::NotFound)?.parse().map_err(
                |error: crate::domain::user::UnknownRole| StoreError::Corrupt(error.to_string()),
            )?;
            let administrators: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM memberships WHERE site_id = $1 AND role = 'administrator'",
            )
            .bind(site_id)
            .fetch_one(&mut *tx)
            .await?;
            if may_leave(role, usize::try_from(administrators).unwrap_or(0)).is_err() {
                return Err(StoreError::Conflict(Conflict::LastAdministrator));
            }
            sqlx::query("DELETE FROM memberships WHERE site_id = $1 AND user_id = $2")
                .bind(site_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            end_follows!(&mut *tx, site_id, user_id);
            let (posts, comments): (i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM posts WHERE site_id = $1 AND author_id = $2 AND status <> 'trash'
                                                       AND discusses_reading = FALSE),
                        (SELECT COUNT(*) FROM comments WHERE site_id = $1 AND user_id = $2 AND status <> 'trash')",
            )
            .bind(site_id)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
            match writing {
                LeaversWriting::Keep => {
                    sqlx::query(
                        "UPDATE posts SET by_former_member = TRUE
                         WHERE site_id = $1 AND author_id = $2 AND discusses_reading = FALSE",
                    )
                    .bind(site_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "UPDATE comments SET author_name = $3, author_email = '', author_url = NULL, user_id = NULL
                         WHERE site_id = $1 AND user_id = $2",
                    )
                    .bind(site_id)
                    .bind(user_id)
                    .bind(FORMER_MEMBER)
                    .execute(&mut *tx)
                    .await?;
                }
                LeaversWriting::Trash => {
                    sqlx::query(
                        "UPDATE posts SET status_before_trash = status, status = 'trash', modified_at = $3,
                                          version = version + 1
                         WHERE site_id = $1 AND author_id = $2 AND status <> 'trash' AND discusses_reading = FALSE",
                    )
                    .bind(site_id)
                    .bind(user_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "UPDATE comments SET status_before_trash = status, status = 'trash', trashed_at = $3
                         WHERE site_id = $1 AND user_id = $2 AND status <> 'trash'",
                    )
                    .bind(site_id)
                    .bind(user_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(Left {
                writing,
                posts: u64::try_from(posts).unwrap_or(0),
                comments: u64::try_from(comments).unwrap_or(0),
            })
        })
    }
}
