//! The participation report: counts per member and week against a seeded term, with held, spam and trashed
//! comments left out, the filters, the charts and the gradebook CSV.

use colloquy::{
    domain::{
        calendar,
        comment::{CommentStatus, Moderation},
        post::{PostKind, PostStatus, SourceFormat},
        reading::ReadingDetails,
        user::Role,
    },
    store::{NewComment, NewPost, Submitted},
};
use reqwest::StatusCode;

use crate::helpers::{TestApp, attribute, select, spawn_app, texts};

const DAY: i64 = 86_400;

struct Comment<'a> {
    post_id: i64,
    parent_id: Option<i64>,
    user_id: Option<i64>,
    name: &'a str,
    email: &'a str,
    text: &'a str,
    status: CommentStatus,
    at: i64,
}

async fn comment(app: &TestApp, comment: Comment<'_>) -> i64 {
    match app
        .store
        .submit_comment(
            &NewComment {
                is_private: false,
                grade: None,
                passage: None,
                site_id: app.site.id,
                post_id: comment.post_id,
                parent_id: comment.parent_id,
                user_id: comment.user_id,
                author_name: comment.name,
                author_email: comment.email,
                author_url: None,
                author_ip: "192.0.2.1",
                user_agent: "test",
                content: comment.text,
                content_html: comment.text,
                status: comment.status,
                created_at: comment.at,
                cited: &[],
            },
            0,
        )
        .await
        .expect("store the comment")
    {
        Submitted::Stored { comment, .. } => comment.id,
        other => panic!("not stored: {other:?}"),
    }
}

/// A member's row of the table, inside a table of its own (a row alone does not parse as HTML).
fn member_row(page: &str, name: &str) -> String {
    select(page, "table.participation tbody tr")
        .into_iter()
        .map(|row| format!("<table>{row}</table>"))
        .find(|row| {
            texts(row, "th")
                .first()
                .is_some_and(|th| th.starts_with(name))
        })
        .unwrap_or_else(|| panic!("no row for {name}"))
}

/// The totals cells of a member's row: posts, comments, replies received, words, citations.
fn totals(page: &str, name: &str) -> Vec<String> {
    let row = member_row(page, name);
    [
        ".total-posts",
        ".total-comments",
        ".total-replies",
        ".total-words",
        ".total-citations",
    ]
    .iter()
    .map(|selector| texts(&row, selector).concat())
    .collect()
}

