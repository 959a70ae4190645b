//! Signing in: sessions, failed-attempt counts for throttling, single-use links, passwords.

use crate::domain::{client::ClientGroup, user::User};

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
    pub(super) fn as_str(self) -> &'static str {
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

/// How many failed sign-ins within the window are allowed.
#[derive(Clone, Copy, Debug)]
pub struct SignInLimits {
    /// For one email from one client (an IPv4 address or an IPv6 /64: `ClientGroup`).
    pub per_account_and_address: i64,
    /// For every email from one client (a lecture hall shares one address).
    pub per_address: i64,
    /// For one email from every address (guesses spread over many).
    pub per_account: i64,
}

/// Mails a stranger can have sent to an address, each kind counted for a client on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailRequestKind {
    /// A password reset or a sign-in link.
    Link,
    /// Joining a course: the link that finishes it, or word to an address that has an account already.
    Join,
}

impl MailRequestKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Link => "link",
            Self::Join => "join",
        }
    }
}

/// How many asked-for mails within the window are allowed.
#[derive(Clone, Copy, Debug)]
pub struct MailLimits {
    /// To one address, of every kind.
    pub per_recipient: i64,
    /// From one client (an IPv4 address or an IPv6 /64: `ClientGroup`), of the kind asked for.
    pub per_client: i64,
}

