//! What people do, in a real browser: Debian's Chromium, driven through its chromedriver (fantoccini), against
//! the real server. Also axe-core's accessibility rules run inside Chromium on the main pages, the Nu HTML
//! Checker on the same pages, and the command that takes the README's screenshots.
//!
//! Without chromedriver (`apt-get install chromium chromium-driver`), or without the checkers (`npm ci` in
//! `frontend/`), these tests say that they were skipped and pass.

use std::{
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{LazyLock, Once},
    time::{Duration, Instant},
};

use colloquy::domain::user::Role;
use fantoccini::{Client, ClientBuilder, Locator, key::Key};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::helpers::{PostSpec, TestApp, free_port, say, spawn_app};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Two cores: more than two browsers at once only makes each slower.
static BROWSERS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(2));
static SKIPPED: Once = Once::new();

pub(crate) fn frontend_tool(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("frontend/node_modules")
        .join(path)
}

/// A chromedriver of the test's own, in a process group of its own with the Chromium it starts; the whole
/// group is killed when the test ends, also when it fails (killing chromedriver alone would leave Chromium
/// running).
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One Chromium window, with a fresh profile.
pub struct Browser {
    pub(crate) client: Client,
    base: String,
    _driver: Driver,
    _profile: tempfile::TempDir,
    _turn: SemaphorePermit<'static>,
}

impl Browser {
    /// A browser `width` × `height` pixels for `app`, or `None` (said once) where Chromium is not installed.
    pub async fn open(app: &TestApp, width: u32, height: u32) -> Option<Self> {
        Self::open_with(app, width, height, &[]).await
    }