#[tokio::test]
async fn counts_match_what_the_site_shows_week_by_week() {
    let app = spawn_app().await;
    let now = calendar::now();
    let zone = calendar::SiteZone::utc();
    let term_start = zone.date_input(now - 20 * DAY);
    app.set("term_start", &term_start).await;
    app.set("term_weeks", "3").await;
    let start = zone.day_starts(&term_start, 1, 0).unwrap()[0];
    let week = |n: i64, day: i64| start + (n - 1) * 7 * DAY + day * DAY + 3_600;

    let (ana, _) = app
        .account("ana@example.edu", "Ana Alves", Some(Role::Author))
        .await;
    let (ben, _) = app
        .account("ben@example.edu", "=Ben Bell", Some(Role::Author))
        .await;
    let instructor = app.sign_in_as(Role::Administrator).await;
    let reading = app
        .store
        .create_reading(
            app.site.id,
            &ReadingDetails {
                title: "Speech".into(),
                label: "Speech 1956".into(),
                source: "[page 5]\nIt is impermissible to elevate one person.".into(),
                ..ReadingDetails::default()
            },
            now,
        )
        .await
        .unwrap();

    let publish = |author_id: i64,
                   title: &'static str,
                   body: &'static str,
                   published_at: i64,
                   status: PostStatus,
                   categories: Vec<String>| {
        let app = &app;
        async move {
            app.store
                .create_post(
                    &NewPost {
                        site_id: app.site.id,
                        author_id,
                        kind: PostKind::Post,
                        status,
                        title,
                        source: body,
                        format: SourceFormat::Markdown,
                        excerpt: "",
                        slug: None,
                        parent_id: None,
                        comments_open: true,
                        published_at,
                        categories: &categories,
                        tags: &[],
                        sticky: false,
                        password: None,
                        reading_id: Some(reading.id),
                    },
                    calendar::now(),
                )
                .await
                .expect("publish")
        }
    };
    // Week 1: Ana's post, five words, one citation.
    let anas_post = publish(
        ana.id,
        "Ana on the speech",
        "He warns \"to elevate one person\" (5).",
        week(1, 1),
        PostStatus::Publish,
        vec![],
    )
    .await;
    // Week 2: Ben's post in "Week two"; a draft of his does not count.
    let bens_post = publish(
        ben.id,
        "Ben's response",
        "Three words here",
        week(2, 0),
        PostStatus::Publish,
        vec!["Week two".into()],
    )
    .await;
    publish(
        ben.id,
        "Ben's draft",
        "Not yet",
        week(2, 1),
        PostStatus::Draft,
        vec![],
    )
    .await;

    // Week 2: Ana comments on Ben's post (approved); her held, spam and trashed comments do not count.
    let anas_comment = comment(
        &app,
        Comment {
            post_id: bens_post.id,
            parent_id: None,
            user_id: Some(ana.id),
            name: "Ana Alves",
            email: "ana@example.edu",
            text: "I agree with you",
            status: CommentStatus::Approved,
            at: week(2, 2),
        },
    )
    .await;
    for (status, text) in [
        (CommentStatus::Pending, "Held, not counted"),
        (CommentStatus::Spam, "Spam, not counted"),
    ] {
        comment(
            &app,
            Comment {
                post_id: bens_post.id,
                parent_id: None,
                user_id: Some(ana.id),
                name: "Ana Alves",
                email: "ana@example.edu",
                text,
                status,
                at: week(2, 3),
            },
        )
        .await;
    }
    let trashed = comment(
        &app,
        Comment {
            post_id: bens_post.id,
            parent_id: None,
            user_id: Some(ana.id),
            name: "Ana Alves",
            email: "ana@example.edu",
            text: "Trashed later",
            status: CommentStatus::Approved,
            at: week(2, 4),
        },
    )
    .await;
    app.store
        .moderate_comment(app.site.id, trashed, Moderation::Trash, now)
        .await
        .unwrap();
    // Week 3: Ben replies to Ana's comment; a visitor comments on Ana's post; someone signed out comments on
    // it under Ana's email (it may be anyone: not hers, a reply she received).
    comment(
        &app,
        Comment {
            post_id: bens_post.id,
            parent_id: Some(anas_comment),
            user_id: Some(ben.id),
            name: "=Ben Bell",
            email: "ben@example.edu",
            text: "Thanks Ana",
            status: CommentStatus::Approved,
            at: week(3, 0),
        },
    )
    .await;
    comment(
        &app,
        Comment {
            post_id: anas_post.id,
            parent_id: None,
            user_id: None,
            name: "A Visitor",
            email: "visitor@example.org",
            text: "Nice post",
            status: CommentStatus::Approved,
            at: week(3, 1),
        },
    )
    .await;
    comment(
        &app,
        Comment {
            post_id: anas_post.id,
            parent_id: None,
            user_id: None,
            name: "Ana",
            email: "ANA@example.edu",
            text: "Thank you, visitor",
            status: CommentStatus::Approved,
            at: week(3, 2),
        },
    )
    .await;

    let response = instructor.get(&app, "/admin/participation").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "private, no-store"
    );
    let page = response.text().await.unwrap();
    // Ana: 1 post, 1 comment, 3 replies received (Ben's reply, the visitor, the one under her email), words
    // 7 (the citation counts as one) + 4, 1 citation.
    assert_eq!(totals(&page, "Ana Alves"), vec!["1", "1", "3", "11", "1"]);
    // Ben: 1 post, 1 comment, 1 reply received (Ana's comment on his post), words 3 + 2.
    assert_eq!(totals(&page, "=Ben Bell"), vec!["1", "1", "1", "5", "0"]);
    let weeks = texts(&page, "table.participation thead th");
    // The member, 3 weeks, 5 totals, the grades and the chart.
    assert_eq!(weeks.len(), 1 + 3 + 5 + 1 + 1, "{weeks:?}");
    let ana_row = member_row(&page, "Ana Alves");
    assert_eq!(texts(&ana_row, "td")[..3], ["1", "1", "0"]);
    // Charts are SVG images with a text alternative, drawn on the server.
    assert!(ana_row.contains("<svg"));
    assert!(ana_row.contains("aria-label=\"Ana Alves: 1 posts and 1 comments over 3 weeks\""));
    assert_eq!(texts(&page, ".class-weeks tfoot td")[..2], ["2", "2"]);

    // The category filter: only Ben's post and the discussion on it.
    let filtered = instructor
        .get(&app, "/admin/participation?category=week-two")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        totals(&filtered, "Ana Alves"),
        vec!["0", "1", "1", "4", "0"]
    );
    // A date range: week 3 only.
    let week_three = zone.date_input(week(3, 0));
    let ranged = instructor
        .get(&app, &format!("/admin/participation?from={week_three}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(totals(&ranged, "Ana Alves"), vec!["0", "0", "3", "0", "0"]);

    // The gradebook CSV: students only, a formula kept as text, weeks then totals.
    let csv = instructor.get(&app, "/admin/participation.csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("participation-main.csv")
    );
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("Name,Email,Week 1 ("));
    assert!(lines[0].ends_with("Posts,Comments,Replies received,Words,Citations"));
    // By name, as sorted: "=" comes before letters.
    assert_eq!(lines[1], "'=Ben Bell,ben@example.edu,0,1,1,1,1,1,5,0");
    assert_eq!(lines[2], "Ana Alves,ana@example.edu,1,1,0,1,1,3,11,1");
    assert!(!csv.contains(&instructor.user.email));
}