/// The statements of a password change, in the caller's transaction `$tx` (written once, compiled inside
/// `with_pool!` for each backend): the account's new hash, the end of every link it has outstanding, and the end
/// of its sessions but the one whose hash is `$keeping` (`""`, which no session has, keeps none).
macro_rules! change_password_in {
    ($tx:expr, $user_id:expr, $password_hash:expr, $keeping:expr, $now:expr) => {{
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind($password_hash)
            .bind($user_id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(
            "UPDATE one_time_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind($user_id)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind($user_id)
            .bind($keeping)
            .execute(&mut *$tx)
            .await?;
        // A move of the account to another address, asked for by whoever knew the old password, ends too.
        sqlx::query(
            "UPDATE email_confirmations SET used_at = $2
             WHERE user_id = $1 AND used_at IS NULL
               AND lower(email) <> (SELECT lower(email) FROM users WHERE id = $1)",
        )
        .bind($user_id)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Whether a password may be checked now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInTurn {
    /// Check it; `attempt` is the failure already counted, to take back if it is right.
    Go { attempt: i64 },
    /// Too many failures since `oldest`: for this email from this address, or (`whole_address`) for every
    /// email from it.
    Wait { oldest: i64, whole_address: bool },
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

    /// Deletes what no one will use again: sessions past their expiry, sign-in failures and mail requests older
    /// than `failures_before`, one-time links, email confirmations and join requests used or expired, and mail
    /// sent before
    /// `mail_before`. How many rows went.
    pub async fn clean_out(
        &self,
        now: i64,
        failures_before: i64,
        mail_before: i64,
    ) -> StoreResult<u64> {
        let removed = with_pool!(self, writer, |pool| {
            let mut removed = 0;
            for (sql, cutoff) in [
                ("DELETE FROM sessions WHERE expires_at < $1", now),
                (
                    "DELETE FROM sign_in_failures WHERE created_at < $1",
                    failures_before,
                ),
                (
                    "DELETE FROM one_time_tokens WHERE used_at IS NOT NULL OR expires_at < $1",
                    now,
                ),
                (
                    "DELETE FROM email_confirmations WHERE used_at IS NOT NULL OR expires_at < $1",
                    now,
                ),
                (
                    "DELETE FROM join_requests WHERE used_at IS NOT NULL OR expires_at < $1",
                    now,
                ),
                (
                    "DELETE FROM mail_requests WHERE created_at < $1",
                    failures_before,
                ),
                (
                    "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1",
                    mail_before,
                ),
            ] {
                removed += sqlx::query(sql)
                    .bind(cutoff)
                    .execute(pool)
                    .await?
                    .rows_affected();
            }
            Ok::<_, sqlx::Error>(removed)
        })?;
        Ok(removed)
    }

    /// Takes a turn at checking a password for `email_key` from `client` (counted by its group: an IPv6 client
    /// by its /64), counted as a failure before the check (so that attempts sent at once cannot all be
    /// checked): refused while the failures since `since` reach one of `limits`. A right password takes its
    /// turn back with `forget_sign_in_attempt`.
    pub async fn take_sign_in_turn(
        &self,
        client: ClientGroup,
        email_key: &str,
        now: i64,
        since: i64,
        limits: SignInLimits,
    ) -> StoreResult<SignInTurn> {
        // The column keeps its name; it holds the client's group (`203.0.113.9`, `2001:db8:1:2::/64`).
        let client_ip = client.to_string();
        let client_ip = client_ip.as_str();
        let turn = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            // The client's lock serialises its turns (5 per account, 50 in all), the account's lock the turns
            // at the account from anywhere (20): with the client's alone, 100 guesses at once from 100
            // addresses had 27 checked on PostgreSQL.
            if let Some(locks) = dialect.advisory_locks_pair {
                for lock in locks {
                    sqlx::query(lock)
                        .bind(format!("sign-in:{client_ip}"))
                        .bind(format!("sign-in-account:{email_key}"))
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let (for_account, account_oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM sign_in_failures
                 WHERE client_ip = $1 AND email_key = $2 AND created_at >= $3",
            )
            .bind(client_ip)
            .bind(email_key)
            .bind(since)
            .fetch_one(&mut *tx)
            .await?;
            let (for_address, address_oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM sign_in_failures WHERE client_ip = $1 AND created_at >= $2",
            )
            .bind(client_ip)
            .bind(since)
            .fetch_one(&mut *tx)
            .await?;
            let (anywhere, anywhere_oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM sign_in_failures WHERE email_key = $1 AND created_at >= $2",
            )
            .bind(email_key)
            .bind(since)
            .fetch_one(&mut *tx)
            .await?;
            let turn = if for_account >= limits.per_account_and_address {
                SignInTurn::Wait {
                    oldest: account_oldest.unwrap_or(now),
                    whole_address: false,
                }
            } else if anywhere >= limits.per_account {
                SignInTurn::Wait {
                    oldest: anywhere_oldest.unwrap_or(now),
                    whole_address: false,
                }
            } else if for_address >= limits.per_address {
                SignInTurn::Wait {
                    oldest: address_oldest.unwrap_or(now),
                    whole_address: true,
                }
            } else {
                let attempt: i64 = sqlx::query_scalar(
                    "INSERT INTO sign_in_failures (client_ip, email_key, created_at) VALUES ($1, $2, $3)
                     RETURNING id",
                )
                .bind(client_ip)
                .bind(email_key)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                SignInTurn::Go { attempt }
            };
            tx.commit().await?;
            Ok::<_, sqlx::Error>(turn)
        })?;
        Ok(turn)
    }

    /// Takes back a sign-in turn whose password was right: it was no failure.
    pub async fn forget_sign_in_attempt(&self, attempt: i64) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query("DELETE FROM sign_in_failures WHERE id = $1")
                .bind(attempt)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Takes a turn at mailing `email_key` at the request of `client` (counted by its group: an IPv6 client by
    /// its /64): refused (`false`) while the requests since `since` reach one of `limits`. Taken whether an
    /// account has the address or not, and counted in one transaction, so that requests sent at once, to any
    /// instance, cannot pass the limit.
    pub async fn take_mail_turn(
        &self,
        kind: MailRequestKind,
        email_key: &str,
        client: ClientGroup,
        now: i64,
        since: i64,
        limits: MailLimits,
    ) -> StoreResult<bool> {
        let client_ip = client.to_string();
        let client_ip = client_ip.as_str();
        let granted = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            if let Some(lock) = dialect.advisory_lock {
                sqlx::query(lock)
                    .bind("mail-requests")
                    .execute(&mut *tx)
                    .await?;
            }
            let to_recipient: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM mail_requests WHERE email_key = $1 AND created_at >= $2",
            )
            .bind(email_key)
            .bind(since)
            .fetch_one(&mut *tx)
            .await?;
            let from_client: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM mail_requests WHERE client_ip = $1 AND kind = $2 AND created_at >= $3",
            )
            .bind(client_ip)
            .bind(kind.as_str())
            .bind(since)
            .fetch_one(&mut *tx)
            .await?;
            let granted = to_recipient < limits.per_recipient && from_client < limits.per_client;
            if granted {
                sqlx::query(
                    "INSERT INTO mail_requests (kind, email_key, client_ip, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(kind.as_str())
                .bind(email_key)
                .bind(client_ip)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(granted)
        })?;
        Ok(granted)
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

    /// Uses a reset link: in one transaction, sets the account's new password, ends its sessions and every
    /// other reset and sign-in link it has outstanding (one reset ends them all: a link mailed earlier, perhaps
    /// read by someone else, no longer works). The account, once; `None` for a link used, expired or unknown.
    pub async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> StoreResult<Option<i64>> {
        let user_id = with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            let user_id: Option<i64> = sqlx::query_scalar(
                "UPDATE one_time_tokens SET used_at = $3
                 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
                 RETURNING user_id",
            )
            .bind(token_hash)
            .bind(TokenPurpose::ResetPassword.as_str())
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(user_id) = user_id {
                change_password_in!(tx, user_id, password_hash, "", now);
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(user_id)
        })?;
        Ok(user_id)
    }

    /// Sets a new password for an account and, in the same transaction, ends every reset and sign-in link it
    /// has outstanding and every session but `keeping` (the hash of the session that chose the password, which
    /// stays signed in). Every door that changes a password comes here or to `reset_password`: one change
    /// ends them all.
    pub async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keeping: Option<&str>,
        now: i64,
    ) -> StoreResult<()> {
        with_pool!(self, writer, |pool, dialect| {
            let mut tx = pool.begin_with(dialect.begin).await?;
            change_password_in!(tx, user_id, password_hash, keeping.unwrap_or(""), now);
            tx.commit().await
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
