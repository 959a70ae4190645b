//! Private feedback: staff's comment with a grade on a student's post, and the student's private question,
//! seen only by that student and the staff: not by other students, strangers, feeds, counts, search or export.

use colloquy::{
    domain::{
        calendar,
        post::{Post, PostKind, PostStatus, SourceFormat},
        user::Role,
    },
    store::NewPost,
};
use reqwest::StatusCode;

use crate::helpers::{Member, TestApp, comment_id_of, spawn_app, texts};

async fn post_by(app: &TestApp, author_id: i64, title: &str) -> Post {
    app.store
        .create_post(
            &NewPost {
                site_id: app.site.id,
                author_id,
                kind: PostKind::Post,
                status: PostStatus::Publish,
                title,
                source: "My reading response about the Marshall Plan.",
                format: SourceFormat::Markdown,
                excerpt: "",
                slug: None,
                parent_id: None,
                comments_open: true,
                published_at: calendar::now() - 60,
                categories: &[],
                tags: &[],
                sticky: false,
                password: None,
                reading_id: None,
            },
            calendar::now(),
        )
        .await
        .expect("publish")
}

async fn reply(
    app: &TestApp,
    member: &Member,
    post: &Post,
    text: &str,
    extra: &[(&'static str, &str)],
) -> reqwest::Response {
    let mut fields = TestApp::reply_fields(post, "ignored", text);
    fields.push(("csrf", member.csrf(app).await));
    for (name, value) in extra {
        fields.retain(|(field, _)| field != name);
        fields.push((name, (*value).to_owned()));
    }
    member.post_form(app, "/comments", &fields).await
}

#[tokio::test]
async fn private_feedback_is_seen_only_by_the_student_and_staff() {
    let app = spawn_app().await;
    app.set("comment_flood_interval", "0").await;
    let instructor = app.sign_in_as(Role::Administrator).await;
    let ana = app.sign_in_as(Role::Author).await;
    let ben = app.sign_in_as(Role::Author).await;
    let post = post_by(&app, ana.user.id, "Ana on the Marshall Plan").await;
    let address = app.permalink(&post);

    // A grade that is too long is refused, with the text kept.
    let long = reply(
        &app,
        &instructor,
        &post,
        "Careful reading, quibblewort.",
        &[("grade", &"A".repeat(41))],
    )
    .await;
    assert_eq!(long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = long.text().await.unwrap();
    assert!(page.contains("Careful reading, quibblewort."));
    assert!(page.contains("at most 40 characters"));

    let sent = reply(
        &app,
        &instructor,
        &post,
        "Careful reading, quibblewort. Cite the pages next time.",
        &[("private", "yes"), ("grade", "B+")],
    )
    .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let feedback_id = comment_id_of(&sent);

    // Ana sees it, marked, with its grade, and may answer it privately (the answer is private by itself).
    let anas_view = ana.get(&app, &address).await.text().await.unwrap();
    assert!(anas_view.contains("quibblewort"));
    assert_eq!(
        texts(&anas_view, ".private-comment .grade"),
        vec!["Grade: B+"]
    );
    let answer = reply(
        &app,
        &ana,
        &post,
        "Thank you, I will fix the pages, zanzibarine.",
        &[("parent", &feedback_id.to_string())],
    )
    .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let answer_id = comment_id_of(&answer);
    let stored = app
        .store
        .comment_by_id(app.site.id, answer_id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.is_private);
    let staff_view = instructor.get(&app, &address).await.text().await.unwrap();
    assert!(staff_view.contains("zanzibarine") && staff_view.contains("quibblewort"));

    // Another student, a stranger, the feeds, the counts, the sidebar, search: nothing.
    let bens_view = ben.get(&app, &address).await.text().await.unwrap();
    let (_, strangers_view) = app.page(&address).await;
    for (who, page) in [
        ("another student", &bens_view),
        ("a stranger", &strangers_view),
    ] {
        for secret in ["quibblewort", "zanzibarine", "B+", "Private:"] {
            assert!(!page.contains(secret), "{who} sees {secret:?}");
        }
        assert!(
            !page.contains("Response"),
            "{who} sees a count of responses"
        );
    }
    for path in [
        "/".to_owned(),
        "/comments/feed/".to_owned(),
        "/comments/feed/atom/".to_owned(),
        format!("{address}feed/"),
        "/search/?q=quibblewort".to_owned(),
        "/search/?q=zanzibarine".to_owned(),
    ] {
        for body in [
            app.get(&path).await.text().await.unwrap(),
            ben.get(&app, &path).await.text().await.unwrap(),
        ] {
            if path.starts_with("/search/") {
                // The search box shows the words searched for; the results must be empty.
                assert!(texts(&body, ".search-result").is_empty(), "{path}");
                continue;
            }
            assert!(!body.contains("quibblewort"), "{path}");
            assert!(!body.contains("zanzibarine"), "{path}");
        }
    }
    let home = ben.get(&app, "/").await.text().await.unwrap();
    assert!(!home.contains("1 Comment") && !home.contains("Comments (1)"));

    // Ben can neither write private feedback, give a grade, nor answer the private thread.
    let refused = reply(&app, &ben, &post, "Sneaky", &[("private", "yes")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let graded = reply(&app, &ben, &post, "Sneaky grade", &[("grade", "A")]).await;
    assert_eq!(graded.status(), StatusCode::FORBIDDEN);
    let into_thread = reply(
        &app,
        &ben,
        &post,
        "Let me in",
        &[("parent", &feedback_id.to_string())],
    )
    .await;
    assert_eq!(into_thread.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!into_thread.text().await.unwrap().contains("quibblewort"));
    // Nor can Ana grade herself.
    let self_graded = reply(&app, &ana, &post, "A+ for me", &[("grade", "A+")]).await;
    assert_eq!(self_graded.status(), StatusCode::FORBIDDEN);

    // The export carries no private comment; the instructor's participation report counts none.
    let export = std::process::Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args(["--database-url", &app.database_url, "export", "wxr"])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(export.status.success());
    let wxr = String::from_utf8_lossy(&export.stdout);
    assert!(wxr.contains("Ana on the Marshall Plan"));
    assert!(!wxr.contains("quibblewort") && !wxr.contains("zanzibarine"));
    let report = instructor
        .get(&app, "/admin/participation")
        .await
        .text()
        .await
        .unwrap();
    assert!(!report.contains("class=\"total-comments\">1<"), "{report}");
    assert!(!report.contains("class=\"total-replies\">1<"));

    // Ana was told of the feedback by mail.
    let mails = app.outbox().await;
    assert!(
        mails
            .iter()
            .any(|mail| mail.recipient == ana.user.email && mail.body.contains("quibblewort"))
    );
}

#[tokio::test]
async fn a_student_asks_the_staff_a_private_question_on_her_own_post() {
    let app = spawn_app().await;
    app.set("comment_flood_interval", "0").await;
    let instructor = app.sign_in_as(Role::Administrator).await;
    let ana = app.sign_in_as(Role::Author).await;
    let ben = app.sign_in_as(Role::Author).await;
    let post = post_by(&app, ana.user.id, "Ana asks").await;
    let address = app.permalink(&post);

    let form = ana.get(&app, &address).await.text().await.unwrap();
    assert_eq!(texts(&form, "label[for=private]").len(), 1);
    assert!(texts(&form, "label[for=grade]").is_empty());
    let bens_form = ben.get(&app, &address).await.text().await.unwrap();
    assert!(texts(&bens_form, "label[for=private]").is_empty());

    let asked = reply(
        &app,
        &ana,
        &post,
        "Is my thesis too narrow, ploughwright?",
        &[("private", "yes")],
    )
    .await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    assert!(
        instructor
            .get(&app, &address)
            .await
            .text()
            .await
            .unwrap()
            .contains("ploughwright")
    );
    assert!(
        !ben.get(&app, &address)
            .await
            .text()
            .await
            .unwrap()
            .contains("ploughwright")
    );
    let mails = app.outbox().await;
    let question = mails
        .iter()
        .find(|mail| mail.recipient == instructor.user.email)
        .expect("the staff hear of the question");
    assert!(question.subject.contains("A private question"));
    assert!(question.body.contains("ploughwright"));
    assert!(!mails.iter().any(|mail| mail.recipient == ben.user.email));
}

#[tokio::test]
async fn a_grade_follows_the_sites_scale_and_reaches_only_its_student() {
    let app = spawn_app().await;
    app.set("comment_flood_interval", "0").await;
    let instructor = app.sign_in_as(Role::Administrator).await;
    let ana = app.sign_in_as(Role::Author).await;
    let ben = app.sign_in_as(Role::Author).await;
    let post = post_by(&app, ana.user.id, "Ana on the Schuman Declaration").await;
    let address = app.permalink(&post);

    // The form says the scale: letters by default.
    let form = instructor.get(&app, &address).await.text().await.unwrap();
    assert_eq!(
        texts(&form, "label[for=grade]").concat(),
        "Grade, A+ to F (optional; makes the comment private)"
    );

    // Points out of 20: a number above the maximum is refused, with what was typed kept.
    app.set("grade_scale", "points").await;
    app.set("grade_points", "20").await;
    let form = instructor.get(&app, &address).await.text().await.unwrap();
    assert_eq!(
        texts(&form, "label[for=grade]").concat(),
        "Grade, 0 to 20 points (optional; makes the comment private)"
    );
    let over = reply(
        &app,
        &instructor,
        &post,
        "Strong close reading, plovdivian.",
        &[("grade", "21")],
    )
    .await;
    assert_eq!(over.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = over.text().await.unwrap();
    assert!(page.contains("Strong close reading, plovdivian."));
    assert_eq!(
        crate::helpers::attribute(&page, "input#grade", "value").as_deref(),
        Some("21")
    );
    assert_eq!(
        texts(&page, "#grade-error"),
        vec!["“21” is not on this course's scale: give a number of points from 0 to 20."]
    );
    let letter = reply(
        &app,
        &instructor,
        &post,
        "Good, plovdivian.",
        &[("grade", "B+")],
    )
    .await;
    assert_eq!(letter.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Letters: one of A+ to F, written either case.
    app.set("grade_scale", "letter").await;
    let unknown = reply(
        &app,
        &instructor,
        &post,
        "Good, plovdivian.",
        &[("grade", "Q")],
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = unknown.text().await.unwrap();
    assert!(
        texts(&page, "#grade-error")
            .concat()
            .contains("a letter grade: A+, A, A-, B+")
    );
    let given = reply(
        &app,
        &instructor,
        &post,
        "Good, plovdivian.",
        &[("grade", "a-")],
    )
    .await;
    assert_eq!(given.status(), StatusCode::SEE_OTHER);

    // Ana sees it in her private feedback; Ben sees neither the feedback nor the grade.
    let anas_view = ana.get(&app, &address).await.text().await.unwrap();
    assert_eq!(
        texts(&anas_view, ".private-comment .grade"),
        vec!["Grade: A-"]
    );
    let bens_view = ben.get(&app, &address).await.text().await.unwrap();
    assert!(!bens_view.contains("plovdivian") && !bens_view.contains("Grade:"));

    // A grade on a comment is for its writer: on Ben's comment under Ana's post only Ana and staff would see
    // private feedback, so it is refused and explained.
    let bens_comment = reply(&app, &ben, &post, "I read it differently.", &[]).await;
    assert_eq!(bens_comment.status(), StatusCode::SEE_OTHER);
    let on_ben = reply(
        &app,
        &instructor,
        &post,
        "Fair point, plovdivian.",
        &[
            ("grade", "B"),
            ("parent", &comment_id_of(&bens_comment).to_string()),
        ],
    )
    .await;
    assert_eq!(on_ben.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = on_ben.text().await.unwrap();
    assert!(page.contains("Fair point, plovdivian."));
    assert!(
        texts(&page, "#grade-error")
            .concat()
            .contains("only on their own posts"),
        "{:?}",
        texts(&page, "#grade-error")
    );
    // Ana's own comment under her post can be graded: the grade is hers.
    let anas_comment = reply(&app, &ana, &post, "An afterthought on page 3.", &[]).await;
    let on_ana = reply(
        &app,
        &instructor,
        &post,
        "A good afterthought.",
        &[
            ("grade", "B"),
            ("parent", &comment_id_of(&anas_comment).to_string()),
        ],
    )
    .await;
    assert_eq!(on_ana.status(), StatusCode::SEE_OTHER);
    let bens_view = ben.get(&app, &address).await.text().await.unwrap();
    assert!(!bens_view.contains("Grade:"));
}
