//! The page cache is never wrong: every change a reader could see shows on the very next request (on this
//! instance and on another one on the same database), personal pages are never shared, and kept pages answer
//! conditional requests and come compressed.

use std::io::Read;

use colloquy::{
    domain::{calendar, comment::Moderation, post::PostStatus, user::Role},
    web::cache::CACHE_HEADER,
};
use reqwest::{StatusCode, header};

use crate::helpers::{PostSpec, TestApp, client, comment_id_of, spawn_app, spawn_app_with};

async fn fetch(client: &reqwest::Client, url: &str) -> (String, String) {
    let response = client.get(url).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    let outcome = response
        .headers()
        .get(CACHE_HEADER)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (outcome, response.text().await.expect("a body"))
}

#[tokio::test]
async fn every_change_shows_on_the_next_request() {
    let app = spawn_app().await;
    let post = app.publish(PostSpec::post("Containment")).await;
    let reader = client();
    let page = app.url(&app.permalink(&post));
    let home = app.url("/");

    assert_eq!(fetch(&reader, &page).await.0, "miss");
    let (outcome, body) = fetch(&reader, &page).await;
    assert_eq!(
        outcome, "hit",
        "the second anonymous request is served from the cache"
    );
    assert!(body.contains("Containment"));

    let held = comment_id_of(
        &app.leave_reply(
            "198.51.100.7",
            &TestApp::reply_fields(&post, "Ada", "Held for now"),
        )
        .await,
    );
    let (_, body) = fetch(&reader, &page).await;
    assert!(
        !body.contains("Held for now"),
        "a held comment is not shown"
    );
    app.store
        .moderate_comment(app.site.id, held, Moderation::Approve, calendar::now())
        .await
        .unwrap();
    let (outcome, body) = fetch(&reader, &page).await;
    assert_eq!(outcome, "miss");
    assert!(
        body.contains("Held for now"),
        "approved: shown on the very next request"
    );

    app.edit_post(&post, "Containment, revised", "New text.")
        .await;
    assert!(
        fetch(&reader, &page)
            .await
            .1
            .contains("Containment, revised")
    );

    fetch(&reader, &home).await;
    assert_eq!(fetch(&reader, &home).await.0, "hit");
    app.publish(PostSpec::post("The airlift")).await;
    assert!(
        fetch(&reader, &home).await.1.contains("The airlift"),
        "a new post"
    );

    app.set("title", "HIST 101 renamed").await;
    assert!(
        fetch(&reader, &home).await.1.contains("HIST 101 renamed"),
        "a setting"
    );

    let version_before = app
        .store
        .site_by_id(app.site.id)
        .await
        .unwrap()
        .content_version;
    app.leave_reply(
        "198.51.100.8",
        &TestApp::reply_fields(&post, "Bea", "Also held"),
    )
    .await;
    assert_eq!(
        app.store
            .site_by_id(app.site.id)
            .await
            .unwrap()
            .content_version,
        version_before,
        "a held comment changes no public page, so the cache is kept"
    );
}

#[tokio::test]
async fn personal_pages_are_never_shared() {
    let app = spawn_app().await;
    let post = app.publish(PostSpec::post("Doctrine")).await;
    let page = app.permalink(&post);
    let anonymous = client();
    fetch(&anonymous, &app.url(&page)).await;

    let member = app.sign_in_as(Role::Author).await;
    let response = member.get(&app, &page).await;
    assert!(response.headers().get(CACHE_HEADER).is_none());
    let signed_in = response.text().await.unwrap();
    assert!(
        signed_in.contains("Log out"),
        "the signed-in page is personal"
    );
    let (_, shared) = fetch(&anonymous, &app.url(&page)).await;
    assert!(!shared.contains("Log out"), "and never reaches anyone else");

    let commenter = client();
    let mut fields = TestApp::reply_fields(&post, "Cy", "My own held words");
    fields.push(("remember", "1".into()));
    let held = app
        .leave_reply_from(&commenter, "198.51.100.9", &fields)
        .await;
    assert_eq!(held.status(), StatusCode::SEE_OTHER);
    let response = commenter.get(app.url(&page)).send().await.unwrap();
    assert!(response.headers().get(CACHE_HEADER).is_none());
    let own = response.text().await.unwrap();
    assert!(
        own.contains("My own held words"),
        "the commenter sees their held comment"
    );
    assert!(own.contains("value=\"Cy\""), "and the form remembers them");
    let (_, shared) = fetch(&anonymous, &app.url(&page)).await;
    assert!(!shared.contains("My own held words"));
    assert!(!shared.contains("value=\"Cy\""));
}

#[tokio::test]
async fn kept_pages_answer_conditional_requests_compressed() {
    let app = spawn_app().await;
    let post = app.publish(PostSpec::post("Détente")).await;
    let url = app.url(&app.permalink(&post));
    let reader = client();
    let first = reader.get(&url).send().await.unwrap();
    let etag = first.headers()[header::ETAG].clone();
    let last_modified = first.headers()[header::LAST_MODIFIED].clone();
    let identity = first.text().await.unwrap();

    let again = reader
        .get(&url)
        .header(header::IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let since = reader
        .get(&url)
        .header(header::IF_MODIFIED_SINCE, last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(since.status(), StatusCode::NOT_MODIFIED);

    let brotli = reader
        .get(&url)
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br");
    let mut decoded = Vec::new();
    ::brotli::BrotliDecompress(&mut &brotli.bytes().await.unwrap()[..], &mut decoded).unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), identity);

    let gzip = reader
        .get(&url)
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(&gzip.bytes().await.unwrap()[..])
        .read_to_string(&mut decoded)
        .unwrap();
    assert_eq!(decoded, identity);

    app.set("tagline", "Changed").await;
    let changed = reader
        .get(&url)
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        changed.status(),
        StatusCode::OK,
        "a changed page is not 'not modified'"
    );

    let uncached = spawn_app_with(|serve| serve.page_cache_mb = 0).await;
    let post = uncached.publish(PostSpec::post("Uncached")).await;
    let response = uncached.get(&uncached.permalink(&post)).await;
    assert!(response.headers().get(CACHE_HEADER).is_none());
}

