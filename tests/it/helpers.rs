//! `spawn_app()` and the helpers tests use to act as a person would: publish a post, leave a reply, look.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
    sync::Once,
};

use colloquy::{
    config::{Config, ServeArgs},
    demo,
    domain::{
        calendar,
        post::{Post, PostKind, PostStatus, SourceFormat},
        user::Role,
    },
    startup::Application,
    store::{NewPost, NewUser, Site, Store},
};
use reqwest::{Response, StatusCode, redirect::Policy};
use scraper::{Html, Selector};

/// A running colloquy on a fresh database of its own, and a browser-like client with a cookie jar.
pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub database_url: String,
    pub site: Site,
    /// The clock the server goes by: a test moves it on to see a later day.
    pub clock: colloquy::domain::calendar::Clock,
    _database: TestDatabase,
}

/// The environment variable that points the suite at PostgreSQL.
pub const POSTGRES_URL_VARIABLE: &str = "COLLOQUY_TEST_DATABASE_URL";

static ANNOUNCE_BACKEND: Once = Once::new();

/// A fresh database: a temporary SQLite file, or a PostgreSQL schema of its own dropped afterwards.
pub enum TestDatabase {
    /// The folder is removed when the guard is dropped.
    Sqlite {
        _folder: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        schema: String,
    },
}

impl TestDatabase {
    pub async fn create() -> (Self, String) {
        match std::env::var(POSTGRES_URL_VARIABLE)
            .ok()
            .filter(|url| !url.is_empty())
        {
            Some(admin_url) => {
                announce(&format!(
                    "integration tests run on PostgreSQL ({POSTGRES_URL_VARIABLE})"
                ));
                let schema = format!("test_{}", hex_id());
                let admin = sqlx::PgPool::connect(&admin_url)
                    .await
                    .expect("connect to PostgreSQL");
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&admin)
                    .await
                    .expect("create a test schema");
                admin.close().await;
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                let url = format!(
                    "{admin_url}{separator}options=-c%20search_path%3D{schema}&application_name={schema}"
                );
                (Self::Postgres { admin_url, schema }, url)
            }
            None => {
                announce(&format!(
                    "PostgreSQL tests skipped: {POSTGRES_URL_VARIABLE} is not set; integration tests run on SQLite"
                ));
                let folder = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}", folder.path().join("colloquy.db").display());
                (Self::Sqlite { _folder: folder }, url)
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, schema } = self {
            let (admin_url, schema) = (admin_url.clone(), schema.clone());
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                runtime.block_on(async {
                    if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                        // The test's own connections may still hold locks (a transaction whose rollback waits for
                        // the test's runtime, which this drop is blocking): end them first.
                        let _ = sqlx::query(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                             WHERE application_name = $1 AND pid <> pg_backend_pid()",
                        )
                        .bind(&schema)
                        .execute(&admin)
                        .await;
                        let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                            .execute(&admin)
                            .await;
                        admin.close().await;
                    }
                });
            });
            let _ = dropped.join();
        }
    }
}

/// Writes a line past the test harness's capture, for what must be seen even when the test passes.
pub fn say(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// Says once which database the suite runs on. Written to stderr directly, past the test harness's capture,
/// so that a skipped PostgreSQL run is visible.
fn announce(message: &str) {
    ANNOUNCE_BACKEND.call_once(|| say(message));
}

fn hex_id() -> String {
    use rand::Rng;
    format!("{:016x}", rand::rng().random::<u64>())
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like `spawn_app`, with changes to the server's settings.
pub async fn spawn_app_with(configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
    let (database, database_url) = TestDatabase::create().await;
    let mut serve = ServeArgs {
        bind: "127.0.0.1:0".parse().expect("an address"),
        trusted_proxies: vec!["127.0.0.1".into()],
        no_demo: true,
        ..ServeArgs::default()
    };
    configure(&mut serve);
    let application = Application::build(Config {
        database_url: database_url.clone(),
        serve,
    })
    .await
    .expect("build the app");
    let address = format!("http://127.0.0.1:{}", application.port());
    let store = application.store().clone();
    let clock = application.clock();
    tokio::spawn(application.run_until_stopped());
    let site = demo::ensure_main_site(&store).await.expect("the main site");
    TestApp {
        address,
        store,
        client: client(),
        database_url,
        site,
        clock,
        _database: database,
    }
}

impl TestApp {
    /// A second server on the same database, as a second instance behind a load balancer; its address.
    pub async fn another_instance(&self) -> String {
        let application = Application::build(Config {
            database_url: self.database_url.clone(),
            serve: ServeArgs {
                bind: "127.0.0.1:0".parse().expect("an address"),
                trusted_proxies: vec!["127.0.0.1".into()],
                no_demo: true,
                ..ServeArgs::default()
            },
        })
        .await
        .expect("build the second instance");
        let address = format!("http://127.0.0.1:{}", application.port());
        tokio::spawn(application.run_until_stopped());
        address
    }
}

/// A client that keeps cookies and does not follow redirects, so tests see every 301 and 303.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("a client")
}

/// What a test post looks like; `TestApp::publish` fills the rest.
pub struct PostSpec<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub kind: PostKind,
    pub status: PostStatus,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub published_at: i64,
    pub parent_id: Option<i64>,
    pub comments_open: bool,
    pub reading_id: Option<i64>,
}

