//! Mail over a real SMTP exchange: Python's aiosmtpd listens on 127.0.0.1 and keeps what it receives in a
//! maildir; colloquy delivers to it with lettre and marks the outbox.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use colloquy::{
    domain::{calendar, user::Role},
    mail::Mailer,
    store::{NewMail, Store},
};
use reqwest::StatusCode;

use crate::helpers::{TestApp, comment_id_of, say, spawn_app_with};

pub(crate) struct SmtpServer {
    child: Child,
    pub(crate) port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts aiosmtpd, or says why the mail tests are skipped.
pub(crate) async fn smtp_server() -> Option<SmtpServer> {
    let available = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status();
    if !available.is_ok_and(|status| status.success()) {
        say("SMTP tests skipped: Python's aiosmtpd is not installed (pip install aiosmtpd)");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let maildir = tempfile::tempdir().ok()?;
    let child = Command::new("python3")
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir.path().join("maildir"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let server = SmtpServer {
        child,
        port,
        maildir,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "aiosmtpd did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Some(server)
}

impl SmtpServer {
    /// The messages received so far, as raw text.
    fn received(&self) -> Vec<String> {
        std::fs::read_dir(self.maildir.path().join("maildir").join("new"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) async fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {count} mails arrived",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn a_held_comment_is_mailed_to_the_moderators_over_smtp() {
    let Some(smtp) = smtp_server().await else {
        return;
    };
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let app = spawn_app_with(|serve| serve.smtp_url = Some(url)).await;
    let (moderator, _) = app
        .account("moderator@example.edu", "Mo Derator", Some(Role::Editor))
        .await;
    let post = app.publish_post("Mail me").await;
    comment_id_of(
        &app.leave_reply(
            "198.51.100.60",
            &TestApp::reply_fields(&post, "Newcomer", "Is anyone there?"),
        )
        .await,
    );

    let received = smtp.wait_for(1).await;
    let mail = &received[0];
    assert!(mail.contains(&format!("To: {}", moderator.email)), "{mail}");
    assert!(mail.contains("Please moderate"), "{mail}");
    assert!(mail.contains("Is anyone there?"), "{mail}");

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let outbox = app.outbox().await;
        if outbox.iter().all(|mail| mail.sent_at.is_some()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox was not marked sent: {outbox:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_password_reset_arrives_by_smtp_and_an_unreachable_server_keeps_it_in_the_outbox() {
    let Some(smtp) = smtp_server().await else {
        return;
    };
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let app = spawn_app_with(|serve| serve.smtp_url = Some(url)).await;
    app.account("ada@example.edu", "Ada", None).await;
    app.client
        .post(app.url("/login/forgot"))
        .form(&[("email", "ada@example.edu")])
        .send()
        .await
        .unwrap();
    let received = smtp.wait_for(1).await;
    assert!(received[0].contains("/login/reset/"), "{}", received[0]);

    let closed_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let unreachable =
        spawn_app_with(|serve| serve.smtp_url = Some(format!("smtp://127.0.0.1:{closed_port}")))
            .await;
    unreachable.account("bea@example.edu", "Bea", None).await;
    unreachable
        .client
        .post(unreachable.url("/login/forgot"))
        .form(&[("email", "bea@example.edu")])
        .send()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let outbox = unreachable.outbox().await;
        if outbox.iter().any(|mail| mail.last_error.is_some()) {
            assert!(outbox.iter().all(|mail| mail.sent_at.is_none()));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the failed delivery was not recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The value of a header of a raw message (folded lines unfolded), the first of that name.
fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .replace("\r\n", "\n");
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    unfolded.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// Polls the outbox until every mail is marked sent.
async fn wait_until_all_sent(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let outbox = app.outbox().await;
        if outbox.iter().all(|mail| mail.sent_at.is_some()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox was not marked sent: {outbox:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn two_instances_retrying_the_same_mails_deliver_each_once() {
    let Some(smtp) = smtp_server().await else {
        return;
    };
    // The server itself delivers nothing (no SMTP): two more instances on its database retry its outbox.
    let app = spawn_app_with(|_| {}).await;
    for number in 0..20 {
        app.store
            .enqueue_mail(
                &NewMail {
                    site_id: Some(app.site.id),
                    recipient: &format!("reader{number}@example.edu"),
                    subject: &format!("Mail number {number}"),
                    body: "Once, please.",
                    carries_secret: false,
                    message_id: &format!("<mail-{number}@example.edu>"),
                    unsubscribe_url: None,
                },
                calendar::now(),
            )
            .await
            .unwrap();
    }
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let mut instances = Vec::new();
    for _ in 0..2 {
        let store = Store::connect(&app.database_url).await.unwrap();
        instances.push(Mailer::new(store, Some(&url), "colloquy@example.edu").unwrap());
    }
    let rounds: Vec<_> = instances
        .iter()
        .flat_map(|mailer| [mailer.clone(), mailer.clone()])
        .map(|mailer| tokio::spawn(async move { mailer.retry_undelivered().await }))
        .collect();
    for round in rounds {
        round.await.unwrap();
    }
    wait_until_all_sent(&app).await;
    let received = smtp.wait_for(20).await;
    let mut subjects: Vec<String> = received
        .iter()
        .filter_map(|mail| header(mail, "Subject"))
        .collect();
    subjects.sort();
    subjects.dedup();
    crate::helpers::say(&format!(
        "20 mails retried by two instances at once (two rounds each): {} delivered, {} distinct",
        received.len(),
        subjects.len()
    ));
    assert_eq!(received.len(), 20, "each mail once");
    assert_eq!(subjects.len(), 20);
    assert!(
        app.outbox().await.iter().all(|mail| mail.attempts == 1),
        "each tried once"
    );
}

#[tokio::test]
async fn a_failed_mail_waits_its_turn_instead_of_being_tried_every_round() {
    let closed = crate::helpers::free_port();
    let app =
        spawn_app_with(|serve| serve.smtp_url = Some(format!("smtp://127.0.0.1:{closed}"))).await;
    app.account("bea@example.edu", "Bea", None).await;
    let queued = calendar::now();
    app.client
        .post(app.url("/login/forgot"))
        .form(&[("email", "bea@example.edu")])
        .send()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let failed = loop {
        let outbox = app.outbox().await;
        if let Some(mail) = outbox.into_iter().find(|mail| mail.last_error.is_some()) {
            break mail;
        }
        assert!(
            Instant::now() < deadline,
            "the failed delivery was not recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(failed.attempts, 1);
    let next = failed.next_attempt_at.expect("tried again later");
    assert!(
        (queued + 55..=calendar::now() + 65).contains(&next),
        "a minute later: {next} (queued {queued})"
    );
    let retrier = Mailer::new(
        app.store.clone(),
        Some(&format!("smtp://127.0.0.1:{closed}")),
        "colloquy@example.edu",
    )
    .unwrap();
    for _ in 0..3 {
        retrier.retry_undelivered().await;
    }
    let again = app.outbox().await;
    assert_eq!(again[0].attempts, 1, "not due yet: not tried");
    assert!(again[0].sent_at.is_none());
}

#[tokio::test]
async fn every_mail_has_a_message_id_and_a_follow_up_offers_one_click_unsubscribe() {
    let Some(smtp) = smtp_server().await else {
        return;
    };
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let app = spawn_app_with(|serve| serve.smtp_url = Some(url)).await;
    app.set("comment_previously_approved", "off").await;
    let post = app.publish_post("Followed by mail").await;
    app.store
        .follow(
            app.site.id,
            post.id,
            "reader@example.org",
            "unsubscribetoken0123456789",
            true,
            calendar::now(),
        )
        .await
        .unwrap();
    comment_id_of(
        &app.leave_reply(
            "198.51.100.61",
            &TestApp::reply_fields(&post, "Newcomer", "A follow-up worth a mail."),
        )
        .await,
    );
    wait_until_all_sent(&app).await;
    let received = smtp.wait_for(2).await;
    let mut ids = Vec::new();
    for mail in &received {
        let id = header(mail, "Message-ID").unwrap_or_default();
        assert!(
            id.starts_with('<') && id.ends_with('>') && id.contains('@'),
            "Message-ID {id:?} in {mail}"
        );
        ids.push(id);
    }
    ids.dedup();
    assert_eq!(ids.len(), received.len(), "each its own");
    let follow_up = received
        .iter()
        .find(|mail| header(mail, "To").is_some_and(|to| to.contains("reader@example.org")))
        .expect("the follower's mail");
    let unsubscribe = format!("{}/follow/stop/unsubscribetoken0123456789", app.address);
    assert_eq!(
        header(follow_up, "List-Unsubscribe").as_deref(),
        Some(format!("<{unsubscribe}>").as_str()),
        "{follow_up}"
    );
    assert_eq!(
        header(follow_up, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    for other in received
        .iter()
        .filter(|mail| !std::ptr::eq(*mail, follow_up))
    {
        assert_eq!(header(other, "List-Unsubscribe"), None, "only follow-ups");
    }

    // What a mail program does with it: a POST of `List-Unsubscribe=One-Click`, no cookie, no token.
    let clicked = reqwest::Client::new()
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(clicked.status(), StatusCode::OK);
    let audience = app
        .store
        .audience(post.id, None, "someone@example.org")
        .await
        .unwrap();
    assert!(audience.followers.is_empty(), "unsubscribed");
}

/// Runs `openssl` with `args` in `folder`; whether it succeeded.
fn openssl(folder: &std::path::Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(folder)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A certificate authority of its own (as a campus has) and a relay certificate for `localhost` that it signed,
/// in `folder`: `ca.pem`, `relay.pem`, `relay.key`. `false` when openssl cannot make them.
fn campus_authority(folder: &std::path::Path) -> bool {
    std::fs::write(
        folder.join("relay.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .is_ok()
        && openssl(
            folder,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=Campus Test Authority",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        )
        && openssl(
            folder,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                "relay.key",
                "-out",
                "relay.csr",
            ],
        )
        && openssl(
            folder,
            &[
                "x509",
                "-req",
                "-in",
                "relay.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "relay.ext",
                "-out",
                "relay.pem",
            ],
        )
}

#[tokio::test]
async fn a_relay_certified_by_an_authority_the_system_trusts_gets_the_mail() {
    let Some(mut smtp) = smtp_server().await else {
        return;
    };
    let certificates = tempfile::tempdir().unwrap();
    if !campus_authority(certificates.path()) {
        say("TLS relay test skipped: openssl cannot make a test certificate authority");
        return;
    }
    // The same receiver, now behind implicit TLS with the campus authority's certificate.
    let _ = smtp.child.kill();
    let _ = smtp.child.wait();
    let folder = certificates.path();
    smtp.child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{}", smtp.port))
        .args(["-c", "aiosmtpd.handlers.Mailbox", "--smtpscert"])
        .arg(folder.join("relay.pem"))
        .arg("--smtpskey")
        .arg(folder.join("relay.key"))
        .arg(smtp.maildir.path().join("maildir"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", smtp.port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the TLS relay did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let app = spawn_app_with(|_| {}).await;
    app.account("ada@example.edu", "Ada", None).await;
    // The real binary, its system's root certificates read from where OpenSSL's variables say: first the
    // usual ones alone, then the campus authority's.
    for (roots, delivered) in [(None, 0), (Some(folder.join("ca.pem")), 1)] {
        let port = crate::helpers::free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_colloquy"));
        command
            .args([
                "--database-url",
                &app.database_url,
                "serve",
                "--no-demo",
                "--bind",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .args(["--smtp-url", &format!("smtps://localhost:{}", smtp.port)])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(roots) = &roots {
            command
                .env("SSL_CERT_FILE", roots)
                .env_remove("SSL_CERT_DIR");
        }
        let mut server = command.spawn().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let client = crate::helpers::client();
        let deadline = Instant::now() + Duration::from_secs(20);
        while client.get(format!("{base}/healthz")).send().await.is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        client
            .post(format!("{base}/login/forgot"))
            .form(&[("email", "ada@example.edu")])
            .send()
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        let outcome = loop {
            let newest = app.outbox().await.into_iter().next().expect("the mail");
            if newest.sent_at.is_some() || newest.last_error.is_some() {
                break newest;
            }
            assert!(Instant::now() < deadline, "no delivery was tried");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let _ = server.kill();
        let _ = server.wait();
        assert_eq!(
            smtp.received().len(),
            delivered,
            "trusting {roots:?}: {:?}",
            outcome.last_error
        );
        if delivered == 0 {
            assert!(
                outcome
                    .last_error
                    .is_some_and(|error| error.contains("certificate")),
                "refused for its certificate"
            );
        }
    }
}
