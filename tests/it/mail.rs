//! Mail over a real SMTP exchange: Python's aiosmtpd listens on 127.0.0.1 and keeps what it receives in a
//! maildir; colloquy delivers to it with lettre and marks the outbox.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use colloquy::domain::user::Role;

use crate::helpers::{TestApp, comment_id_of, say, spawn_app_with};

struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts aiosmtpd, or says why the mail tests are skipped.
async fn smtp_server() -> Option<SmtpServer> {
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

    async fn wait_for(&self, count: usize) -> Vec<String> {
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
