//! "Leave a Reply": every step of the comment pipeline (PRODUCT.md §5) over HTTP, with the bad inputs.

use colloquy::{
    domain::{
        calendar,
        comment::{CommentStatus, Moderation},
        post::{Post, PostStatus},
    },
    store::{NewComment, Submitted},
};
use reqwest::StatusCode;

use crate::helpers::{
    Fields, PostSpec, TestApp, attribute, client, comment_id_of, select, spawn_app, texts,
};

fn with(mut fields: Fields<'static>, name: &'static str, value: &str) -> Fields<'static> {
    fields.retain(|(field, _)| *field != name);
    fields.push((name, value.to_owned()));
    fields
}

async fn approve(app: &TestApp, id: i64) {
    app.store
        .moderate_comment(app.site.id, id, Moderation::Approve, calendar::now())
        .await
        .expect("approve");
}

/// A visitor whose email already has an approved comment, so their next ones are approved at once.
async fn known_visitor(app: &TestApp, post: &Post, name: &str, ip: &str) -> Fields<'static> {
    let fields = TestApp::reply_fields(post, name, "My first comment here.");
    let id = comment_id_of(&app.leave_reply(ip, &fields).await);
    approve(app, id).await;
    fields
}

async fn status_of(app: &TestApp, id: i64) -> CommentStatus {
    app.store
        .comment_by_id(app.site.id, id)
        .await
        .expect("look up")
        .expect("the comment")
        .status
}

#[tokio::test]
async fn an_accepted_comment_is_stored_then_redirected_to_its_anchor() {
    let app = spawn_app().await;
    let post = app.publish_post("Discussion").await;
    let fields = known_visitor(&app, &post, "Ada", "203.0.113.1").await;
    app.set("comment_flood_interval", "0").await;

    let response = app
        .leave_reply("203.0.113.1", &with(fields, "comment", "A second thought."))
        .await;
    let id = comment_id_of(&response);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("{}#comment-{id}", app.permalink(&post))
    );
    assert_eq!(status_of(&app, id).await, CommentStatus::Approved);

    let (_, page) = app.page(&app.permalink(&post)).await;
    assert_eq!(
        texts(&page, "h2.comments-title"),
        ["2 Responses to “Discussion”"]
    );
    assert_eq!(
        texts(&page, &format!("#comment-{id} .comment-content")),
        ["A second thought."]
    );
    assert_eq!(
        attribute(&page, &format!("#comment-{id} .comment-metadata a"), "href"),
        Some(format!("#comment-{id}"))
    );
    let avatar = attribute(&page, &format!("#comment-{id} img.avatar"), "src").expect("an avatar");
    assert!(
        avatar.starts_with("/avatar/") && avatar.ends_with(".svg"),
        "a local identicon: {avatar}"
    );
}

#[tokio::test]
async fn one_response_is_counted_in_words() {
    let app = spawn_app().await;
    let post = app.publish_post("Lonely").await;
    known_visitor(&app, &post, "Ada", "203.0.113.1").await;
    let (_, page) = app.page(&app.permalink(&post)).await;
    assert_eq!(
        texts(&page, "h2.comments-title"),
        ["One Response to “Lonely”"]
    );
}