impl<'a> PostSpec<'a> {
    pub fn post(title: &'a str) -> Self {
        Self {
            title,
            body: "A paragraph of **Markdown**.",
            kind: PostKind::Post,
            status: PostStatus::Publish,
            categories: Vec::new(),
            tags: Vec::new(),
            published_at: calendar::now() - 3_600,
            parent_id: None,
            comments_open: true,
            reading_id: None,
        }
    }

    pub fn page(title: &'a str) -> Self {
        Self {
            kind: PostKind::Page,
            comments_open: false,
            ..Self::post(title)
        }
    }
}

/// A form as a list of pairs.
pub type Fields<'a> = Vec<(&'a str, String)>;

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Sends a form with the test's own client.
    pub async fn post_form<T: serde::Serialize + ?Sized>(&self, path: &str, form: &T) -> Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// GETs a page and returns its status and body.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.text().await.expect("a body"))
    }

    /// Presses the button of a page reached by a mailed link, as its recipient does: a POST to the link itself,
    /// signed out, with no body; the status and page.
    pub async fn press_button_of(&self, link: &str) -> (StatusCode, String) {
        let response = client()
            .post(self.url(link))
            .send()
            .await
            .expect("POST the link");
        let status = response.status();
        (status, response.text().await.expect("a body"))
    }

    /// The account that writes test posts, made an author on first use.
    pub async fn author(&self) -> colloquy::domain::user::User {
        let email = "writer@example.edu";
        if let Some(user) = self.store.user_by_email(email).await.expect("look up") {
            return user;
        }
        let user = self
            .store
            .create_user(
                &NewUser {
                    email,
                    name: "Wren Writer",
                    password_hash: None,
                    email_confirmed: true,
                },
                calendar::now(),
            )
            .await
            .expect("create the author");
        self.store
            .set_role(self.site.id, user.id, Role::Author, calendar::now())
            .await
            .expect("make an author");
        user
    }

    /// Saves a published post with a new title and text, as the test author, and returns it as saved.
    pub async fn edit_post(&self, post: &Post, title: &str, source: &str) -> Post {
        let author = self.author().await;
        let saved = self
            .store
            .update_post(
                self.site.id,
                post.id,
                post.version,
                author.id,
                &colloquy::store::PostEdit {
                    title,
                    source,
                    excerpt: "",
                    status: colloquy::domain::post::PostStatus::Publish,
                    published_at: post.published_at,
                    comments_open: true,
                    sticky: false,
                    password: None,
                    parent_id: None,
                    categories: &[],
                    tags: &[],
                    reading_id: None,
                    date_chosen: true,
                },
                calendar::now(),
                colloquy::store::Writing::Save,
            )
            .await
            .expect("save the edit");
        match saved {
            colloquy::store::Saved::Saved(post) => *post,
            colloquy::store::Saved::Conflict(_) => panic!("no one else edits this post"),
        }
    }

    pub async fn publish(&self, spec: PostSpec<'_>) -> Post {
        self.publish_on(self.site.id, spec).await
    }

    /// Publishes on a given site, by the test author (who becomes an author there).
    pub async fn publish_on(&self, site_id: i64, spec: PostSpec<'_>) -> Post {
        let author = self.author().await;
        if self
            .store
            .role_on(site_id, author.id)
            .await
            .expect("a role")
            .is_none()
        {
            self.store
                .set_role(site_id, author.id, Role::Author, calendar::now())
                .await
                .expect("make an author");
        }
        self.store
            .create_post(
                &NewPost {
                    reading_id: spec.reading_id,
                    site_id,
                    author_id: author.id,
                    kind: spec.kind,
                    status: spec.status,
                    title: spec.title,
                    source: spec.body,
                    format: SourceFormat::Markdown,
                    excerpt: "",
                    slug: None,
                    parent_id: spec.parent_id,
                    comments_open: spec.comments_open,
                    published_at: spec.published_at,
                    categories: &spec.categories,
                    tags: &spec.tags,
                    sticky: false,
                    password: None,
                },
                calendar::now(),
            )
            .await
            .expect("publish")
    }

    pub async fn publish_post(&self, title: &str) -> Post {
        self.publish(PostSpec::post(title)).await
    }

    /// The permalink path of a published post (dated, UTC).
    pub fn permalink(&self, post: &Post) -> String {
        colloquy::domain::permalink::permalink(post, &self.site.settings.zone(), &[])
    }

    /// Changes a site setting as `colloquy site set` would.
    pub async fn set(&self, key: &str, value: &str) {
        let mut settings = self
            .store
            .site_by_id(self.site.id)
            .await
            .expect("the site")
            .settings;
        let stored = settings.set(key, value).expect("a valid setting");
        self.store
            .save_setting(self.site.id, key, &stored)
            .await
            .expect("save the setting");
    }

    /// The fields of a complete public comment on `post`, from a visitor named `name`.
    pub fn reply_fields(post: &Post, name: &str, text: &str) -> Fields<'static> {
        vec![
            ("comment", text.to_owned()),
            ("author", name.to_owned()),
            (
                "email",
                format!("{}@example.org", name.to_lowercase().replace(' ', ".")),
            ),
            ("url", String::new()),
            ("post_id", post.id.to_string()),
            ("parent", "0".to_owned()),
        ]
    }

    /// Sends the "Leave a Reply" form from the client address `ip` (through the trusted proxy header).
    pub async fn leave_reply_from(
        &self,
        client: &reqwest::Client,
        ip: &str,
        fields: &Fields<'_>,
    ) -> Response {
        client
            .post(self.url("/comments"))
            .header("x-forwarded-for", ip)
            .form(fields)
            .send()
            .await
            .expect("POST the comment form")
    }

    pub async fn leave_reply(&self, ip: &str, fields: &Fields<'_>) -> Response {
        self.leave_reply_from(&self.client, ip, fields).await
    }

    /// How many comments the post has, whatever their status.
    pub async fn stored_comment_count(&self, post: &Post) -> usize {
        self.store
            .list_comments(
                self.site.id,
                colloquy::store::CommentFilter {
                    status: None,
                    post_id: Some(post.id),
                },
            )
            .await
            .expect("list comments")
            .len()
    }
}

