//! Writing in the browser: the editor, preview, schedules, revisions, conflicts, the trash, post passwords,
//! and the table of who may do what.

use colloquy::domain::{
    post::{PostKind, PostStatus},
    user::Role,
};
use reqwest::StatusCode;

use crate::helpers::{Member, PostSpec, TestApp, attribute, client, select, spawn_app, texts};

/// The editor's fields for a post, with the member's CSRF token.
async fn editor_form(
    app: &TestApp,
    member: &Member,
    title: &str,
    body: &str,
    status: &str,
) -> Vec<(String, String)> {
    vec![
        ("csrf".into(), member.csrf(app).await),
        ("title".into(), title.into()),
        ("body".into(), body.into()),
        ("excerpt".into(), String::new()),
        ("status".into(), status.into()),
        ("date".into(), String::new()),
        ("comments_open".into(), "on".into()),
        ("action".into(), "save".into()),
    ]
}

fn set(form: &mut Vec<(String, String)>, key: &str, value: &str) {
    form.retain(|(name, _)| name != key);
    form.push((key.into(), value.into()));
}

fn created_id(response: &reqwest::Response) -> i64 {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected the save to redirect"
    );
    let location = response.headers()["location"].to_str().unwrap();
    location
        .trim_start_matches("/admin/posts/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_student_writes_previews_and_publishes_a_post() {
    let app = spawn_app().await;
    let student = app.sign_in_as(Role::Author).await;
    let editor = student.get(&app, "/admin/posts/new").await;
    assert_eq!(editor.status(), StatusCode::OK);
    assert_eq!(editor.headers()["cache-control"], "private, no-store");

    let mut form = editor_form(
        &app,
        &student,
        "My first response",
        "Kennan writes **boldly**.",
        "publish",
    )
    .await;
    form.push(("new_categories".into(), "Responses, Week 1".into()));
    form.push(("tags".into(), "containment, cables".into()));
    set(&mut form, "action", "preview");
    let preview = student.post_form(&app, "/admin/posts/new", &form).await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview = preview.text().await.unwrap();
    assert_eq!(
        texts(&preview, ".preview strong"),
        ["boldly"],
        "the Markdown is rendered"
    );
    assert_eq!(
        attribute(&preview, "#title", "value").as_deref(),
        Some("My first response")
    );
    assert!(
        app.store
            .list_published(app.site.id, &colloquy::store::ListFilter::All, 1, 10, None)
            .await
            .unwrap()
            .is_empty(),
        "a preview saves nothing"
    );

    set(&mut form, "action", "save");
    let id = created_id(&student.post_form(&app, "/admin/posts/new", &form).await);
    let post = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(post.status, PostStatus::Publish);
    assert_eq!(post.author_id, student.user.id);
    let (_, home) = app.page("/").await;
    assert_eq!(texts(&home, "h2.entry-title"), ["My first response"]);
    let (_, page) = app.page(&app.permalink(&post)).await;
    assert_eq!(
        texts(&page, ".entry-footer a[rel='category tag']"),
        ["Responses", "Week 1"]
    );
    assert_eq!(
        texts(&page, ".entry-footer a[rel=tag]"),
        ["cables", "containment"]
    );

    let listed = student
        .get(&app, "/admin/posts")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(texts(&listed, ".post-list tbody a"), ["My first response"]);
}

