//! Courses managed in the browser and from the command line (issue 18, point 5): the main site's administrators
//! create, rename, archive, restore and copy sites at `/admin/sites`; `colloquy site …` does the same.

use colloquy::{
    domain::{
        calendar,
        post::{PostKind, PostStatus},
        reading::ReadingDetails,
        site::MAIN_SITE,
        user::Role,
    },
    store::{CommentFilter, Site},
};
use reqwest::{Response, StatusCode};

use crate::helpers::{
    Member, PostSpec, TestApp, attribute, client, colloquy, comment_id_of, select, spawn_app,
    stdout, texts,
};

/// Sends the `/admin/sites` form as `member`, with their CSRF token.
async fn act(app: &TestApp, member: &Member, fields: &[(&str, &str)]) -> Response {
    let mut form: Vec<(String, String)> = fields
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    form.push(("csrf".into(), member.csrf(app).await));
    member.post_form(app, "/admin/sites", &form).await
}

/// Follows a form's redirect back to `/admin/sites` and returns the notice it shows.
async fn notice_after(app: &TestApp, member: &Member, response: Response) -> String {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the action succeeds"
    );
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/admin/sites"), "{location}");
    let page = member.get(app, &location).await.text().await.unwrap();
    texts(&page, ".form-notice").join(" ")
}

/// An account with `role` on `site` only, signed in with a cookie jar of its own.
async fn member_of(app: &TestApp, site: &Site, role: Role, email: &str) -> Member {
    let (user, password) = app.account(email, email, None).await;
    app.store
        .set_role(site.id, user.id, role, calendar::now())
        .await
        .unwrap();
    let client = client();
    let response = app
        .sign_in_with(&client, email, &password, "203.0.113.252")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{email} signs in");
    Member { user, client }
}

