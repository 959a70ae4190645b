//! Feeds, read back by Python's feedparser (a parser nobody on the team wrote): no parse error (bozo 0) and
//! the right items, in RSS 2.0 and Atom.

use std::{
    io::Write,
    process::{Command, Stdio},
};

use colloquy::domain::{comment::Moderation, post::PostStatus};
use reqwest::StatusCode;

use crate::helpers::{PostSpec, TestApp, attribute, comment_id_of, say, spawn_app};

/// What feedparser made of a feed: (bozo, feed title, entries as (title, link, text)).
struct Parsed {
    bozo: bool,
    title: String,
    entries: Vec<(String, String, String)>,
}

fn feedparser_available() -> bool {
    let available = Command::new("python3")
        .args(["-c", "import feedparser"])
        .stderr(Stdio::null())
        .status();
    let available = available.is_ok_and(|status| status.success());
    if !available {
        say("feed tests skipped: Python's feedparser is not installed (pip install feedparser)");
    }
    available
}

fn parse(xml: &str) -> Parsed {
    let script = "import sys, json, feedparser\n\
        d = feedparser.parse(sys.stdin.buffer.read())\n\
        print(json.dumps({'bozo': bool(d.bozo), 'title': d.feed.get('title', ''), 'entries': [\n\
          [e.get('title', ''), e.get('link', ''), ' '.join([c.get('value', '') for c in e.get('content', [])] + [e.get('summary', '')])]\n\
          for e in d.entries]}))";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run feedparser");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(xml.as_bytes())
        .expect("write the feed");
    let output = child.wait_with_output().expect("feedparser finishes");
    let value: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("feedparser's JSON");
    Parsed {
        bozo: value["bozo"].as_bool().unwrap_or(true),
        title: value["title"].as_str().unwrap_or_default().to_owned(),
        entries: value["entries"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| {
                        let field =
                            |index: usize| entry[index].as_str().unwrap_or_default().to_owned();
                        (field(0), field(1), field(2))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

async fn feed(app: &TestApp, path: &str) -> Parsed {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/rss+xml")
            || content_type.starts_with("application/atom+xml"),
        "{content_type}"
    );
    let parsed = parse(&response.text().await.unwrap());
    assert!(!parsed.bozo, "{path} does not parse cleanly");
    parsed
}

#[tokio::test]
async fn the_post_feeds_carry_the_ten_newest_posts_in_rss_and_atom() {
    if !feedparser_available() {
        return;
    }
    let app = spawn_app().await;
    app.set("title", "History & Memory").await;
    let now = colloquy::domain::calendar::now();
    for day in 0..12 {
        let title = format!("Week {day} <notes>");
        app.publish(PostSpec {
            published_at: now - 86_400 * (12 - day),
            body: "Full **text** with [a link](/syllabus/).",
            ..PostSpec::post(&title)
        })
        .await;
    }
    app.publish(PostSpec {
        status: PostStatus::Draft,
        ..PostSpec::post("Secret draft")
    })
    .await;
    app.publish(PostSpec {
        status: PostStatus::Private,
        ..PostSpec::post("Private memo")
    })
    .await;
    for path in ["/feed/", "/feed/atom/"] {
        let parsed = feed(&app, path).await;
        assert_eq!(parsed.title, "History & Memory");
        assert_eq!(parsed.entries.len(), 10, "{path}");
        assert_eq!(parsed.entries[0].0, "Week 11 <notes>");
        assert!(
            parsed.entries[0].1.starts_with(&app.address),
            "absolute links: {}",
            parsed.entries[0].1
        );
        assert!(
            parsed.entries[0].2.contains("<strong>text</strong>"),
            "full content: {}",
            parsed.entries[0].2
        );
        assert!(
            parsed.entries[0]
                .2
                .contains(&format!("{}/syllabus/", app.address)),
            "links inside are absolute"
        );
        assert!(
            parsed
                .entries
                .iter()
                .all(|entry| !entry.0.contains("Secret") && !entry.0.contains("Private"))
        );
    }
    let (_, home) = app.page("/").await;
    assert_eq!(
        attribute(&home, "link[rel=alternate][href='/feed/']", "type").as_deref(),
        Some("application/rss+xml")
    );
}

#[tokio::test]
async fn comment_feeds_carry_approved_comments_and_no_email() {
    if !feedparser_available() {
        return;
    }
    let app = spawn_app().await;
    let post = app.publish_post("Discussed").await;
    let other = app.publish_post("Quiet").await;
    app.set("comment_flood_interval", "0").await;
    let approved = comment_id_of(
        &app.leave_reply(
            "198.51.100.1",
            &TestApp::reply_fields(&post, "Ada", "Approved words"),
        )
        .await,
    );
    app.store
        .moderate_comment(
            app.site.id,
            approved,
            Moderation::Approve,
            colloquy::domain::calendar::now(),
        )
        .await
        .unwrap();
    comment_id_of(
        &app.leave_reply(
            "198.51.100.2",
            &TestApp::reply_fields(&post, "Held Person", "Held words"),
        )
        .await,
    );
    for path in [
        "/comments/feed/",
        "/comments/feed/atom/",
        &format!("{}feed/", app.permalink(&post)),
        &format!("{}feed/atom/", app.permalink(&post)),
    ] {
        let response = app.get(path).await;
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("ada@example.org") && !body.contains("198.51.100"),
            "{path} leaks an email or address"
        );
        let parsed = parse(&body);
        assert!(!parsed.bozo, "{path}");
        assert_eq!(parsed.entries.len(), 1, "{path}");
        assert_eq!(parsed.entries[0].0, "Comment on Discussed by Ada");
        assert!(
            parsed.entries[0]
                .1
                .ends_with(&format!("#comment-{approved}"))
        );
        assert!(parsed.entries[0].2.contains("Approved words"));
    }
    let quiet = feed(&app, &format!("{}feed/", app.permalink(&other))).await;
    assert!(quiet.entries.is_empty());
}

#[tokio::test]
async fn category_and_tag_feeds_hold_their_posts() {
    if !feedparser_available() {
        return;
    }
    let app = spawn_app().await;
    app.publish(PostSpec {
        categories: vec!["Maps".into()],
        tags: vec!["cartography".into()],
        ..PostSpec::post("On maps")
    })
    .await;
    app.publish(PostSpec {
        categories: vec!["Other".into()],
        ..PostSpec::post("Elsewhere")
    })
    .await;
    let category = feed(&app, "/category/maps/feed/").await;
    assert_eq!(
        category
            .entries
            .iter()
            .map(|entry| entry.0.as_str())
            .collect::<Vec<_>>(),
        ["On maps"]
    );
    let tag = feed(&app, "/tag/cartography/feed/atom/").await;
    assert_eq!(
        tag.entries
            .iter()
            .map(|entry| entry.0.as_str())
            .collect::<Vec<_>>(),
        ["On maps"]
    );
    let (_, archive) = app.page("/category/maps/").await;
    assert_eq!(
        attribute(
            &archive,
            "link[rel=alternate][href='/category/maps/feed/']",
            "type"
        )
        .as_deref(),
        Some("application/rss+xml")
    );
    assert_eq!(
        app.get("/category/nothing/feed/").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/2001/01/01/nothing/feed/").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn feeds_answer_conditional_requests_with_304() {
    let app = spawn_app().await;
    app.publish_post("Cached").await;
    let first = app.get("/feed/").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let modified = first.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_owned();
    let again = app
        .client
        .get(app.url("/feed/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let since = app
        .client
        .get(app.url("/feed/"))
        .header("if-modified-since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(since.status(), StatusCode::NOT_MODIFIED);
    app.publish_post("Fresh").await;
    let changed = app
        .client
        .get(app.url("/feed/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        changed.status(),
        StatusCode::OK,
        "a new post changes the feed"
    );
}

#[tokio::test]
async fn protected_posts_keep_their_text_out_of_feeds() {
    let app = spawn_app().await;
    let post = app
        .publish(PostSpec {
            body: "The answer is 42.",
            ..PostSpec::post("Quiz")
        })
        .await;
    let editor = colloquy::store::PostEdit {
        reading_id: None,
        date_chosen: true,
        title: "Quiz",
        source: "The answer is 42.",
        excerpt: "",
        status: PostStatus::Publish,
        published_at: post.published_at,
        comments_open: true,
        sticky: false,
        password: Some("sesame"),
        parent_id: None,
        categories: &[],
        tags: &[],
    };
    let author = app.author().await;
    app.store
        .update_post(
            app.site.id,
            post.id,
            post.version,
            author.id,
            &editor,
            colloquy::domain::calendar::now(),
            colloquy::store::Writing::Save,
        )
        .await
        .unwrap();
    let body = app.get("/feed/").await.text().await.unwrap();
    assert!(body.contains("Quiz") && !body.contains("answer is 42"));
    assert_eq!(
        app.get(&format!("{}feed/", app.permalink(&post)))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_public_site_has_a_sitemap_of_its_posts_pages_and_categories() {
    let app = spawn_app().await;
    let post = app
        .publish(PostSpec {
            categories: vec!["Maps & charts".into()],
            ..PostSpec::post("On maps")
        })
        .await;
    let syllabus = app.publish(PostSpec::page("Syllabus")).await;
    app.publish(PostSpec {
        parent_id: Some(syllabus.id),
        ..PostSpec::page("Grading")
    })
    .await;
    app.publish(PostSpec {
        status: PostStatus::Draft,
        ..PostSpec::post("Unfinished")
    })
    .await;
    let response = app.get("/sitemap.xml").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let xml = response.text().await.unwrap();
    for path in [
        app.permalink(&post),
        "/syllabus/".into(),
        "/syllabus/grading/".into(),
        "/category/maps-charts/".into(),
    ] {
        assert!(
            xml.contains(&format!("<loc>{}{path}</loc>", app.address)),
            "{path} missing from {xml}"
        );
    }
    assert!(!xml.contains("unfinished"));
    let robots = app.page("/robots.txt").await.1;
    assert!(robots.contains(&format!("Sitemap: {}/sitemap.xml", app.address)));
    app.set("visibility", "hidden").await;
    assert_eq!(
        app.get("/sitemap.xml").await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(!app.page("/robots.txt").await.1.contains("Sitemap"));
}

#[tokio::test]
async fn excerpts_on_the_home_page_and_in_the_feed_leave_out_footnote_marks_and_set_quotes_apart() {
    let app = spawn_app().await;
    app.publish(PostSpec {
        body: "Kennan wrote the telegram as instruction.[^1]\n\n> it is not a question of sympathy\n\nWe read it twice.\n\n[^1]: An answer to Dept's 284.\n",
        ..PostSpec::post("The telegram as a lesson")
    })
    .await;
    let expected = "Kennan wrote the telegram as instruction. “it is not a question of sympathy” We read it twice.";

    let (status, home) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    let summaries = crate::helpers::texts(&home, ".entry-summary");
    assert!(
        summaries.iter().any(|summary| summary == expected),
        "{summaries:?}"
    );

    let response = app.get("/feed/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let channel = rss::Channel::read_from(&response.bytes().await.unwrap()[..]).unwrap();
    let description = channel
        .items()
        .iter()
        .find(|item| item.title() == Some("The telegram as a lesson"))
        .and_then(|item| item.description())
        .unwrap();
    assert_eq!(description, expected);
    for text in [home.as_str(), description] {
        assert!(!text.contains("instruction.1"));
        assert!(!text.contains("Dept"), "the footnote's words are left out");
    }
}

#[tokio::test]
async fn posts_stored_before_the_fix_are_drawn_again_once_with_clean_excerpts_and_quoted_pages_cited()
 {
    let app = spawn_app().await;
    let reading = app
        .store
        .create_reading(
            app.site.id,
            &colloquy::domain::reading::ReadingDetails {
                title: "The Long Telegram".into(),
                author: "George F. Kennan".into(),
                year: Some(1946),
                label: "Kennan 1946".into(),
                source: "[page 1]\nIt is not a question of sympathy but of patience.".into(),
                members_only: false,
            },
            colloquy::domain::calendar::now(),
        )
        .await
        .unwrap();
    let post = app
        .publish(PostSpec {
            body: "Kennan wrote the telegram as instruction.[^1]\n\n> It is not a question of sympathy but of patience. (1)\n\nWe read it twice.\n\n[^1]: An answer to Dept's 284.\n",
            reading_id: Some(reading.id),
            ..PostSpec::post("The telegram, stored long ago")
        })
        .await;
    let fresh = app
        .store
        .post_by_id(app.site.id, post.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        fresh
            .content_html
            .as_str()
            .contains("/readings/the-long-telegram/#page-1")
    );
    // The post as an earlier version stored it: the excerpt glued, the quoted page not cited.
    let stale = format!(
        "UPDATE posts SET summary = 'Kennan wrote the telegram as instruction.1 It is not a question', \
         content_html = '<p>Kennan wrote the telegram as instruction.</p>' WHERE id = {}",
        post.id
    );
    assert_eq!(crate::subsites::execute_sql(&app, &stale).await, 1);
    crate::subsites::execute_sql(
        &app,
        &format!("DELETE FROM citations WHERE post_id = {}", post.id),
    )
    .await;
    assert_eq!(
        crate::subsites::execute_sql(
            &app,
            "DELETE FROM data_upgrades WHERE name = 'quotes-and-footnotes'"
        )
        .await,
        1,
        "every database built by this version has the upgrade done"
    );

    crate::helpers::stdout(&crate::helpers::colloquy(&app, &["migrate"], ""));
    let redrawn = app
        .store
        .post_by_id(app.site.id, post.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(redrawn.content_html.as_str(), fresh.content_html.as_str());
    assert_eq!(
        redrawn.version, post.version,
        "the source is as it was: no new version"
    );
    assert!(
        app.store
            .revisions(app.site.id, post.id)
            .await
            .unwrap()
            .len()
            <= 1
    );
    let (_, home) = app.page("/").await;
    let summaries = crate::helpers::texts(&home, ".entry-summary");
    assert!(
        summaries.iter().any(|summary| summary
            == "Kennan wrote the telegram as instruction. “It is not a question of sympathy but of patience. (1)” We read it twice."),
        "{summaries:?}"
    );
    assert!(!home.contains("instruction.1"));
    let (_, reading_page) = app.page("/readings/the-long-telegram/").await;
    assert!(
        reading_page.contains("The telegram, stored long ago"),
        "the reading lists the post citing it again"
    );

    crate::helpers::stdout(&crate::helpers::colloquy(&app, &["migrate"], ""));
    assert_eq!(
        app.store
            .post_by_id(app.site.id, post.id)
            .await
            .unwrap()
            .unwrap()
            .version,
        post.version,
        "done once"
    );
}
