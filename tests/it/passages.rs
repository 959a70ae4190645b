//! Discussion on a passage: a comment on a block quote of a post or a paragraph of a reading is an ordinary
//! comment, shown beside its passage and in the whole discussion; it stays with its passage through edits
//! elsewhere and is shown "on an earlier version" once the passage is rewritten.

use colloquy::domain::{
    calendar,
    reading::{Reading, ReadingDetails},
    user::Role,
};
use reqwest::StatusCode;

use crate::helpers::{PostSpec, TestApp, attribute, comment_id_of, spawn_app, texts};

const RESPONSE: &str = "Kennan wrote from Moscow in February.

> At bottom of Kremlin's neurotic view of world affairs is traditional and instinctive Russian sense of insecurity.

That sentence carries the whole telegram.";

/// The link that opens the form on the first passage of a page, and the passage's signature.
fn first_passage_link(page: &str) -> (String, String) {
    let href = attribute(page, ".passage-comment-link", "href").expect("a passage link");
    let signature = href
        .split_once("?passage=")
        .and_then(|(_, rest)| rest.split_once('#'))
        .map(|(signature, _)| signature.to_owned())
        .expect("a signature in the link");
    (href, signature)
}

#[tokio::test]
async fn a_comment_on_a_block_quote_stays_through_edits_and_is_marked_after_a_rewrite() {
    let app = spawn_app().await;
    app.set("comment_flood_interval", "0").await;
    app.set("comment_previously_approved", "off").await;
    let post = app
        .publish(PostSpec {
            body: RESPONSE,
            ..PostSpec::post("Kennan's insecurity")
        })
        .await;
    let address = app.permalink(&post);

    // Only the block quote is a passage: one link, under it.
    let (_, page) = app.page(&address).await;
    assert_eq!(texts(&page, ".passage-comment-link").len(), 1);
    let (href, signature) = first_passage_link(&page);
    assert!(page.contains(&format!(
        "<blockquote id=\"passage-{signature}\" class=\"passage\">"
    )));

    // The link opens the form on that passage.
    let (status, form_page) = app.page(&href).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        attribute(&form_page, "input[name=passage]", "value").as_deref(),
        Some(signature.as_str())
    );
    assert!(texts(&form_page, ".comment-form-passage q")[0].contains("neurotic view"));

    // A passage that is not in the post is refused with the comment kept.
    let mut fields = TestApp::reply_fields(&post, "Ada", "Insecurity explains the tone, velleity.");
    fields.push(("passage", "0123456789abcdef".to_owned()));
    let refused = app.leave_reply("203.0.113.7", &fields).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused_page = refused.text().await.unwrap();
    assert!(refused_page.contains("Insecurity explains the tone, velleity."));
    assert!(refused_page.contains("no longer in the text"));
    assert_eq!(app.stored_comment_count(&post).await, 0);

    fields.retain(|(name, _)| *name != "passage");
    fields.push(("passage", signature.clone()));
    let sent = app.leave_reply("203.0.113.7", &fields).await;
    let on_passage = comment_id_of(&sent);
    let general = comment_id_of(
        &app.leave_reply(
            "203.0.113.8",
            &TestApp::reply_fields(&post, "Bo", "A general remark on the post."),
        )
        .await,
    );
    let mut reply = TestApp::reply_fields(&post, "Cy", "I read the tone as fear.");
    reply.retain(|(name, _)| *name != "parent");
    reply.push(("parent", on_passage.to_string()));
    let answer = comment_id_of(&app.leave_reply("203.0.113.9", &reply).await);
    let stored_answer = app
        .store
        .comment_by_id(app.site.id, answer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored_answer.passage.map(|passage| passage.signature),
        Some(signature.clone()),
        "a reply is on its parent's passage"
    );

    // Beside the passage: its count and its comments; in the thread: all three, two of them noted.
    let (_, page) = app.page(&address).await;
    assert_eq!(
        texts(&page, ".passage-discussion summary"),
        vec!["2 comments on this passage"]
    );
    assert!(texts(&page, ".passage-discussion li")[0].starts_with("Ada"));
    for id in [on_passage, general, answer] {
        assert!(page.contains(&format!("id=\"comment-{id}\"")));
    }
    let notes = |page: &str, id: i64| texts(page, &format!("#comment-{id} .passage-note"));
    assert_eq!(
        attribute(
            &page,
            &format!("#comment-{on_passage} .passage-note a"),
            "href"
        ),
        Some(format!("#passage-{signature}"))
    );
    assert!(notes(&page, general).is_empty());

    // An edit elsewhere, and a small correction of the quote itself, keep the comments on the passage.
    let edited = app
        .edit_post(
            &post,
            &post.title,
            &RESPONSE
                .replace("in February.", "on 22 February 1946.")
                .replace(
                    "traditional and instinctive",
                    "traditional and deeply instinctive",
                ),
        )
        .await;
    let (_, page) = app.page(&address).await;
    let (_, new_signature) = first_passage_link(&page);
    assert_ne!(
        new_signature, signature,
        "the correction changed the quote's words"
    );
    assert_eq!(
        texts(&page, ".passage-discussion summary"),
        vec!["2 comments on this passage"]
    );
    assert_eq!(
        attribute(
            &page,
            &format!("#comment-{on_passage} .passage-note a"),
            "href"
        ),
        Some(format!("#passage-{new_signature}"))
    );

    // A rewrite of the quote: the comments stay in the discussion, shown on the earlier version.
    app.edit_post(
        &edited,
        &edited.title,
        &RESPONSE.replace(
            "At bottom of Kremlin's neurotic view of world affairs is traditional and instinctive Russian sense of insecurity.",
            "Soviet power is impervious to logic of reason but highly sensitive to logic of force.",
        ),
    )
    .await;
    let (_, page) = app.page(&address).await;
    assert!(texts(&page, ".passage-discussion summary").is_empty());
    let note = notes(&page, on_passage).join(" ");
    assert!(note.contains("earlier version"), "{note}");
    assert!(note.contains("neurotic view of world affairs"), "{note}");
    assert!(page.contains("Insecurity explains the tone, velleity."));
}

