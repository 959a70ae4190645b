//! Signing in and out, throttling, mailed links, CSRF, and who may moderate (PRODUCT.md §1, issue #3).

use colloquy::domain::{calendar, comment::CommentStatus, user::Role};
use reqwest::StatusCode;

use crate::helpers::{TestApp, attribute, client, comment_id_of, select, spawn_app, texts};

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("a location")
        .to_owned()
}

#[tokio::test]
async fn signing_in_sets_a_safe_session_cookie_and_goes_back() {
    let app = spawn_app().await;
    let (user, password) = app
        .account("ada@example.edu", "Ada", Some(Role::Author))
        .await;
    let browser = client();
    let response = browser
        .post(app.url("/login"))
        .form(&[
            ("email", "ADA@example.edu"),
            ("password", password.as_str()),
            ("next", "/2026/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/2026/");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("colloquy_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "no Secure flag on a plain-http base URL: {cookie}"
    );
    let home = browser
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        texts(&home, ".account-links")
            .join(" ")
            .contains(&format!("Signed in as {}", user.name))
    );

    let outside = browser
        .post(app.url("/login"))
        .form(&[
            ("email", "ada@example.edu"),
            ("password", password.as_str()),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&outside), "/", "never redirected off the site");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_read_the_same() {
    let app = spawn_app().await;
    app.account("ada@example.edu", "Ada", None).await;
    let wrong = app.sign_in("ada@example.edu", "not the password").await;
    let unknown = app.sign_in("nobody@example.edu", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(
        texts(&wrong, ".notice-problem"),
        texts(&unknown, ".notice-problem")
    );
    assert_eq!(
        attribute(&wrong, "input#email", "value").as_deref(),
        Some("ada@example.edu"),
        "the email is kept"
    );
    assert_eq!(
        select(&wrong, "input#password[value]").len(),
        0,
        "the password is not echoed"
    );
}

#[tokio::test]
async fn five_failures_from_one_address_make_it_wait() {
    let app = spawn_app().await;
    let (_, password) = app.account("ada@example.edu", "Ada", None).await;
    let browser = client();
    for _ in 0..5 {
        let response = app
            .sign_in_with(
                &browser,
                "ada@example.edu",
                "wrong password",
                "198.51.100.5",
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let blocked = app
        .sign_in_with(&browser, "ada@example.edu", &password, "198.51.100.5")
        .await;
    assert_eq!(
        blocked.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry: i64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let elsewhere = app
        .sign_in_with(&client(), "ada@example.edu", &password, "198.51.100.6")
        .await;
    assert_eq!(
        elsewhere.status(),
        StatusCode::SEE_OTHER,
        "another address is not blocked"
    );
}

#[tokio::test]
async fn many_failures_on_one_account_pause_passwords_but_not_mailed_links() {
    let app = spawn_app().await;
    let (_, password) = app
        .account("prof@example.edu", "Prof", Some(Role::Administrator))
        .await;
    for attempt in 0..20 {
        let ip = format!("198.51.100.{}", 10 + attempt / 4);
        app.sign_in_with(&client(), "prof@example.edu", "guess", &ip)
            .await;
    }
    let paused = app
        .sign_in_with(&client(), "prof@example.edu", &password, "198.51.100.99")
        .await;
    assert_eq!(paused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(paused.text().await.unwrap().contains("sign-in link"));
    let for_nobody = app
        .sign_in_with(&client(), "nobody@example.edu", "x", "198.51.100.98")
        .await;
    assert_eq!(for_nobody.status(), StatusCode::UNAUTHORIZED);

    let asked = app
        .post_form("/login/link", &[("email", "prof@example.edu")])
        .await;
    assert_eq!(asked.status(), StatusCode::OK);
    let link = app.link_mailed_to("prof@example.edu").await;
    assert!(link.starts_with("/login/link/"), "{link}");
    let browser = client();
    assert_eq!(
        browser.get(app.url(&link)).send().await.unwrap().status(),
        StatusCode::OK,
        "opening the link does not use it"
    );
    let used = browser.post(app.url(&link)).send().await.unwrap();
    assert_eq!(used.status(), StatusCode::SEE_OTHER);
    let dashboard = browser
        .get(app.url("/admin/comments"))
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK, "the instructor is in");
    assert_eq!(
        client().post(app.url(&link)).send().await.unwrap().status(),
        StatusCode::GONE,
        "a link works once"
    );
}

#[tokio::test]
async fn asking_for_a_link_never_says_whether_the_account_exists() {
    let app = spawn_app().await;
    app.account("ada@example.edu", "Ada", None).await;
    let known = app
        .post_form("/login/forgot", &[("email", "ada@example.edu")])
        .await;
    let unknown = app
        .post_form("/login/forgot", &[("email", "nobody@example.edu")])
        .await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(
        texts(&known.text().await.unwrap(), "main"),
        texts(&unknown.text().await.unwrap(), "main")
    );
    assert_eq!(
        app.outbox().await.len(),
        1,
        "only the real account got mail"
    );
}

#[tokio::test]
async fn a_password_reset_link_works_once_within_the_hour() {
    let app = spawn_app().await;
    let (_, old_password) = app.account("ada@example.edu", "Ada", None).await;
    let signed_in = client();
    assert_eq!(
        app.sign_in_with(&signed_in, "ada@example.edu", &old_password, "203.0.113.1")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    app.post_form("/login/forgot", &[("email", "ada@example.edu")])
        .await;
    let link = app.link_mailed_to("ada@example.edu").await;
    assert!(link.starts_with("/login/reset/"), "{link}");
    let (status, form) = app.page(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&form, "input#password").len(), 1);

    let mismatch = app
        .post_form(
            &link,
            &[
                ("password", "new password one"),
                ("confirm", "new password two"),
            ],
        )
        .await;
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let short = app
        .post_form(&link, &[("password", "short"), ("confirm", "short")])
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let changed = app
        .post_form(
            &link,
            &[
                ("password", "a brand new password"),
                ("confirm", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);

    assert_eq!(
        app.sign_in("ada@example.edu", &old_password).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("ada@example.edu", "a brand new password")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let reused = app
        .post_form(
            &link,
            &[
                ("password", "another new password"),
                ("confirm", "another new password"),
            ],
        )
        .await;
    assert_eq!(reused.status(), StatusCode::GONE);
    let home = signed_in
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !home.contains("Signed in as"),
        "a password change ends the old sessions"
    );
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let app = spawn_app().await;
    let (user, _) = app.account("ada@example.edu", "Ada", None).await;
    let token = "expired-token-for-the-test";
    let hash = hex_sha256(token);
    let now = calendar::now();
    app.store
        .create_token(
            colloquy::store::TokenPurpose::ResetPassword,
            &hash,
            user.id,
            now - 7_200,
            now - 3_600,
        )
        .await
        .unwrap();
    assert_eq!(
        app.page(&format!("/login/reset/{token}")).await.0,
        StatusCode::GONE
    );
    let tried = app
        .post_form(
            &format!("/login/reset/{token}"),
            &[
                ("password", "a brand new password"),
                ("confirm", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(tried.status(), StatusCode::GONE);
}

fn hex_sha256(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[tokio::test]
async fn a_tampered_session_cookie_is_signed_out() {
    let app = spawn_app().await;
    let member = app.sign_in_as(Role::Editor).await;
    assert_eq!(
        member.get(&app, "/admin/comments").await.status(),
        StatusCode::OK
    );
    let forged = client()
        .get(app.url("/admin/comments"))
        .header(
            "cookie",
            "colloquy_session=0000000000000000000000000000000000000000000000000000000000000000",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&forged), "/login?next=%2Fadmin%2Fcomments");
}

#[tokio::test]
async fn logging_out_needs_the_form_token() {
    let app = spawn_app().await;
    let member = app.sign_in_as(Role::Author).await;
    let forged = member
        .post_form(&app, "/logout", &[("csrf", "forged")])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let csrf = member.csrf(&app).await;
    let out = member
        .post_form(&app, "/logout", &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let home = member.get(&app, "/").await.text().await.unwrap();
    assert!(!home.contains("Signed in as"));
}

#[tokio::test]
async fn only_staff_reach_the_moderation_queue_and_see_emails() {
    let app = spawn_app().await;
    let post = app.publish_post("Moderated").await;
    let id = comment_id_of(
        &app.leave_reply("198.51.100.33", &with_email(&post, "secret@example.org"))
            .await,
    );

    let signed_out = client()
        .get(app.url("/admin/comments"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    for role in [Role::Author, Role::Contributor, Role::Subscriber] {
        let member = app.sign_in_as(role).await;
        let response = member.get(&app, "/admin/comments").await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role}");
        assert!(
            !response
                .text()
                .await
                .unwrap()
                .contains("secret@example.org")
        );
    }
    let editor = app.sign_in_as(Role::Editor).await;
    let queue = editor.get(&app, "/admin/comments").await;
    assert_eq!(queue.headers()["cache-control"], "private, no-store");
    let queue = queue.text().await.unwrap();
    assert!(queue.contains("secret@example.org") && queue.contains("198.51.100.33"));
    assert_eq!(texts(&queue, ".status-tabs a[aria-current]"), ["All (1)"]);
    assert_eq!(select(&queue, &format!("#queued-{id}")).len(), 1);
    assert_eq!(
        editor.get(&app, "/admin/outbox").await.status(),
        StatusCode::FORBIDDEN,
        "the outbox is for administrators"
    );
}

fn with_email(post: &colloquy::domain::post::Post, email: &str) -> crate::helpers::Fields<'static> {
    let mut fields = TestApp::reply_fields(post, "Stranger", "Please let me in");
    fields.retain(|(name, _)| *name != "email");
    fields.push(("email", email.to_owned()));
    fields
}

#[tokio::test]
async fn moderators_approve_one_or_many_and_the_author_hears_of_it() {
    let app = spawn_app().await;
    let post = app.publish_post("Busy queue").await;
    app.set("comment_flood_interval", "0").await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let fields =
            TestApp::reply_fields(&post, &format!("Visitor {n}"), &format!("Held comment {n}"));
        ids.push(comment_id_of(
            &app.leave_reply(&format!("198.51.100.{n}"), &fields).await,
        ));
    }
    let held_notices = app
        .outbox()
        .await
        .into_iter()
        .filter(|mail| mail.recipient == admin.user.email)
        .count();
    assert_eq!(held_notices, 3, "the moderator heard of each held comment");
    let csrf = admin.csrf(&app).await;

    let forged = admin
        .post_form(
            &app,
            "/admin/comments",
            &[
                ("csrf", "nope".to_owned()),
                ("one", format!("approve:{}", ids[0])),
            ],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        status_of(&app, ids[0]).await,
        CommentStatus::Pending,
        "a forged form changes nothing"
    );

    let one = admin
        .post_form(
            &app,
            "/admin/comments",
            &[
                ("csrf", csrf.clone()),
                ("one", format!("approve:{}", ids[0])),
                ("status", "pending".to_owned()),
            ],
        )
        .await;
    assert_eq!(one.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, ids[0]).await, CommentStatus::Approved);
    let author = app.author().await;
    let notices: Vec<_> = app
        .outbox()
        .await
        .into_iter()
        .filter(|mail| mail.recipient == author.email)
        .collect();
    assert_eq!(
        notices.len(),
        1,
        "the post's author heard of the approved comment"
    );
    assert!(notices[0].body.contains("Held comment 0"));
    assert!(
        !notices[0].body.contains("visitor.0@example.org"),
        "the author does not see the commenter's email"
    );

    let bulk = admin
        .post_form(
            &app,
            "/admin/comments",
            &[
                ("csrf", csrf.clone()),
                ("action", "trash".to_owned()),
                ("ids", ids[1].to_string()),
                ("ids", ids[2].to_string()),
            ],
        )
        .await;
    assert_eq!(bulk.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, ids[1]).await, CommentStatus::Trash);
    assert_eq!(status_of(&app, ids[2]).await, CommentStatus::Trash);
    let restore = admin
        .post_form(
            &app,
            "/admin/comments",
            &[("csrf", csrf), ("one", format!("restore:{}", ids[1]))],
        )
        .await;
    assert_eq!(restore.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, ids[1]).await, CommentStatus::Pending);

    let outbox = admin.get(&app, "/admin/outbox").await.text().await.unwrap();
    assert!(outbox.contains("Please moderate"));
}

async fn status_of(app: &TestApp, id: i64) -> CommentStatus {
    app.store
        .comment_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap()
        .status
}

#[tokio::test]
async fn signed_in_members_comment_as_themselves() {
    let app = spawn_app().await;
    let post = app.publish_post("Class discussion").await;
    let student = app.sign_in_as(Role::Author).await;
    let page = student
        .get(&app, &app.permalink(&post))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        select(&page, "#commentform input#author").len(),
        0,
        "no name field"
    );
    assert_eq!(
        select(&page, "#commentform input#email").len(),
        0,
        "no email field"
    );
    assert!(
        texts(&page, ".logged-in-as")
            .join("")
            .contains(&student.user.name)
    );
    let csrf = attribute(&page, "#commentform input[name=csrf]", "value")
        .expect("the form carries a token");

    let fields = [
        ("comment", "My first classmate reply".to_owned()),
        ("post_id", post.id.to_string()),
        ("csrf", csrf.clone()),
    ];
    let response = student
        .client
        .post(app.url("/comments"))
        .header("x-forwarded-for", "198.51.100.40")
        .form(&fields)
        .send()
        .await
        .unwrap();
    let id = comment_id_of(&response);
    let stored = app
        .store
        .comment_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.status,
        CommentStatus::Approved,
        "members are known people"
    );
    assert_eq!(stored.user_id, Some(student.user.id));
    assert_eq!(stored.author_email, student.user.email);

    let forged = [
        ("comment", "Forged".to_owned()),
        ("post_id", post.id.to_string()),
        ("csrf", "forged".to_owned()),
    ];
    let refused = student
        .client
        .post(app.url("/comments"))
        .header("x-forwarded-for", "198.51.100.41")
        .form(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.stored_comment_count(&post).await, 1);
}

#[tokio::test]
async fn staff_replies_are_approved_at_once_and_not_flood_limited() {
    let app = spawn_app().await;
    app.set("comment_moderation", "on").await;
    let post = app.publish_post("Moderated class").await;
    let editor = app.sign_in_as(Role::Editor).await;
    let csrf = editor.csrf(&app).await;
    for n in 0..2 {
        let fields = [
            ("comment", format!("Instructor note {n}")),
            ("post_id", post.id.to_string()),
            ("csrf", csrf.clone()),
        ];
        let response = editor
            .client
            .post(app.url("/comments"))
            .header("x-forwarded-for", "198.51.100.50")
            .form(&fields)
            .send()
            .await
            .unwrap();
        let id = comment_id_of(&response);
        assert_eq!(status_of(&app, id).await, CommentStatus::Approved);
    }
    let student = app.sign_in_as(Role::Author).await;
    let csrf = student.csrf(&app).await;
    let fields = [
        ("comment", "Held for the instructor".to_owned()),
        ("post_id", post.id.to_string()),
        ("csrf", csrf),
    ];
    let response = student
        .client
        .post(app.url("/comments"))
        .header("x-forwarded-for", "198.51.100.51")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_of(&app, comment_id_of(&response)).await,
        CommentStatus::Pending,
        "moderating everything holds members too"
    );
}

#[tokio::test]
async fn moderators_edit_a_comment_and_reply_from_the_dashboard() {
    let app = spawn_app().await;
    let post = app.publish_post("Edited").await;
    let held = comment_id_of(
        &app.leave_reply(
            "198.51.100.70",
            &TestApp::reply_fields(&post, "Newcomer", "Teh typo"),
        )
        .await,
    );
    let editor = app.sign_in_as(Role::Editor).await;
    let page = editor
        .get(&app, &format!("/admin/comments/{held}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(texts(&page, "textarea#text").join(""), "Teh typo");
    let csrf = editor.csrf(&app).await;

    let bad = editor
        .post_form(
            &app,
            &format!("/admin/comments/{held}"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "edit"),
                ("author", "Newcomer"),
                ("email", "broken"),
                ("text", "The typo"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        attribute(&bad.text().await.unwrap(), "#email", "aria-invalid").as_deref(),
        Some("true")
    );

    let fixed = editor
        .post_form(
            &app,
            &format!("/admin/comments/{held}"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "edit"),
                ("author", "Newcomer"),
                ("email", "newcomer@example.org"),
                ("text", "The typo, fixed"),
            ],
        )
        .await;
    assert_eq!(fixed.status(), StatusCode::SEE_OTHER);
    let comment = app
        .store
        .comment_by_id(app.site.id, held)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(comment.content, "The typo, fixed");
    assert_eq!(
        comment.status,
        CommentStatus::Pending,
        "editing does not approve"
    );

    let replied = editor
        .post_form(
            &app,
            &format!("/admin/comments/{held}"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "reply"),
                ("reply", "Welcome to the discussion!"),
            ],
        )
        .await;
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        status_of(&app, held).await,
        CommentStatus::Approved,
        "replying approves the held comment"
    );
    let (_, page) = app.page(&app.permalink(&post)).await;
    assert_eq!(
        texts(
            &page,
            &format!("#comment-{held} .children .comment-content")
        ),
        ["Welcome to the discussion!"]
    );
    let author = app.sign_in_as(Role::Author).await;
    assert_eq!(
        author
            .get(&app, &format!("/admin/comments/{held}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn staff_grow_and_rename_the_category_tree() {
    let app = spawn_app().await;
    let editor = app.sign_in_as(Role::Editor).await;
    let csrf = editor.csrf(&app).await;
    let add = |name: &'static str, parent: String| {
        let client = editor.client.clone();
        let url = app.url("/admin/categories");
        let csrf = csrf.clone();
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf", csrf),
                    ("action", "add".into()),
                    ("name", name.into()),
                    ("parent", parent),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        add("Readings", String::new()).await.status(),
        StatusCode::SEE_OTHER
    );
    let readings = app
        .store
        .term_by_slug(
            app.site.id,
            colloquy::domain::post::Taxonomy::Category,
            "readings",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        add("Primary sources", readings.id.to_string())
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let child = app
        .store
        .term_by_slug(
            app.site.id,
            colloquy::domain::post::Taxonomy::Category,
            "primary-sources",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(child.parent_id, Some(readings.id));
    assert_eq!(
        add("readings", String::new()).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        add("  ", String::new()).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let renamed = editor
        .post_form(
            &app,
            "/admin/categories",
            &[
                ("csrf", csrf.as_str()),
                ("action", "rename"),
                ("id", &readings.id.to_string()),
                ("name", "Course readings"),
            ],
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::SEE_OTHER);
    let page = editor
        .get(&app, "/admin/categories")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        attribute(&page, &format!("#name-{}", readings.id), "value").as_deref(),
        Some("Course readings")
    );
    app.publish(crate::helpers::PostSpec {
        categories: vec!["Primary sources".into()],
        ..crate::helpers::PostSpec::post("In a child")
    })
    .await;
    let (_, archive) = app.page("/category/readings/").await;
    assert_eq!(
        texts(&archive, "h2.entry-title"),
        ["In a child"],
        "a category's archive includes its children"
    );
    let author = app.sign_in_as(Role::Author).await;
    assert_eq!(
        author.get(&app, "/admin/categories").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_https_site_marks_its_session_cookie_secure() {
    let app = crate::helpers::spawn_app_with(|serve| {
        serve.base_url = Some("https://course.example".into())
    })
    .await;
    let (_, password) = app.account("ada@example.edu", "Ada", None).await;
    let response = app.sign_in("ada@example.edu", &password).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[tokio::test]
async fn an_https_site_marks_every_visitor_cookie_secure() {
    let app = crate::helpers::spawn_app_with(|serve| {
        serve.base_url = Some("https://course.example".into())
    })
    .await;
    let post = app.publish_post("Cookies").await;
    let mut fields = TestApp::reply_fields(&post, "Ada", "Held, and remembered.");
    fields.push(("remember", "yes".into()));
    let response = app.leave_reply("203.0.113.20", &fields).await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|cookie| cookie.starts_with("colloquy_held="))
            && cookies
                .iter()
                .any(|cookie| cookie.starts_with("colloquy_commenter=")),
        "{cookies:?}"
    );
    for cookie in &cookies {
        assert!(
            cookie.contains("; Secure") && cookie.contains("HttpOnly"),
            "{cookie}"
        );
    }
}
