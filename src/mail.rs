//! Outgoing mail. Every mail is written to the outbox in the database first, so none is lost; with
//! `COLLOQUY_SMTP_URL` set it is then delivered by SMTP (lettre) and marked sent, and failed deliveries are
//! retried. Without SMTP the outbox is where the instructor reads them (`/admin/outbox`).

use std::{sync::Arc, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};

use crate::{
    domain::calendar,
    store::{Store, StoreResult},
};

/// How many times a mail is tried before it is left in the outbox for a person to read.
const MAX_ATTEMPTS: i32 = 5;

/// Sends mail through the outbox.
#[derive(Clone)]
pub struct Mailer {
    store: Store,
    smtp: Option<Arc<AsyncSmtpTransport<Tokio1Executor>>>,
    from: Mailbox,
}

impl Mailer {
    /// `smtp_url` as lettre reads it: `smtp://host:port` (plain), `smtp://host?tls=required`, `smtps://user:pass@host`.
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
        self.queue(site_id, recipient, subject, body, false).await
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
        self.queue(site_id, recipient, subject, body, true).await
    }

    async fn queue(
        &self,
        site_id: Option<i64>,
        recipient: &str,
        subject: &str,
        body: &str,
        carries_secret: bool,
    ) -> StoreResult<()> {
        let id = self
            .store
            .enqueue_mail(
                site_id,
                recipient,
                subject,
                body,
                carries_secret,
                calendar::now(),
            )
            .await?;
        tracing::info!(mail = id, "mail queued");
        if self.smtp.is_some() {
            let mailer = self.clone();
            let (recipient, subject, body) =
                (recipient.to_owned(), subject.to_owned(), body.to_owned());
            tokio::spawn(async move { mailer.deliver(id, &recipient, &subject, &body).await });
        }
        Ok(())
    }

    /// Tries again every mail whose delivery failed earlier (and any that a stopped process left behind).
    pub async fn retry_undelivered(&self) {
        if self.smtp.is_none() {
            return;
        }
        match self.store.undelivered_mail(MAX_ATTEMPTS, 50).await {
            Ok(mails) => {
                for mail in mails {
                    self.deliver(mail.id, &mail.recipient, &mail.subject, &mail.body)
                        .await;
                }
            }
            Err(error) => tracing::warn!(%error, "cannot read the outbox"),
        }
    }

    async fn deliver(&self, id: i64, recipient: &str, subject: &str, body: &str) {
        let Some(smtp) = &self.smtp else { return };
        let outcome = match self.message(recipient, subject, body) {
            Ok(message) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|error| error.to_string()),
            Err(error) => Err(error),
        };
        if let Err(error) = &outcome {
            tracing::warn!(mail = id, %error, "mail delivery failed");
        }
        if let Err(error) = self
            .store
            .record_delivery(id, outcome.err().as_deref(), calendar::now())
            .await
        {
            tracing::warn!(mail = id, %error, "cannot record the delivery");
        }
    }

    fn message(&self, recipient: &str, subject: &str, body: &str) -> Result<Message, String> {
        let to: Mailbox = recipient
            .parse()
            .map_err(|error| format!("bad recipient: {error}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|error| error.to_string())
    }
}
