//! The instructor's command line, run as the real binary against the test database.

use std::process::Output;

use colloquy::domain::post::PostStatus;
use reqwest::StatusCode;

use crate::helpers::{TestApp, colloquy, comment_id_of, spawn_app, stdout, texts};

fn fails_with(output: &Output, words: &str) {
    assert!(
        !output.status.success(),
        "expected a failure, got {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(words),
        "stderr {stderr:?} does not say {words:?}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr:?}");
}

#[tokio::test]
async fn an_instructor_adds_people_and_posts_from_the_command_line() {
    let app = spawn_app().await;
    let added = colloquy(
        &app,
        &[
            "user",
            "add",
            "--email",
            "prof@example.edu",
            "--name",
            "Prof. Reyes",
            "--role",
            "administrator",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(stdout(&added).contains("as administrator of main"));

    let path = stdout(&colloquy(
        &app,
        &[
            "post",
            "add",
            "--author",
            "prof@example.edu",
            "--title",
            "Week 1: Sources",
            "--category",
            "Lectures",
            "--tag",
            "primary sources",
            "--date",
            "2026-09-01T09:00:00Z",
        ],
        "# Notes\n\nRead **chapter 1**.",
    ));
    assert_eq!(path, "/2026/09/01/week-1-sources/");
    let (status, page) = app.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&page, ".entry-content strong"), ["chapter 1"]);
    assert_eq!(app.page("/category/lectures/").await.0, StatusCode::OK);
    assert_eq!(app.page("/tag/primary-sources/").await.0, StatusCode::OK);

    let draft = stdout(&colloquy(
        &app,
        &[
            "post",
            "add",
            "--author",
            "prof@example.edu",
            "--title",
            "Draft",
            "--status",
            "draft",
        ],
        "wip",
    ));
    assert!(draft.starts_with("/admin/posts/"), "{draft}");
    let page_path = stdout(&colloquy(
        &app,
        &[
            "post",
            "add",
            "--author",
            "prof@example.edu",
            "--title",
            "Syllabus",
            "--type",
            "page",
        ],
        "Plan",
    ));
    assert_eq!(page_path, "/syllabus/");
    let id = app
        .store
        .card_by_slug(
            app.site.id,
            colloquy::domain::post::PostKind::Page,
            "syllabus",
        )
        .await
        .unwrap()
        .unwrap()
        .post
        .id;
    let child = stdout(&colloquy(
        &app,
        &[
            "post",
            "add",
            "--author",
            "prof@example.edu",
            "--title",
            "Grading",
            "--type",
            "page",
            "--parent",
            &id.to_string(),
        ],
        "Rules",
    ));
    assert_eq!(child, "/syllabus/grading/");
}

#[tokio::test]
async fn timezones_decide_permalink_dates_and_future_dates_schedule() {
    let app = spawn_app().await;
    colloquy(
        &app,
        &[
            "user",
            "add",
            "--email",
            "ta@example.edu",
            "--name",
            "Tam",
            "--role",
            "editor",
        ],
        "",
    );
    stdout(&colloquy(
        &app,
        &["site", "set", "timezone", "Asia/Tokyo"],
        "",
    ));
    let path = stdout(&colloquy(
        &app,
        &[
            "post",
            "add",
            "--author",
            "ta@example.edu",
            "--title",
            "Late night",
            "--date",
            "2026-03-01T20:00:00Z",
        ],
        "Body",
    ));
    assert_eq!(path, "/2026/03/02/late-night/");

    let future = stdout(&colloquy(
        &app,
        &[
            "post",
            "add",
            "--author",
            "ta@example.edu",
            "--title",
            "Next year",
            "--date",
            "2099-01-01T00:00:00Z",
        ],
        "Later",
    ));
    let id: i64 = future
        .trim_start_matches("/admin/posts/")
        .parse()
        .expect("the editor's address of a scheduled post");
    let post = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(post.status, PostStatus::Future);
}

