//! Readings cited by page: the reading's pages and margin, citations in posts and comments, the editor's
//! check of quotations, members-only readings, and the command line.

use std::{
    io::Write,
    process::{Command, Stdio},
};

use colloquy::domain::{
    calendar,
    comment::Moderation,
    post::PostStatus,
    reading::{Reading, ReadingDetails},
    user::Role,
};
use reqwest::StatusCode;

use crate::helpers::{PostSpec, TestApp, attribute, comment_id_of, select, spawn_app, texts};

const SPEECH: &str = "An introduction by the editors.

[page 5]
Comrades! It is impermissible and foreign to the spirit of Marxism-Leninism to elevate one person, to
transform him into a superman possessing supernatural characteristics.

Such a belief about a man was cultivated among us for many years.

[page 6]
The cult of the individual acquired such monstrous size chiefly because Stalin himself supported the
glorification of his own person.
";

async fn add_speech(app: &TestApp, members_only: bool) -> Reading {
    app.store
        .create_reading(
            app.site.id,
            &ReadingDetails {
                title: "On the Cult of Personality".into(),
                author: "Nikita Khrushchev".into(),
                year: Some(1956),
                label: "Khrushchev 1956".into(),
                source: SPEECH.into(),
                members_only,
            },
            calendar::now(),
        )
        .await
        .expect("add the reading")
}

