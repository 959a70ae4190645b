//! The mail outbox: every mail is stored before anything tries to deliver it. An instance delivers a mail only
//! after claiming it (a conditional update that one instance wins), so that no mail goes out twice however many
//! instances retry the outbox; a failed mail waits for its `next_attempt_at`.

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
    /// When delivery is tried next; `None` once sent, or left for a person after a day of failed tries.
    pub next_attempt_at: Option<i64>,
    /// Its `Message-ID` header, the same on every try (`None` for mail queued before colloquy kept one).
    pub message_id: Option<String>,
    /// The address that unsubscribes its recipient in one click (RFC 8058), for follow-up mails.
    pub unsubscribe_url: Option<String>,
}

const OUTBOX_COLUMNS: &str = "id, recipient, subject, body, created_at, sent_at, attempts, last_error, \
                              carries_secret, next_attempt_at, message_id, unsubscribe_url";

/// A mail to keep.
#[derive(Clone, Copy, Debug)]
pub struct NewMail<'a> {
    pub site_id: Option<i64>,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub carries_secret: bool,
    pub message_id: &'a str,
    pub unsubscribe_url: Option<&'a str>,
}

impl Store {
    /// Keeps a mail, due for delivery at once; returns its id.
    pub async fn enqueue_mail(&self, mail: &NewMail<'_>, now: i64) -> StoreResult<i64> {
        let id: i64 = with_pool!(self, writer, |pool| {
            sqlx::query_scalar(
                "INSERT INTO outbox (site_id, recipient, subject, body, created_at, carries_secret, next_attempt_at,
                                     message_id, unsubscribe_url)
                 VALUES ($1, $2, $3, $4, $5, $6, $5, $7, $8) RETURNING id",
            )
            .bind(mail.site_id)
            .bind(mail.recipient)
            .bind(mail.subject)
            .bind(mail.body)
            .bind(now)
            .bind(mail.carries_secret)
            .bind(mail.message_id)
            .bind(mail.unsubscribe_url)
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

    /// The ids of mails whose next delivery attempt is due at `now` and that no instance holds, the longest
    /// waiting first.
    pub async fn due_mail(&self, now: i64, limit: i64) -> StoreResult<Vec<i64>> {
        let ids = with_pool!(self, reader, |pool| {
            sqlx::query_scalar(
                "SELECT id FROM outbox
                 WHERE next_attempt_at <= $1 AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $1)
                 ORDER BY next_attempt_at, id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(ids)
    }

    /// Claims a due mail for delivery until `until`: the mail when this call won it, `None` when it is sent, not
    /// due, or held by another claim that has not run out. Of instances claiming the same mail at once, one
    /// wins (the update's condition is checked again on the row it changes).
    pub async fn claim_mail(
        &self,
        id: i64,
        now: i64,
        until: i64,
    ) -> StoreResult<Option<OutboxMail>> {
        let mail = with_pool!(self, writer, |pool| {
            sqlx::query_as(&format!(
                "UPDATE outbox SET claimed_until = $3
                 WHERE id = $1 AND sent_at IS NULL AND next_attempt_at <= $2
                   AND (claimed_until IS NULL OR claimed_until < $2)
                 RETURNING {OUTBOX_COLUMNS}"
            ))
            .bind(id)
            .bind(now)
            .bind(until)
            .fetch_optional(pool)
            .await
        })?;
        Ok(mail)
    }

    /// Records a delivery attempt and lets go of the claim: sent when `error` is `None`; otherwise tried again
    /// at `next_attempt_at`, or never (`None`).
    pub async fn record_delivery(
        &self,
        id: i64,
        error: Option<&str>,
        now: i64,
        next_attempt_at: Option<i64>,
    ) -> StoreResult<()> {
        with_pool!(self, writer, |pool| {
            sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                        sent_at = CASE WHEN $2 IS NULL THEN $3 ELSE sent_at END,
                        next_attempt_at = $4, claimed_until = NULL
                 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .bind(now)
            .bind(next_attempt_at)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }
}