#[tokio::test]
async fn a_contributors_post_goes_to_review() {
    let app = spawn_app().await;
    colloquy(
        &app,
        &[
            "user",
            "add",
            "--email",
            "c@example.edu",
            "--name",
            "Cory",
            "--role",
            "contributor",
        ],
        "",
    );
    let output = colloquy(
        &app,
        &[
            "post",
            "add",
            "--author",
            "c@example.edu",
            "--title",
            "Mine",
        ],
        "Text",
    );
    assert!(stdout(&output).starts_with("/admin/posts/"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("pending"));
}

#[tokio::test]
async fn command_line_mistakes_are_one_line_errors() {
    let app = spawn_app().await;
    colloquy(
        &app,
        &[
            "user",
            "add",
            "--email",
            "a@example.edu",
            "--name",
            "Al",
            "--role",
            "author",
        ],
        "",
    );
    fails_with(
        &colloquy(
            &app,
            &[
                "user",
                "add",
                "--email",
                "b@example.edu",
                "--name",
                "B",
                "--role",
                "teacher",
            ],
            "",
        ),
        "unknown role",
    );
    fails_with(
        &colloquy(
            &app,
            &[
                "user",
                "add",
                "--email",
                "a@example.edu",
                "--name",
                "Al",
                "--role",
                "author",
            ],
            "",
        ),
        "exists",
    );
    fails_with(
        &colloquy(
            &app,
            &[
                "user", "add", "--email", "nope", "--name", "N", "--role", "author",
            ],
            "",
        ),
        "not a valid email",
    );
    fails_with(
        &colloquy(
            &app,
            &[
                "user",
                "add",
                "--email",
                "p@example.edu",
                "--name",
                "P",
                "--role",
                "author",
                "--password-stdin",
            ],
            "short\n",
        ),
        "at least 8",
    );
    fails_with(
        &colloquy(
            &app,
            &[
                "post",
                "add",
                "--author",
                "ghost@example.edu",
                "--title",
                "T",
            ],
            "Body",
        ),
        "no account",
    );
    fails_with(
        &colloquy(
            &app,
            &["post", "add", "--author", "a@example.edu", "--title", "T"],
            "  \n",
        ),
        "body is empty",
    );
    fails_with(
        &colloquy(
            &app,
            &[
                "post",
                "add",
                "--author",
                "a@example.edu",
                "--title",
                "T",
                "--date",
                "yesterday",
            ],
            "B",
        ),
        "RFC 3339",
    );
    fails_with(
        &colloquy(
            &app,
            &[
                "post",
                "add",
                "--author",
                "a@example.edu",
                "--title",
                "T",
                "--slug",
                "admin",
            ],
            "B",
        ),
        "not a usable slug",
    );
    fails_with(
        &colloquy(
            &app,
            &[
                "post",
                "add",
                "--author",
                "a@example.edu",
                "--title",
                "T",
                "--type",
                "page",
                "--parent",
                "4242",
            ],
            "B",
        ),
        "no page",
    );
    fails_with(
        &colloquy(&app, &["comment", "approve", "4242"], ""),
        "no comment",
    );
    fails_with(
        &colloquy(&app, &["comment", "list", "--status", "weird"], ""),
        "unknown comment status",
    );
    fails_with(
        &colloquy(&app, &["site", "set", "colour", "blue"], ""),
        "unknown setting",
    );
    fails_with(
        &colloquy(&app, &["site", "set", "comment_flood_interval", "soon"], ""),
        "number of seconds",
    );
    fails_with(
        &colloquy(&app, &["site", "get", "colour"], ""),
        "unknown setting",
    );
    fails_with(
        &colloquy(&app, &["--site", "elsewhere", "site", "get"], ""),
        "no site",
    );
    assert_eq!(
        app.store
            .count_published(app.site.id, &colloquy::store::ListFilter::All)
            .await
            .unwrap(),
        0,
        "nothing was posted"
    );
}

#[tokio::test]
async fn comments_are_listed_as_json_and_moderated() {
    let app = spawn_app().await;
    let post = app.publish_post("Moderation").await;
    let id = comment_id_of(
        &app.leave_reply(
            "192.0.2.44",
            &TestApp::reply_fields(&post, "Newcomer", "Please approve me"),
        )
        .await,
    );

    let listed: serde_json::Value = serde_json::from_str(&stdout(&colloquy(
        &app,
        &["comment", "list", "--status", "pending", "--format", "json"],
        "",
    )))
    .unwrap();
    let first = &listed[0];
    assert_eq!(first["id"], id);
    assert_eq!(first["post_id"], post.id);
    assert_eq!(first["parent_id"], serde_json::Value::Null);
    assert_eq!(first["status"], "pending");
    assert_eq!(first["author"], "Newcomer");
    assert_eq!(first["email"], "newcomer@example.org");
    assert_eq!(first["content"], "Please approve me");
    assert_eq!(first["ip"], "192.0.2.44");
    assert!(
        first["created_at"]
            .as_str()
            .is_some_and(|date| date.contains('T'))
    );
    assert!(stdout(&colloquy(&app, &["comment", "list"], "")).contains("Newcomer"));

    assert_eq!(
        stdout(&colloquy(
            &app,
            &["comment", "approve", &id.to_string()],
            ""
        )),
        format!("comment {id} is now approved\n1 mail put in the outbox (the server delivers it)"),
        "the post's author hears of it, as from the dashboard"
    );
    let stranger = crate::helpers::client();
    let page = stranger
        .get(app.url(&app.permalink(&post)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Please approve me"));

    stdout(&colloquy(&app, &["comment", "trash", &id.to_string()], ""));
    let page = stranger
        .get(app.url(&app.permalink(&post)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Please approve me"));
    assert_eq!(
        stdout(&colloquy(
            &app,
            &["comment", "restore", &id.to_string(), "--no-mail"],
            ""
        )),
        format!("comment {id} is now approved\nno mail sent (--no-mail)")
    );
    fails_with(
        &colloquy(&app, &["comment", "restore", &id.to_string()], ""),
        "not in the trash",
    );
    assert_eq!(
        stdout(&colloquy(&app, &["comment", "spam", &id.to_string()], "")),
        format!("comment {id} is now spam")
    );
    assert_eq!(
        stdout(&colloquy(
            &app,
            &["comment", "unapprove", &id.to_string()],
            ""
        )),
        format!("comment {id} is now pending")
    );
    let empty: serde_json::Value = serde_json::from_str(&stdout(&colloquy(
        &app,
        &[
            "comment", "list", "--status", "approved", "--format", "json",
        ],
        "",
    )))
    .unwrap();
    assert_eq!(empty, serde_json::json!([]));
}

#[tokio::test]
async fn settings_are_read_and_changed() {
    let app = spawn_app().await;
    assert_eq!(
        stdout(&colloquy(
            &app,
            &["site", "get", "comment_flood_interval"],
            ""
        )),
        "15"
    );
    assert_eq!(
        stdout(&colloquy(
            &app,
            &["site", "set", "title", "History 101"],
            ""
        )),
        "title = History 101"
    );
    assert_eq!(
        stdout(&colloquy(&app, &["site", "get", "title"], "")),
        "History 101"
    );
    let all = stdout(&colloquy(&app, &["site", "get"], ""));
    assert!(all.contains("comment_max_links = 2"));
    let (_, home) = app.page("/").await;
    assert!(home.contains("History 101"));
}

#[tokio::test]
async fn a_slug_change_from_the_command_line_redirects_the_old_address() {
    let app = spawn_app().await;
    let post = app.publish_post("First name").await;
    let old = app.permalink(&post);
    let new = stdout(&colloquy(
        &app,
        &["post", "slug", &post.id.to_string(), "second-name"],
        "",
    ));
    assert!(new.ends_with("/second-name/"));
    let response = app.get(&old).await;
    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(response.headers()["location"], new.as_str());
    fails_with(
        &colloquy(&app, &["post", "slug", "999", "x-y"], ""),
        "no post",
    );
}

#[tokio::test]
async fn every_command_has_help() {
    let app = spawn_app().await;
    for command in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["user", "add", "--help"],
        &["post", "add", "--help"],
        &["comment", "list", "--help"],
        &["comment", "approve", "--help"],
        &["site", "set", "--help"],
    ] {
        let output = colloquy(&app, command, "");
        assert!(output.status.success(), "{command:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage"),
            "{command:?}"
        );
    }
    assert!(stdout(&colloquy(&app, &["migrate"], "")).contains("up to date"));
}

#[tokio::test]
async fn the_demo_course_is_made_only_on_a_database_with_no_accounts_and_no_posts() {
    let app = spawn_app().await;
    assert!(
        colloquy(&app, &["migrate"], "").status.success(),
        "migrate first, as the README's recipe does"
    );
    let added = colloquy(
        &app,
        &[
            "user",
            "add",
            "--email",
            "head@example.edu",
            "--name",
            "Head Instructor",
            "--role",
            "administrator",
            "--password-stdin",
        ],
        "a long and private passphrase\n",
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let served = colloquy::startup::Application::build(colloquy::config::Config {
        database_url: app.database_url.clone(),
        serve: colloquy::config::ServeArgs {
            bind: "127.0.0.1:0".parse().unwrap(),
            no_demo: false,
            ..colloquy::config::ServeArgs::default()
        },
    })
    .await
    .unwrap();
    let store = served.store();
    assert!(
        store.all_posts(app.site.id).await.unwrap().is_empty(),
        "no demo posts on a database that has its administrator"
    );
    assert_eq!(
        store.members(app.site.id).await.unwrap().len(),
        1,
        "no demo instructor beside the administrator"
    );
}