#[tokio::test]
async fn a_first_time_commenter_is_held_and_only_they_see_it() {
    let app = spawn_app().await;
    let post = app.publish_post("Held").await;
    let response = app
        .leave_reply(
            "203.0.113.2",
            &TestApp::reply_fields(&post, "Newcomer", "Hello, first time here."),
        )
        .await;
    let id = comment_id_of(&response);
    assert_eq!(status_of(&app, id).await, CommentStatus::Pending);

    let (_, own_view) = app.page(&app.permalink(&post)).await;
    assert_eq!(
        texts(
            &own_view,
            &format!("#comment-{id} .comment-awaiting-moderation")
        ),
        ["Your comment is awaiting moderation."]
    );
    assert_eq!(
        select(&own_view, "h2.comments-title").len(),
        0,
        "held comments are not counted"
    );

    let stranger = client();
    let others_view = stranger
        .get(app.url(&app.permalink(&post)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!others_view.contains("Hello, first time here."));

    approve(&app, id).await;
    let after = stranger
        .get(app.url(&app.permalink(&post)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(after.contains("Hello, first time here."));
}

#[tokio::test]
async fn a_forged_held_cookie_shows_nothing() {
    let app = spawn_app().await;
    let post = app.publish_post("Cookies").await;
    let id = comment_id_of(
        &app.leave_reply(
            "203.0.113.3",
            &TestApp::reply_fields(&post, "Held", "Secret until approved."),
        )
        .await,
    );
    let forger = client();
    let page = forger
        .get(app.url(&app.permalink(&post)))
        .header("cookie", format!("colloquy_held={id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Secret until approved."));
}

async fn assert_refused_with_form_kept(
    app: &TestApp,
    post: &Post,
    fields: &Fields<'_>,
    faulty: &[&str],
) {
    let before = app.stored_comment_count(post).await;
    let response = app.leave_reply("203.0.113.10", fields).await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{fields:?}"
    );
    let page = response.text().await.unwrap();
    for (name, value) in fields {
        let shown = match *name {
            "comment" => texts(&page, "textarea#comment").join(""),
            "author" | "email" | "url" => {
                attribute(&page, &format!("input#{name}"), "value").unwrap_or_default()
            }
            _ => continue,
        };
        assert_eq!(shown.trim(), value.trim(), "the typed {name} is kept");
    }
    for name in ["comment", "author", "email", "url"] {
        let marked = attribute(&page, &format!("#{name}"), "aria-invalid");
        if faulty.contains(&name) {
            assert_eq!(marked.as_deref(), Some("true"), "{name} is marked");
            let described =
                attribute(&page, &format!("#{name}"), "aria-describedby").unwrap_or_default();
            assert!(
                described.contains(&format!("{name}-error")),
                "{name} points at its message"
            );
            assert_eq!(
                select(&page, &format!("#{name}-error")).len(),
                1,
                "{name} has a message beside it"
            );
        } else {
            assert_eq!(marked, None, "{name} is not marked");
        }
    }
    assert_eq!(
        app.stored_comment_count(post).await,
        before,
        "nothing stored"
    );
}

#[tokio::test]
async fn missing_and_malformed_fields_are_refused_with_the_form_kept() {
    let app = spawn_app().await;
    let post = app.publish_post("Validation").await;
    let good = TestApp::reply_fields(&post, "Ada", "Fine text.");
    assert_refused_with_form_kept(
        &app,
        &post,
        &with(good.clone(), "comment", ""),
        &["comment"],
    )
    .await;
    assert_refused_with_form_kept(
        &app,
        &post,
        &with(good.clone(), "comment", "   \n\t  "),
        &["comment"],
    )
    .await;
    assert_refused_with_form_kept(
        &app,
        &post,
        &with(good.clone(), "comment", &"long ".repeat(14_000)),
        &["comment"],
    )
    .await;
    assert_refused_with_form_kept(
        &app,
        &post,
        &with(good.clone(), "author", &"n".repeat(300)),
        &["author"],
    )
    .await;
    assert_refused_with_form_kept(
        &app,
        &post,
        &with(good.clone(), "email", "not-an-email"),
        &["email"],
    )
    .await;
    assert_refused_with_form_kept(
        &app,
        &post,
        &with(good.clone(), "url", "javascript:alert(1)"),
        &["url"],
    )
    .await;
    let all_missing = with(with(with(good, "comment", ""), "author", ""), "email", "");
    assert_refused_with_form_kept(&app, &post, &all_missing, &["comment", "author", "email"]).await;
}

#[tokio::test]
async fn a_seventy_thousand_character_comment_is_kept_in_the_form() {
    let app = spawn_app().await;
    let post = app.publish_post("Long").await;
    let text = "x".repeat(70_000);
    let response = app
        .leave_reply(
            "203.0.113.11",
            &with(TestApp::reply_fields(&post, "Ada", ""), "comment", &text),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert_eq!(texts(&page, "textarea#comment").join("").len(), 70_000);
    assert_eq!(app.stored_comment_count(&post).await, 0);
}

#[tokio::test]
async fn a_parent_from_another_post_or_nowhere_is_refused() {
    let app = spawn_app().await;
    let post = app.publish_post("Here").await;
    let elsewhere = app.publish_post("Elsewhere").await;
    let fields = known_visitor(&app, &elsewhere, "Ada", "203.0.113.12").await;
    let foreign = app
        .store
        .list_comments(app.site.id, Default::default())
        .await
        .unwrap()[0]
        .id;
    app.set("comment_flood_interval", "0").await;
    for parent in [foreign.to_string(), "999999".to_owned(), "abc".to_owned()] {
        let reply = with(
            with(fields.clone(), "post_id", &post.id.to_string()),
            "parent",
            &parent,
        );
        let response = app
            .leave_reply(
                "203.0.113.12",
                &with(reply, "comment", "Replying across posts"),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "parent {parent}"
        );
        let page = response.text().await.unwrap();
        assert_eq!(
            texts(&page, "textarea#comment").join(""),
            "Replying across posts"
        );
        assert_eq!(select(&page, ".form-notice").len(), 1);
    }
    assert_eq!(app.stored_comment_count(&post).await, 0);
}

#[tokio::test]
async fn a_held_parent_is_refused() {
    let app = spawn_app().await;
    let post = app.publish_post("Parents").await;
    let held = comment_id_of(
        &app.leave_reply(
            "203.0.113.13",
            &TestApp::reply_fields(&post, "Newbie", "Held parent"),
        )
        .await,
    );
    let known = known_visitor(&app, &post, "Ada", "203.0.113.14").await;
    app.set("comment_flood_interval", "0").await;
    let reply = with(
        with(known, "parent", &held.to_string()),
        "comment",
        "Reply to a held one",
    );
    assert_eq!(
        app.leave_reply("203.0.113.14", &reply).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn missing_hidden_or_closed_posts_refuse_comments() {
    let app = spawn_app().await;
    let draft = app
        .publish(PostSpec {
            status: PostStatus::Draft,
            ..PostSpec::post("Draft")
        })
        .await;
    let closed = app
        .publish(PostSpec {
            comments_open: false,
            ..PostSpec::post("Closed")
        })
        .await;
    let open = app.publish_post("Open").await;

    let mut nowhere = TestApp::reply_fields(&open, "Ada", "Into the void");
    nowhere = with(nowhere, "post_id", "999999");
    assert_eq!(
        app.leave_reply("203.0.113.20", &nowhere).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.leave_reply("203.0.113.20", &with(nowhere.clone(), "post_id", "x"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let to_draft = TestApp::reply_fields(&draft, "Ada", "On a draft");
    assert_eq!(
        app.leave_reply("203.0.113.20", &to_draft).await.status(),
        StatusCode::NOT_FOUND
    );
    let response = app
        .leave_reply(
            "203.0.113.20",
            &TestApp::reply_fields(&closed, "Ada", "Too late"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("comments are closed")
    );
    assert_eq!(app.stored_comment_count(&closed).await, 0);
    assert_eq!(app.stored_comment_count(&draft).await, 0);
    let (_, page) = app.page(&app.permalink(&closed)).await;
    assert_eq!(select(&page, "#commentform").len(), 0);
    assert!(page.contains("Comments are closed."));
}

#[tokio::test]
async fn old_posts_close_when_the_site_says_so() {
    let app = spawn_app().await;
    let old = app
        .publish(PostSpec {
            published_at: calendar::now() - 40 * 86_400,
            ..PostSpec::post("Old news")
        })
        .await;
    app.set("close_comments_days_old", "30").await;
    let response = app
        .leave_reply(
            "203.0.113.21",
            &TestApp::reply_fields(&old, "Ada", "Late reply"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_same_comment_twice_is_a_conflict() {
    let app = spawn_app().await;
    let post = app.publish_post("Echo").await;
    app.set("comment_flood_interval", "0").await;
    let fields = TestApp::reply_fields(&post, "Ada", "I agree completely.");
    comment_id_of(&app.leave_reply("203.0.113.30", &fields).await);
    let again = app
        .leave_reply(
            "203.0.113.31",
            &with(fields.clone(), "email", "ADA@example.org"),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("Duplicate comment detected")
    );
    assert_eq!(app.stored_comment_count(&post).await, 1);
}

#[tokio::test]
async fn comments_too_close_together_are_refused_with_retry_after() {
    let app = spawn_app().await;
    let post = app.publish_post("Flood").await;
    let first = TestApp::reply_fields(&post, "Ada", "One.");
    comment_id_of(&app.leave_reply("203.0.113.40", &first).await);

    let same_address = TestApp::reply_fields(&post, "Bea", "Two.");
    let response = app.leave_reply("203.0.113.40", &same_address).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15).contains(&retry), "{retry}");
    assert_eq!(
        texts(&response.text().await.unwrap(), "textarea#comment").join(""),
        "Two.",
        "the text is kept"
    );

    let same_email = with(first.clone(), "comment", "Three.");
    assert_eq!(
        app.leave_reply("203.0.113.41", &same_email).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    let someone_else = TestApp::reply_fields(&post, "Cyd", "Four.");
    assert_eq!(
        app.leave_reply("203.0.113.42", &someone_else)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.stored_comment_count(&post).await, 2);

    app.set("comment_flood_interval", "0").await;
    assert_eq!(
        app.leave_reply("203.0.113.40", &same_address)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn bodies_that_are_not_utf8_or_too_large_store_nothing() {
    let app = spawn_app().await;
    let post = app.publish_post("Bytes").await;
    let mut body = format!(
        "author=Ada&email=ada%40example.org&post_id={}&comment=",
        post.id
    )
    .into_bytes();
    body.extend_from_slice(b"%FF%FEbad");
    let response = app
        .client
        .post(app.url("/comments"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let mut raw = format!(
        "author=Ada&email=ada%40example.org&post_id={}&comment=",
        post.id
    )
    .into_bytes();
    raw.extend_from_slice(&[0xC3, 0x28]);
    let response = app
        .client
        .post(app.url("/comments"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let huge = format!(
        "author=Ada&email=ada%40example.org&post_id={}&comment={}",
        post.id,
        "a".repeat(10 * 1024 * 1024)
    );
    let response = app
        .client
        .post(app.url("/comments"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.stored_comment_count(&post).await, 0);
}

#[tokio::test]
async fn markup_in_comments_and_names_is_escaped() {
    let app = spawn_app().await;
    let post = app.publish_post("Injection").await;
    app.set("comment_previously_approved", "off").await;
    let fields = with(
        TestApp::reply_fields(
            &post,
            "Mallory",
            "<script>alert(1)</script> <img src=x onerror=alert(2)> <b>bold</b>",
        ),
        "author",
        "<img src=x onerror=alert(3)>Mallory",
    );
    let id = comment_id_of(&app.leave_reply("203.0.113.50", &fields).await);
    let (_, page) = app.page(&app.permalink(&post)).await;
    assert!(!page.contains("<script>alert"), "no live script");
    assert!(!page.contains("<img src=x"), "no live image");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the script shows as text"
    );
    assert_eq!(
        select(&page, &format!("#comment-{id} .comment-content b")).len(),
        1,
        "allowed tags stay"
    );
    assert_eq!(
        texts(&page, &format!("#comment-{id} .fn")),
        ["<img src=x onerror=alert(3)>Mallory"]
    );
    assert_eq!(
        select(&page, "*[onerror]"),
        Vec::<String>::new(),
        "no element carries an event handler"
    );
}

#[tokio::test]
async fn links_and_word_lists_decide_what_is_held_or_spam() {
    let app = spawn_app().await;
    let post = app.publish_post("Links").await;
    let known = known_visitor(&app, &post, "Ada", "203.0.113.60").await;
    app.set("comment_flood_interval", "0").await;

    let three_links =
        "See https://a.example and https://b.example and <a href=\"https://c.example\">c</a>";
    let id = comment_id_of(
        &app.leave_reply("203.0.113.60", &with(known.clone(), "comment", three_links))
            .await,
    );
    assert_eq!(status_of(&app, id).await, CommentStatus::Pending);

    let one_link = with(known.clone(), "comment", "Only https://a.example here");
    assert_eq!(
        status_of(
            &app,
            comment_id_of(&app.leave_reply("203.0.113.60", &one_link).await)
        )
        .await,
        CommentStatus::Approved
    );

    app.set("moderation_keys", "essay mill").await;
    let held = with(known.clone(), "comment", "Buy from the Essay Mill");
    assert_eq!(
        status_of(
            &app,
            comment_id_of(&app.leave_reply("203.0.113.60", &held).await)
        )
        .await,
        CommentStatus::Pending
    );

    app.set("disallowed_keys", "casino").await;
    let spam = app
        .leave_reply(
            "203.0.113.60",
            &with(known.clone(), "comment", "Visit my casino"),
        )
        .await;
    assert_eq!(spam.status(), StatusCode::SEE_OTHER);
    let spam_comments = app
        .store
        .list_comments(
            app.site.id,
            colloquy::store::CommentFilter {
                status: Some(CommentStatus::Spam),
                post_id: Some(post.id),
            },
        )
        .await
        .unwrap();
    assert_eq!(spam_comments.len(), 1);
    let (_, page) = app.page(&app.permalink(&post)).await;
    assert!(!page.contains("Visit my casino"));

    app.set("comment_moderation", "on").await;
    let moderated = with(known, "comment", "Plain and friendly");
    assert_eq!(
        status_of(
            &app,
            comment_id_of(&app.leave_reply("203.0.113.60", &moderated).await)
        )
        .await,
        CommentStatus::Pending
    );
}

#[tokio::test]
async fn with_the_previously_approved_rule_off_strangers_are_approved() {
    let app = spawn_app().await;
    let post = app.publish_post("Open door").await;
    app.set("comment_previously_approved", "false").await;
    let id = comment_id_of(
        &app.leave_reply(
            "203.0.113.61",
            &TestApp::reply_fields(&post, "Stranger", "Hi"),
        )
        .await,
    );
    assert_eq!(status_of(&app, id).await, CommentStatus::Approved);
}

#[tokio::test]
async fn email_and_address_never_appear_on_public_pages() {
    let app = spawn_app().await;
    let post = app
        .publish(PostSpec {
            categories: vec!["Private".into()],
            ..PostSpec::post("Privacy")
        })
        .await;
    let fields = with(
        TestApp::reply_fields(&post, "Ada", "Hello"),
        "email",
        "secret.person@example.org",
    );
    let id = comment_id_of(&app.leave_reply("198.51.100.77", &fields).await);
    approve(&app, id).await;
    for path in [
        app.permalink(&post),
        "/".to_owned(),
        "/category/private/".to_owned(),
        "/no-such-page/".to_owned(),
    ] {
        let stranger = client()
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !stranger.contains("secret.person"),
            "{path} shows the email"
        );
        assert!(
            !stranger.contains("198.51.100.77"),
            "{path} shows the address"
        );
    }
}

#[tokio::test]
async fn replies_nest_and_the_reply_link_works_without_javascript() {
    let app = spawn_app().await;
    let post = app.publish_post("Threads").await;
    app.set("comment_previously_approved", "off").await;
    app.set("comment_flood_interval", "0").await;
    let mut parent = 0;
    let mut ids = Vec::new();
    for level in 1..=6 {
        let fields = with(
            TestApp::reply_fields(&post, "Ada", &format!("Level {level}")),
            "parent",
            &parent.to_string(),
        );
        parent = comment_id_of(&app.leave_reply("203.0.113.70", &fields).await);
        ids.push(parent);
    }
    let (_, page) = app.page(&app.permalink(&post)).await;
    for (index, id) in ids.iter().enumerate() {
        let depth = (index + 1).min(5);
        assert_eq!(
            select(&page, &format!("li#comment-{id}.depth-{depth}")).len(),
            1,
            "comment {index} at depth {depth}"
        );
    }
    assert_eq!(select(&page, "ol.comment-list > li").len(), 1);
    assert_eq!(
        select(
            &page,
            "ol.children ol.children ol.children ol.children > li"
        )
        .len(),
        2,
        "depth 6 joins depth 5"
    );

    let reply_href = attribute(
        &page,
        &format!("#comment-{} .comment-reply-link", ids[0]),
        "href",
    )
    .expect("a reply link");
    assert_eq!(
        reply_href,
        format!("{}?replytocom={}#respond", app.permalink(&post), ids[0])
    );
    let (status, reply_page) = app.page(reply_href.trim_end_matches("#respond")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        attribute(&reply_page, "#comment_parent", "value"),
        Some(ids[0].to_string())
    );
    assert!(
        texts(&reply_page, "#reply-title")
            .join("")
            .starts_with("Leave a Reply to Ada")
    );
    assert_eq!(
        attribute(&reply_page, "#cancel-comment-reply-link", "href"),
        Some(format!("{}#respond", app.permalink(&post)))
    );
}

#[tokio::test]
async fn remember_me_fills_the_form_next_time_and_only_when_asked() {
    let app = spawn_app().await;
    let post = app.publish_post("Remember").await;
    app.set("comment_flood_interval", "0").await;
    let forgetful = client();
    let fields = with(
        TestApp::reply_fields(&post, "Ada", "Without the box"),
        "url",
        "https://ada.example",
    );
    app.leave_reply_from(&forgetful, "203.0.113.80", &fields)
        .await;
    let page = forgetful
        .get(app.url(&app.permalink(&post)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        attribute(&page, "input#author", "value").as_deref(),
        Some("")
    );

    let remembering = client();
    let ticked = with(with(fields, "remember", "yes"), "comment", "With the box");
    app.leave_reply_from(&remembering, "203.0.113.81", &ticked)
        .await;
    let page = remembering
        .get(app.url(&app.permalink(&post)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.headers()["cache-control"],
        "private, no-store",
        "a personal page is never shared"
    );
    let page = page.text().await.unwrap();
    assert_eq!(
        attribute(&page, "input#author", "value").as_deref(),
        Some("Ada")
    );
    assert_eq!(
        attribute(&page, "input#email", "value").as_deref(),
        Some("ada@example.org")
    );
    assert_eq!(
        attribute(&page, "input#url", "value").as_deref(),
        Some("https://ada.example")
    );
    assert_eq!(
        attribute(&page, "#wp-comment-cookies-consent", "checked").as_deref(),
        Some("")
    );
}

#[tokio::test]
async fn wordpress_field_names_are_understood() {
    let app = spawn_app().await;
    let post = app.publish_post("Compat").await;
    let fields = vec![
        ("comment", "From an old theme".to_owned()),
        ("author", "Ada".to_owned()),
        ("email", "ada@example.org".to_owned()),
        ("comment_post_ID", post.id.to_string()),
        ("comment_parent", "0".to_owned()),
    ];
    let response = app
        .client
        .post(app.url("/wp-comments-post.php"))
        .header("x-forwarded-for", "203.0.113.90")
        .form(&fields)
        .send()
        .await
        .unwrap();
    comment_id_of(&response);
}

#[tokio::test]
async fn long_discussions_page_at_fifty_top_level_comments() {
    let app = spawn_app().await;
    let post = app.publish_post("Busy").await;
    app.set("comment_previously_approved", "off").await;
    app.set("comment_flood_interval", "0").await;
    let mut first = 0;
    for n in 1..=51 {
        let fields = TestApp::reply_fields(
            &post,
            &format!("Person {n}"),
            &format!("Comment number {n}"),
        );
        let id = comment_id_of(&app.leave_reply(&format!("203.0.114.{n}"), &fields).await);
        if n == 1 {
            first = id;
        }
    }
    let (_, newest) = app.page(&app.permalink(&post)).await;
    assert_eq!(select(&newest, "ol.comment-list > li").len(), 1);
    assert_eq!(
        texts(&newest, "h2.comments-title"),
        ["51 Responses to “Busy”"]
    );
    let older = attribute(&newest, ".comment-navigation a.older", "href").expect("older comments");
    assert_eq!(older, format!("{}comment-page-1/", app.permalink(&post)));
    let (status, oldest) = app.page(&older).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&oldest, "ol.comment-list > li").len(), 50);
    assert_eq!(
        app.page(&format!("{}comment-page-3/", app.permalink(&post)))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    let reply = with(
        TestApp::reply_fields(&post, "Late", "Answering the first"),
        "parent",
        &first.to_string(),
    );
    let response = app.leave_reply("203.0.115.1", &reply).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&older),
        "a reply on an older page is sent there: {location}"
    );
}

/// A comment dated after now (a clock ahead on another instance, an import) is later than a new one.
async fn store_comment_at(
    app: &TestApp,
    post: &Post,
    status: CommentStatus,
    at: i64,
) -> (i64, bool) {
    let text = format!("Dated {at} ({status})");
    let submitted = app
        .store
        .submit_comment(
            &NewComment {
                site_id: app.site.id,
                post_id: post.id,
                parent_id: None,
                user_id: None,
                author_name: "Clock",
                author_email: "clock@example.org",
                author_url: None,
                author_ip: "192.0.2.9",
                user_agent: "test",
                content: &text,
                content_html: &text,
                status,
                created_at: at,
                cited: &[],
                is_private: false,
                grade: None,
                passage: None,
            },
            0,
        )
        .await
        .expect("store the comment");
    match submitted {
        Submitted::Stored {
            comment,
            last_of_post,
        } => (comment.id, last_of_post),
        other => panic!("not stored: {other:?}"),
    }
}

/// Leaves a top-level comment over HTTP: its id, and where the answer sends its writer.
async fn new_thread(app: &TestApp, post: &Post, name: &str, text: &str) -> (i64, String) {
    let response = app
        .leave_reply("203.0.113.70", &TestApp::reply_fields(post, name, text))
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    (comment_id_of(&response), location)
}

#[tokio::test]
async fn a_new_thread_goes_to_the_newest_page_only_when_nothing_was_dated_after_it() {
    let app = spawn_app().await;
    let post = app.publish_post("Clocks").await;
    app.set("comment_previously_approved", "off").await;
    app.set("comment_flood_interval", "0").await;
    app.set("comments_per_page", "5").await;
    let now = calendar::now();

    for at in now - 100..now - 96 {
        let (_, last) = store_comment_at(&app, &post, CommentStatus::Approved, at).await;
        assert!(last, "nothing follows a comment stored in date order");
    }
    let (_, last) = store_comment_at(&app, &post, CommentStatus::Spam, now + 3_600).await;
    assert!(last);
    let (id, location) = new_thread(&app, &post, "Ada", "The newest thread").await;
    assert_eq!(
        location,
        format!("{}#comment-{id}", app.permalink(&post)),
        "a spam comment dated later does not move a new thread off the newest page"
    );

    for at in now + 3_600..now + 3_605 {
        store_comment_at(&app, &post, CommentStatus::Approved, at).await;
    }
    let (_, last) = store_comment_at(&app, &post, CommentStatus::Approved, now - 30).await;
    assert!(!last, "a comment dated before others is not the last");
    let (id, location) = new_thread(&app, &post, "Grace", "Before the clocks ahead").await;
    assert_eq!(
        location,
        format!("{}comment-page-2/#comment-{id}", app.permalink(&post)),
        "oldest first, five a page: four old ones and the one of now - 30, then Ada's and this one, then the \
         five dated an hour ahead"
    );
}

#[tokio::test]
async fn a_refused_reply_comes_back_under_the_comment_it_answers_on_an_earlier_page() {
    let app = spawn_app().await;
    app.set("comments_per_page", "5").await;
    let post = app.publish_post("Paged discussion").await;
    let mut ids = Vec::new();
    for (number, name) in ["Ada", "Ben", "Cy", "Di", "Flo", "Gus"].iter().enumerate() {
        let response = app
            .leave_reply(
                &format!("198.51.100.{}", number + 10),
                &TestApp::reply_fields(&post, name, &format!("Thought number {number}")),
            )
            .await;
        ids.push(comment_id_of(&response));
    }
    app.store
        .moderate_comment(
            app.site.id,
            ids[0],
            colloquy::domain::comment::Moderation::Approve,
            calendar::now(),
        )
        .await
        .unwrap();
    let mut reply = TestApp::reply_fields(&post, "Eve", "An answer to Ada");
    reply.retain(|(name, _)| *name != "email" && *name != "parent");
    reply.push(("email", "not an address".to_owned()));
    reply.push(("parent", ids[0].to_string()));
    let refused = app.leave_reply("198.51.100.99", &reply).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(
        texts(&page, "#reply-title")
            .join("")
            .starts_with("Leave a Reply to Ada"),
        "{:?}",
        texts(&page, "#reply-title")
    );
    assert!(page.contains("An answer to Ada"), "what was typed is kept");
}