/// The site's join code, made if it had none.
async fn join_code(app: &TestApp, site: &Site) -> String {
    app.store
        .join_code(site.id, || format!("code{}", site.slug.replace('-', "")))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_course_made_for_an_existing_account_makes_it_administrator_and_tells_it_by_mail() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let (tam, tam_password) = app.account("tam@example.edu", "Tam Nguyen", None).await;

    let (status, page) = {
        let response = admin.get(&app, "/admin/sites").await;
        (response.status(), response.text().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        select(&page, "form[action='/admin/sites'] input[name=csrf]").len(),
        select(&page, "form[action='/admin/sites']").len(),
        "every form carries its CSRF token"
    );
    assert_eq!(
        texts(&page, ".site-list .site-name"),
        [app.site.settings.title.as_str()]
    );

    let created = act(
        &app,
        &admin,
        &[
            ("action", "create"),
            ("slug", "hist-220"),
            ("title", "HIST 220"),
            ("admin", " TAM@example.edu "),
        ],
    )
    .await;
    let notice = notice_after(&app, &admin, created).await;
    assert!(notice.contains("HIST 220 was created"), "{notice}");
    assert!(notice.contains("tam@example.edu"), "{notice}");

    let history = app.store.site_by_slug("hist-220").await.unwrap();
    assert_eq!(history.settings.title, "HIST 220");
    assert_eq!(
        app.store.role_on(history.id, tam.id).await.unwrap(),
        Some(Role::Administrator)
    );
    let members = app.store.members(history.id).await.unwrap();
    assert_eq!(members.len(), 1, "only the administrator named");
    let mails: Vec<_> = app
        .store
        .outbox(history.id, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|mail| mail.recipient == "tam@example.edu")
        .collect();
    assert_eq!(mails.len(), 1, "one mail to the administrator");
    assert!(
        mails[0].subject.contains("HIST 220"),
        "{}",
        mails[0].subject
    );
    assert!(
        mails[0]
            .body
            .contains(&format!("{}/hist-220/admin/", app.address)),
        "{}",
        mails[0].body
    );
    assert!(
        !mails[0].body.contains("/login/reset/"),
        "an account with a password needs no new one"
    );

    let client = client();
    app.sign_in_with(&client, "tam@example.edu", &tam_password, "203.0.113.9")
        .await;
    let settings = client
        .get(app.url("/hist-220/admin/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(settings.status(), StatusCode::OK);
    let (status, home) = app.page("/hist-220/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&home, ".site-title").join("").contains("HIST 220"));
    let listed = admin.get(&app, "/admin/sites").await.text().await.unwrap();
    assert_eq!(
        texts(&listed, ".site-list .site-name"),
        [app.site.settings.title.as_str(), "HIST 220"]
    );
}

#[tokio::test]
async fn a_course_made_for_a_new_address_invites_it_to_set_a_password_and_run_the_course() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let created = act(
        &app,
        &admin,
        &[
            ("action", "create"),
            ("slug", "bio-101"),
            ("title", "BIO 101"),
            ("admin", "dana@example.edu"),
        ],
    )
    .await;
    let notice = notice_after(&app, &admin, created).await;
    assert!(notice.contains("BIO 101 was created"), "{notice}");
    assert!(notice.contains("invit"), "{notice}");

    let biology = app.store.site_by_slug("bio-101").await.unwrap();
    let dana = app
        .store
        .user_by_email("dana@example.edu")
        .await
        .unwrap()
        .expect("an account for the new address");
    assert_eq!(
        app.store.role_on(biology.id, dana.id).await.unwrap(),
        Some(Role::Administrator)
    );
    assert_eq!(app.store.role_on(app.site.id, dana.id).await.unwrap(), None);
    let mail = app
        .store
        .outbox(biology.id, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|mail| mail.recipient == "dana@example.edu")
        .expect("an invitation");
    assert!(mail.subject.contains("BIO 101"), "{}", mail.subject);
    let start = mail
        .body
        .find(&format!("{}/bio-101/login/reset/", app.address))
        .unwrap_or_else(|| panic!("a link to set a password: {}", mail.body))
        + app.address.len();
    let link = mail.body[start..].split_whitespace().next().unwrap();

    let visitor = client();
    let form = visitor.get(app.url(link)).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK, "the link opens its form");
    let chosen = visitor
        .post(app.url(link))
        .form(&[
            ("password", "a long new password"),
            ("confirm", "a long new password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    assert_eq!(chosen.headers()["location"], "/bio-101/login?reset=1");
    let signed_in = app
        .sign_in_with(
            &visitor,
            "dana@example.edu",
            "a long new password",
            "203.0.113.8",
        )
        .await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let dashboard = visitor
        .get(app.url("/bio-101/admin/members"))
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK, "she runs the course");
    assert_eq!(
        visitor.get(app.url(link)).send().await.unwrap().status(),
        StatusCode::GONE,
        "the link works once"
    );
}

#[tokio::test]
async fn bad_input_is_shown_again_with_what_was_typed_and_nothing_is_made() {
    let app = spawn_app().await;
    app.publish(PostSpec::page("Syllabus")).await;
    let admin = app.sign_in_as(Role::Administrator).await;
    app.store
        .create_site("hist-220", "HIST 220", calendar::now())
        .await
        .unwrap();

    let response = act(
        &app,
        &admin,
        &[
            ("action", "create"),
            ("slug", "Bad Slug"),
            ("title", "  "),
            ("admin", "not-an-email"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert_eq!(
        attribute(&page, "#new-slug", "value").as_deref(),
        Some("Bad Slug")
    );
    assert_eq!(
        attribute(&page, "#new-admin", "value").as_deref(),
        Some("not-an-email")
    );
    for field in ["#new-slug", "#new-title", "#new-admin"] {
        assert_eq!(
            attribute(&page, field, "aria-invalid").as_deref(),
            Some("true"),
            "{field} is marked"
        );
    }
    assert!(
        texts(&page, "#new-slug-error")
            .join("")
            .contains("not a usable site slug")
    );
    assert!(texts(&page, "#new-title-error").join("").contains("title"));
    assert!(
        texts(&page, "#new-admin-error")
            .join("")
            .contains("not a valid email address")
    );

    for (slug, words) in [
        ("admin", "not a usable site slug"),
        ("2026", "not a usable site slug"),
        ("main", "not a usable site slug"),
        ("hist-220", "already a site"),
        ("syllabus", "has a post or page"),
    ] {
        let response = act(
            &app,
            &admin,
            &[
                ("action", "create"),
                ("slug", slug),
                ("title", "A course"),
                ("admin", "someone@example.edu"),
            ],
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{slug}"
        );
        let page = response.text().await.unwrap();
        let error = texts(&page, "#new-slug-error").join("");
        assert!(error.contains(words), "{slug}: {error}");
        assert_eq!(
            attribute(&page, "#new-title", "value").as_deref(),
            Some("A course")
        );
    }
    let missing = act(
        &app,
        &admin,
        &[
            ("action", "create"),
            ("slug", "ok-slug"),
            ("title", "A course"),
            ("admin", ""),
        ],
    )
    .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        texts(&missing.text().await.unwrap(), "#new-admin-error")
            .join("")
            .contains("administrator")
    );

    let history = app.store.site_by_slug("hist-220").await.unwrap();
    let id = history.id.to_string();
    let rename = act(
        &app,
        &admin,
        &[("action", "rename"), ("site", &id), ("title", "")],
    )
    .await;
    assert_eq!(rename.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = rename.text().await.unwrap();
    assert_eq!(
        attribute(&page, &format!("#title-{id}"), "aria-invalid").as_deref(),
        Some("true")
    );
    let copy = act(
        &app,
        &admin,
        &[
            ("action", "copy"),
            ("from", &id),
            ("slug", "hist-220"),
            ("title", "HIST 221"),
        ],
    )
    .await;
    assert_eq!(copy.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = copy.text().await.unwrap();
    assert!(
        texts(&page, "#copy-slug-error")
            .join("")
            .contains("already a site")
    );
    assert_eq!(
        attribute(&page, "#copy-title", "value").as_deref(),
        Some("HIST 221")
    );

    let forged = admin
        .post_form(
            &app,
            "/admin/sites",
            &[
                ("action", "create"),
                ("slug", "forged"),
                ("title", "Forged"),
                ("admin", "x@example.edu"),
                ("csrf", "forged-token"),
            ],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.store.sites().await.unwrap().len(),
        2,
        "nothing was made"
    );
    assert_eq!(
        app.store
            .site_by_slug("hist-220")
            .await
            .unwrap()
            .settings
            .title,
        "HIST 220",
        "nothing was renamed"
    );
}

#[tokio::test]
async fn sites_are_renamed_and_an_archived_course_is_read_but_not_written_until_restored() {
    let app = spawn_app().await;
    app.set("title", "Main Course").await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let history = app
        .store
        .create_site("hist-220", "HIST 220", calendar::now())
        .await
        .unwrap();
    let mut settings = history.settings.clone();
    let off = settings.set("comment_previously_approved", "off").unwrap();
    app.store
        .save_setting(history.id, "comment_previously_approved", &off)
        .await
        .unwrap();
    let post = app
        .publish_on(history.id, PostSpec::post("Containment"))
        .await;
    let student = member_of(&app, &history, Role::Editor, "ta@example.edu").await;
    let code = join_code(&app, &history).await;
    let id = history.id.to_string();
    let permalink = format!(
        "/hist-220{}",
        colloquy::domain::permalink::permalink(&post, &history.settings.zone(), &[])
    );

    let renamed = act(
        &app,
        &admin,
        &[
            ("action", "rename"),
            ("site", &id),
            ("title", "HIST 220: The Cold War"),
        ],
    )
    .await;
    let notice = notice_after(&app, &admin, renamed).await;
    assert!(notice.contains("HIST 220: The Cold War"), "{notice}");
    assert!(
        texts(&app.page("/hist-220/").await.1, ".site-title")
            .join("")
            .contains("HIST 220: The Cold War")
    );
    let main_id = app.site.id.to_string();
    let renamed_main = act(
        &app,
        &admin,
        &[
            ("action", "rename"),
            ("site", &main_id),
            ("title", "Main Course, renamed"),
        ],
    )
    .await;
    assert!(
        notice_after(&app, &admin, renamed_main)
            .await
            .contains("Main Course, renamed")
    );
    assert!(
        texts(&app.page("/").await.1, ".site-title")
            .join("")
            .contains("Main Course, renamed")
    );

    let (_, page) = app.page(&permalink).await;
    assert_eq!(
        select(&page, "#commentform").len(),
        1,
        "open, and kept in the page cache"
    );
    let archived = act(&app, &admin, &[("action", "archive"), ("site", &id)]).await;
    let notice = notice_after(&app, &admin, archived).await;
    assert!(
        notice.contains("HIST 220: The Cold War was archived"),
        "{notice}"
    );
    let listed = admin.get(&app, "/admin/sites").await.text().await.unwrap();
    assert!(
        texts(&listed, &format!("#site-{id} .site-state"))
            .join("")
            .contains("Archived"),
        "the list says so"
    );

    // Reading goes on as before.
    let (status, page) = app.page(&permalink).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("A paragraph of <strong>Markdown</strong>."));
    assert!(select(&page, "#commentform").is_empty(), "no comment form");
    assert!(
        texts(&page, ".no-comments")
            .join("")
            .contains("This course is archived"),
        "a clear notice instead"
    );
    assert_eq!(app.page("/hist-220/feed/").await.0, StatusCode::OK);

    // Nothing new is written: comments, posts, edits, joins.
    let comment = app
        .client
        .post(app.url("/hist-220/comments"))
        .header("x-forwarded-for", "198.51.100.20")
        .form(&TestApp::reply_fields(&post, "Ada", "Too late?"))
        .send()
        .await
        .unwrap();
    assert_eq!(comment.status(), StatusCode::FORBIDDEN);
    assert!(comment.text().await.unwrap().contains("archived"));
    assert_eq!(app.stored_comment_count(&post).await, 0);
    let csrf = student.csrf(&app).await;
    let new_post = student
        .post_form(
            &app,
            "/hist-220/admin/posts/new",
            &[
                ("csrf", csrf.as_str()),
                ("title", "A new post"),
                ("body", "Text"),
                ("status", "publish"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(new_post.status(), StatusCode::FORBIDDEN);
    assert!(new_post.text().await.unwrap().contains("archived"));
    let version = post.version.to_string();
    let edit = student
        .post_form(
            &app,
            &format!("/hist-220/admin/posts/{}", post.id),
            &[
                ("csrf", csrf.as_str()),
                ("title", "Edited"),
                ("body", "Edited"),
                ("status", "publish"),
                ("action", "save"),
                ("version", version.as_str()),
            ],
        )
        .await;
    assert_eq!(edit.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.store
            .post_by_id(history.id, post.id)
            .await
            .unwrap()
            .unwrap()
            .title,
        "Containment"
    );
    let editor = student.get(&app, "/hist-220/admin/posts/new").await;
    assert!(
        texts(&editor.text().await.unwrap(), ".archived-notice")
            .join("")
            .contains("archived"),
        "the dashboard says so before anything is typed"
    );
    assert_eq!(
        client()
            .get(app.url(&format!("/hist-220/join/{code}")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN,
        "no joins"
    );
    let output = colloquy(
        &app,
        &[
            "--site",
            "hist-220",
            "post",
            "add",
            "--author",
            "writer@example.edu",
            "--title",
            "From the shell",
        ],
        "Body",
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("archived"));
    assert_eq!(
        app.store
            .admin_posts(history.id, &Default::default(), 1, 50)
            .await
            .unwrap()
            .total,
        1,
        "no post was added"
    );
    let main_archive = act(&app, &admin, &[("action", "archive"), ("site", &main_id)]).await;
    assert_eq!(
        main_archive.status(),
        StatusCode::FORBIDDEN,
        "the main site stays open"
    );
    assert_eq!(
        app.page("/").await.0,
        StatusCode::OK,
        "and the main site is untouched"
    );

    // Restored, it takes all of it again.
    let restored = act(&app, &admin, &[("action", "restore"), ("site", &id)]).await;
    let notice = notice_after(&app, &admin, restored).await;
    assert!(
        notice.contains("HIST 220: The Cold War was restored"),
        "{notice}"
    );
    let comment = app
        .client
        .post(app.url("/hist-220/comments"))
        .header("x-forwarded-for", "198.51.100.21")
        .form(&TestApp::reply_fields(&post, "Ada", "Back again"))
        .send()
        .await
        .unwrap();
    comment_id_of(&comment);
    let (_, page) = app.page(&permalink).await;
    assert_eq!(select(&page, "#commentform").len(), 1);
    let edit = student
        .post_form(
            &app,
            &format!("/hist-220/admin/posts/{}", post.id),
            &[
                ("csrf", csrf.as_str()),
                ("title", "Edited"),
                ("body", "Edited"),
                ("status", "publish"),
                ("action", "save"),
                ("version", version.as_str()),
            ],
        )
        .await;
    assert_eq!(edit.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        client()
            .get(app.url(&format!("/hist-220/join/{code}")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

/// A course with what a term leaves in it: settings, categories in a tree, pages linking each other, a
/// reading, a post with a comment, a member and a join code.
async fn a_term_of(app: &TestApp, site: &Site) -> (String, i64) {
    let root = site.root();
    for (key, value) in [
        ("tagline", "Diplomacy, 1945-1991"),
        ("comment_moderation", "on"),
        ("timezone", "America/Chicago"),
        ("thread_comments_depth", "3"),
    ] {
        let mut settings = app.store.site_by_id(site.id).await.unwrap().settings;
        let stored = settings.set(key, value).unwrap();
        app.store.save_setting(site.id, key, &stored).await.unwrap();
    }
    let weeks = app
        .store
        .create_category(site.id, "Weeks", None)
        .await
        .unwrap();
    let week_one = app
        .store
        .create_category(site.id, "Week 1", Some(weeks.id))
        .await
        .unwrap();
    app.store
        .set_assignment(site.id, week_one.id, true)
        .await
        .unwrap();
    let reading = app
        .store
        .create_reading(
            site.id,
            &ReadingDetails {
                title: "The Long Telegram".into(),
                author: "George F. Kennan".into(),
                year: Some(1946),
                label: "Kennan 1946".into(),
                source: format!(
                    "[page 1]\nSee [the syllabus]({}).\n\n[page 2]\nAt bottom of Kremlin's neurotic view.",
                    root.join("/syllabus/")
                ),
                members_only: false,
            },
            calendar::now(),
        )
        .await
        .unwrap();
    let body = format!(
        "Read [the telegram]({}) and [week one]({}); the [welcome page](/welcome/) of the main site; \
         [elsewhere](https://example.org/x); \"traditional and instinctive\" (Kennan 1946, 2).",
        root.join("/readings/the-long-telegram/"),
        root.join("/syllabus/grading/"),
    );
    let syllabus = app
        .publish_on(
            site.id,
            PostSpec {
                body: &body,
                reading_id: Some(reading.id),
                ..PostSpec::page("Syllabus")
            },
        )
        .await;
    app.publish_on(
        site.id,
        PostSpec {
            parent_id: Some(syllabus.id),
            body: "Participation counts.",
            ..PostSpec::page("Grading")
        },
    )
    .await;
    let post = app
        .publish_on(
            site.id,
            PostSpec {
                categories: vec!["Week 1".into()],
                ..PostSpec::post("Week one response")
            },
        )
        .await;
    let comment = app
        .client
        .post(app.url(&root.join("/comments")))
        .header("x-forwarded-for", "198.51.100.4")
        .form(&TestApp::reply_fields(&post, "Visitor", "A comment"))
        .send()
        .await
        .unwrap();
    comment_id_of(&comment);
    member_of(
        app,
        site,
        Role::Author,
        &format!("student@{}.example.edu", site.slug),
    )
    .await;
    (join_code(app, site).await, reading.id)
}

/// What a copy for next term holds, and what it does not.
async fn check_the_copy(app: &TestApp, from: &Site, copy: &Site, old_code: &str, admin: &Member) {
    let (old_root, new_root) = (from.root(), copy.root());
    assert_eq!(copy.settings.tagline, "Diplomacy, 1945-1991");
    assert!(copy.settings.comment_moderation);
    assert_eq!(copy.settings.timezone, "America/Chicago");
    assert_eq!(copy.settings.thread_comments_depth, 3);

    let categories = app.store.categories(copy.id).await.unwrap();
    let named = |name: &str| {
        categories
            .iter()
            .find(|term| term.name == name)
            .unwrap_or_else(|| panic!("the category {name}"))
    };
    assert_eq!(
        named("Week 1").parent_id,
        Some(named("Weeks").id),
        "the tree"
    );
    assert_eq!(
        categories.len(),
        app.store.categories(from.id).await.unwrap().len()
    );
    assert_eq!(
        app.store.assignment_categories(copy.id).await.unwrap(),
        [named("Week 1").id],
        "an assignment stays one"
    );

    let (status, syllabus) = app.page(&new_root.join("/syllabus/")).await;
    assert_eq!(status, StatusCode::OK, "the page came");
    let links = select(&syllabus, ".entry-content a");
    let hrefs: Vec<String> = links
        .iter()
        .filter_map(|link| attribute(link, "a", "href"))
        .collect();
    for moved in [
        new_root.join("/readings/the-long-telegram/"),
        new_root.join("/syllabus/grading/"),
        new_root.join("/readings/the-long-telegram/#page-2"),
    ] {
        assert!(hrefs.contains(&moved), "{moved} in {hrefs:?}");
    }
    assert!(hrefs.contains(&"https://example.org/x".to_owned()));
    assert!(
        !hrefs
            .iter()
            .any(|href| !old_root.as_str().is_empty() && href.starts_with(&format!("{old_root}/"))),
        "nothing points into the old course: {hrefs:?}"
    );
    assert_eq!(
        app.page(&new_root.join("/syllabus/grading/")).await.0,
        StatusCode::OK,
        "the child page, under its parent"
    );
    let (status, reading) = app
        .page(&new_root.join("/readings/the-long-telegram/"))
        .await;
    assert_eq!(status, StatusCode::OK, "the reading came");
    assert_eq!(
        select(
            &reading,
            &format!(
                ".reading-paragraph a[href='{}']",
                new_root.join("/syllabus/")
            )
        )
        .len(),
        1,
        "its link moved with it"
    );
    assert_eq!(
        texts(
            &app.page(&new_root.join("/readings/the-long-telegram/page/2/"))
                .await
                .1,
            ".citing a"
        ),
        ["Post: Syllabus"],
        "the copied page's citation is counted on its new reading"
    );

    let new_code = app
        .store
        .join_code(copy.id, || "never-used".into())
        .await
        .unwrap();
    assert_ne!(new_code, "never-used", "a join code was made with the copy");
    assert_ne!(new_code, old_code, "a new join code");
    assert_eq!(
        app.page(&new_root.join(&format!("/join/{new_code}")))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.page(&new_root.join(&format!("/join/{old_code}")))
            .await
            .0,
        StatusCode::NOT_FOUND,
        "last term's code does not open it"
    );

    let members = app.store.members(copy.id).await.unwrap();
    assert_eq!(
        members
            .iter()
            .map(|member| (member.user.id, member.role))
            .collect::<Vec<_>>(),
        [(admin.user.id, Role::Administrator)],
        "no one but the administrator who copied it"
    );
    // Opening the reading made its discussion's holder, a hidden page of its own (as on any site).
    let posts: Vec<_> = app
        .store
        .all_posts(copy.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|post| !post.discusses_reading)
        .collect();
    assert!(
        posts.iter().all(|post| post.kind == PostKind::Page),
        "no posts: {:?}",
        posts.iter().map(|post| &post.title).collect::<Vec<_>>()
    );
    assert_eq!(
        posts.len(),
        2,
        "the two pages: {:?}",
        posts
            .iter()
            .map(|post| (&post.title, post.status))
            .collect::<Vec<_>>()
    );
    assert!(
        posts.iter().all(|page| page.status == PostStatus::Publish),
        "pages keep their status"
    );
    assert!(
        app.store
            .list_comments(copy.id, CommentFilter::default())
            .await
            .unwrap()
            .is_empty(),
        "no comments"
    );
    assert!(
        app.store.outbox(copy.id, 10).await.unwrap().is_empty(),
        "no mail"
    );
    let (_, home) = app.page(&new_root.join("/")).await;
    assert!(texts(&home, "h2.entry-title").is_empty(), "an empty blog");
    assert_eq!(
        admin
            .get(app, &new_root.join("/admin/settings"))
            .await
            .status(),
        StatusCode::OK
    );
    assert!(app.store.integrity_problems().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_course_is_copied_for_next_term_with_its_pages_readings_and_categories_and_no_people() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let history = app
        .store
        .create_site("hist-220", "HIST 220", calendar::now())
        .await
        .unwrap();
    let (old_code, _) = a_term_of(&app, &history).await;
    let before = app.store.all_posts(history.id).await.unwrap();
    let id = history.id.to_string();

    let copied = act(
        &app,
        &admin,
        &[
            ("action", "copy"),
            ("from", &id),
            ("slug", "hist-221"),
            ("title", "HIST 221"),
        ],
    )
    .await;
    let notice = notice_after(&app, &admin, copied).await;
    assert!(
        notice.contains("HIST 221 was made from HIST 220"),
        "{notice}"
    );
    let copy = app.store.site_by_slug("hist-221").await.unwrap();
    assert_eq!(copy.settings.title, "HIST 221");
    check_the_copy(&app, &history, &copy, &old_code, &admin).await;

    let after = app.store.all_posts(history.id).await.unwrap();
    assert_eq!(
        after
            .iter()
            .map(|post| (&post.source, post.version))
            .collect::<Vec<_>>(),
        before
            .iter()
            .map(|post| (&post.source, post.version))
            .collect::<Vec<_>>(),
        "the old course is untouched"
    );
    assert_eq!(
        app.page(&format!("/hist-220/join/{old_code}")).await.0,
        StatusCode::OK,
        "and keeps its code"
    );
}

#[tokio::test]
async fn the_main_site_is_copied_with_its_own_links_moved_and_other_sites_links_kept() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    app.store
        .create_site("hist-220", "HIST 220", calendar::now())
        .await
        .unwrap();
    let main = app.store.site_by_slug(MAIN_SITE).await.unwrap();
    let (old_code, _) = a_term_of(&app, &main).await;
    app.publish(PostSpec {
        body: "The other course: [HIST 220](/hist-220/), and [ours](/syllabus/).",
        ..PostSpec::page("Other courses")
    })
    .await;
    let main = app.store.site_by_slug(MAIN_SITE).await.unwrap();
    let main_id = main.id.to_string();
    let copied = act(
        &app,
        &admin,
        &[
            ("action", "copy"),
            ("from", &main_id),
            ("slug", "spring-2027"),
            ("title", "Spring 2027"),
        ],
    )
    .await;
    notice_after(&app, &admin, copied).await;
    let copy = app.store.site_by_slug("spring-2027").await.unwrap();
    let (_, other) = app.page("/spring-2027/other-courses/").await;
    let hrefs: Vec<String> = select(&other, ".entry-content a")
        .iter()
        .filter_map(|link| attribute(link, "a", "href"))
        .collect();
    assert_eq!(hrefs, ["/hist-220/", "/spring-2027/syllabus/"]);
    // The other page made three pages of the main site; the rest is as for any course.
    let posts = app.store.all_posts(copy.id).await.unwrap();
    assert_eq!(posts.len(), 3);
    let (_, syllabus) = app.page("/spring-2027/syllabus/").await;
    assert!(
        select(&syllabus, ".entry-content a[href='/welcome/']").is_empty(),
        "the main site's own address moved under the copy's root"
    );
    assert_eq!(
        select(&syllabus, ".entry-content a[href='/spring-2027/welcome/']").len(),
        1
    );
    let new_code = join_code(&app, &copy).await;
    assert_ne!(new_code, old_code);
}

#[tokio::test]
async fn only_the_main_sites_administrators_manage_sites() {
    let app = spawn_app().await;
    let history = app
        .store
        .create_site("hist-220", "HIST 220", calendar::now())
        .await
        .unwrap();
    let sub_admin = member_of(&app, &history, Role::Administrator, "sub@example.edu").await;
    let main_editor = app.sign_in_as(Role::Editor).await;
    let main_admin = app.sign_in_as(Role::Administrator).await;

    assert_eq!(
        sub_admin.get(&app, "/admin/sites").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        sub_admin.get(&app, "/hist-220/admin/sites").await.status(),
        StatusCode::NOT_FOUND,
        "sites are managed on the main site only"
    );
    assert_eq!(
        main_admin.get(&app, "/hist-220/admin/sites").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        main_editor.get(&app, "/admin/sites").await.status(),
        StatusCode::FORBIDDEN
    );
    let signed_out = client().get(app.url("/admin/sites")).send().await.unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    assert!(
        signed_out.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    let id = history.id.to_string();
    for path in ["/admin/sites", "/hist-220/admin/sites"] {
        let csrf = sub_admin.csrf(&app).await;
        let refused = sub_admin
            .post_form(
                &app,
                path,
                &[
                    ("csrf", csrf.as_str()),
                    ("action", "archive"),
                    ("site", id.as_str()),
                ],
            )
            .await;
        assert!(
            matches!(
                refused.status(),
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            ),
            "{path}: {}",
            refused.status()
        );
    }
    assert_eq!(
        app.page("/hist-220/").await.0,
        StatusCode::OK,
        "nothing was archived"
    );
    let comment_form = app
        .publish_on(history.id, PostSpec::post("Still open"))
        .await;
    let (_, page) = app
        .page(&format!(
            "/hist-220{}",
            colloquy::domain::permalink::permalink(&comment_form, &history.settings.zone(), &[])
        ))
        .await;
    assert_eq!(select(&page, "#commentform").len(), 1, "still open");
    let dashboard = main_admin.get(&app, "/admin/").await.text().await.unwrap();
    assert_eq!(
        select(&dashboard, ".dashboard-links a[href='/admin/sites']").len(),
        1,
        "the main site's dashboard links it"
    );
    let theirs = sub_admin
        .get(&app, "/hist-220/admin/")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        select(&theirs, ".dashboard-links a[href$='/admin/sites']").is_empty(),
        "a sub-site's does not"
    );
}

#[tokio::test]
async fn courses_are_made_copied_renamed_archived_and_restored_from_the_command_line() {
    let app = spawn_app().await;
    let run = |args: &[&str]| colloquy(&app, args, "");
    let failed = |output: std::process::Output, words: &str| {
        assert!(!output.status.success(), "expected {words:?}");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(stderr.contains(words), "{words:?} in {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    };

    let added = stdout(&run(&[
        "site",
        "add",
        "--slug",
        "hist-220",
        "--title",
        "HIST 220",
        "--admin",
        "dana@example.edu",
        "--base-url",
        &app.address,
    ]));
    assert_eq!(added.lines().next(), Some("/hist-220/"), "{added}");
    assert!(added.contains("dana@example.edu"), "{added}");
    let history = app.store.site_by_slug("hist-220").await.unwrap();
    let dana = app
        .store
        .user_by_email("dana@example.edu")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.store.role_on(history.id, dana.id).await.unwrap(),
        Some(Role::Administrator)
    );
    let invitation = app
        .store
        .outbox(history.id, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|mail| mail.recipient == "dana@example.edu")
        .expect("an invitation");
    assert!(
        invitation
            .body
            .contains(&format!("{}/hist-220/login/reset/", app.address)),
        "{}",
        invitation.body
    );

    failed(
        run(&[
            "site",
            "add",
            "--slug",
            "bio-101",
            "--title",
            "BIO 101",
            "--admin",
            "not-an-email",
        ]),
        "not a valid email address",
    );
    failed(
        run(&["site", "add", "--slug", "hist-220", "--title", "Again"]),
        "already a site",
    );
    failed(
        run(&["site", "add", "--slug", "page", "--title", "Page"]),
        "not a usable site slug",
    );
    assert!(
        app.store.site_by_slug("bio-101").await.is_err(),
        "nothing half-made"
    );
    assert_eq!(
        app.store
            .user_by_email("not-an-email")
            .await
            .unwrap()
            .map(|user| user.id),
        None
    );

    assert_eq!(
        stdout(&run(&[
            "site",
            "rename",
            "hist-220",
            "--title",
            "HIST 220 (Fall)"
        ])),
        "HIST 220 (Fall) is the new title of /hist-220/"
    );
    assert_eq!(
        app.store
            .site_by_slug("hist-220")
            .await
            .unwrap()
            .settings
            .title,
        "HIST 220 (Fall)"
    );
    failed(
        run(&["site", "rename", "nope", "--title", "X"]),
        "there is no site 'nope'",
    );
    failed(
        run(&["site", "rename", "hist-220", "--title", " "]),
        "title",
    );

    app.publish_on(history.id, PostSpec::page("Syllabus")).await;
    assert!(stdout(&run(&["site", "archive", "hist-220"])).contains("archived"));
    failed(
        run(&[
            "--site", "hist-220", "reading", "add", "--title", "T", "--label", "L",
        ]),
        "archived",
    );
    failed(run(&["site", "archive", "main"]), "main site");
    failed(run(&["site", "archive", "nope"]), "there is no site 'nope'");
    assert_eq!(
        stdout(&run(&["--site", "hist-220", "site", "get", "title"])),
        "HIST 220 (Fall)",
        "reading still works"
    );

    let copied = stdout(&run(&[
        "site", "copy", "--from", "hist-220", "--slug", "hist-221", "--title", "HIST 221",
    ]));
    assert_eq!(copied.lines().next(), Some("/hist-221/"), "{copied}");
    let copy = app.store.site_by_slug("hist-221").await.unwrap();
    assert_eq!(copy.settings.title, "HIST 221");
    let copy_code = join_code(&app, &copy).await;
    assert_eq!(
        app.page(&format!("/hist-221/join/{copy_code}")).await.0,
        StatusCode::OK,
        "the copy of an archived course is open"
    );
    assert_eq!(app.page("/hist-221/syllabus/").await.0, StatusCode::OK);
    assert!(
        app.store.members(copy.id).await.unwrap().is_empty(),
        "no members without --admin"
    );
    let sites = app.store.sites().await.unwrap().len();
    failed(
        run(&[
            "site", "copy", "--from", "nope", "--slug", "x-1", "--title", "X",
        ]),
        "there is no site 'nope'",
    );
    failed(
        run(&[
            "site", "copy", "--from", "hist-220", "--slug", "hist-221", "--title", "X",
        ]),
        "already a site",
    );
    failed(
        run(&[
            "site", "copy", "--from", "hist-220", "--slug", "admin", "--title", "X",
        ]),
        "not a usable site slug",
    );
    failed(
        run(&[
            "site", "copy", "--from", "hist-220", "--slug", "hist-222", "--title", "X", "--admin",
            "bad@",
        ]),
        "not a valid email address",
    );
    assert_eq!(
        app.store.sites().await.unwrap().len(),
        sites,
        "nothing half-made"
    );

    assert!(stdout(&run(&["site", "restore", "hist-220"])).contains("restored"));
    stdout(&colloquy(
        &app,
        &[
            "--site",
            "hist-220",
            "post",
            "add",
            "--author",
            "writer@example.edu",
            "--title",
            "Back",
        ],
        "Body",
    ));
}