#[tokio::test]
async fn a_missing_title_is_refused_with_the_text_kept() {
    let app = spawn_app().await;
    let student = app.sign_in_as(Role::Author).await;
    let form = editor_form(
        &app,
        &student,
        "  ",
        "Long thoughts worth keeping.",
        "draft",
    )
    .await;
    let response = student.post_form(&app, "/admin/posts/new", &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert_eq!(
        attribute(&page, "#title", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        texts(&page, "textarea#body").join(""),
        "Long thoughts worth keeping."
    );
}

#[tokio::test]
async fn schedules_in_the_future_wait_and_past_ones_offer_to_publish_now() {
    let app = spawn_app().await;
    let editor = app.sign_in_as(Role::Editor).await;
    let mut form = editor_form(&app, &editor, "Next week", "Soon.", "future").await;
    set(&mut form, "date", "2099-01-01T09:00");
    let id = created_id(&editor.post_form(&app, "/admin/posts/new", &form).await);
    assert_eq!(
        app.store
            .post_by_id(app.site.id, id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PostStatus::Future
    );

    let mut past = editor_form(&app, &editor, "Last week", "Too late.", "future").await;
    set(&mut past, "date", "2001-01-01T09:00");
    let refused = editor.post_form(&app, "/admin/posts/new", &past).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert_eq!(
        attribute(&page, "#date", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        select(&page, "button[value=publish_now]").len(),
        1,
        "publishing now is offered"
    );
    set(&mut past, "action", "publish_now");
    let id = created_id(&editor.post_form(&app, "/admin/posts/new", &past).await);
    assert_eq!(
        app.store
            .post_by_id(app.site.id, id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PostStatus::Publish
    );

    let mut garbled = editor_form(&app, &editor, "Garbled", "Date?", "publish").await;
    set(&mut garbled, "date", "next tuesday");
    assert_eq!(
        editor
            .post_form(&app, "/admin/posts/new", &garbled)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn a_contributor_who_forces_publish_goes_to_review() {
    let app = spawn_app().await;
    let contributor = app.sign_in_as(Role::Contributor).await;
    let page = contributor
        .get(&app, "/admin/posts/new")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        select(&page, "#status option[value=publish]").len(),
        0,
        "not offered"
    );
    let form = editor_form(
        &app,
        &contributor,
        "Please review",
        "Draft text.",
        "publish",
    )
    .await;
    let id = created_id(&contributor.post_form(&app, "/admin/posts/new", &form).await);
    assert_eq!(
        app.store
            .post_by_id(app.site.id, id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PostStatus::Pending
    );
}

#[tokio::test]
async fn a_student_cannot_edit_another_students_post() {
    let app = spawn_app().await;
    let first = app.sign_in_as(Role::Author).await;
    let second = app.sign_in_as(Role::Author).await;
    let form = editor_form(&app, &first, "Mine", "My words.", "publish").await;
    let id = created_id(&first.post_form(&app, "/admin/posts/new", &form).await);
    assert_eq!(
        second
            .get(&app, &format!("/admin/posts/{id}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let mut attack = editor_form(&app, &second, "Hijacked", "Not my words.", "publish").await;
    set(&mut attack, "version", "1");
    let refused = second
        .post_form(&app, &format!("/admin/posts/{id}"), &attack)
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let post = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (post.title.as_str(), post.source.as_str()),
        ("Mine", "My words.")
    );
    let mut trash = editor_form(&app, &second, "x", "x", "publish").await;
    set(&mut trash, "action", "trash");
    assert_eq!(
        second
            .post_form(&app, &format!("/admin/posts/{id}"), &trash)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        second.get(&app, "/admin/posts/999999").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn every_save_keeps_a_revision_that_can_be_restored() {
    let app = spawn_app().await;
    let editor = app.sign_in_as(Role::Editor).await;
    let form = editor_form(&app, &editor, "Draft title", "First line.", "draft").await;
    let id = created_id(&editor.post_form(&app, "/admin/posts/new", &form).await);
    let mut second = editor_form(
        &app,
        &editor,
        "Better title",
        "First line.\nSecond line.",
        "draft",
    )
    .await;
    set(&mut second, "version", "1");
    created_id(
        &editor
            .post_form(&app, &format!("/admin/posts/{id}"), &second)
            .await,
    );

    let page = editor
        .get(&app, &format!("/admin/posts/{id}/revisions"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(select(&page, "section.revision").len(), 2);
    assert!(
        texts(&page, ".diff-added")
            .iter()
            .any(|line| line == "+ Second line."),
        "{:?}",
        texts(&page, ".diff-added")
    );
    assert!(
        texts(&page, ".diff-removed")
            .iter()
            .any(|line| line == "- Draft title")
    );

    let revisions = app.store.revisions(app.site.id, id).await.unwrap();
    let oldest = revisions.last().unwrap().id;
    let csrf = editor.csrf(&app).await;
    let restored = editor
        .post_form(
            &app,
            &format!("/admin/posts/{id}/revisions/{oldest}"),
            &[("csrf", csrf.as_str()), ("version", "2")],
        )
        .await;
    assert_eq!(restored.status(), StatusCode::SEE_OTHER);
    let post = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (post.title.as_str(), post.source.as_str()),
        ("Draft title", "First line.")
    );
    assert_eq!(
        app.store.revisions(app.site.id, id).await.unwrap().len(),
        3,
        "the restore is itself a revision"
    );
}

#[tokio::test]
async fn two_editors_saving_at_once_lose_nothing() {
    let app = spawn_app().await;
    let ana = app.sign_in_as(Role::Editor).await;
    let ben = app.sign_in_as(Role::Editor).await;
    let form = editor_form(&app, &ana, "Shared", "Original.", "draft").await;
    let id = created_id(&ana.post_form(&app, "/admin/posts/new", &form).await);
    let path = format!("/admin/posts/{id}");
    let mut first = editor_form(&app, &ana, "Shared", "Ana's version.", "draft").await;
    set(&mut first, "version", "1");
    let mut second = editor_form(&app, &ben, "Shared", "Ben's version.", "draft").await;
    set(&mut second, "version", "1");
    assert_eq!(
        ana.post_form(&app, &path, &first).await.status(),
        StatusCode::SEE_OTHER
    );
    let conflict = ben.post_form(&app, &path, &second).await;
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    let page = conflict.text().await.unwrap();
    assert_eq!(
        texts(&page, ".their-text").join(""),
        "Ana's version.",
        "the other version is shown"
    );
    assert_eq!(
        texts(&page, "textarea#body").join(""),
        "Ben's version.",
        "and the typed one kept"
    );
    assert_eq!(
        app.store
            .post_by_id(app.site.id, id)
            .await
            .unwrap()
            .unwrap()
            .source,
        "Ana's version."
    );
    let version = attribute(&page, "input[name=version]", "value").unwrap();
    set(&mut second, "version", &version);
    assert_eq!(
        ben.post_form(&app, &path, &second).await.status(),
        StatusCode::SEE_OTHER,
        "saving again is deliberate"
    );
    assert_eq!(
        app.store
            .post_by_id(app.site.id, id)
            .await
            .unwrap()
            .unwrap()
            .source,
        "Ben's version."
    );
}

#[tokio::test]
async fn trashed_posts_leave_the_site_and_come_back() {
    let app = spawn_app().await;
    let editor = app.sign_in_as(Role::Editor).await;
    let post = app.publish_post("Mistake").await;
    let path = format!("/admin/posts/{}", post.id);
    let mut form = editor_form(&app, &editor, "Mistake", "x", "publish").await;
    set(&mut form, "action", "trash");
    assert_eq!(
        editor.post_form(&app, &path, &form).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.page(&app.permalink(&post)).await.0,
        StatusCode::NOT_FOUND
    );
    set(&mut form, "action", "restore");
    assert_eq!(
        editor.post_form(&app, &path, &form).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.store
            .post_by_id(app.site.id, post.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        PostStatus::Publish
    );
    assert_eq!(app.page(&app.permalink(&post)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_password_protected_post_shows_only_its_title_until_the_password_is_given() {
    let app = spawn_app().await;
    let post = app
        .publish(PostSpec {
            body: "The secret answer is 42.",
            ..PostSpec::post("Quiz answers")
        })
        .await;
    let editor = app.sign_in_as(Role::Editor).await;
    let mut form = editor_form(
        &app,
        &editor,
        "Quiz answers",
        "The secret answer is 42.",
        "publish",
    )
    .await;
    set(&mut form, "password", "open sesame");
    set(&mut form, "version", &post.version.to_string());
    // As the editor fills it in: an empty date would publish the post anew, now.
    set(
        &mut form,
        "date",
        &app.site.settings.zone().local_input(post.published_at),
    );
    assert_eq!(
        editor
            .post_form(&app, &format!("/admin/posts/{}", post.id), &form)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    let reader = client();
    let page = reader
        .get(app.url(&app.permalink(&post)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(texts(&page, "h1"), ["Quiz answers"]);
    assert!(!page.contains("secret answer"));
    assert_eq!(select(&page, "#commentform").len(), 0);
    let home = reader
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!home.contains("secret answer"));

    let sneaky = app
        .leave_reply_from(
            &reader,
            "198.51.100.7",
            &TestApp::reply_fields(&post, "Sneak", "Let me in"),
        )
        .await;
    assert_eq!(sneaky.status(), StatusCode::FORBIDDEN);

    let wrong = reader
        .post(app.url("/post-password"))
        .form(&[
            ("post_id", post.id.to_string()),
            ("password", "guess".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert!(!wrong.text().await.unwrap().contains("secret answer"));
    let right = reader
        .post(app.url("/post-password"))
        .form(&[
            ("post_id", post.id.to_string()),
            ("password", "open sesame".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    let unlocked = reader
        .get(app.url(&app.permalink(&post)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(unlocked.contains("The secret answer is 42."));
    assert_eq!(select(&unlocked, "#commentform").len(), 1);
}

#[tokio::test]
async fn sticky_posts_lead_the_home_page() {
    let app = spawn_app().await;
    let now = colloquy::domain::calendar::now();
    let old = app
        .publish(PostSpec {
            published_at: now - 10_000,
            ..PostSpec::post("Read me first")
        })
        .await;
    app.publish(PostSpec {
        published_at: now - 100,
        ..PostSpec::post("Newer news")
    })
    .await;
    let editor = app.sign_in_as(Role::Editor).await;
    let mut form = editor_form(&app, &editor, "Read me first", "x", "publish").await;
    set(&mut form, "sticky", "on");
    set(&mut form, "version", &old.version.to_string());
    set(
        &mut form,
        "date",
        &app.site.settings.zone().local_input(old.published_at),
    );
    assert_eq!(
        editor
            .post_form(&app, &format!("/admin/posts/{}", old.id), &form)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        texts(&app.page("/").await.1, "h2.entry-title"),
        ["Read me first", "Newer news"]
    );
}

/// What each role gets from each dashboard action: (action, [signed out, subscriber, contributor, author,
/// editor, administrator]). 303 for the signed-out means "sent to sign in".
#[tokio::test]
async fn every_role_gets_exactly_its_rights() {
    let app = spawn_app().await;
    let roles = [
        None,
        Some(Role::Subscriber),
        Some(Role::Contributor),
        Some(Role::Author),
        Some(Role::Editor),
        Some(Role::Administrator),
    ];
    let others_post = app.publish_post("Someone else's").await;
    const OK: u16 = 200;
    const SEE_OTHER: u16 = 303;
    const FORBIDDEN: u16 = 403;
    let table: [(&str, [u16; 6]); 10] = [
        (
            "GET /admin/",
            [SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK],
        ),
        (
            "GET /admin/comments",
            [SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK],
        ),
        (
            "GET /admin/settings",
            [SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
        ),
        (
            "GET /admin/outbox",
            [SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
        ),
        (
            "GET /admin/sites",
            [SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK],
        ),
        ("GET /admin/posts", [SEE_OTHER, FORBIDDEN, OK, OK, OK, OK]),
        (
            "GET /admin/posts/new?type=page",
            [SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK],
        ),
        (
            "GET /admin/posts/OTHER",
            [SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK],
        ),
        ("GET /account/writing.zip", [SEE_OTHER, OK, OK, OK, OK, OK]),
        ("GET /account/leave", [SEE_OTHER, OK, OK, OK, OK, OK]),
    ];
    let mut members = Vec::new();
    for role in roles {
        members.push(match role {
            Some(role) => Some(app.sign_in_as(role).await),
            None => None,
        });
    }
    for (action, expected) in table {
        let path = action
            .trim_start_matches("GET ")
            .replace("OTHER", &others_post.id.to_string());
        for (member, want) in members.iter().zip(expected) {
            let client = member
                .as_ref()
                .map_or_else(client, |member| member.client.clone());
            let got = client
                .get(app.url(&path))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            let who = member
                .as_ref()
                .map_or("signed out".to_owned(), |member| member.user.name.clone());
            assert_eq!(got, want, "{action} as {who}");
        }
    }

    // Writing: who may create a post, and what status they get when they ask to publish.
    for (member, expected) in members.iter().flatten().zip([
        None,
        Some(PostStatus::Pending),
        Some(PostStatus::Publish),
        Some(PostStatus::Publish),
        Some(PostStatus::Publish),
    ]) {
        let form = editor_form(&app, member, "Role check", "Body", "publish").await;
        let response = member.post_form(&app, "/admin/posts/new", &form).await;
        match expected {
            None => assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{}",
                member.user.name
            ),
            Some(status) => {
                let id = created_id(&response);
                assert_eq!(
                    app.store
                        .post_by_id(app.site.id, id)
                        .await
                        .unwrap()
                        .unwrap()
                        .status,
                    status,
                    "{}",
                    member.user.name
                );
            }
        }
    }
    let forbidden_page = app
        .store
        .card_by_slug(app.site.id, PostKind::Page, "role-check")
        .await
        .unwrap();
    assert!(forbidden_page.is_none());
}

/// A dashboard form: what it does, where it posts, its fields, and the answer for each role (signed out,
/// subscriber, contributor, author, editor, administrator).
type FormRow = (&'static str, String, Vec<(&'static str, String)>, [u16; 6]);

/// The state-changing side of the table: every dashboard form, for every role, with the right CSRF token and
/// with a forged one (which must change nothing).
#[tokio::test]
async fn every_role_may_post_exactly_its_forms_and_forged_tokens_change_nothing() {
    let app = spawn_app().await;
    let post = app.publish_post("Target post").await;
    let held = crate::helpers::comment_id_of(
        &app.leave_reply(
            "198.51.100.99",
            &TestApp::reply_fields(&post, "Newcomer", "Held"),
        )
        .await,
    );
    let roles = [
        None,
        Some(Role::Subscriber),
        Some(Role::Contributor),
        Some(Role::Author),
        Some(Role::Editor),
        Some(Role::Administrator),
    ];
    let mut members = Vec::new();
    for role in roles {
        members.push(match role {
            Some(role) => Some(app.sign_in_as(role).await),
            None => None,
        });
    }
    const SEE_OTHER: u16 = 303;
    const FORBIDDEN: u16 = 403;
    let post_path = format!("/admin/posts/{}", post.id);
    let table: Vec<FormRow> = vec![
        (
            "approve a comment",
            "/admin/comments".into(),
            vec![("one", format!("approve:{held}"))],
            [
                SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, SEE_OTHER, SEE_OTHER,
            ],
        ),
        (
            "add a category",
            "/admin/categories".into(),
            vec![("action", "add".into()), ("name", "New topic".into())],
            [
                SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, SEE_OTHER, SEE_OTHER,
            ],
        ),
        (
            "new join link",
            "/admin/members".into(),
            vec![("action", "new_code".into())],
            [
                SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, SEE_OTHER,
            ],
        ),
        (
            "write a page",
            "/admin/posts/new?type=page".into(),
            vec![
                ("title", "A page".into()),
                ("body", "x".into()),
                ("status", "draft".into()),
                ("action", "save".into()),
            ],
            [
                SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, SEE_OTHER, SEE_OTHER,
            ],
        ),
        (
            "edit another's post",
            post_path.clone(),
            vec![
                ("title", "Changed".into()),
                ("body", "x".into()),
                ("status", "publish".into()),
                ("action", "save".into()),
                ("version", "1".into()),
            ],
            [
                SEE_OTHER, FORBIDDEN, FORBIDDEN, FORBIDDEN, SEE_OTHER, SEE_OTHER,
            ],
        ),
    ];
    let snapshot = || async {
        let comment = app
            .store
            .comment_by_id(app.site.id, held)
            .await
            .unwrap()
            .unwrap()
            .status;
        let title = app
            .store
            .post_by_id(app.site.id, post.id)
            .await
            .unwrap()
            .unwrap()
            .title;
        let categories = app.store.categories(app.site.id).await.unwrap().len();
        let code = app
            .store
            .join_code(app.site.id, || "unused".into())
            .await
            .unwrap();
        let pages = app
            .store
            .admin_posts(
                app.site.id,
                &colloquy::store::AdminFilter {
                    kind: Some(PostKind::Page),
                    ..Default::default()
                },
                1,
                50,
            )
            .await
            .unwrap()
            .total;
        (comment, title, categories, code, pages)
    };
    for (action, path, fields, expected) in &table {
        let before = snapshot().await;
        for member in members.iter().flatten() {
            let mut forged = fields.clone();
            forged.push(("csrf", "forged-token".into()));
            let refused = member.post_form(&app, path, &forged).await;
            assert_eq!(
                refused.status(),
                StatusCode::FORBIDDEN,
                "{action} as {} with a forged token",
                member.user.name
            );
        }
        assert_eq!(
            snapshot().await,
            before,
            "a forged '{action}' changed something"
        );
        for (member, want) in members.iter().zip(expected) {
            let who = member
                .as_ref()
                .map_or("signed out".to_owned(), |member| member.user.name.clone());
            let (client, csrf) = match member {
                Some(member) => (member.client.clone(), member.csrf(&app).await),
                None => (client(), String::new()),
            };
            let mut form = fields.clone();
            if path == &post_path {
                let version = app
                    .store
                    .post_by_id(app.site.id, post.id)
                    .await
                    .unwrap()
                    .unwrap()
                    .version;
                form.retain(|(name, _)| *name != "version");
                form.push(("version", version.to_string()));
            }
            if path == "/admin/categories" {
                form.retain(|(name, _)| *name != "name");
                form.push(("name", format!("Topic of {who}")));
            }
            form.push(("csrf", csrf));
            let got = client.post(app.url(path)).form(&form).send().await.unwrap();
            assert_eq!(got.status().as_u16(), *want, "{action} as {who}");
            if member.is_none() {
                assert!(
                    got.headers()["location"]
                        .to_str()
                        .unwrap()
                        .starts_with("/login?next="),
                    "{action}: sent to sign in"
                );
            }
        }
    }
    assert_eq!(
        app.store
            .post_by_id(app.site.id, post.id)
            .await
            .unwrap()
            .unwrap()
            .title,
        "Changed"
    );
}

#[tokio::test]
async fn the_post_list_filters_by_status_author_category_and_words() {
    let app = spawn_app().await;
    let editor = app.sign_in_as(Role::Editor).await;
    let student = app.sign_in_as(Role::Author).await;
    let mut form = editor_form(
        &app,
        &student,
        "Student essay on maps",
        "Cartography and power.",
        "draft",
    )
    .await;
    form.push(("new_categories".into(), "Essays".into()));
    created_id(&student.post_form(&app, "/admin/posts/new", &form).await);
    app.publish(PostSpec {
        categories: vec!["News".into()],
        ..PostSpec::post("Staff news")
    })
    .await;

    let list = |query: String| {
        let client = editor.client.clone();
        let url = app.url(&format!("/admin/posts{query}"));
        async move {
            texts(
                &client.get(url).send().await.unwrap().text().await.unwrap(),
                ".post-list tbody td:first-child a",
            )
        }
    };
    assert_eq!(list("".into()).await.len(), 2);
    assert_eq!(
        list("?status=draft".into()).await,
        ["Student essay on maps"]
    );
    assert_eq!(
        list(format!("?author={}", student.user.id)).await,
        ["Student essay on maps"]
    );
    let essays = app
        .store
        .term_by_slug(
            app.site.id,
            colloquy::domain::post::Taxonomy::Category,
            "essays",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        list(format!("?category={}", essays.id)).await,
        ["Student essay on maps"]
    );
    assert_eq!(
        list("?q=cartography".into()).await,
        ["Student essay on maps"],
        "words in the body"
    );
    assert_eq!(
        list("?q=100%25".into()).await.len(),
        0,
        "LIKE wildcards are taken literally"
    );
    assert_eq!(
        list("?status=all&author=&category=&q=".into()).await.len(),
        2,
        "empty filters are no filters"
    );
    assert_eq!(
        editor.get(&app, "/admin/posts?status=bogus").await.status(),
        StatusCode::NOT_FOUND
    );

    let own = student
        .get(&app, "/admin/posts")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        texts(&own, ".post-list tbody td:first-child a"),
        ["Student essay on maps"],
        "writers see their own"
    );
    assert_eq!(select(&own, "#filter-author").len(), 0);
}

#[tokio::test]
async fn autosaves_keep_unsaved_text_without_touching_the_post_and_refuse_strangers() {
    let app = spawn_app().await;
    let student = app.sign_in_as(Role::Author).await;
    let stranger = app.sign_in_as(Role::Author).await;

    let empty = editor_form(&app, &student, "", "  ", "draft").await;
    let nothing = student
        .post_form(&app, "/admin/posts/new/autosave", &empty)
        .await;
    assert_eq!(
        nothing.status(),
        StatusCode::NO_CONTENT,
        "nothing typed, nothing stored"
    );

    let untitled = editor_form(&app, &student, "", "Notes before a title.", "publish").await;
    let created = student
        .post_form(&app, "/admin/posts/new/autosave", &untitled)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["cache-control"], "private, no-store");
    let answer: serde_json::Value = created.json().await.unwrap();
    let id = answer["id"].as_i64().unwrap();
    assert_eq!(answer["action"], format!("/admin/posts/{id}"));
    let draft = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (draft.status, draft.title.as_str(), draft.source.as_str()),
        (PostStatus::Draft, "Untitled draft", "Notes before a title."),
        "a first autosave keeps a new post as a draft, never published"
    );

    // Saved once, the draft is the writer's: later autosaves go aside, and the post changes only when saved.
    let mut save = editor_form(&app, &student, "Notes", "Notes before a title.", "draft").await;
    set(&mut save, "version", &draft.version.to_string());
    assert_eq!(
        student
            .post_form(&app, &format!("/admin/posts/{id}"), &save)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let draft = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert!(!draft.autosaved_only);
    let mut later = editor_form(
        &app,
        &student,
        "Containment",
        "Notes, then more notes.",
        "draft",
    )
    .await;
    set(&mut later, "version", &draft.version.to_string());
    let saved = student
        .post_form(&app, &format!("/admin/posts/{id}/autosave"), &later)
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let unchanged = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        unchanged.source, "Notes before a title.",
        "an autosave leaves the post as saved"
    );
    assert_eq!(unchanged.version, draft.version);

    let editor = student
        .get(&app, &format!("/admin/posts/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let restore =
        attribute(&editor, ".autosave-offer a", "href").expect("the editor offers the autosave");
    let restored = student.get(&app, &restore).await.text().await.unwrap();
    assert_eq!(texts(&restored, "#body"), ["Notes, then more notes."]);
    assert_eq!(
        attribute(&restored, "#title", "value").as_deref(),
        Some("Containment")
    );

    let mut forged = later.clone();
    set(&mut forged, "csrf", "forged-token");
    assert_eq!(
        student
            .post_form(&app, &format!("/admin/posts/{id}/autosave"), &forged)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let theirs = editor_form(&app, &stranger, "Hijacked", "Not mine.", "draft").await;
    assert_eq!(
        stranger
            .post_form(&app, &format!("/admin/posts/{id}/autosave"), &theirs)
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "nobody autosaves into another writer's post"
    );
    assert_eq!(
        student
            .post_form(&app, "/admin/posts/999999/autosave", &later)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let anonymous = client()
        .post(app.url(&format!("/admin/posts/{id}/autosave")))
        .form(&[("title", "x"), ("body", "y")])
        .send()
        .await
        .unwrap();
    assert!(
        anonymous.status().is_redirection() || anonymous.status().is_client_error(),
        "{}",
        anonymous.status()
    );

    let mut save = editor_form(
        &app,
        &student,
        "Containment",
        "Notes, then more notes.",
        "draft",
    )
    .await;
    set(&mut save, "version", &draft.version.to_string());
    assert_eq!(
        student
            .post_form(&app, &format!("/admin/posts/{id}"), &save)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        app.store
            .autosave_of(id, student.user.id)
            .await
            .unwrap()
            .is_none(),
        "a save discards the autosave"
    );
    let editor = student
        .get(&app, &format!("/admin/posts/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(select(&editor, ".autosave-offer").is_empty());
}

#[tokio::test]
async fn the_live_preview_renders_and_sanitizes_like_a_saved_post() {
    let app = spawn_app().await;
    let student = app.sign_in_as(Role::Author).await;
    let csrf = student.csrf(&app).await;
    let preview = student
        .post_form(
            &app,
            "/admin/preview",
            &[
                ("csrf", csrf.as_str()),
                ("body", "**Bold** claim.[^1]\n\n[^1]: A note.\n\n<script>alert(1)</script><img src=x onerror=alert(2)>"),
            ],
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    assert_eq!(preview.headers()["cache-control"], "private, no-store");
    let html = preview.text().await.unwrap();
    assert!(html.contains("<strong>Bold</strong>"), "{html}");
    assert!(html.contains("class=\"footnote\""), "{html}");
    assert!(
        !html.contains("<script") && !html.contains("onerror"),
        "{html}"
    );

    let forged = student
        .post_form(&app, "/admin/preview", &[("csrf", "forged"), ("body", "x")])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let reader = app.sign_in_as(Role::Subscriber).await;
    let csrf = reader.csrf(&app).await;
    assert_eq!(
        reader
            .post_form(
                &app,
                "/admin/preview",
                &[("csrf", csrf.as_str()), ("body", "x")]
            )
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "only writers preview"
    );
}

#[tokio::test]
async fn the_post_lists_next_page_keeps_its_filters() {
    let app = spawn_app().await;
    let editor = app.sign_in_as(Role::Editor).await;
    for number in 0..31 {
        app.publish(PostSpec {
            categories: vec!["Week & One".into()],
            ..PostSpec::post(&format!("Response {number}"))
        })
        .await;
    }
    let category = app
        .store
        .categories(app.site.id)
        .await
        .unwrap()
        .into_iter()
        .find(|term| term.name == "Week & One")
        .unwrap();
    let author = app.author().await;
    let page = editor
        .get(
            &app,
            &format!(
                "/admin/posts?category={}&author={}&status=publish",
                category.id, author.id
            ),
        )
        .await
        .text()
        .await
        .unwrap();
    let next = attribute(&page, "a.older", "href").expect("a second page");
    assert!(
        next.contains(&format!("category={}", category.id)),
        "{next}"
    );
    assert!(next.contains(&format!("author={}", author.id)), "{next}");
    assert!(next.contains("status=publish"), "{next}");
    let second = editor.get(&app, &next.replace("&amp;", "&")).await;
    assert_eq!(second.status(), StatusCode::OK);
    let second = second.text().await.unwrap();
    assert_eq!(
        select(&second, "tbody tr").len(),
        1,
        "the 31st of the filtered posts"
    );
}

/// Issue #11, drafts: a post first stored by an autosave has what was typed (its discussion open, its new
/// category and tags), is one post however often its editing session autosaves or saves, and is dated when it is
/// published, not when the autosave stored it.
/// The names of a post's categories and tags.
async fn term_names(app: &TestApp, id: i64) -> Vec<String> {
    let mut names: Vec<String> = app
        .store
        .terms_of_posts(&[id])
        .await
        .unwrap()
        .into_iter()
        .map(|(_, term)| term.name)
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn later_autosaves_write_a_draft_nobody_saved_with_its_categories_tags_and_reading_as_last_typed()
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
                source: "[page 1]\nAnswer to Dept's 284.".into(),
                members_only: false,
            },
            colloquy::domain::calendar::now(),
        )
        .await
        .unwrap();
    let student = app.sign_in_as(Role::Author).await;
    let page = student
        .get(&app, "/admin/posts/new")
        .await
        .text()
        .await
        .unwrap();
    let session = attribute(&page, "input[name=session]", "value").unwrap();
    let mut form = editor_form(&app, &student, "Half a thought", "Begun.", "draft").await;
    form.push(("session".into(), session));
    let first = student
        .post_form(&app, "/admin/posts/new/autosave", &form)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let id = first["id"].as_i64().unwrap();
    let path = format!("/admin/posts/{id}");
    let revisions = app.store.revisions(app.site.id, id).await.unwrap().len();

    // The editor goes on with the draft: the writer ticks a new category, types tags, picks the reading and
    // closes the discussion, and the next autosave goes to the draft's own address.
    set(&mut form, "version", &first["version"].to_string());
    set(&mut form, "title", "A whole thought");
    set(&mut form, "body", "Begun, and finished.");
    set(&mut form, "new_categories", "Week three");
    set(&mut form, "tags", "telegram, containment");
    set(&mut form, "reading", &reading.id.to_string());
    form.retain(|(name, _)| name != "comments_open");
    let later = student
        .post_form(&app, &format!("{path}/autosave"), &form)
        .await;
    assert_eq!(later.status(), StatusCode::OK);
    let answer = later.json::<serde_json::Value>().await.unwrap();
    let draft = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        answer["version"].as_i64(),
        Some(draft.version),
        "the script is told the new version"
    );
    assert_eq!(draft.title, "A whole thought");
    assert_eq!(draft.source, "Begun, and finished.");
    assert_eq!(draft.reading_id, Some(reading.id));
    assert!(!draft.comments_open);
    assert!(draft.autosaved_only && draft.status == PostStatus::Draft);
    assert_eq!(
        term_names(&app, id).await,
        ["Week three", "containment", "telegram"]
    );
    assert_eq!(
        app.store.revisions(app.site.id, id).await.unwrap().len(),
        revisions,
        "an autosave leaves no revision"
    );

    // A stale version (another tab) does not overwrite the draft: it goes aside as an autosave.
    set(&mut form, "body", "From an old tab.");
    set(&mut form, "version", &first["version"].to_string());
    let stale = student
        .post_form(&app, &format!("{path}/autosave"), &form)
        .await;
    assert_eq!(stale.status(), StatusCode::OK);
    let kept = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.source, "Begun, and finished.");

    // Saved with the version the script was given, it is saved, not a conflict; autosaves then go aside.
    set(&mut form, "version", &draft.version.to_string());
    set(&mut form, "body", "Begun, and finished.");
    let saved = student.post_form(&app, &path, &form).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let saved = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert!(!saved.autosaved_only);
    set(&mut form, "version", &saved.version.to_string());
    set(&mut form, "body", "Typed after saving.");
    set(&mut form, "tags", "");
    student
        .post_form(&app, &format!("{path}/autosave"), &form)
        .await;
    let after = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.source, "Begun, and finished.",
        "a saved draft changes only when saved"
    );
    assert_eq!(
        term_names(&app, id).await,
        ["Week three", "containment", "telegram"]
    );
    assert_eq!(
        app.store
            .autosave_of(id, student.user.id)
            .await
            .unwrap()
            .map(|kept| kept.source)
            .as_deref(),
        Some("Typed after saving.")
    );
}

#[tokio::test]
async fn categories_an_autosave_made_stay_out_of_the_public_menu_until_a_post_is_published_in_them()
{
    let app = spawn_app().await;
    let student = app.sign_in_as(Role::Author).await;
    let page = student
        .get(&app, "/admin/posts/new")
        .await
        .text()
        .await
        .unwrap();
    let session = attribute(&page, "input[name=session]", "value").unwrap();
    let mut form = editor_form(&app, &student, "Half typed", "Begun.", "draft").await;
    form.push(("session".into(), session));
    form.push(("new_categories".into(), "Wee".into()));
    let autosaved = student
        .post_form(&app, "/admin/posts/new/autosave", &form)
        .await;
    assert_eq!(autosaved.status(), StatusCode::CREATED);
    let menu = |page: &str| texts(page, ".site-nav .categories a");
    let (_, home) = app.page("/").await;
    assert!(
        !menu(&home).contains(&"Wee".to_owned()),
        "{:?}",
        menu(&home)
    );
    app.publish(PostSpec {
        categories: vec!["Wee".into()],
        ..PostSpec::post("Now it holds a post")
    })
    .await;
    let (_, home) = app.page("/").await;
    assert!(menu(&home).contains(&"Wee".to_owned()), "{:?}", menu(&home));
}

#[tokio::test]
async fn an_autosaved_draft_keeps_what_was_typed_and_is_dated_when_published() {
    let app = spawn_app().await;
    let student = app.sign_in_as(Role::Author).await;
    let editor = student
        .get(&app, "/admin/posts/new")
        .await
        .text()
        .await
        .unwrap();
    let session = attribute(&editor, "input[name=session]", "value").expect("an editing session");
    let mut form = editor_form(
        &app,
        &student,
        "Monday's thoughts",
        "Begun on Monday.",
        "draft",
    )
    .await;
    form.push(("session".into(), session.clone()));
    form.push(("new_categories".into(), "Week two".into()));
    form.push(("tags".into(), "memory, archives".into()));

    let first = student
        .post_form(&app, "/admin/posts/new/autosave", &form)
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let id = first.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let draft = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert!(draft.comments_open, "the discussion as the form had it");
    assert!(draft.autosaved_only && !draft.date_chosen);
    let terms: Vec<String> = app
        .store
        .terms_of_posts(&[id])
        .await
        .unwrap()
        .into_iter()
        .map(|(_, term)| term.name)
        .collect();
    for name in ["Week two", "memory", "archives"] {
        assert!(terms.iter().any(|term| term == name), "{name} in {terms:?}");
    }
    assert!(
        !terms.iter().any(|term| term == "Uncategorized"),
        "{terms:?}"
    );
    let listed = student
        .get(&app, "/admin/posts")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        texts(&listed, ".autosaved-drafts li a"),
        ["Monday's thoughts"]
    );
    assert!(
        texts(&listed, ".post-list tbody a").is_empty(),
        "listed apart"
    );

    // The editor left and opened again goes on in the same session: its autosave and its save are of the
    // same draft.
    set(&mut form, "body", "Begun on Monday, picked up again.");
    let again = student
        .post_form(&app, "/admin/posts/new/autosave", &form)
        .await;
    assert_eq!(
        again.json::<serde_json::Value>().await.unwrap()["id"].as_i64(),
        Some(id)
    );
    let saved = student.post_form(&app, "/admin/posts/new", &form).await;
    assert_eq!(created_id(&saved), id);
    let all = app
        .store
        .admin_posts(
            app.site.id,
            &colloquy::store::AdminFilter::default(),
            1,
            100,
        )
        .await
        .unwrap();
    assert_eq!(all.total, 1, "one post");
    let kept = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.source, "Begun on Monday, picked up again.");
    assert!(!kept.autosaved_only, "saved by its writer");
    let edit_page = student
        .get(&app, &format!("/admin/posts/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        attribute(&edit_page, "#date", "value").as_deref(),
        Some(""),
        "no date chosen: it is dated when published"
    );

    // Published on Wednesday: dated Wednesday.
    app.clock.advance(2 * 86_400);
    set(&mut form, "status", "publish");
    set(&mut form, "version", &kept.version.to_string());
    let published = student
        .post_form(&app, &format!("/admin/posts/{id}"), &form)
        .await;
    assert_eq!(published.status(), StatusCode::SEE_OTHER);
    let post = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(post.status, PostStatus::Publish);
    let wednesday = app.clock.now();
    assert!(
        (wednesday - 5..=wednesday).contains(&post.published_at),
        "published at {}, Wednesday is {wednesday}, Monday's draft was {}",
        post.published_at,
        draft.published_at
    );
    assert!(post.comments_open);
}

/// Issue #11: a draft only the autosave made can be discarded from the list of posts.
#[tokio::test]
async fn an_autosaved_draft_nobody_saved_can_be_discarded_from_the_list() {
    let app = spawn_app().await;
    let student = app.sign_in_as(Role::Author).await;
    let mut form = editor_form(&app, &student, "A false start", "Never mind.", "draft").await;
    form.push(("session".into(), "a-session-of-its-own".into()));
    let id = student
        .post_form(&app, "/admin/posts/new/autosave", &form)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let listed = student
        .get(&app, "/admin/posts")
        .await
        .text()
        .await
        .unwrap();
    let action = attribute(&listed, ".autosaved-drafts form", "action").unwrap();
    let discarded = student
        .post_form(
            &app,
            &action,
            &[
                ("csrf", student.csrf(&app).await),
                ("action", "trash".into()),
            ],
        )
        .await;
    assert!(discarded.status().is_redirection());
    let post = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(post.status, PostStatus::Trash);
    let listed = student
        .get(&app, "/admin/posts")
        .await
        .text()
        .await
        .unwrap();
    assert!(select(&listed, ".autosaved-drafts").is_empty());
}