#[tokio::test]
async fn staff_add_a_reading_and_everyone_reads_it_page_by_page() {
    let app = spawn_app().await;
    let instructor = app.sign_in_as(Role::Administrator).await;
    let csrf = instructor.csrf(&app).await;

    // A bad form is shown again with every typed value kept and each fault beside its field.
    let typed_text = "[page 9]\nNine.\n\n[page 3]\nThree.";
    let refused = instructor
        .post_form(
            &app,
            "/admin/readings/new",
            &[
                ("csrf", csrf.as_str()),
                ("title", "Secret Speech"),
                ("author", "Khrushchev"),
                ("year", "nineteen"),
                ("label", ""),
                ("text", typed_text),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert_eq!(
        attribute(&page, "#title", "value").as_deref(),
        Some("Secret Speech")
    );
    assert!(
        page.contains(&format!(">{typed_text}</textarea>")),
        "{page}"
    );
    for field in ["#year", "#label", "#text"] {
        assert_eq!(
            attribute(&page, field, "aria-invalid").as_deref(),
            Some("true"),
            "{field}"
        );
    }
    assert!(page.contains("page 3 comes after page 9"), "{page}");
    assert!(app.store.readings(app.site.id).await.unwrap().is_empty());

    let added = instructor
        .post_form(
            &app,
            "/admin/readings/new",
            &[
                ("csrf", csrf.as_str()),
                ("title", "On the Cult of Personality"),
                ("author", "Nikita Khrushchev"),
                ("year", "1956"),
                ("label", "Khrushchev 1956"),
                ("text", SPEECH),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let saved = added.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        saved.starts_with("/admin/readings?done=saved&id="),
        "{saved}"
    );
    let listed = instructor.get(&app, &saved).await.text().await.unwrap();
    assert_eq!(
        texts(&listed, ".notice-success p").join(""),
        "“On the Cult of Personality” is saved; readers find it at /readings/on-the-cult-of-personality/."
    );
    let location = "/readings/on-the-cult-of-personality/".to_owned();

    // A second reading with the same label (case and spacing aside) is refused, the form kept.
    let clash = instructor
        .post_form(
            &app,
            "/admin/readings/new",
            &[
                ("csrf", csrf.as_str()),
                ("title", "Another text"),
                ("label", "khrushchev  1956"),
                ("text", "Words."),
            ],
        )
        .await;
    assert_eq!(clash.status(), StatusCode::CONFLICT);
    let page = clash.text().await.unwrap();
    assert!(page.contains("has the label"), "{page}");
    assert_eq!(
        attribute(&page, "#title", "value").as_deref(),
        Some("Another text")
    );

    // Anyone reads it: pages anchored in the margin, paragraphs anchored, the menu links the readings.
    let (status, list) = app.page("/readings/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts(&list, "ul.readings cite"),
        vec!["On the Cult of Personality"]
    );
    let (status, reading) = app.page(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        select(&reading, "section.reading-page")
            .iter()
            .map(|html| attribute(html, "section", "id").unwrap())
            .collect::<Vec<_>>(),
        vec!["page-1", "page-5", "page-6"]
    );
    assert_eq!(texts(&reading, "#page-5 .page-number"), vec!["p. 5"]);
    assert_eq!(
        texts(&reading, "#para-3"),
        vec!["Such a belief about a man was cultivated among us for many years."]
    );
    assert!(texts(&reading, "nav.site-nav a").contains(&"Readings".to_owned()));
    assert_eq!(app.get("/readings/no-such-reading/").await.status(), 404);
    assert_eq!(
        app.get(&format!("{location}page/7/")).await.status(),
        404,
        "no page 7"
    );

    // Students cannot add readings.
    let student = app.sign_in_as(Role::Author).await;
    let csrf = student.csrf(&app).await;
    let forbidden = student
        .post_form(
            &app,
            "/admin/readings/new",
            &[
                ("csrf", csrf.as_str()),
                ("title", "Mine"),
                ("label", "Mine 2026"),
                ("text", "x"),
            ],
        )
        .await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.store.readings(app.site.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn citations_link_to_their_page_and_the_margin_counts_what_readers_can_see() {
    let app = spawn_app().await;
    let reading = add_speech(&app, false).await;
    let post = app
        .publish(PostSpec {
            body: "Khrushchev warns against elevating “one person, to transform him into a superman” (5). \
                   He blames the leader: \"Stalin himself supported the glorification\" (6), \
                   and we met (5 students) in 1956.",
            reading_id: Some(reading.id),
            ..PostSpec::post("The speech")
        })
        .await;
    let (_, page) = app.page(&app.permalink(&post)).await;
    let links: Vec<String> = select(&page, ".entry-content a.citation")
        .iter()
        .map(|link| attribute(link, "a", "href").unwrap())
        .collect();
    assert_eq!(
        links,
        vec![
            "/readings/on-the-cult-of-personality/#page-5",
            "/readings/on-the-cult-of-personality/#page-6"
        ]
    );

    // A draft citing page 5 does not count; nor does a held comment.
    app.publish(PostSpec {
        body: "\"one person\" (5)",
        reading_id: Some(reading.id),
        status: PostStatus::Draft,
        ..PostSpec::post("Draft")
    })
    .await;
    let address = "/readings/on-the-cult-of-personality/";
    let (_, before) = app.page(address).await;
    assert_eq!(
        texts(&before, "#page-5 .page-discussion"),
        vec!["discussed in 1 post"]
    );
    assert_eq!(
        texts(&before, "#page-6 .page-discussion"),
        vec!["discussed in 1 post"]
    );

    let fields = TestApp::reply_fields(
        &post,
        "Ana Visitor",
        "I disagree: \"cultivated among us for many years\" (Khrushchev 1956, p. 5).",
    );
    let held = app.leave_reply("198.51.100.7", &fields).await;
    assert_eq!(held.status(), StatusCode::SEE_OTHER);
    let comment_id = comment_id_of(&held);
    let (_, still) = app.page(address).await;
    assert_eq!(
        texts(&still, "#page-5 .page-discussion"),
        vec!["discussed in 1 post"]
    );

    // Approved, it counts at once (the cached page is drawn again), and page 5's listing shows it.
    app.store
        .moderate_comment(
            app.site.id,
            comment_id,
            Moderation::Approve,
            calendar::now(),
        )
        .await
        .unwrap();
    let (_, after) = app.page(address).await;
    assert_eq!(
        texts(&after, "#page-5 .page-discussion"),
        vec!["discussed in 1 post, 1 comment"]
    );
    assert_eq!(
        attribute(&after, "#page-5 .page-discussion", "href").as_deref(),
        Some("/readings/on-the-cult-of-personality/page/5/")
    );
    let (status, listing) = app.page(&format!("{address}page/5/")).await;
    assert_eq!(status, StatusCode::OK);
    let entries = texts(&listing, "ul.citing li");
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(
        entries[0].starts_with("Post: The speech (p. 5)"),
        "{entries:?}"
    );
    assert!(
        entries[1].starts_with("Comment by Ana Visitor on The speech (p. 5)"),
        "{entries:?}"
    );
    assert!(entries[1].contains("cultivated among us for many years"));
    let comment_link = attribute(&listing, "ul.citing li:nth-child(2) a", "href").unwrap();
    assert!(comment_link.ends_with(&format!("#comment-{comment_id}")));
    // The comment's own text links its citation, and the commenter's email is nowhere in the listing.
    let (_, post_page) = app.page(&app.permalink(&post)).await;
    assert!(post_page.contains(
        "(<a class=\"citation\" href=\"/readings/on-the-cult-of-personality/#page-5\">Khrushchev 1956, p. 5</a>)"
    ));
    assert!(!listing.contains("ana.visitor@example.org"));

    // Trashed, the comment stops counting.
    app.store
        .moderate_comment(app.site.id, comment_id, Moderation::Trash, calendar::now())
        .await
        .unwrap();
    let (_, trashed) = app.page(address).await;
    assert_eq!(
        texts(&trashed, "#page-5 .page-discussion"),
        vec!["discussed in 1 post"]
    );
}

#[tokio::test]
async fn the_editor_preview_flags_a_quotation_not_on_its_page_to_the_writer_only() {
    let app = spawn_app().await;
    let reading = add_speech(&app, false).await;
    let student = app.sign_in_as(Role::Author).await;
    let csrf = student.csrf(&app).await;
    let body = "He says \"Such a belief about a man was cultivated\" (6) and \"to elevate one person\" (5), \
                and \"words nobody wrote\" (5), and \"more\" (Smith 2001, 3).";
    let reading_id = reading.id.to_string();

    let live = student
        .post_form(
            &app,
            "/admin/preview",
            &[
                ("csrf", csrf.as_str()),
                ("body", body),
                ("reading", reading_id.as_str()),
            ],
        )
        .await;
    assert_eq!(live.status(), StatusCode::OK);
    let preview = live.text().await.unwrap();
    let problems = texts(&preview, ".citation-review li");
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems[0].contains("not on page 6 of Khrushchev 1956: it is on page 5"),
        "{problems:?}"
    );
    assert!(problems[1].contains("nor anywhere else"), "{problems:?}");
    assert!(
        problems[2].contains("No reading of this site has the label “Smith 2001”"),
        "{problems:?}"
    );
    assert!(preview.contains("4 citations of a reading; 3 need a look"));

    // Without a reading chosen, a bare page cites nothing, and the preview says so.
    let unattached = student
        .post_form(
            &app,
            "/admin/preview",
            &[
                ("csrf", csrf.as_str()),
                ("body", "\"to elevate one person\" (5)"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        unattached.contains("This post names no reading"),
        "{unattached}"
    );

    // The page-based preview (no JavaScript) shows the same check; saving publishes without it.
    let form = [
        ("csrf", csrf.as_str()),
        ("title", "My reading response"),
        ("body", body),
        ("reading", reading_id.as_str()),
        ("status", "publish"),
        ("comments_open", "on"),
    ];
    let mut previewing = form.to_vec();
    previewing.push(("action", "preview"));
    let shown = student
        .post_form(&app, "/admin/posts/new?type=post", &previewing)
        .await;
    assert_eq!(shown.status(), StatusCode::OK);
    let shown = shown.text().await.unwrap();
    assert_eq!(texts(&shown, ".preview .citation-review li").len(), 3);
    assert_eq!(
        attribute(&shown, "#reading option[selected]", "value").as_deref(),
        Some(reading_id.as_str())
    );

    let mut saving = form.to_vec();
    saving.push(("action", "save"));
    let saved = student
        .post_form(&app, "/admin/posts/new?type=post", &saving)
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let post = app
        .store
        .list_published(app.site.id, &colloquy::store::ListFilter::All, 1, 10, None)
        .await
        .unwrap()
        .into_iter()
        .find(|card| card.post.title == "My reading response")
        .expect("published")
        .post;
    let (_, public) = app.page(&app.permalink(&post)).await;
    assert!(!public.contains("citation-review"));
    assert!(!public.contains("need a look"));
    assert_eq!(select(&public, "a.citation").len(), 3);
}

#[tokio::test]
async fn a_members_only_reading_is_read_only_by_the_courses_members() {
    let app = spawn_app().await;
    add_speech(&app, true).await;
    let address = "/readings/on-the-cult-of-personality/";

    let stranger = app.get(address).await;
    assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
    assert!(
        stranger.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    let page_listing = app.get(&format!("{address}page/5/")).await;
    assert_eq!(page_listing.status(), StatusCode::SEE_OTHER);

    let (outsider, password) = app.account("outsider@example.org", "Out Sider", None).await;
    let outsider_client = crate::helpers::client();
    let signed_in = app
        .sign_in_with(&outsider_client, &outsider.email, &password, "203.0.113.9")
        .await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let refused = outsider_client.get(app.url(address)).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(!refused.text().await.unwrap().contains("superman"));

    let student = app.sign_in_as(Role::Subscriber).await;
    let read = student.get(&app, address).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(
        read.headers()["cache-control"].to_str().unwrap(),
        "private, no-store"
    );
    assert!(read.text().await.unwrap().contains("superman"));
    // After a member has read it, a stranger still does not get it (nothing was shared).
    assert_eq!(app.get(address).await.status(), StatusCode::SEE_OTHER);
    // The list names it, marked, without its text.
    let (_, list) = app.page("/readings/").await;
    assert_eq!(texts(&list, ".members-only"), vec!["members only"]);
    assert!(!list.contains("superman"));
}

fn colloquy_reading(app: &TestApp, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args(["--database-url", &app.database_url, "reading"])
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run colloquy");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn the_command_line_adds_a_reading_and_refuses_bad_ones() {
    let app = spawn_app().await;
    let added = colloquy_reading(
        &app,
        &[
            "add",
            "--title",
            "On the Cult of Personality",
            "--label",
            "Khrushchev 1956",
            "--author",
            "Nikita Khrushchev",
            "--year",
            "1956",
            "--members-only",
        ],
        SPEECH.as_bytes(),
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&added.stdout).trim(),
        "/readings/on-the-cult-of-personality/"
    );
    let stored = app
        .store
        .reading_by_slug(app.site.id, "on-the-cult-of-personality")
        .await
        .unwrap()
        .expect("stored");
    assert!(stored.members_only);
    assert_eq!(stored.year, Some(1956));

    for (args, stdin, says) in [
        (
            vec!["add", "--title", "Again", "--label", "KHRUSHCHEV 1956"],
            "Text.".as_bytes(),
            "has the label",
        ),
        (
            vec!["add", "--title", "Pages", "--label", "Pages 2000"],
            "[page 4]\na\n[page 2]\nb".as_bytes(),
            "page 2 comes after page 4",
        ),
        (
            vec!["add", "--title", "Empty", "--label", "Empty 2000"],
            "  \n".as_bytes(),
            "needs its text",
        ),
        (
            vec!["add", "--title", "Comma", "--label", "Smith, 2000"],
            "Text.".as_bytes(),
            "no commas",
        ),
        (
            vec!["add", "--title", "Binary", "--label", "Binary 2000"],
            b"\xff\xfe not UTF-8".as_slice(),
            "UTF-8",
        ),
    ] {
        let refused = colloquy_reading(&app, &args, stdin);
        assert!(!refused.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert_eq!(app.store.readings(app.site.id).await.unwrap().len(), 1);
    let listed = colloquy_reading(&app, &["list"], b"");
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).trim(),
        "Khrushchev 1956\t/readings/on-the-cult-of-personality/\tOn the Cult of Personality"
    );
}

#[tokio::test]
async fn a_block_quote_ending_with_its_page_is_linked_and_checked_like_a_quotation() {
    let app = spawn_app().await;
    let telegram = app
        .store
        .create_reading(
            app.site.id,
            &ReadingDetails {
                title: "The Long Telegram".into(),
                author: "George F. Kennan".into(),
                year: Some(1946),
                label: "Kennan 1946".into(),
                source: "[page 1]\nAnswer to Dept's 284 involves questions so intricate.\n\n[page 2]\nAt bottom of Kremlin's neurotic view of world affairs is traditional and instinctive Russian sense of insecurity.".into(),
                members_only: false,
            },
            calendar::now(),
        )
        .await
        .unwrap();
    let body = "Kennan starts from fear:\n\n> At bottom of Kremlin's neurotic view of world affairs\n> is traditional and instinctive Russian sense of insecurity. (2)\n\nand from the cable itself:\n\n> Answer to Dept's 284 involves questions so intricate (Kennan 1946, p. 1)\n\nWhat follows from it?";
    let post = app
        .publish(PostSpec {
            body,
            reading_id: Some(telegram.id),
            ..PostSpec::post("Insecurity, quoted at length")
        })
        .await;
    let (_, page) = app.page(&app.permalink(&post)).await;
    let links: Vec<(String, String)> = select(&page, ".entry-content blockquote a.citation")
        .iter()
        .map(|link| {
            (
                texts(link, "a").concat(),
                attribute(link, "a", "href").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        links,
        vec![
            (
                "2".to_owned(),
                "/readings/the-long-telegram/#page-2".to_owned()
            ),
            (
                "Kennan 1946, p. 1".to_owned(),
                "/readings/the-long-telegram/#page-1".to_owned()
            ),
        ]
    );
    // A comment's <blockquote> ending with its page is a citation too.
    let reply = TestApp::reply_fields(
        &post,
        "Ana Visitor",
        "<blockquote>traditional and instinctive Russian sense of insecurity (2)</blockquote> Is it fear, then?",
    );
    let comment_id = comment_id_of(&app.leave_reply("198.51.100.7", &reply).await);
    app.store
        .moderate_comment(
            app.site.id,
            comment_id,
            Moderation::Approve,
            calendar::now(),
        )
        .await
        .unwrap();
    let (_, page) = app.page(&app.permalink(&post)).await;
    let comment = select(
        &page,
        &format!("#comment-{comment_id} .comment-content a.citation"),
    );
    assert_eq!(comment.len(), 1, "{page}");
    assert_eq!(
        attribute(&comment[0], "a", "href").as_deref(),
        Some("/readings/the-long-telegram/#page-2")
    );
    // The reading's margin counts the post on both pages, and the comment on page 2.
    let (_, reading_page) = app.page("/readings/the-long-telegram/").await;
    assert_eq!(
        texts(&reading_page, "#page-1 .page-discussion"),
        vec!["discussed in 1 post"]
    );
    assert_eq!(
        texts(&reading_page, "#page-2 .page-discussion"),
        vec!["discussed in 1 post, 1 comment"]
    );

    // The editor's preview checks a block quote's words against its page as it checks quotations in marks.
    let student = app.sign_in_as(Role::Author).await;
    let csrf = student.csrf(&app).await;
    let reading_id = telegram.id.to_string();
    let misquoted = "> Answer to Dept's 284 involves questions so intricate (2)\n\n\
                     > The Kremlin is a happy and confident place (2)\n\n\
                     > He calls it a \"neurotic view of world affairs\" (1)";
    let preview = student
        .post_form(
            &app,
            "/admin/preview",
            &[
                ("csrf", csrf.as_str()),
                ("body", misquoted),
                ("reading", reading_id.as_str()),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    let problems = texts(&preview, ".citation-review li");
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems[0].contains("not on page 2 of Kennan 1946: it is on page 1"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("The Kremlin is a happy and confident place")
            && problems[1].contains("nor anywhere else"),
        "{problems:?}"
    );
    assert!(
        problems[2].starts_with("neurotic view of world affairs (1)")
            && problems[2].contains("it is on page 2"),
        "the quotation in marks is the citation, once: {problems:?}"
    );
    assert!(preview.contains("3 citations of a reading; 3 need a look"));
}