    /// Like `open`, with more of Chromium's switches (`--force-dark-mode`).
    pub async fn open_with(
        app: &TestApp,
        width: u32,
        height: u32,
        switches: &[&str],
    ) -> Option<Self> {
        if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
            SKIPPED.call_once(|| {
                say("browser tests skipped: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
            });
            return None;
        }
        let turn = BROWSERS.acquire().await.expect("the browser semaphore");
        let port = free_port();
        let driver = Driver(
            Command::new(CHROMEDRIVER)
                .process_group(0)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver"),
        );
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ]
        .iter()
        .chain(switches)
        .map(|switch| (*switch).to_owned())
        .collect();
        args.push(format!("--window-size={width},{height}"));
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args }
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!("the capabilities are an object"),
        };
        let webdriver = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let attempt =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(capabilities.clone())
                    .connect(&webdriver)
                    .await;
            match attempt {
                Ok(client) => break client,
                Err(error) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("chromedriver did not start a session: {error}"),
            }
        };
        let browser = Self {
            client,
            base: app.address.clone(),
            _driver: driver,
            _profile: profile,
            _turn: turn,
        };
        browser.resize(width, height).await;
        Some(browser)
    }

    /// Makes the page's viewport exactly `width` × `height` CSS pixels.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize");
        let inner = self
            .run("return [window.innerWidth, window.innerHeight];")
            .await;
        let (inner_width, inner_height) = (
            inner[0].as_u64().unwrap_or(0),
            inner[1].as_u64().unwrap_or(0),
        );
        if inner_width != u64::from(width) || inner_height != u64::from(height) {
            let grow_width = u64::from(width) - inner_width.min(u64::from(width));
            let grow_height = u64::from(height) - inner_height.min(u64::from(height));
            self.client
                .set_window_size(
                    width + u32::try_from(grow_width).unwrap_or(0),
                    height + u32::try_from(grow_height).unwrap_or(0),
                )
                .await
                .expect("resize");
        }
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|error| panic!("open {path}: {error}"));
    }

    pub async fn run(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|error| panic!("run {script}: {error}"))
    }

    /// Waits (polling, up to 10 s) for an element to be on the page.
    pub async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("wait for {css}: {error}"))
    }

    /// Waits (polling, up to 10 s) until `script` returns true.
    pub async fn wait_until(&self, what: &str, script: &str) {
        let started = Instant::now();
        while self.run(script).await != Value::Bool(true) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "waited 10 s for {what}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.expect("the text")
    }

    pub async fn value(&self, css: &str) -> String {
        self.wait(css)
            .await
            .prop("value")
            .await
            .expect("the value")
            .unwrap_or_default()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        self.wait(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|error| panic!("type into {css}: {error}"));
    }

    pub async fn click(&self, css: &str) {
        self.wait(css)
            .await
            .click()
            .await
            .unwrap_or_else(|error| panic!("click {css}: {error}"));
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the address");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    pub async fn sign_in(&self, email: &str, password: &str) {
        self.sign_in_on("", email, password).await;
    }

    /// Signs in through the sign-in form of the site served at `root` (`""` for the main site, `"/SLUG"`).
    pub async fn sign_in_on(&self, root: &str, email: &str, password: &str) {
        self.goto(&format!("{root}/login")).await;
        self.type_into("#email", email).await;
        self.type_into("#password", password).await;
        self.click(&format!("form[action='{root}/login'] button[type=submit]"))
            .await;
        self.wait(&format!(".account-links a[href='{root}/account']"))
            .await;
    }

    pub async fn forget_everyone(&self) {
        self.client
            .delete_all_cookies()
            .await
            .expect("delete cookies");
    }

    /// True when the page is no wider than the window: nothing scrolls sideways.
    pub async fn fits_its_width(&self) -> (bool, String) {
        let measure = self
            .run(
                "const root = document.documentElement;
                 const wide = [...document.querySelectorAll('body *')]
                   .filter((element) => element.getBoundingClientRect().right > root.clientWidth + 1)
                   .slice(0, 5)
                   .map((element) => element.tagName.toLowerCase() + (element.className ? '.' + String(element.className).split(' ').join('.') : ''));
                 return [root.scrollWidth <= root.clientWidth, root.scrollWidth + ' > ' + root.clientWidth + ': ' + wide.join(', ')];",
            )
            .await;
        (
            measure[0].as_bool().unwrap_or(false),
            measure[1].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// axe-core's violations of WCAG 2.1 A and AA on the page, one line each; `None` without axe-core.
    pub async fn accessibility_violations(&self) -> Option<Vec<String>> {
        let axe = std::fs::read_to_string(frontend_tool("axe-core/axe.min.js")).ok()?;
        self.client
            .execute(&format!("{axe}\nreturn true;"), Vec::new())
            .await
            .expect("load axe-core");
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                   .then((results) => done(results.violations.map((violation) =>
                     violation.id + ' (' + violation.impact + '): ' + violation.help + ' at ' +
                     violation.nodes.slice(0, 3).map((node) => node.target.join(' ') + ' ' + (node.failureSummary || '').replace(/\\s+/g, ' ')).join(' | '))))
                   .catch((error) => done(['axe failed: ' + error]));",
                Vec::new(),
            )
            .await
            .expect("run axe-core");
        Some(
            found
                .as_array()
                .map(|violations| {
                    violations
                        .iter()
                        .filter_map(|violation| violation.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        )
    }

    pub async fn screenshot(&self, file: &Path) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(file, png).expect("write the screenshot");
    }
}

/// A site with what the pages under test show: a post with a threaded discussion, categories, a staff member.
pub(crate) struct Course {
    pub(crate) app: TestApp,
    pub(crate) post_path: String,
    /// The dashboard's pages of one post, comment and reading (its editor, revisions, correction, edit form).
    pub(crate) edit_paths: [String; 4],
    pub(crate) instructor_email: String,
    pub(crate) instructor_password: String,
}

pub(crate) async fn course() -> Course {
    let app = spawn_app().await;
    app.set("comment_previously_approved", "off").await;
    app.set("comment_flood_interval", "0").await;
    let (_, instructor_password) = app
        .account(
            "instructor@example.edu",
            "Dr. Ada Instructor",
            Some(Role::Administrator),
        )
        .await;
    // A course of an earlier term, archived: `/admin/sites` lists it with its Restore button.
    let earlier = app
        .store
        .create_site(
            "hist-110",
            "HIST 110, Fall 2025",
            colloquy::domain::calendar::now(),
        )
        .await
        .expect("an earlier course");
    app.store
        .set_archived(earlier.id, Some(colloquy::domain::calendar::now()))
        .await
        .expect("archive it");
    let reading = app
        .store
        .create_reading(
            app.site.id,
            &colloquy::domain::reading::ReadingDetails {
                title: "The Long Telegram".into(),
                author: "George F. Kennan".into(),
                year: Some(1946),
                label: "Kennan 1946".into(),
                source: "[page 1]\nAnswer to Dept's 284 involves questions so intricate.\n\n[page 2]\nAt bottom of Kremlin's neurotic view of world affairs is traditional and instinctive Russian sense of insecurity.".into(),
                members_only: false,
            },
            colloquy::domain::calendar::now(),
        )
        .await
        .expect("add a reading");
    let post = app
        .publish(PostSpec {
            reading_id: Some(reading.id),
            body: "The Kitchen Debate of 1959 was staged in a model kitchen, a \"traditional and instinctive\" (2) fear on show.\n\n> \"Would it not be better to compete in the relative merits of washing machines than in the strength of rockets?\"\n\nWhat did each side want the audience to see?[^1]\n\n[^1]: See the reading for week 3, pages 12–19.\n\nA long address that must wrap on a phone: https://example.org/a/very/long/path/that/keeps/going/and/going/without/any/break/at/all/in/it",
            categories: vec!["Responses".into(), "Week 3".into()],
            tags: vec!["kitchen debate".into()],
            ..PostSpec::post("The Kitchen Debate as theatre")
        })
        .await;
    let post_path = app.permalink(&post);
    let first = app
        .leave_reply(
            "203.0.113.10",
            &TestApp::reply_fields(
                &post,
                "Grace",
                "It was a stage for consumer goods more than for politics.",
            ),
        )
        .await;
    let first_id = crate::helpers::comment_id_of(&first);
    let mut reply = TestApp::reply_fields(&post, "Linus", "Both sides performed for the cameras.");
    for (name, value) in &mut reply {
        if *name == "parent" {
            *value = first_id.to_string();
        }
    }
    app.leave_reply("203.0.113.11", &reply).await;
    Course {
        app,
        post_path,
        edit_paths: [
            format!("/admin/posts/{}", post.id),
            format!("/admin/posts/{}/revisions", post.id),
            format!("/admin/comments/{first_id}"),
            format!("/admin/readings/{}", reading.id),
        ],
        instructor_email: "instructor@example.edu".into(),
        instructor_password,
    }
}

#[tokio::test]
async fn a_visitor_leaves_a_reply_sees_it_held_and_is_remembered() {
    let app = spawn_app().await;
    let post = app.publish_post("Week 1: the Long Telegram").await;
    let Some(browser) = Browser::open(&app, 1280, 900).await else {
        return;
    };
    let path = app.permalink(&post);
    browser.goto(&path).await;
    browser
        .type_into("#comment", "Kennan's telegram reads like a diagnosis.")
        .await;

    browser.goto(&path).await;
    assert_eq!(
        browser.value("#comment").await,
        "Kennan's telegram reads like a diagnosis.",
        "the unsent comment comes back from the browser's storage"
    );
    assert!(browser.text(".draft-status").await.contains("restored"));

    browser.type_into("#author", "Margaret Visitor").await;
    browser.type_into("#email", "margaret@example.org").await;
    browser.click("#wp-comment-cookies-consent").await;
    browser.click("#submit").await;
    browser.wait(".comment-awaiting-moderation").await;
    assert_eq!(
        browser.text(".comment-awaiting-moderation").await,
        "Your comment is awaiting moderation."
    );
    assert!(
        browser
            .text(".comment-list")
            .await
            .contains("Kennan's telegram reads like a diagnosis.")
    );

    browser.goto(&path).await;
    assert_eq!(browser.value("#author").await, "Margaret Visitor");
    assert_eq!(browser.value("#email").await, "margaret@example.org");
    assert_eq!(
        browser.value("#comment").await,
        "",
        "a sent comment's draft is gone"
    );
    assert_eq!(app.stored_comment_count(&post).await, 1);
}

#[tokio::test]
async fn a_visitor_replies_to_a_comment_through_the_moved_form() {
    let course = course().await;
    let app = &course.app;
    let Some(browser) = Browser::open(app, 1280, 900).await else {
        return;
    };
    browser.goto(&course.post_path).await;
    let first = browser
        .wait(".comment-list > li.comment")
        .await
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    let first_id = first.trim_start_matches("comment-").to_owned();
    browser
        .click(&format!("#{first} > article .comment-reply-link"))
        .await;
    browser
        .wait_until(
            "the form to move under the comment",
            &format!("return document.getElementById('respond').parentElement.id === '{first}';"),
        )
        .await;
    assert_eq!(browser.path().await, course.post_path, "no page was loaded");
    assert_eq!(browser.value("#comment_parent").await, first_id);
    assert_eq!(
        browser.text("#reply-title-text").await,
        "Leave a Reply to Grace"
    );
    assert!(
        browser
            .wait("#cancel-comment-reply-link")
            .await
            .is_displayed()
            .await
            .unwrap()
    );

    browser.click("#cancel-comment-reply-link").await;
    browser
        .wait_until(
            "the form to go back",
            "return document.getElementById('respond').parentElement.id === 'comments';",
        )
        .await;
    assert_eq!(browser.value("#comment_parent").await, "0");
    assert_eq!(browser.text("#reply-title-text").await, "Leave a Reply");

    browser
        .click(&format!("#{first} > article .comment-reply-link"))
        .await;
    browser
        .type_into("#comment", "And the audience was the world.")
        .await;
    browser.type_into("#author", "Hedy").await;
    browser.type_into("#email", "hedy@example.org").await;
    browser.click("#submit").await;
    browser
        .wait("#comment-1, .comment-list .children .children")
        .await;
    let nested = browser
        .run(&format!(
            "return [...document.querySelectorAll('#{first} .children .comment-content')].map((node) => node.textContent.trim());"
        ))
        .await;
    assert!(
        nested
            .as_array()
            .unwrap()
            .iter()
            .any(|text| text.as_str() == Some("And the audience was the world.")),
        "{nested}"
    );
}

#[tokio::test]
async fn the_instructor_approves_a_held_comment_and_it_then_shows() {
    let course = course().await;
    let app = &course.app;
    app.set("comment_previously_approved", "on").await;
    let Some(browser) = Browser::open(app, 1280, 900).await else {
        return;
    };
    browser.goto(&course.post_path).await;
    browser
        .type_into("#comment", "Was the kitchen a real one?")
        .await;
    browser.type_into("#author", "Nikita").await;
    browser.type_into("#email", "nikita@example.org").await;
    browser.click("#submit").await;
    browser.wait(".comment-awaiting-moderation").await;

    browser.forget_everyone().await;
    browser.goto(&course.post_path).await;
    assert!(
        !browser
            .text(".comment-list")
            .await
            .contains("Was the kitchen a real one?"),
        "others do not see a held comment"
    );

    browser
        .sign_in(&course.instructor_email, &course.instructor_password)
        .await;
    browser.goto("/admin/comments").await;
    let row = browser.wait("tr.status-pending").await;
    assert!(
        row.text()
            .await
            .unwrap()
            .contains("Was the kitchen a real one?")
    );
    let id = row.attr("id").await.unwrap().unwrap();
    let id = id.trim_start_matches("queued-");
    browser
        .click(&format!("button[name=one][value='approve:{id}']"))
        .await;
    browser
        .wait_until(
            "the queue to show the comment approved",
            &format!("return !document.querySelector('#queued-{id}.status-pending');"),
        )
        .await;

    browser.forget_everyone().await;
    browser.goto(&course.post_path).await;
    assert!(
        browser
            .text(".comment-list")
            .await
            .contains("Was the kitchen a real one?"),
        "the approved comment shows to everyone"
    );
}

#[tokio::test]
async fn a_student_joins_writes_with_the_toolbar_and_publishes() {
    let app = spawn_app().await;
    let code = app
        .store
        .join_code(app.site.id, || "kitchen-debate-59".into())
        .await
        .unwrap();
    let Some(browser) = Browser::open(&app, 1280, 900).await else {
        return;
    };
    browser.goto(&format!("/join/{code}")).await;
    browser.type_into("#name", "Rosa Student").await;
    browser.type_into("#email", "rosa@example.edu").await;
    browser
        .click("form[action^='/join/'] button[type=submit]")
        .await;
    browser.wait(".message").await;
    let finish = app.link_mailed_to("rosa@example.edu").await;
    browser.goto(&finish).await;
    browser
        .type_into("#password", "a long enough password")
        .await;
    browser
        .type_into("#confirm", "a long enough password")
        .await;
    browser
        .click("form[action^='/join/finish/'] button[type=submit]")
        .await;
    browser.wait(".account-links a[href='/account']").await;

    browser.goto("/admin/posts/new").await;
    browser.wait(".EasyMDEContainer .CodeMirror").await;
    browser
        .type_into("#title", "Why the kitchen mattered")
        .await;
    browser.click(".EasyMDEContainer .CodeMirror").await;
    let input = ".EasyMDEContainer .CodeMirror textarea";
    browser.type_into(input, "The debate was ").await;
    browser.click(".editor-toolbar button.bold").await;
    browser.type_into(input, "staged").await;
    browser
        .type_into(input, &format!("{}{}", Key::End, Key::Enter))
        .await;
    browser.type_into(input, &Key::Enter.to_string()).await;
    browser.click(".editor-toolbar button.quote").await;
    browser.type_into(input, "Would it not be better").await;
    assert_eq!(
        browser.value("#body").await,
        "The debate was **staged**\n\n> Would it not be better"
    );

    browser.click(".editor-toolbar button.preview").await;
    browser
        .wait_until(
            "the server-rendered preview",
            "const preview = document.querySelector('.editor-preview-active');
             return !!preview && !!preview.querySelector('strong') && !!preview.querySelector('blockquote');",
        )
        .await;
    browser.click(".editor-toolbar button.preview").await;

    browser
        .wait("#status")
        .await
        .select_by_value("publish")
        .await
        .unwrap();
    browser.click("button[name=action][value=save]").await;
    browser.wait(".notice-success").await;
    let looks = browser
        .run(
            "const notice = getComputedStyle(document.querySelector('.notice-success'));
             const probe = document.createElement('p'); probe.className = 'field-error'; document.body.append(probe);
             const error = getComputedStyle(probe).color; probe.remove();
             return [notice.color, notice.borderLeftColor, error, document.querySelector('.notice-success').textContent.trim()];",
        )
        .await;
    assert_ne!(
        looks[0], looks[2],
        "“Published” is not written in the error colour: {looks}"
    );
    assert_ne!(looks[1], looks[2], "nor marked with it: {looks}");
    assert!(
        looks[3]
            .as_str()
            .unwrap_or_default()
            .starts_with("Published"),
        "{looks}"
    );
    assert!(browser.path().await.ends_with("?saved=1"));

    browser.goto("/").await;
    assert_eq!(
        browser.text("h2.entry-title").await,
        "Why the kitchen mattered"
    );
    browser.click("h2.entry-title a").await;
    assert_eq!(browser.text(".entry-content strong").await, "staged");
    assert_eq!(
        browser.text(".entry-content blockquote").await,
        "Would it not be better"
    );
}

#[tokio::test]
async fn the_editor_keeps_text_through_a_reload_autosaves_on_leaving_and_saves_on_ctrl_s() {
    let app = spawn_app().await;
    let post = app
        .publish(PostSpec {
            body: "First thoughts.",
            ..PostSpec::post("Notes on containment")
        })
        .await;
    let user = app.author().await;
    let password = "a long enough password";
    let hash = colloquy::domain::user::hash_password(password).unwrap();
    app.store
        .change_password(user.id, &hash, None, colloquy::domain::calendar::now())
        .await
        .unwrap();
    let Some(browser) = Browser::open(&app, 1280, 900).await else {
        return;
    };
    browser.sign_in(&user.email, password).await;
    let editor = format!("/admin/posts/{}", post.id);
    let input = ".EasyMDEContainer .CodeMirror textarea";

    browser.goto(&editor).await;
    browser.click(".EasyMDEContainer .CodeMirror").await;
    browser
        .type_into(input, &format!("{} Then second thoughts.", Key::End))
        .await;
    browser.goto(&editor).await;
    browser.wait(".EasyMDEContainer").await;
    assert_eq!(
        browser.value("#body").await,
        "First thoughts. Then second thoughts.",
        "the text typed before the reload comes back from the browser's storage"
    );
    assert!(browser.text("#editor-status").await.contains("restored"));

    browser
        .run("document.getElementById('editor').dataset.autosave = 'http://127.0.0.1:9/unreachable'; window.dispatchEvent(new Event('online')); return true;")
        .await;
    browser
        .wait_until(
            "the editor to say the connection is lost",
            "return document.getElementById('editor-status').textContent.includes('connection to the site is lost');",
        )
        .await;

    browser.goto(&editor).await;
    browser.wait(".EasyMDEContainer").await;
    browser.click(".EasyMDEContainer .CodeMirror").await;
    browser
        .type_into(input, &format!("{} And third.", Key::End))
        .await;
    browser.goto("/").await;
    let started = Instant::now();
    loop {
        let autosave = app.store.autosave_of(post.id, user.id).await.unwrap();
        if autosave.is_some_and(|autosave| autosave.source.ends_with("And third.")) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "leaving the editor autosaves the text"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored = app
        .store
        .post_by_id(app.site.id, post.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.source, "First thoughts.",
        "an autosave leaves the post as it was"
    );

    browser.goto(&editor).await;
    browser.wait(".EasyMDEContainer").await;
    browser.click(".EasyMDEContainer .CodeMirror").await;
    browser
        .type_into(input, &format!("{}{}", Key::Control, "s"))
        .await;
    browser
        .wait_until(
            "the save to finish",
            "return location.search.includes('saved=1');",
        )
        .await;
    let stored = app
        .store
        .post_by_id(app.site.id, post.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.source.ends_with("And third."),
        "Ctrl+S saved the post: {:?}",
        stored.source
    );
    assert!(
        app.store
            .autosave_of(post.id, user.id)
            .await
            .unwrap()
            .is_none(),
        "a save discards the autosave"
    );
}

/// What the editor says once the autosave it was asked for has answered: saved, or the connection is lost.
const AUTOSAVE_ANSWERED: &str = "const said = document.getElementById('editor-status').textContent;
     return said.includes('autosaved') || said.includes('connection to the site is lost');";

impl Browser {
    /// Autosaves the editor's unsaved text at once instead of 30 s after typing (the editor autosaves what is
    /// unsaved when the connection comes back); returns what the editor then says, and where it sent the text.
    pub(crate) async fn autosave_now(&self) -> (String, String) {
        let address = self
            .run("const form = document.getElementById('editor'); document.getElementById('editor-status').textContent = ''; window.dispatchEvent(new Event('online')); return form.dataset.autosave;")
            .await;
        self.wait_until("the autosave to answer", AUTOSAVE_ANSWERED)
            .await;
        (
            self.text("#editor-status").await,
            address.as_str().unwrap_or_default().to_owned(),
        )
    }

    /// The titles of the posts listed on the page.
    async fn listed_titles(&self) -> Vec<String> {
        self.wait("main#content").await;
        let titles = self
            .run("return [...document.querySelectorAll('h2.entry-title')].map((title) => title.textContent.trim());")
            .await;
        titles
            .as_array()
            .map(|titles| {
                titles
                    .iter()
                    .filter_map(|title| title.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Someone who writes on HIST 220, served at `/hist-220/`.
struct HistoryWriter<'a> {
    who: &'a str,
    user: colloquy::domain::user::User,
    password: String,
    /// The title of the post they write in the browser.
    title: &'a str,
    /// A post of theirs already on HIST 220.
    existing: colloquy::domain::post::Post,
}

/// `writer`, in a browser of their own, writes a new post in `/hist-220/admin/posts/new` (autosave, live
/// preview, publish) and autosaves an edit of a post they already have there: all of it on HIST 220.
async fn write_on_hist_220(
    app: &TestApp,
    history: &colloquy::store::Site,
    writer: &HistoryWriter<'_>,
) {
    let who = writer.who;
    let title = writer.title;
    let Some(browser) = Browser::open(app, 1280, 900).await else {
        return;
    };
    browser
        .sign_in_on("/hist-220", &writer.user.email, &writer.password)
        .await;
    let input = ".EasyMDEContainer .CodeMirror textarea";

    browser.goto("/hist-220/admin/posts/new").await;
    browser.wait(".EasyMDEContainer .CodeMirror").await;
    let addresses = browser
        .run("const form = document.getElementById('editor'); return [form.getAttribute('action'), form.dataset.autosave, form.dataset.preview];")
        .await;
    assert_eq!(
        addresses,
        json!([
            "/hist-220/admin/posts/new?type=post",
            "/hist-220/admin/posts/new/autosave?type=post",
            "/hist-220/admin/preview"
        ]),
        "{who}: the editor's form, autosave and preview addresses on /hist-220/admin/posts/new"
    );
    browser.type_into("#title", title).await;
    browser.click(".EasyMDEContainer .CodeMirror").await;
    browser.type_into(input, "Containment was a bet on ").await;
    browser.click(".editor-toolbar button.bold").await;
    browser.type_into(input, "time").await;

    let (said, sent_to) = browser.autosave_now().await;
    assert!(
        said.contains("Draft autosaved") && !said.contains("connection to the site is lost"),
        "{who}: the first autosave (POST {sent_to}) answers OK; the editor says {said:?}"
    );
    assert!(
        !app.store
            .all_posts(app.site.id)
            .await
            .unwrap()
            .iter()
            .any(|post| post.title == title),
        "{who}: the autosave (POST {sent_to}) made no draft on the main site"
    );
    let on_history: Vec<_> = app
        .store
        .all_posts(history.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|post| post.title == title)
        .collect();
    assert_eq!(
        on_history.len(),
        1,
        "{who}: the autosave made one draft on HIST 220"
    );
    let draft = &on_history[0];
    assert_eq!(
        draft.status,
        colloquy::domain::post::PostStatus::Draft,
        "{who}"
    );
    assert_eq!(draft.source, "Containment was a bet on **time**", "{who}");
    let editing = format!("/hist-220/admin/posts/{}", draft.id);
    assert_eq!(
        browser.path().await,
        editing,
        "{who}: the editor goes on editing the draft on HIST 220"
    );
    assert_eq!(
        browser
            .run("const form = document.getElementById('editor'); return [form.getAttribute('action'), form.dataset.autosave];")
            .await,
        json!([editing, format!("{editing}/autosave")]),
        "{who}: after the first autosave the form saves the draft on HIST 220"
    );

    browser.click(".editor-toolbar button.preview").await;
    browser
        .wait_until(
            "the server-rendered preview",
            "const preview = document.querySelector('.editor-preview-active');
             return !!preview && !preview.textContent.includes('Rendering the preview');",
        )
        .await;
    let preview = browser.text(".editor-preview-active").await;
    assert!(
        !preview.contains("connection to the site"),
        "{who}: the live preview (POST /hist-220/admin/preview) answers OK; it shows {preview:?}"
    );
    assert_eq!(
        browser.text(".editor-preview-active strong").await,
        "time",
        "{who}: the preview renders the Markdown"
    );
    assert!(
        preview.contains("Containment was a bet on"),
        "{who}: {preview:?}"
    );
    browser.click(".editor-toolbar button.preview").await;
    let requested = browser
        .run("return performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname).filter((path) => path.includes('/admin/'));")
        .await;
    let requested: Vec<&str> = requested
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        requested.contains(&"/hist-220/admin/preview")
            && requested.contains(&"/hist-220/admin/posts/new/autosave"),
        "{who}: the editor's requests: {requested:?}"
    );
    assert!(
        requested.iter().all(|path| path.starts_with("/hist-220/")),
        "{who}: every request of the editor stays on HIST 220: {requested:?}"
    );

    browser
        .wait("#status")
        .await
        .select_by_value("publish")
        .await
        .unwrap();
    browser.click("button[name=action][value=save]").await;
    browser.wait(".notice-success").await;
    assert_eq!(
        browser.path().await,
        format!("{editing}?saved=1"),
        "{who}: Save stays on HIST 220"
    );
    let saved = app
        .store
        .post_by_id(history.id, draft.id)
        .await
        .unwrap()
        .expect("the post on HIST 220");
    assert_eq!(
        saved.status,
        colloquy::domain::post::PostStatus::Publish,
        "{who}: Save published the draft on HIST 220"
    );
    assert_eq!(
        app.store
            .all_posts(history.id)
            .await
            .unwrap()
            .iter()
            .filter(|post| post.title == title)
            .count(),
        1,
        "{who}: Save published the autosaved draft rather than a second post"
    );
    assert!(
        app.store
            .post_by_id(app.site.id, draft.id)
            .await
            .unwrap()
            .is_none()
            && !app
                .store
                .all_posts(app.site.id)
                .await
                .unwrap()
                .iter()
                .any(|post| post.title == title),
        "{who}: nothing was saved on the main site"
    );

    browser.goto("/hist-220/").await;
    let listed = browser.listed_titles().await;
    assert!(
        listed.iter().any(|listed| listed == title),
        "{who}: /hist-220/ lists the post: {listed:?}"
    );
    let (status, feed) = app.page("/hist-220/feed/").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(feed.contains(title), "{who}: /hist-220/feed/ has the post");
    assert!(
        feed.contains(&format!("{}/hist-220/", app.address)),
        "{who}: /hist-220/feed/ links into HIST 220"
    );
    browser.goto("/").await;
    let listed = browser.listed_titles().await;
    assert!(
        !listed.iter().any(|listed| listed == title),
        "{who}: / does not list the post: {listed:?}"
    );
    let (status, feed) = app.page("/feed/").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(
        !feed.contains(title),
        "{who}: /feed/ does not have the post"
    );

    browser.goto("/hist-220/").await;
    browser.wait("main#content").await;
    let link = browser
        .run(&format!(
            "const link = [...document.querySelectorAll('h2.entry-title a')].find((link) => link.textContent.trim() === {});
             return link ? link.getAttribute('href') : null;",
            json!(title)
        ))
        .await;
    let link = link.as_str().expect("a link to the post on /hist-220/");
    assert!(
        link.starts_with("/hist-220/"),
        "{who}: /hist-220/ links to the post at {link}"
    );
    browser
        .click(&format!("h2.entry-title a[href='{link}']"))
        .await;
    assert_eq!(browser.text("h1.entry-title").await, title, "{who}");
    assert_eq!(browser.text(".entry-content strong").await, "time", "{who}");
    let path = browser.path().await;
    assert!(
        path.starts_with("/hist-220/"),
        "{who}: the post is read on HIST 220, not at {path}"
    );

    let existing = format!("/hist-220/admin/posts/{}", writer.existing.id);
    browser.goto(&existing).await;
    browser.wait(".EasyMDEContainer .CodeMirror").await;
    assert_eq!(
        browser
            .run("return document.getElementById('editor').dataset.autosave;")
            .await,
        json!(format!("{existing}/autosave")),
        "{who}: the autosave address of an existing HIST 220 post"
    );
    browser.click(".EasyMDEContainer .CodeMirror").await;
    browser
        .type_into(input, &format!("{} Then second thoughts.", Key::End))
        .await;
    let (said, sent_to) = browser.autosave_now().await;
    assert!(
        said.contains("Draft autosaved") && !said.contains("connection to the site is lost"),
        "{who}: the autosave of {existing} (POST {sent_to}) answers OK; the editor says {said:?}"
    );
    let autosave = app
        .store
        .autosave_of(writer.existing.id, writer.user.id)
        .await
        .unwrap()
        .expect("an autosave of the existing post");
    assert_eq!(
        autosave.source, "First thoughts. Then second thoughts.",
        "{who}"
    );

    browser
        .type_into(input, &format!("{} And third.", Key::End))
        .await;
    browser.goto("/hist-220/").await;
    let started = Instant::now();
    loop {
        let autosave = app
            .store
            .autosave_of(writer.existing.id, writer.user.id)
            .await
            .unwrap();
        if autosave.is_some_and(|autosave| autosave.source.ends_with("And third.")) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{who}: leaving {existing} autosaves the text"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored = app
        .store
        .post_by_id(history.id, writer.existing.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.source, "First thoughts.",
        "{who}: an autosave leaves the post as it was"
    );
}

#[tokio::test]
async fn writing_on_a_second_site_autosaves_previews_and_publishes_there() {
    use colloquy::domain::{
        calendar,
        post::{PostKind, PostStatus, SourceFormat},
    };

    let app = spawn_app().await;
    app.publish_post("Main site news").await;
    let history = app
        .store
        .create_site("hist-220", "HIST 220", calendar::now())
        .await
        .unwrap();
    let (instructor, instructor_password) = app
        .account(
            "instructor@example.edu",
            "Dr. Ada Instructor",
            Some(Role::Administrator),
        )
        .await;
    app.store
        .set_role(history.id, instructor.id, Role::Editor, calendar::now())
        .await
        .unwrap();
    let (student, student_password) = app.account("sam@example.edu", "Sam Student", None).await;
    app.store
        .set_role(history.id, student.id, Role::Author, calendar::now())
        .await
        .unwrap();
    assert_eq!(
        app.store.role_on(app.site.id, student.id).await.unwrap(),
        None,
        "the student belongs to HIST 220 only"
    );
    let existing_post = |author_id: i64, title: &'static str| {
        let store = app.store.clone();
        let site_id = history.id;
        async move {
            store
                .create_post(
                    &colloquy::store::NewPost {
                        reading_id: None,
                        site_id,
                        author_id,
                        kind: PostKind::Post,
                        status: PostStatus::Publish,
                        title,
                        source: "First thoughts.",
                        format: SourceFormat::Markdown,
                        excerpt: "",
                        slug: None,
                        parent_id: None,
                        comments_open: true,
                        published_at: calendar::now() - 3_600,
                        categories: &[],
                        tags: &[],
                        sticky: false,
                        password: None,
                    },
                    calendar::now(),
                )
                .await
                .unwrap()
        }
    };

    let writers = [
        HistoryWriter {
            who: "the instructor of both sites",
            existing: existing_post(instructor.id, "Week 1 prompt").await,
            user: instructor,
            password: instructor_password,
            title: "Containment in the syllabus",
        },
        HistoryWriter {
            who: "the HIST 220 student",
            existing: existing_post(student.id, "Notes on Kennan").await,
            user: student,
            password: student_password,
            title: "Containment as a wager",
        },
    ];
    for writer in &writers {
        write_on_hist_220(&app, &history, writer).await;
    }
}

/// The pages a person meets, as (path, needs a signed-in instructor).
const PAGES: [(&str, bool); 27] = [
    ("/", false),
    ("POST", false),
    ("/category/responses/", false),
    ("/search/?q=kitchen", false),
    ("/readings/", false),
    ("/readings/the-long-telegram/", false),
    ("/readings/the-long-telegram/page/2/", false),
    ("/login", false),
    ("/admin/", true),
    ("/admin/posts", true),
    ("/admin/posts?type=page", true),
    ("/admin/posts/new", true),
    ("/admin/comments", true),
    ("/admin/categories", true),
    ("/admin/readings", true),
    ("/admin/readings/new", true),
    ("/admin/participation", true),
    ("/admin/members", true),
    ("/admin/settings", true),
    ("/admin/outbox", true),
    ("/admin/sites", true),
    ("EDIT:0", true),
    ("EDIT:1", true),
    ("EDIT:2", true),
    ("EDIT:3", true),
    ("/account", true),
    ("/account/leave", true),
];

impl Browser {
    /// Opens one of `PAGES` once it has loaded (with the editor's script, on the editor), first signing the
    /// instructor in when the page needs it and `signed_in` says it has not happened yet.
    async fn open_main_page(
        &self,
        course: &Course,
        path: &str,
        needs_sign_in: bool,
        signed_in: &mut bool,
    ) {
        if needs_sign_in && !*signed_in {
            self.sign_in(&course.instructor_email, &course.instructor_password)
                .await;
            *signed_in = true;
        }
        self.goto(&page_path(course, path)).await;
        self.wait("main#content").await;
        if path == "/admin/posts/new" || path == "EDIT:0" {
            self.wait(".EasyMDEContainer").await;
        }
    }
}

/// A page of `PAGES` as an address: `POST` is the course's post, `EDIT:N` the Nth of its `edit_paths`.
fn page_path(course: &Course, path: &str) -> String {
    match path.strip_prefix("EDIT:") {
        Some(index) => course.edit_paths[index.parse::<usize>().unwrap_or_default()].clone(),
        None if path == "POST" => course.post_path.clone(),
        None => path.to_owned(),
    }
}

#[tokio::test]
async fn pages_fit_a_phone_and_a_wide_screen_without_scrolling_sideways() {
    let course = course().await;
    let Some(browser) = Browser::open(&course.app, 360, 740).await else {
        return;
    };
    let mut wide = Vec::new();
    for (width, height) in [(360, 740), (1280, 900)] {
        browser.forget_everyone().await;
        browser.resize(width, height).await;
        let mut signed_in = false;
        for (path, needs_sign_in) in PAGES {
            browser
                .open_main_page(&course, path, needs_sign_in, &mut signed_in)
                .await;
            let (fits, measure) = browser.fits_its_width().await;
            if !fits {
                wide.push(format!("{path} at {width} px: {measure}"));
            }
        }
    }
    assert!(
        wide.is_empty(),
        "pages that scroll sideways:\n{}",
        wide.join("\n")
    );
}

#[tokio::test]
async fn the_participation_tables_names_stay_in_view_while_its_weeks_scroll() {
    let course = course().await;
    let app = &course.app;
    app.set("term_start", "2026-01-05").await;
    app.set("term_weeks", "30").await;
    let Some(browser) = Browser::open(app, 1280, 900).await else {
        return;
    };
    browser
        .sign_in(&course.instructor_email, &course.instructor_password)
        .await;
    for (width, height) in [(1280, 900), (360, 740)] {
        browser.resize(width, height).await;
        browser.goto("/admin/participation").await;
        browser
            .wait("table.participation tbody th[scope=row]")
            .await;
        let (fits, measure) = browser.fits_its_width().await;
        assert!(
            fits,
            "the page itself does not scroll sideways at {width} px: {measure}"
        );
        let seen = browser
            .run(
                "const region = document.querySelector('table.participation').closest('.table-scroll');
                 const scrolls = region.scrollWidth > region.clientWidth;
                 region.scrollLeft = region.scrollWidth;
                 const box = region.getBoundingClientRect();
                 const names = [...document.querySelectorAll('table.participation tbody th[scope=row], table.participation thead th:first-child')];
                 const hidden = names.filter((name) => {
                   window.scrollTo(0, window.scrollY + name.getBoundingClientRect().top - 100);
                   const cell = name.getBoundingClientRect();
                   const x = Math.min(cell.left + 5, box.right - 1);
                   const shown = document.elementFromPoint(x, cell.top + cell.height / 2);
                   return cell.left < box.left - 1 || !(shown && name.contains(shown));
                 }).map((name) => name.textContent.trim());
                 return [scrolls, region.scrollLeft, hidden];",
            )
            .await;
        assert_eq!(
            seen[0],
            Value::Bool(true),
            "the table is wider than its place at {width} px, so it scrolls (else this test shows nothing): {seen}"
        );
        assert!(seen[1].as_f64().unwrap_or_default() > 0.0, "{seen}");
        assert_eq!(
            seen[2],
            json!([]),
            "names scrolled out of view or under other cells at {width} px"
        );
    }
}

#[tokio::test]
async fn axe_finds_no_wcag_21_aa_violations_on_the_main_pages_light_and_dark() {
    let course = course().await;
    if !frontend_tool("axe-core/axe.min.js").exists() {
        say("accessibility test skipped: axe-core is not installed (npm ci in frontend/)");
        return;
    }
    let mut found = Vec::new();
    for (scheme, switches) in [("light", &[][..]), ("dark", &["--force-dark-mode"][..])] {
        let Some(browser) = Browser::open_with(&course.app, 1280, 900, switches).await else {
            return;
        };
        let dark = browser
            .run("return matchMedia('(prefers-color-scheme: dark)').matches;")
            .await;
        assert_eq!(dark, Value::Bool(scheme == "dark"), "the {scheme} scheme");

        browser.goto(&course.post_path).await;
        browser.click("#submit").await;
        browser.wait(".field-error").await;
        assert_eq!(
            browser.run("return document.activeElement.id;").await,
            Value::String("comment".into()),
            "the first field to correct has the focus"
        );
        for violation in browser.accessibility_violations().await.unwrap_or_default() {
            found.push(format!("{scheme}, comment form with errors: {violation}"));
        }

        let mut signed_in = false;
        for (path, needs_sign_in) in PAGES {
            browser
                .open_main_page(&course, path, needs_sign_in, &mut signed_in)
                .await;
            for violation in browser.accessibility_violations().await.unwrap_or_default() {
                found.push(format!("{scheme}, {path}: {violation}"));
            }
        }

        if scheme == "light" {
            browser
                .run("const image = document.createElement('img'); image.src = '/avatar/none.svg'; document.querySelector('main').append(image); return true;")
                .await;
            let planted = browser.accessibility_violations().await.unwrap_or_default();
            assert!(
                planted
                    .iter()
                    .any(|violation| violation.starts_with("image-alt")),
                "axe-core notices an image without alternative text: {planted:?}"
            );
        }
    }
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
}

#[tokio::test]
async fn the_nu_html_checker_finds_no_errors_on_the_main_pages() {
    let checker = frontend_tool("vnu-jar/build/dist/vnu.jar");
    let java = Command::new("java").arg("-version").output();
    if !checker.exists() || java.is_err() {
        say(
            "HTML validity test skipped: the Nu HTML Checker needs Java and vnu-jar (npm ci in frontend/)",
        );
        return;
    }
    let course = course().await;
    let app = &course.app;
    let instructor = crate::helpers::client();
    let signed = app
        .sign_in_with(
            &instructor,
            &course.instructor_email,
            &course.instructor_password,
            "203.0.113.250",
        )
        .await;
    assert_eq!(signed.status(), reqwest::StatusCode::SEE_OTHER);
    let folder = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (index, (path, needs_sign_in)) in PAGES.iter().enumerate() {
        let client = if *needs_sign_in {
            &instructor
        } else {
            &app.client
        };
        let response = client
            .get(app.url(&page_path(&course, path)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
        let file = folder.path().join(format!("page-{index}.html"));
        std::fs::write(&file, response.text().await.unwrap()).unwrap();
        files.push((file, *path));
    }
    let planted = folder.path().join("planted.html");
    std::fs::write(
        &planted,
        "<!DOCTYPE html><html lang=en><title>x</title><p><div>misnested</p></div>",
    )
    .unwrap();
    let check = Command::new("java")
        .arg("-jar")
        .arg(&checker)
        .args(["--errors-only", "--format", "gnu"])
        .arg(&planted)
        .output()
        .expect("run the Nu HTML Checker");
    assert!(
        !check.status.success(),
        "the checker notices an invalid page"
    );
    let output = Command::new("java")
        .arg("-jar")
        .arg(&checker)
        .args(["--errors-only", "--format", "gnu"])
        .args(files.iter().map(|(file, _)| file))
        .output()
        .expect("run the Nu HTML Checker");
    let mut report = String::from_utf8_lossy(&output.stderr).into_owned();
    report.push_str(&String::from_utf8_lossy(&output.stdout));
    for (file, path) in &files {
        report = report.replace(&format!("\"file:{}\"", file.display()), path);
        report = report.replace(&file.display().to_string(), path);
    }
    assert!(
        output.status.success(),
        "the Nu HTML Checker found:\n{report}"
    );
}

/// Takes the README's screenshots into `docs/screenshots/`: run it after changing the theme, with
/// `cargo test --test it browser::screenshots -- --ignored`.
#[tokio::test]
#[ignore = "writes docs/screenshots/; run by hand after changing the theme"]
async fn screenshots() {
    let app = spawn_app().await;
    let credentials = colloquy::demo::create_demo_course(&app.store, &app.site)
        .await
        .unwrap();
    let Some(browser) = Browser::open(&app, 1280, 900).await else {
        panic!("screenshots need chromium and chromedriver");
    };
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    browser.goto("/").await;
    browser.wait("main#content").await;
    browser.screenshot(&folder.join("home.png")).await;

    let discussed = browser
        .run("return document.querySelector('.widget-recent-comments a').getAttribute('href').split('#')[0];")
        .await;
    let discussed = discussed.as_str().unwrap().to_owned();
    browser.goto(&discussed).await;
    browser.wait(".comment-list").await;
    browser
        .run("document.getElementById('comments').scrollIntoView(); window.scrollBy(0, -120); return true;")
        .await;
    browser.screenshot(&folder.join("post.png")).await;

    browser
        .sign_in(&credentials.email, &credentials.password)
        .await;
    browser.goto("/admin/posts/new").await;
    browser.wait(".EasyMDEContainer").await;
    browser
        .type_into("#title", "Response: the Kitchen Debate")
        .await;
    browser.click(".EasyMDEContainer .CodeMirror").await;
    browser
        .type_into(
            ".EasyMDEContainer .CodeMirror textarea",
            "Nixon and Khrushchev argued in a **model kitchen**.\n\n> Would it not be better to compete in the relative merits of washing machines?\n\nWhat did each side want the cameras to see?",
        )
        .await;
    browser.click(".editor-toolbar button.side-by-side").await;
    browser
        .wait_until(
            "the side-by-side preview",
            "const preview = document.querySelector('.editor-preview-active-side');
             return !!preview && !!preview.querySelector('blockquote');",
        )
        .await;
    browser.screenshot(&folder.join("editor.png")).await;
}
