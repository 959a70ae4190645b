//! Outgoing mail. Every mail is written to the outbox in the database first, so none is lost; with
//! `COLLOQUY_SMTP_URL` set it is then delivered by SMTP (lettre) and marked sent, and failed deliveries are
//! retried on a back-off schedule (`next_attempt`) for a day. Without SMTP the outbox is where the instructor
//! reads them (`/admin/outbox`).
//!
//! Every instance delivers and retries, so a mail is delivered only by the instance that claims it in the
//! store: the claim is a lease (`CLAIM_SECONDS`), so a mail whose instance stopped mid-delivery is tried again
//! once it runs out. Each mail carries a `Message-ID` kept with it (the same on every try, so a receiver can
//! tell a retry from a new mail), and a follow-up mail RFC 8058's one-click unsubscribe headers.

use std::{
    sync::Arc,
    time::{Duration, SystemTime},
};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Mailbox,
        header::{ContentType, HeaderName, HeaderValue},
    },
};

use crate::{
    domain::calendar,
    store::{NewMail, OutboxMail, Store, StoreResult},
};

/// How long an instance holds a mail it claimed for delivery: far longer than an SMTP exchange may take (each
/// step times out after 20 seconds), short enough that a mail whose instance died goes out minutes later.
const CLAIM_SECONDS: i64 = 5 * 60;

/// How many due mails one round of retries takes on.
const RETRY_BATCH: i64 = 50;

/// How long failed delivery is tried, from the moment the mail was queued.
const TRY_FOR_SECONDS: i64 = 86_400;

const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");
const LIST_UNSUBSCRIBE_POST: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe-Post");

/// When a mail queued at `queued_at`, whose `attempts`-th delivery failed at `failed_at`, is tried again: 1, 5,
/// 15 and 60 minutes after its first four failures, then every hour, as long as a day has not passed since it
/// was queued; `None` after that, when it stays in the outbox for a person to read. (A relay that is down for
/// five minutes must not strand a sign-in link; one that is down for a day needs a person.)
pub fn next_attempt(queued_at: i64, attempts: i32, failed_at: i64) -> Option<i64> {
    const FIRST_DELAYS: [i64; 4] = [60, 5 * 60, 15 * 60, 60 * 60];
    let delay = usize::try_from(attempts.saturating_sub(1))
        .ok()
        .and_then(|failure| FIRST_DELAYS.get(failure))
        .copied()
        .unwrap_or(60 * 60);
    let next = failed_at + delay;
    (next <= queued_at + TRY_FOR_SECONDS).then_some(next)
}

/// Sends mail through the outbox.
#[derive(Clone)]
pub struct Mailer {
    store: Store,
    smtp: Option<Arc<AsyncSmtpTransport<Tokio1Executor>>>,
    from: Mailbox,
}

/// What kind of mail is queued, for what the outbox keeps with it.
#[derive(Clone, Copy)]
enum Kind<'a> {
    Plain,
    /// It holds a one-time link that gives its recipient's account.
    Secret,
    /// A follow-up of a discussion, unsubscribed in one click at this address.
    FollowUp {
        unsubscribe_url: &'a str,
    },
}

impl Mailer {
    /// `smtp_url` as lettre reads it: `smtp://host:port` (plain), `smtp://host?tls=required`, `smtps://user:pass@host`.
    /// TLS trusts the system's root certificates (a campus relay's own authority, once installed there).
    pub fn new(store: Store, smtp_url: Option<&str>, from: &str) -> anyhow::Result<Self> {
        let smtp = smtp_url
            .map(|url| {
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map(|builder| Arc::new(builder.timeout(Some(Duration::from_secs(20))).build()))
                    .map_err(|error| anyhow::anyhow!("COLLOQUY_SMTP_URL: {error}"))
            })
            .transpose()?;
        let from = from
            .parse()
            .map_err(|error| anyhow::anyhow!("the sender address '{from}': {error}"))?;
        Ok(Self { store, smtp, from })
    }

    pub fn delivers_by_smtp(&self) -> bool {
        self.smtp.is_some()
    }

    /// Keeps the mail in the outbox and, with SMTP, delivers it in the background.
    pub async fn send(
        &self,
        site_id: Option<i64>,
        recipient: &str,
        subject: &str,
        body: &str,
    ) -> StoreResult<()> {
        self.queue(site_id, recipient, subject, body, Kind::Plain)
            .await
    }

    /// Like `send`, for a mail holding a one-time link that gives its recipient's account (a reset, a sign-in
    /// link, an email confirmation): the dashboard's outbox shows its text only to those who may act for that
    /// account anyway.
    pub async fn send_secret(
        &self,
        site_id: Option<i64>,
        recipient: &str,
        subject: &str,
        body: &str,
    ) -> StoreResult<()> {
        self.queue(site_id, recipient, subject, body, Kind::Secret)
            .await
    }

    /// Like `send`, for a follow-up mail whose recipient stops them all by a POST to `unsubscribe_url`: it
    /// carries `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058), so that the mail program offers it.
    pub async fn send_follow_up(
        &self,
        site_id: Option<i64>,
        recipient: &str,
        subject: &str,
        body: &str,
        unsubscribe_url: &str,
    ) -> StoreResult<()> {
        self.queue(
            site_id,
            recipient,
            subject,
            body,
            Kind::FollowUp { unsubscribe_url },
        )
        .await
    }

