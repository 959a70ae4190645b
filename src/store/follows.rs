//! Following a discussion: the addresses mailed each approved comment on a post, and the tokens of their
//! confirm and unsubscribe links.

use super::{Store, StoreResult, with_pool};

/// Someone who follows a post's discussion.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Follow {
    pub id: i64,
    pub site_id: i64,
    pub post_id: i64,
    pub email: String,
    pub token: String,
    /// `None` until the link of the first mail is followed: nothing else is sent before.
    pub confirmed_at: Option<i64>,
}

/// What asking to follow did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FollowStart {
    /// A new follow; `confirmed` when the address was known to be theirs (a confirmed account, or a follow on
    /// this site confirmed before), else it waits for its confirmation link.
    Started(Follow),
    /// The address already follows (or asked to follow) this discussion.
    AlreadyAsked,
}

const FOLLOW_COLUMNS: &str = "id, site_id, post_id, email, token, confirmed_at";

pub(super) fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    /// Starts following a post's discussion with a fresh token. `address_confirmed`: the address is a confirmed
    /// account's.
    pub async fn follow(
        &self,
        site_id: i64,
        post_id: i64,
        email: &str,
        token: &str,
        address_confirmed: bool,
        now: i64,
    ) -> StoreResult<FollowStart> {
        let key = email_key(email);
        let row: Option<Follow> = with_pool!(self, writer, |pool| {
            sqlx::query_as(&format!(
                "INSERT INTO follows (site_id, post_id, email, email_key, token, confirmed_at, created_at)
                 VALUES ($1, $2, $3, $4, $5,
                         CASE WHEN $6 OR EXISTS (SELECT 1 FROM follows WHERE site_id = $1 AND email_key = $4
                                                 AND confirmed_at IS NOT NULL) THEN $7 END,
                         $7)
                 ON CONFLICT (post_id, email_key) DO NOTHING
                 RETURNING {FOLLOW_COLUMNS}"
            ))
            .bind(site_id)
            .bind(post_id)
            .bind(email.trim())
            .bind(&key)
            .bind(token)
            .bind(address_confirmed)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.map_or(FollowStart::AlreadyAsked, FollowStart::Started))
    }

    /// Confirms the follow with this token (once is enough; again changes nothing).
    pub async fn confirm_follow(
        &self,
        site_id: i64,
        token: &str,
        now: i64,
    ) -> StoreResult<Option<Follow>> {
        let row = with_pool!(self, writer, |pool| {
            sqlx::query_as(&format!(
                "UPDATE follows SET confirmed_at = COALESCE(confirmed_at, $2) WHERE token = $1 AND site_id = $3
                 RETURNING {FOLLOW_COLUMNS}"
            ))
            .bind(token)
            .bind(now)
            .bind(site_id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }

    /// The follow of this site with this token, changing nothing (what its unsubscribe page shows).
    pub async fn follow_by_token(&self, site_id: i64, token: &str) -> StoreResult<Option<Follow>> {
        let row = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {FOLLOW_COLUMNS} FROM follows WHERE token = $1 AND site_id = $2"
            ))
            .bind(token)
            .bind(site_id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }

    /// Ends the follow of this site with this token; `None` when there was none (ended already, or another
    /// site's link).
    pub async fn unfollow(&self, site_id: i64, token: &str) -> StoreResult<Option<Follow>> {
        let row = with_pool!(self, writer, |pool| {
            sqlx::query_as(&format!(
                "DELETE FROM follows WHERE token = $1 AND site_id = $2 RETURNING {FOLLOW_COLUMNS}"
            ))
            .bind(token)
            .bind(site_id)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }

    /// Who hears of a newly approved comment, in one question: the post's author `author_id` if their address
    /// is confirmed and they are still a member of the site (`None` when the comment is theirs), and the
    /// discussion's confirmed followers but the comment's writer.
    pub async fn audience(
        &self,
        post_id: i64,
        author_id: Option<i64>,
        except_email: &str,
    ) -> StoreResult<Audience> {
        // A follower's row has its token; the author's has none.
        let rows: Vec<(String, Option<String>)> = with_pool!(self, reader, |pool| {
            sqlx::query_as(
                "SELECT email, token FROM follows
                 WHERE post_id = $1 AND confirmed_at IS NOT NULL AND email_key <> $2
                 UNION ALL
                 SELECT email, NULL FROM users u WHERE u.id = $3 AND u.email_confirmed_at IS NOT NULL
                   AND EXISTS (SELECT 1 FROM posts p JOIN memberships m ON m.site_id = p.site_id
                               WHERE p.id = $1 AND m.user_id = u.id)",
            )
            .bind(post_id)
            .bind(email_key(except_email))
            .bind(author_id)
            .fetch_all(pool)
            .await
        })?;
        let mut audience = Audience::default();
        for (email, token) in rows {
            match token {
                Some(token) => audience.followers.push(Follower { email, token }),
                None => audience.author_email = Some(email),
            }
        }
        Ok(audience)
    }
}

/// Who is mailed a newly approved comment.
#[derive(Debug, Default)]
pub struct Audience {
    /// The post's author's confirmed address.
    pub author_email: Option<String>,
    pub followers: Vec<Follower>,
}

/// A confirmed follower's address and the token of their unsubscribe link.
#[derive(Debug)]
pub struct Follower {
    pub email: String,
    pub token: String,
}