/// The comment id at the end of a 303's `Location` (`…#comment-ID`).
pub fn comment_id_of(response: &Response) -> i64 {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "expected a 303");
    let location = response.headers()["location"].to_str().expect("a location");
    location
        .rsplit_once("#comment-")
        .and_then(|(_, id)| id.parse().ok())
        .unwrap_or_else(|| panic!("no comment anchor in {location}"))
}

/// Selects elements of a page with a CSS selector.
pub fn select(html: &str, selector: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let selector = Selector::parse(selector).expect("a selector");
    document
        .select(&selector)
        .map(|element| element.html())
        .collect()
}

/// The text of the elements matching a selector.
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let selector = Selector::parse(selector).expect("a selector");
    document
        .select(&selector)
        .map(|element| {
            element
                .text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The value of an attribute on the first element matching a selector.
pub fn attribute(html: &str, selector: &str, name: &str) -> Option<String> {
    let document = Html::parse_document(html);
    let selector = Selector::parse(selector).expect("a selector");
    document
        .select(&selector)
        .next()
        .and_then(|element| element.value().attr(name).map(str::to_owned))
}

/// A person with an account and a role on the test site, signed in with their own cookie jar.
pub struct Member {
    pub user: colloquy::domain::user::User,
    pub client: reqwest::Client,
}

impl Member {
    /// GETs a page as this member.
    pub async fn get(&self, app: &TestApp, path: &str) -> Response {
        self.client.get(app.url(path)).send().await.expect("GET")
    }

    /// Sends a form as this member.
    pub async fn post_form<T: serde::Serialize + ?Sized>(
        &self,
        app: &TestApp,
        path: &str,
        form: &T,
    ) -> Response {
        self.client
            .post(app.url(path))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// The CSRF token on a page this member sees (any page with the log-out form).
    pub async fn csrf(&self, app: &TestApp) -> String {
        let page = self
            .client
            .get(app.url("/"))
            .send()
            .await
            .expect("GET /")
            .text()
            .await
            .expect("a body");
        attribute(&page, "input[name=csrf]", "value").expect("a CSRF token on the page")
    }
}

impl TestApp {
    /// Creates an account with a password.
    pub async fn account(
        &self,
        email: &str,
        name: &str,
        role: Option<Role>,
    ) -> (colloquy::domain::user::User, String) {
        let password = format!("pass-{}", hex_id());
        let hash = colloquy::domain::user::hash_password(&password).expect("hash");
        let user = self
            .store
            .create_user(
                &NewUser {
                    email,
                    name,
                    password_hash: Some(&hash),
                    email_confirmed: true,
                },
                calendar::now(),
            )
            .await
            .expect("create the account");
        if let Some(role) = role {
            self.store
                .set_role(self.site.id, user.id, role, calendar::now())
                .await
                .expect("give a role");
        }
        (user, password)
    }

    /// Signs in through the form, from an address of its own.
    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.sign_in_with(&client(), email, password, "203.0.113.250")
            .await
    }

    pub async fn sign_in_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
        ip: &str,
    ) -> Response {
        client
            .post(self.url("/login"))
            .header("x-forwarded-for", ip)
            .form(&[("email", email), ("password", password), ("next", "/")])
            .send()
            .await
            .expect("POST /login")
    }

    /// Makes an account with `role` and signs it in.
    pub async fn sign_in_as(&self, role: Role) -> Member {
        let name = format!("{} {}", role.as_str(), &hex_id()[..6]);
        let email = format!("{}@example.edu", name.replace(' ', "."));
        let (user, password) = self.account(&email, &name, Some(role)).await;
        let client = client();
        let response = self
            .sign_in_with(&client, &email, &password, "203.0.113.251")
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "signing in as {role}"
        );
        Member { user, client }
    }

    /// The mails in the outbox, newest first.
    pub async fn outbox(&self) -> Vec<colloquy::store::OutboxMail> {
        self.store
            .outbox(self.site.id, 100)
            .await
            .expect("the outbox")
    }

    /// The path of the first link to this site in the newest mail to `recipient`.
    pub async fn link_mailed_to(&self, recipient: &str) -> String {
        let mail = self
            .outbox()
            .await
            .into_iter()
            .find(|mail| mail.recipient == recipient)
            .expect("a mail");
        let start = mail.body.find(&self.address).expect("a link in the mail") + self.address.len();
        mail.body[start..]
            .split_whitespace()
            .next()
            .expect("the link")
            .to_owned()
    }
}