#[tokio::test]
async fn a_change_on_one_instance_shows_on_another() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let post = app.publish(PostSpec::post("Two servers")).await;
    let path = app.permalink(&post);
    let reader = client();
    fetch(&reader, &format!("{other}{path}")).await;
    assert_eq!(fetch(&reader, &format!("{other}{path}")).await.0, "hit");

    let held = comment_id_of(
        &app.leave_reply(
            "198.51.100.10",
            &TestApp::reply_fields(&post, "Dee", "Seen everywhere"),
        )
        .await,
    );
    let moderator = app.sign_in_as(Role::Administrator).await;
    let csrf = moderator.csrf(&app).await;
    let approved = moderator
        .post_form(
            &app,
            "/admin/comments",
            &[
                ("action", "approve".to_owned()),
                ("ids", held.to_string()),
                ("csrf", csrf),
            ],
        )
        .await;
    assert!(approved.status().is_redirection(), "{}", approved.status());
    let (outcome, body) = fetch(&reader, &format!("{other}{path}")).await;
    assert_eq!(outcome, "miss");
    assert!(
        body.contains("Seen everywhere"),
        "approved on instance A, shown by instance B on the next request"
    );

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args([
            "--database-url",
            &app.database_url,
            "site",
            "set",
            "title",
            "Set from the CLI",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        fetch(&reader, &format!("{other}/"))
            .await
            .1
            .contains("Set from the CLI")
    );

    let session = moderator.get(&app, "/admin").await;
    assert_eq!(session.status(), StatusCode::OK);
    let on_other = moderator
        .client
        .get(format!("{other}/admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        on_other.status(),
        StatusCode::OK,
        "a session works on every instance"
    );

    let first = app
        .leave_reply(
            "198.51.100.11",
            &TestApp::reply_fields(&post, "Eve", "First from here"),
        )
        .await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let too_soon = client()
        .post(format!("{other}/comments"))
        .header("x-forwarded-for", "198.51.100.11")
        .form(&TestApp::reply_fields(&post, "Eve", "Again, too soon"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        too_soon.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the flood rule sees comments made through the other instance"
    );

    let scheduled = app
        .publish(PostSpec {
            published_at: calendar::now() + 1,
            status: PostStatus::Future,
            ..PostSpec::post("Scheduled for both")
        })
        .await;
    assert_eq!(scheduled.status, PostStatus::Future);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, home) = fetch(&reader, &format!("{other}/")).await;
        if home.contains("Scheduled for both") {
            let listed = crate::helpers::texts(&home, "h2.entry-title");
            assert_eq!(
                listed
                    .iter()
                    .filter(|title| *title == "Scheduled for both")
                    .count(),
                1,
                "published once: {listed:?}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduled post was published"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn settings_are_read_again_only_when_they_change() {
    let app = spawn_app().await;
    let post = app.publish(PostSpec::post("Versions")).await;
    app.set("comment_previously_approved", "off").await;
    let versions = || async { app.store.site_versions_or_main("main").await.unwrap() };
    let before = versions().await;

    let reply = app
        .leave_reply(
            "198.51.100.20",
            &TestApp::reply_fields(&post, "Dee", "Shown at once"),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::SEE_OTHER);
    let after_comment = versions().await;
    assert!(after_comment.content_version > before.content_version);
    assert_eq!(
        after_comment.settings_version, before.settings_version,
        "a comment leaves the settings kept in memory as they are"
    );

    app.set("title", "HIST 101, spring").await;
    let after_setting = versions().await;
    assert!(after_setting.settings_version > after_comment.settings_version);
    assert!(after_setting.content_version > after_comment.content_version);
    let (_, home) = fetch(&client(), &app.url("/")).await;
    assert!(home.contains("HIST 101, spring"));
}

#[tokio::test]
async fn comments_written_at_once_each_move_the_content_version() {
    let app = spawn_app().await;
    let post = app.publish(PostSpec::post("Busy evening")).await;
    app.set("comment_previously_approved", "off").await;
    app.set("comment_flood_interval", "0").await;
    let versions = || async { app.store.site_versions_or_main("main").await.unwrap() };
    let before = versions().await;

    let replies = (0..8).map(|n| {
        let app = &app;
        let post = &post;
        async move {
            let fields =
                TestApp::reply_fields(post, &format!("Writer {n}"), &format!("At once, {n}"));
            app.leave_reply(&format!("198.51.100.{}", 40 + n), &fields)
                .await
                .status()
        }
    });
    for status in futures_util::future::join_all(replies).await {
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
    assert_eq!(
        versions().await.content_version,
        before.content_version + 8,
        "each approved comment moved the version once, whichever connection stored it"
    );
    let held = app
        .leave_reply(
            "198.51.100.60",
            &TestApp::reply_fields(
                &post,
                "Stranger",
                "A link http://a.example http://b.example",
            ),
        )
        .await;
    assert_eq!(held.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        versions().await.content_version,
        before.content_version + 8,
        "a held comment changes no public page"
    );
}
