//! Crash safety under load: the real binary, many clients commenting and publishing at once, killed with
//! SIGKILL at random moments twenty times and started again. Every request answered with success must be in the
//! database afterwards, whole, and nothing may be half-written. Ignored in a plain `cargo test` (it takes about
//! a minute); `.ci/run` runs it on SQLite and on PostgreSQL:
//!
//! ```sh
//! cargo test --test it crash:: -- --ignored --nocapture
//! ```

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use colloquy::{
    demo,
    domain::{
        calendar,
        post::{PostKind, PostStatus, SourceFormat},
        user::{Role, hash_password},
    },
    store::{NewPost, NewUser, Store},
};
use rand::Rng;
use reqwest::StatusCode;

use crate::helpers::{TestDatabase, attribute, client, say};

const KILLS: usize = 20;
const COMMENTERS: usize = 12;
const WRITERS: usize = 2;

struct Server {
    child: Option<Child>,
    database_url: String,
    port: u16,
}

impl Server {
    fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts `colloquy serve` and waits (polling) until it answers.
    async fn start(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_colloquy"))
            .args([
                "--database-url",
                &self.database_url,
                "serve",
                "--bind",
                &format!("127.0.0.1:{}", self.port),
                "--trusted-proxies",
                "127.0.0.1",
                "--no-demo",
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start colloquy");
        self.child = Some(child);
        let started = Instant::now();
        let probe = client();
        loop {
            let answer = probe
                .get(format!("{}/healthz", self.address()))
                .send()
                .await;
            if answer.is_ok_and(|response| response.status() == StatusCode::OK) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not come back"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no chance to finish anything.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Where a 303 sends the client: the server acknowledged the request. `None` when the server was down or
/// failing (a 5xx); any other answer fails the test, since the load sends only valid requests.
fn location_of(sent: reqwest::Result<reqwest::Response>, what: &str) -> Option<String> {
    let response = sent.ok()?;
    if response.status() == StatusCode::SEE_OTHER {
        return Some(response.headers()["location"].to_str().unwrap().to_owned());
    }
    assert!(
        response.status().is_server_error(),
        "a refused {what}: {}",
        response.status()
    );
    None
}

/// What the server acknowledged: (id, text) of comments and posts it answered 303 for.
#[derive(Default)]
struct Acknowledged {
    comments: Vec<(i64, String)>,
    posts: Vec<(i64, String)>,
}

#[tokio::test]
#[ignore = "kills the server twenty times under load (about a minute); .ci/run runs it"]
async fn killed_twenty_times_under_load_nothing_acknowledged_is_lost_and_nothing_is_half_written() {
    let (_database, database_url) = TestDatabase::create().await;
    let store = Store::connect(&database_url).await.unwrap();
    store.migrate().await.unwrap();
    let site = demo::ensure_main_site(&store).await.unwrap();
    let mut settings = site.settings.clone();
    for (key, value) in [
        ("comment_previously_approved", "off"),
        ("comment_flood_interval", "0"),
        ("comment_moderation", "off"),
    ] {
        let stored = settings.set(key, value).unwrap();
        store.save_setting(site.id, key, &stored).await.unwrap();
    }
    let password = "a long enough password";
    let writer = store
        .create_user(
            &NewUser {
                email: "writer@example.edu",
                name: "Crash Writer",
                password_hash: Some(&hash_password(password).unwrap()),
                email_confirmed: true,
            },
            calendar::now(),
        )
        .await
        .unwrap();
    store
        .set_role(site.id, writer.id, Role::Author, calendar::now())
        .await
        .unwrap();
    let discussed = store
        .create_post(
            &NewPost {
                reading_id: None,
                site_id: site.id,
                author_id: writer.id,
                kind: PostKind::Post,
                status: PostStatus::Publish,
                title: "Discussed under fire",
                source: "Comment here.",
                format: SourceFormat::Markdown,
                excerpt: "",
                slug: None,
                parent_id: None,
                comments_open: true,
                published_at: calendar::now() - 60,
                categories: &[],
                tags: &[],
                sticky: false,
                password: None,
            },
            calendar::now(),
        )
        .await
        .unwrap();
    store.close().await;

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server {
        child: None,
        database_url: database_url.clone(),
        port,
    };
    server.start().await;
    let address = server.address();

    let writer_client = client();
    let signed_in = writer_client
        .post(format!("{address}/login"))
        .form(&[("email", "writer@example.edu"), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let editor = writer_client
        .get(format!("{address}/admin/posts/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = attribute(&editor, "input[name=csrf]", "value").expect("a CSRF token");

    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let attempts = Arc::new(AtomicUsize::new(0));
    let mut load = Vec::new();
    for commenter in 0..COMMENTERS {
        let (acknowledged, stop, attempts, address) = (
            acknowledged.clone(),
            stop.clone(),
            attempts.clone(),
            address.clone(),
        );
        let post_id = discussed.id.to_string();
        load.push(tokio::spawn(async move {
            let visitor = client();
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                attempts.fetch_add(1, Ordering::Relaxed);
                let text = format!("Crash comment {commenter}-{n}: still here after the kill.");
                let sent = visitor
                    .post(format!("{address}/comments"))
                    .header(
                        "x-forwarded-for",
                        format!("10.{commenter}.{}.{}", n / 250 % 250, n % 250 + 1),
                    )
                    .form(&[
                        ("comment", text.as_str()),
                        ("author", &format!("Commenter {commenter}")),
                        ("email", &format!("c{commenter}-{n}@example.org")),
                        ("post_id", post_id.as_str()),
                        ("parent", "0"),
                    ])
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await;
                match location_of(sent, "comment") {
                    Some(location) => {
                        let id = location
                            .rsplit_once("#comment-")
                            .unwrap()
                            .1
                            .parse()
                            .unwrap();
                        acknowledged.lock().unwrap().comments.push((id, text));
                    }
                    None => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        }));
    }
    for writer in 0..WRITERS {
        let (acknowledged, stop, attempts, address, csrf, writer_client) = (
            acknowledged.clone(),
            stop.clone(),
            attempts.clone(),
            address.clone(),
            csrf.clone(),
            writer_client.clone(),
        );
        load.push(tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                attempts.fetch_add(1, Ordering::Relaxed);
                let title = format!("Crash post {writer}-{n}");
                let sent = writer_client
                    .post(format!("{address}/admin/posts/new"))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("title", title.as_str()),
                        ("body", "Written while the server was being killed."),
                        ("excerpt", ""),
                        ("new_categories", "Under fire"),
                        ("tags", &format!("kill, writer {writer}")),
                        ("status", "publish"),
                        ("date", ""),
                        ("comments_open", "on"),
                        ("action", "save"),
                    ])
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await;
                match location_of(sent, "post") {
                    Some(location) => {
                        let id = location
                            .trim_start_matches("/admin/posts/")
                            .split('?')
                            .next()
                            .unwrap()
                            .parse()
                            .unwrap();
                        acknowledged.lock().unwrap().posts.push((id, title));
                    }
                    None => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        }));
    }

    let started = Instant::now();
    for _ in 0..KILLS {
        let pause = rand::rng().random_range(150..700);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        server.kill();
        server.start().await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    server.kill();
    let elapsed = started.elapsed();

    let store = Store::connect(&database_url).await.unwrap();
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    assert!(
        acknowledged.comments.len() > 100 && !acknowledged.posts.is_empty(),
        "the load got through: {} comments, {} posts",
        acknowledged.comments.len(),
        acknowledged.posts.len()
    );
    let mut lost = Vec::new();
    for (id, text) in &acknowledged.comments {
        match store.comment_by_id(site.id, *id).await.unwrap() {
            Some(comment) if comment.content == *text && comment.post_id == discussed.id => {}
            other => lost.push(format!("comment {id} {text:?}: {other:?}")),
        }
    }
    for (id, title) in &acknowledged.posts {
        match store.post_by_id(site.id, *id).await.unwrap() {
            Some(post) if post.title == *title && post.status == PostStatus::Publish => {}
            other => lost.push(format!(
                "post {id} {title:?}: {:?}",
                other.map(|post| post.title)
            )),
        }
    }
    let problems = store.integrity_problems().await.unwrap();
    say(&format!(
        "crash test on {}: {KILLS} SIGKILLs in {:.1} s; {} requests sent, {} comments and {} posts acknowledged, {} lost; integrity problems: {}",
        store.backend_name(),
        elapsed.as_secs_f64(),
        attempts.load(Ordering::Relaxed),
        acknowledged.comments.len(),
        acknowledged.posts.len(),
        lost.len(),
        if problems.is_empty() {
            "none".to_owned()
        } else {
            problems.join("; ")
        }
    ));
    assert!(
        lost.is_empty(),
        "lost after a SIGKILL:\n{}",
        lost.join("\n")
    );
    assert!(problems.is_empty(), "half-written: {problems:?}");
}
