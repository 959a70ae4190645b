//! The mail outbox: every mail is stored before anything tries to deliver it.

use super::{Store, StoreResult, with_pool};

/// A mail as kept in the outbox.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutboxMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// It holds a one-time link (reset, sign-in, confirmation) that gives its recipient's account.
    pub carries_secret: bool,
}

const OUTBOX_COLUMNS: &str =
    "id, recipient, subject, body, created_at, sent_at, attempts, last_error, carries_secret";

impl Store {
    /// Keeps a mail; returns its id.
    pub async fn enqueue_mail(
        &self,
        site_id: Option<i64>,
        recipient: &str,
        subject: &str,
        body: &str,
        carries_secret: bool,
        now: i64,
    ) -> StoreResult<i64> {
        let id: i64 = with_pool!(self, writer, |pool| {
            sqlx::query_scalar(
                "INSERT INTO outbox (site_id, recipient, subject, body, created_at, carries_secret)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(site_id)
            .bind(recipient)
            .bind(subject)
            .bind(body)
            .bind(now)
            .bind(carries_secret)
            .fetch_one(pool)
            .await
        })?;
        Ok(id)
    }

    /// The newest mails of a site (and those of no site), for the instructor's outbox page.
    pub async fn outbox(&self, site_id: i64, limit: i64) -> StoreResult<Vec<OutboxMail>> {
        let mails = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE site_id = $1 OR site_id IS NULL ORDER BY id DESC LIMIT $2"
            ))
            .bind(site_id)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(mails)
    }

    /// Mails not yet delivered that have been tried fewer than `max_attempts` times, oldest first.
    pub async fn undelivered_mail(
        &self,
        max_attempts: i32,
        limit: i64,
    ) -> StoreResult<Vec<OutboxMail>> {
        let mails = with_pool!(self, reader, |pool| {
            sqlx::query_as(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE sent_at IS NULL AND attempts < $1 ORDER BY id LIMIT $2"
            ))
            .bind(max_attempts)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(mails)
    }

    /// Records a delivery attempt: sent when `error` is `None`.
    pub async fn record_delivery(&self, id: i64, error: Option<&str>, now: i64) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                        sent_at = CASE WHEN $2 IS NULL THEN $3 ELSE sent_at END
                 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }
}