    async fn queue(
        &self,
        site_id: Option<i64>,
        recipient: &str,
        subject: &str,
        body: &str,
        kind: Kind<'_>,
    ) -> StoreResult<()> {
        let message_id = format!(
            "<{}@{}>",
            hex::encode(rand::random::<[u8; 16]>()),
            self.from.email.domain()
        );
        let mail = NewMail {
            site_id,
            recipient,
            subject,
            body,
            carries_secret: matches!(kind, Kind::Secret),
            message_id: &message_id,
            unsubscribe_url: match kind {
                Kind::FollowUp { unsubscribe_url } => Some(unsubscribe_url),
                Kind::Plain | Kind::Secret => None,
            },
        };
        let id = self.store.enqueue_mail(&mail, calendar::now()).await?;
        tracing::info!(mail = id, "mail queued");
        if self.smtp.is_some() {
            let mailer = self.clone();
            tokio::spawn(async move { mailer.claim_and_deliver(id).await });
        }
        Ok(())
    }

    /// Delivers every mail whose next attempt is due (a failed one, or one that a stopped process left behind)
    /// and that no other instance holds.
    pub async fn retry_undelivered(&self) {
        if self.smtp.is_none() {
            return;
        }
        match self.store.due_mail(calendar::now(), RETRY_BATCH).await {
            Ok(ids) => {
                for id in ids {
                    self.claim_and_deliver(id).await;
                }
            }
            Err(error) => tracing::warn!(%error, "cannot read the outbox"),
        }
    }

    /// Delivers one mail if this instance wins its claim; another instance that won it delivers it instead.
    async fn claim_and_deliver(&self, id: i64) {
        let now = calendar::now();
        match self.store.claim_mail(id, now, now + CLAIM_SECONDS).await {
            Ok(Some(mail)) => self.deliver(&mail).await,
            Ok(None) => tracing::debug!(mail = id, "mail sent, not due, or claimed elsewhere"),
            Err(error) => tracing::warn!(mail = id, %error, "cannot claim a mail for delivery"),
        }
    }

    async fn deliver(&self, mail: &OutboxMail) {
        let Some(smtp) = &self.smtp else { return };
        let outcome = match self.message(mail) {
            Ok(message) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|error| error.to_string()),
            Err(error) => Err(error),
        };
        let now = calendar::now();
        let next = match &outcome {
            Ok(()) => None,
            Err(error) => {
                let next = next_attempt(mail.created_at, mail.attempts + 1, now);
                match next {
                    Some(at) => {
                        tracing::warn!(mail = mail.id, %error, retry_at = at, "mail delivery failed")
                    }
                    None => tracing::warn!(
                        mail = mail.id,
                        %error,
                        "mail delivery failed for a day: left in the outbox"
                    ),
                }
                next
            }
        };
        if let Err(error) = self
            .store
            .record_delivery(mail.id, outcome.err().as_deref(), now, next)
            .await
        {
            tracing::warn!(mail = mail.id, %error, "cannot record the delivery");
        }
    }

    fn message(&self, mail: &OutboxMail) -> Result<Message, String> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|error| format!("bad recipient: {error}"))?;
        let message_id = mail.message_id.clone().unwrap_or_else(|| {
            format!(
                "<outbox-{}-{}@{}>",
                mail.id,
                mail.created_at,
                self.from.email.domain()
            )
        });
        let queued = SystemTime::UNIX_EPOCH
            + Duration::from_secs(u64::try_from(mail.created_at).unwrap_or_default());
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .message_id(Some(message_id))
            .date(queued)
            .header(ContentType::TEXT_PLAIN);
        if let Some(url) = &mail.unsubscribe_url {
            builder = builder
                .raw_header(HeaderValue::new(LIST_UNSUBSCRIBE, format!("<{url}>")))
                .raw_header(HeaderValue::new(
                    LIST_UNSUBSCRIBE_POST,
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        builder
            .body(mail.body.clone())
            .map_err(|error| error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_mail_is_tried_after_1_5_15_and_60_minutes_then_hourly_for_a_day() {
        let queued = 1_000_000;
        let mut at = queued;
        let mut waits = Vec::new();
        for attempts in 1.. {
            match next_attempt(queued, attempts, at) {
                Some(next) => {
                    waits.push((next - at) / 60);
                    at = next;
                }
                None => break,
            }
        }
        assert_eq!(waits[..6], [1, 5, 15, 60, 60, 60]);
        assert!(waits[4..].iter().all(|&minutes| minutes == 60));
        assert!(at <= queued + 86_400, "the last try is within the day");
        assert!(
            at + 3_600 > queued + 86_400,
            "and as late in it as hourly allows"
        );
        assert_eq!(waits.len(), 26, "{waits:?}");
    }

    #[test]
    fn a_mail_that_failed_late_in_its_day_is_left_for_a_person() {
        let queued = 0;
        assert_eq!(next_attempt(queued, 1, 86_400 - 30), None);
        assert_eq!(next_attempt(queued, 7, 86_400 - 3_600), Some(86_400));
        assert_eq!(next_attempt(queued, 7, 86_400 - 3_599), None);
    }
}