const TELEGRAM: &str = "[page 1]
At bottom of Kremlin's neurotic view of world affairs is traditional and instinctive Russian sense of insecurity.

[page 2]
Soviet power is impervious to logic of reason but highly sensitive to logic of force.
";

async fn add_telegram(app: &TestApp, members_only: bool) -> Reading {
    app.store
        .create_reading(
            app.site.id,
            &ReadingDetails {
                title: "The Long Telegram".into(),
                author: "George Kennan".into(),
                year: Some(1946),
                label: "Kennan 1946".into(),
                source: TELEGRAM.into(),
                members_only,
            },
            calendar::now(),
        )
        .await
        .expect("add the reading")
}

#[tokio::test]
async fn readers_discuss_a_paragraph_of_a_reading_on_its_page() {
    let app = spawn_app().await;
    app.set("comment_flood_interval", "0").await;
    let instructor = app.sign_in_as(Role::Administrator).await;
    let student = app.sign_in_as(Role::Author).await;
    let reading = add_telegram(&app, false).await;
    let address = format!("/readings/{}/", reading.slug);

    let (status, page) = app.page(&address).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts(&page, ".passage-comment-link").len(), 2);
    let discussion_id: i64 = attribute(&page, "#comment_post_ID", "value")
        .and_then(|id| id.parse().ok())
        .expect("the reading's discussion form");
    let signatures: Vec<String> = crate::helpers::select(&page, ".reading-paragraph")
        .iter()
        .filter_map(|html| {
            html.split_once("data-signature=\"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(signature, _)| signature.to_owned())
        })
        .collect();
    assert_eq!(signatures.len(), 2);

    // A reading has no author: its form offers staff neither "Private: only the author of this post" nor a
    // grade, which would reach no student (a post's form offers both).
    let as_staff = instructor.get(&app, &address).await.text().await.unwrap();
    assert!(!as_staff.is_empty());
    assert!(crate::helpers::select(&as_staff, "#private, #grade").is_empty());
    let post = app.publish_post("A post with an author").await;
    let post_as_staff = instructor
        .get(&app, &app.permalink(&post))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        crate::helpers::select(&post_as_staff, "#private, #grade").len(),
        2
    );

    // A member comments on the second paragraph; it lands back on the reading, beside the paragraph.
    let csrf = student.csrf(&app).await;
    let sent = student
        .post_form(
            &app,
            "/comments",
            &[
                (
                    "comment",
                    "The logic of force, not of reason: \"highly sensitive to logic of force\" (2).",
                ),
                ("post_id", &discussion_id.to_string()),
                ("passage", signatures[1].as_str()),
                ("csrf", csrf.as_str()),
            ],
        )
        .await;
    let id = comment_id_of(&sent);
    assert_eq!(
        sent.headers()["location"].to_str().unwrap(),
        format!("{address}#comment-{id}")
    );
    let (_, page) = app.page(&address).await;
    assert_eq!(
        texts(&page, ".passage-discussion summary"),
        vec!["1 comment on this passage"]
    );
    assert!(page.contains("The logic of force, not of reason"));
    assert_eq!(
        texts(&page, "#page-2 .page-discussion"),
        vec!["discussed in 1 comment"],
        "its citation counts in the margin"
    );
    let (_, cited) = app.page(&format!("{address}page/2/")).await;
    assert!(cited.contains("on The Long Telegram"), "{cited}");
    assert_eq!(
        attribute(&page, &format!("#comment-{id} .passage-note a"), "href").as_deref(),
        Some("#para-2")
    );

    // The discussion's post is nowhere as a post: not on the home page, in search, or in the dashboard.
    let (_, home) = app.page("/").await;
    assert!(!home.contains("Discussion of The Long Telegram"));
    let (_, found) = app.page("/search/?q=telegram").await;
    assert!(!found.contains("Discussion of The Long Telegram"));
    let listed = instructor
        .get(&app, "/admin/posts?status=draft")
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains("Discussion of The Long Telegram"));
    let editor = instructor
        .get(&app, &format!("/admin/posts/{discussion_id}"))
        .await;
    assert_eq!(editor.status(), StatusCode::NOT_FOUND);

    // The paragraph rewritten: the comment stays, on the earlier version.
    app.store
        .update_reading(
            app.site.id,
            reading.id,
            &ReadingDetails {
                title: reading.title.clone(),
                author: reading.author.clone(),
                year: reading.year,
                label: reading.label.clone(),
                source: TELEGRAM.replace(
                    "Soviet power is impervious to logic of reason but highly sensitive to logic of force.",
                    "Much depends on health and vigor of our own society.",
                ),
                members_only: false,
            },
            calendar::now(),
        )
        .await
        .expect("edit the reading");
    let (_, page) = app.page(&address).await;
    assert!(texts(&page, ".passage-discussion summary").is_empty());
    let note = texts(&page, &format!("#comment-{id} .passage-note")).join(" ");
    assert!(
        note.contains("earlier version") && note.contains("logic of force"),
        "{note}"
    );
}

#[tokio::test]
async fn a_members_only_readings_discussion_is_closed_to_strangers() {
    let app = spawn_app().await;
    let reading = add_telegram(&app, true).await;
    app.sign_in_as(Role::Administrator).await;
    let student = app.sign_in_as(Role::Author).await;
    let page = student
        .get(&app, &format!("/readings/{}/", reading.slug))
        .await
        .text()
        .await
        .unwrap();
    let discussion_id = attribute(&page, "#comment_post_ID", "value").expect("a form for members");
    let stranger = app
        .leave_reply(
            "203.0.113.20",
            &vec![
                ("comment", "Let me in.".to_owned()),
                ("author", "Stranger".to_owned()),
                ("email", "stranger@example.org".to_owned()),
                ("post_id", discussion_id.clone()),
            ],
        )
        .await;
    assert_eq!(stranger.status(), StatusCode::FORBIDDEN);
    assert!(
        stranger
            .text()
            .await
            .unwrap()
            .contains("sign in to comment")
    );
    let stored = app
        .store
        .list_comments(
            app.site.id,
            colloquy::store::CommentFilter {
                status: None,
                post_id: discussion_id.parse().ok(),
            },
        )
        .await
        .unwrap();
    assert!(stored.is_empty());
}