#[tokio::test]
async fn bad_filters_are_explained_and_students_cannot_see_the_report() {
    let app = spawn_app().await;
    let instructor = app.sign_in_as(Role::Administrator).await;
    let unset = instructor
        .get(&app, "/admin/participation")
        .await
        .text()
        .await
        .unwrap();
    assert!(unset.contains("The term's first day is not set"));

    let bad = instructor
        .get(&app, "/admin/participation?from=last+tuesday&category=")
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("“last tuesday” is not a date"));
    assert_eq!(
        crate::helpers::attribute(&page, "#from", "value").as_deref(),
        Some("last tuesday")
    );
    let backwards = instructor
        .get(&app, "/admin/participation?from=2026-10-10&to=2026-10-01")
        .await;
    assert_eq!(backwards.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = instructor
        .get(&app, "/admin/participation?category=no-such-category")
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let csv = instructor
        .get(&app, "/admin/participation.csv?to=never")
        .await;
    assert_eq!(csv.status(), StatusCode::BAD_REQUEST);

    let student = app.sign_in_as(Role::Author).await;
    for path in ["/admin/participation", "/admin/participation.csv"] {
        assert_eq!(
            student.get(&app, path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let stranger = app.get("/admin/participation.csv").await;
    assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
}

/// A CSV read as Python's `csv` module reads it (the BOM taken off by `utf-8-sig`, as spreadsheet programs
/// do): its rows as JSON. `None` when Python is not installed.
fn read_with_python_csv(body: &[u8]) -> Option<Vec<Vec<String>>> {
    use std::{
        io::Write,
        process::{Command, Stdio},
    };
    let script = "import sys, csv, io, json\n\
        text = sys.stdin.buffer.read().decode('utf-8-sig')\n\
        print(json.dumps(list(csv.reader(io.StringIO(text, newline='')))))";
    let Ok(mut child) = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    else {
        crate::helpers::say("gradebook CSV read-back skipped: python3 is not installed");
        return None;
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body)
        .expect("write the CSV");
    let output = child.wait_with_output().expect("python finishes");
    assert!(output.status.success(), "python's csv module reads the CSV");
    Some(serde_json::from_slice(&output.stdout).expect("rows as JSON"))
}

/// The cell of `row` under the column headed `heading`.
fn cell<'a>(header: &[String], row: &'a [String], heading: &str) -> &'a str {
    let index = header
        .iter()
        .position(|name| name == heading)
        .unwrap_or_else(|| panic!("no column {heading:?} in {header:?}"));
    &row[index]
}

#[tokio::test]
async fn gradebook_csvs_in_canvas_and_moodle_shapes_carry_ids_weeks_and_assignment_grades() {
    let app = spawn_app().await;
    app.set("comment_flood_interval", "0").await;
    app.set("grade_scale", "points").await;
    app.set("grade_points", "10").await;
    let now = calendar::now();
    let zone = calendar::SiteZone::utc();
    app.set("term_start", &zone.date_input(now - 10 * DAY))
        .await;
    app.set("term_weeks", "2").await;
    let instructor = app.sign_in_as(Role::Administrator).await;
    let csrf = instructor.csrf(&app).await;
    let (zoe, _) = app
        .account("zoe@example.edu", "Zoë Ávila", Some(Role::Author))
        .await;
    let (ben, _) = app
        .account("ben@example.edu", "=Ben Bell", Some(Role::Author))
        .await;

    // The category is made an assignment on the categories page; Zoë's student id is set on the members page.
    let added = instructor
        .post_form(
            &app,
            "/admin/categories",
            &[
                ("csrf", csrf.as_str()),
                ("action", "add"),
                ("name", "Première réponse"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let category = app
        .store
        .categories(app.site.id)
        .await
        .unwrap()
        .into_iter()
        .find(|term| term.name == "Première réponse")
        .expect("the category");
    let marked = instructor
        .post_form(
            &app,
            "/admin/categories",
            &[
                ("csrf", csrf.as_str()),
                ("action", "assignment"),
                ("id", &category.id.to_string()),
                ("name", "Première réponse"),
                ("assignment", "on"),
            ],
        )
        .await;
    assert_eq!(marked.status(), StatusCode::SEE_OTHER);
    let categories_page = instructor
        .get(&app, "/admin/categories")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        attribute(
            &categories_page,
            &format!("#assignment-{} [name=assignment]", category.id),
            "checked"
        ),
        Some(String::new())
    );
    let set = instructor
        .post_form(
            &app,
            "/admin/members",
            &[
                ("csrf", csrf.as_str()),
                ("action", "student_id"),
                ("member", &zoe.id.to_string()),
                ("student_id", " S1234567 "),
            ],
        )
        .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);

    let post = app
        .store
        .create_post(
            &NewPost {
                site_id: app.site.id,
                author_id: zoe.id,
                kind: PostKind::Post,
                status: PostStatus::Publish,
                title: "Zoë's first response",
                source: "Four words of response.",
                format: SourceFormat::Markdown,
                excerpt: "",
                slug: None,
                parent_id: None,
                comments_open: true,
                published_at: now - 2 * DAY,
                categories: &["Première réponse".to_owned()],
                tags: &[],
                sticky: false,
                password: None,
                reading_id: None,
            },
            now,
        )
        .await
        .unwrap();
    let grade = |grade: &'static str| {
        let app = &app;
        let instructor = &instructor;
        let post = &post;
        async move {
            let text = format!("Well argued; cite pages ({grade}).");
            let mut fields = TestApp::reply_fields(post, "ignored", &text);
            fields.push(("csrf", instructor.csrf(app).await));
            fields.push(("grade", grade.to_owned()));
            instructor.post_form(app, "/comments", &fields).await
        }
    };
    // A first grade, then a second one that replaces it in the gradebook.
    assert_eq!(grade("7").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(grade("8.5").await.status(), StatusCode::SEE_OTHER);

    // The report shows the grade beside the counts.
    let report = instructor
        .get(&app, "/admin/participation")
        .await
        .text()
        .await
        .unwrap();
    let row = member_row(&report, "Zoë Ávila");
    assert_eq!(texts(&row, ".total-posts").concat(), "1");
    let grades = texts(&row, ".grades").concat();
    assert!(grades.contains("8.5"), "{grades}");
    assert!(grades.contains("Première réponse"), "{grades}");

    // Canvas: its header, its "Points Possible" row, a row per student, matched on the SIS User ID.
    let canvas = instructor
        .get(&app, "/admin/participation.csv?shape=canvas")
        .await;
    assert_eq!(canvas.status(), StatusCode::OK);
    assert!(
        canvas.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("canvas")
    );
    let canvas = canvas.bytes().await.unwrap();
    assert!(canvas.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark");
    let moodle = instructor
        .get(&app, "/admin/participation.csv?shape=moodle")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(moodle.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark");
    let Some(canvas) = read_with_python_csv(&canvas) else {
        return;
    };
    let header = &canvas[0];
    assert_eq!(
        header[..5],
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    );
    assert_eq!(header[5], "Première réponse");
    assert!(header[6].starts_with("Week 1 ("), "{header:?}");
    assert!(header[7].starts_with("Week 2 ("), "{header:?}");
    assert_eq!(header.len(), 8, "{header:?}");
    assert_eq!(canvas[1][0], "Points Possible");
    assert_eq!(canvas[1][5], "10");
    assert_eq!(canvas.len(), 4, "two students: {canvas:?}");
    let ben_row = &canvas[2];
    assert_eq!(ben_row[0], "'=Ben Bell", "formulas are kept as text");
    assert_eq!(cell(header, ben_row, "SIS User ID"), "");
    assert_eq!(cell(header, ben_row, "Première réponse"), "");
    let zoe_row = &canvas[3];
    assert_eq!(zoe_row[0], "Zoë Ávila");
    assert_eq!(cell(header, zoe_row, "SIS User ID"), "S1234567");
    assert_eq!(cell(header, zoe_row, "Première réponse"), "8.5");
    assert_eq!(zoe_row[6..], ["0", "1"], "her post in week 2");
    assert!(!canvas.iter().any(|row| row.contains(&ben.email)));

    // Moodle: the email address identifies, then a column per grade item.
    let moodle = read_with_python_csv(&moodle).expect("python ran once already");
    let header = &moodle[0];
    assert_eq!(header[0], "Email address");
    assert_eq!(header[1], "Première réponse");
    assert!(header[2].starts_with("Week 1 ("), "{header:?}");
    assert_eq!(moodle.len(), 3, "no points row: {moodle:?}");
    let zoe_row = moodle
        .iter()
        .find(|row| row[0] == "zoe@example.edu")
        .expect("Zoë's row");
    assert_eq!(cell(header, zoe_row, "Première réponse"), "8.5");
    assert_eq!(zoe_row[2..], ["0", "1"]);
}