impl TestApp {
    /// Joins by the join form at `join_path` as a signed-out visitor with `client`, then opens the link mailed
    /// for site `site_id` to `email` and chooses `password` there; the answer to that (a redirect that signs in).
    pub async fn join_with(
        &self,
        client: &reqwest::Client,
        site_id: i64,
        join_path: &str,
        [name, email, password]: [&str; 3],
    ) -> Response {
        let asked = client
            .post(self.url(join_path))
            .form(&[("name", name), ("email", email)])
            .send()
            .await
            .expect("POST the join form");
        assert_eq!(asked.status(), StatusCode::OK, "the join form answers");
        let mail = self
            .store
            .outbox(site_id, 100)
            .await
            .expect("the outbox")
            .into_iter()
            .find(|mail| mail.recipient == email)
            .expect("a mail to the joiner");
        let start = mail.body.find(&self.address).expect("a link in the mail") + self.address.len();
        let link = mail.body[start..]
            .split_whitespace()
            .next()
            .expect("the link");
        assert!(link.contains("/join/finish/"), "{link}");
        client
            .post(self.url(link))
            .form(&[("password", password), ("confirm", password)])
            .send()
            .await
            .expect("POST the finishing link")
    }
}

/// Runs the real `colloquy` binary on `app`'s database with `args`, `stdin` on its standard input.
pub fn colloquy(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args(["--database-url", &app.database_url])
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("COLLOQUY_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run colloquy");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("colloquy finishes")
}

/// What a command that succeeded printed, trimmed.
pub fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
