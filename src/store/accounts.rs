//! Signing in: sessions, failed-attempt counts for throttling, single-use links, passwords.

use crate::domain::user::User;

use super::{
    Store, StoreResult,
    records::{USER_COLUMNS, UserRow},
    with_pool,
};

/// What a single-use link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    ResetPassword,
    SignIn,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::ResetPassword => "reset_password",
            Self::SignIn => "sign_in",
        }
    }
}

/// A session's account and the token its forms must carry.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub user: User,
    pub csrf_token: String,
}

/// Failed sign-ins within a window: how many, and when the oldest of them was.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures {
    pub count: i64,
    pub oldest: Option<i64>,
}

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// The account of a live session.
    pub async fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<SessionRecord>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            csrf_token: String,
        }
        let row: Option<Row> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2"
            ))
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row.map(|row| SessionRecord {
            user: row.user.into(),
            csrf_token: row.csrf_token,
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Ends every session of an account (after its password changes).
    pub async fn delete_sessions_of(&self, user_id: i64) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn record_sign_in_failure(
        &self,
        client_ip: &str,
        email_key: &str,
        now: i64,
    ) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query("INSERT INTO sign_in_failures (client_ip, email_key, created_at) VALUES ($1, $2, $3)")
                .bind(client_ip)
                .bind(email_key)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Failed sign-ins since `since` from one address, and for one email from every address.
    pub async fn sign_in_failures(
        &self,
        client_ip: &str,
        email_key: &str,
        since: i64,
    ) -> StoreResult<(Failures, Failures)> {
        let (by_ip, by_email): ((i64, Option<i64>), (i64, Option<i64>)) = with_pool!(
            self,
            reader,
            |pool| {
                let by_ip = sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM sign_in_failures WHERE client_ip = $1 AND created_at >= $2",
            )
            .bind(client_ip)
            .bind(since)
            .fetch_one(pool)
            .await?;
                let by_email = sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM sign_in_failures WHERE email_key = $1 AND created_at >= $2",
            )
            .bind(email_key)
            .bind(since)
            .fetch_one(pool)
            .await?;
                (by_ip, by_email)
            }
        );
        let failures = |(count, oldest)| Failures { count, oldest };
        Ok((failures(by_ip), failures(by_email)))
    }

    /// Stores a single-use link's token hash.
    pub async fn create_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query(
                "INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Whether a single-use link is still good, without using it (to show its form).
    pub async fn token_is_live(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let found: Option<i64> = with_pool!(self, reader, |pool| {
            sqlx::query_scalar(
                "SELECT user_id FROM one_time_tokens
                 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
            )
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(found.is_some())
    }

    /// Uses a single-use link: returns its account once, and never again (nor after it expires).
    pub async fn consume_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<i64>> {
        let user_id: Option<i64> = with_pool!(self, writer, |pool| {
            sqlx::query_scalar(
                "UPDATE one_time_tokens SET used_at = $3
                 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
                 RETURNING user_id",
            )
            .bind(token_hash)
            .bind(purpose.as_str())
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(user_id)
    }

    pub async fn set_password_hash(&self, user_id: i64, password_hash: &str) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(user_id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// The editors and administrators of a site, who moderate its comments.
    pub async fn staff_of(&self, site_id: i64) -> StoreResult<Vec<User>> {
        let rows: Vec<UserRow> = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS} FROM users
                 WHERE id IN (SELECT user_id FROM memberships WHERE site_id = $1 AND role IN ('administrator', 'editor'))
                 ORDER BY id"
            ))
            .bind(site_id)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().map(User::from).collect())
    }
}
