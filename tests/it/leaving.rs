//! A student's own writing is theirs (#18 point 6): the zip of everything they wrote on a site, read back with
//! the `zip` crate and with Python's `zipfile`; leaving a site, their writing kept as by "former student" or put
//! in the trash as the site's setting says, its administrators told by mail.

use std::{collections::BTreeMap, io::Read, process::Command};

use colloquy::{
    domain::{
        calendar,
        comment::CommentStatus,
        post::{Post, PostKind, PostStatus, SourceFormat},
        user::Role,
    },
    store::{CommentFilter, NewPost, Site},
};
use reqwest::{StatusCode, header};

use crate::{
    helpers::{Member, TestApp, attribute, client, select, spawn_app, spawn_app_with, texts},
    mail::smtp_server,
};

/// A post by `author` on `site`.
async fn post_by(
    app: &TestApp,
    site_id: i64,
    author: &Member,
    title: &str,
    status: PostStatus,
    body: &str,
) -> Post {
    app.store
        .create_post(
            &NewPost {
                site_id,
                author_id: author.user.id,
                kind: PostKind::Post,
                status,
                title,
                source: body,
                format: SourceFormat::Markdown,
                excerpt: "",
                slug: None,
                parent_id: None,
                comments_open: true,
                published_at: calendar::now() - 600,
                categories: &["Week 1".to_owned()],
                tags: &["maps".to_owned()],
                sticky: false,
                password: None,
                reading_id: None,
            },
            calendar::now(),
        )
        .await
        .expect("a post")
}

/// Comments on `post` as `member` through the comment form of the site at `root`; `extra` adds or replaces
/// fields (a grade).
async fn comment(
    app: &TestApp,
    root: &str,
    member: &Member,
    post: &Post,
    text: &str,
    extra: &[(&'static str, &str)],
) {
    let mut fields = TestApp::reply_fields(post, "ignored", text);
    fields.push(("csrf", member.csrf(app).await));
    for (name, value) in extra {
        fields.retain(|(field, _)| field != name);
        fields.push((name, (*value).to_owned()));
    }
    let sent = member
        .post_form(app, &format!("{root}/comments"), &fields)
        .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER, "the comment is taken");
}

/// The files of a zip, by name, read with the `zip` crate.
fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = BTreeMap::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        files.insert(file.name().unwrap().into_owned(), text);
    }
    files
}

/// The names of a zip's files as Python's `zipfile` reads them, after its `testzip()` found every file whole;
/// and the text of `read` as it reads it.
fn python_reads(bytes: &[u8], read: &str) -> (Vec<String>, String) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("writing.zip");
    std::fs::write(&path, bytes).unwrap();
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             assert z.testzip() is None, z.testzip()\n\
             print('\\n'.join(z.namelist()))\n\
             print('=====')\n\
             print(z.read(sys.argv[2]).decode('utf-8'))",
        ])
        .arg(&path)
        .arg(read)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).unwrap();
    let (names, text) = printed.split_once("=====\n").unwrap();
    (names.lines().map(str::to_owned).collect(), text.to_owned())
}

async fn download(
    app: &TestApp,
    member: &Member,
    path: &str,
) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let response = member.get(app, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let headers = response.headers().clone();
    (headers, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_student_downloads_everything_they_wrote_and_nothing_of_anyone_else() {
    let app = spawn_app().await;
    let staff = app.sign_in_as(Role::Administrator).await;
    let student = app.sign_in_as(Role::Author).await;
    let other = app.sign_in_as(Role::Author).await;
    post_by(
        &app,
        app.site.id,
        &student,
        "Draft thoughts",
        PostStatus::Draft,
        "Not ready: ![a map](/media/map-1946.png \"Europe\")",
    )
    .await;
    let essay = post_by(
        &app,
        app.site.id,
        &student,
        "My essay",
        PostStatus::Publish,
        "The **Marshall Plan** essay.",
    )
    .await;
    let others = post_by(
        &app,
        app.site.id,
        &other,
        "Someone else's essay",
        PostStatus::Publish,
        "Words of another student.",
    )
    .await;
    comment(
        &app,
        "",
        &student,
        &others,
        "I agree with your reading.",
        &[],
    )
    .await;
    comment(
        &app,
        "",
        &other,
        &essay,
        "A comment by another student.",
        &[],
    )
    .await;
    comment(
        &app,
        "",
        &staff,
        &essay,
        "Well argued; cite page 5.",
        &[("grade", "B+")],
    )
    .await;

    let account = student.get(&app, "/account").await.text().await.unwrap();
    assert_eq!(
        attribute(&account, "a.download-writing", "href").as_deref(),
        Some("/account/writing.zip")
    );
    let (headers, bytes) = download(&app, &student, "/account/writing.zip").await;
    assert_eq!(headers[header::CONTENT_TYPE], "application/zip");
    assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");
    let name_stem = student.user.name.replace(' ', "-");
    assert_eq!(
        headers[header::CONTENT_DISPOSITION].to_str().unwrap(),
        format!("attachment; filename=\"main-{name_stem}-writing.zip\"")
    );

    let files = unzip(&bytes);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    let draft_name = names
        .iter()
        .find(|name| name.starts_with("posts/") && name.ends_with("-draft-thoughts.md"))
        .copied()
        .unwrap_or_else(|| panic!("the draft is in {names:?}"))
        .to_owned();
    let essay_name = names
        .iter()
        .find(|name| name.starts_with("posts/") && name.ends_with("-my-essay.md"))
        .copied()
        .unwrap_or_else(|| panic!("the essay is in {names:?}"))
        .to_owned();
    assert_eq!(
        names.len(),
        5,
        "two posts, README, comments, feedback: {names:?}"
    );
    let draft = &files[&draft_name];
    assert!(
        draft.starts_with("---\ntitle: \"Draft thoughts\"\n"),
        "{draft}"
    );
    assert!(draft.contains("\nstatus: draft\n"), "{draft}");
    assert!(
        draft.contains("\ncategories: [\"Week 1\"]\ntags: [\"maps\"]\n"),
        "{draft}"
    );
    assert!(
        draft.ends_with("Not ready: ![a map](/media/map-1946.png \"Europe\")\n"),
        "the Markdown as stored, image address as written: {draft}"
    );
    let essay_file = &files[&essay_name];
    assert!(essay_file.contains("\nstatus: publish\n"), "{essay_file}");
    assert!(
        essay_file.contains(&format!(
            "address: \"{}{}\"",
            app.address,
            app.permalink(&essay)
        )),
        "{essay_file}"
    );
    assert!(essay_file.contains("The **Marshall Plan** essay."));
    let comments = &files["comments.md"];
    assert!(
        comments.contains("I agree with your reading."),
        "{comments}"
    );
    assert!(comments.contains("Someone else's essay"), "{comments}");
    assert!(comments.contains(&app.permalink(&others)), "{comments}");
    let feedback = &files["feedback.md"];
    assert!(feedback.contains("Well argued; cite page 5."), "{feedback}");
    assert!(feedback.contains("- Grade: B+"), "{feedback}");
    assert!(feedback.contains("My essay"), "{feedback}");
    assert!(
        files["README.txt"].contains(&essay_name),
        "{}",
        files["README.txt"]
    );
    for (name, text) in &files {
        assert!(!text.contains("Words of another student."), "{name}");
        assert!(!text.contains("A comment by another student."), "{name}");
    }

    let (python_names, python_draft) = python_reads(&bytes, &draft_name);
    let mut sorted = python_names.clone();
    sorted.sort();
    assert_eq!(sorted, names);
    assert_eq!(python_draft.trim_end(), draft.trim_end());

    let signed_out = client()
        .get(app.url("/account/writing.zip"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    assert!(
        signed_out.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login?next="),
        "sent to sign in"
    );
    let (_, others_bytes) = download(&app, &other, "/account/writing.zip").await;
    let others_files = unzip(&others_bytes);
    assert!(
        others_files
            .values()
            .all(|text| !text.contains("Marshall Plan"))
    );
}

const SLUG: &str = "hist-220";

async fn second_site(app: &TestApp) -> Site {
    app.store
        .create_site(SLUG, "HIST 220", calendar::now())
        .await
        .expect("the second site")
}

#[tokio::test]
async fn on_a_second_site_the_zip_holds_only_that_sites_writing() {
    let app = spawn_app().await;
    let site = second_site(&app).await;
    let student = app.sign_in_as(Role::Author).await;
    app.store
        .set_role(site.id, student.user.id, Role::Author, calendar::now())
        .await
        .unwrap();
    post_by(
        &app,
        app.site.id,
        &student,
        "On the main site",
        PostStatus::Publish,
        "Main.",
    )
    .await;
    let there = post_by(
        &app,
        site.id,
        &student,
        "In history",
        PostStatus::Publish,
        "History.",
    )
    .await;
    comment(
        &app,
        "/hist-220",
        &student,
        &there,
        "A note to myself in history.",
        &[],
    )
    .await;

    let account = student.get(&app, "/account").await.text().await.unwrap();
    assert_eq!(
        attribute(&account, ".other-courses a", "href").as_deref(),
        Some("/hist-220/account")
    );
    let (headers, bytes) = download(&app, &student, "/hist-220/account/writing.zip").await;
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("filename=\"hist-220-"),
    );
    let files = unzip(&bytes);
    let posts: Vec<&String> = files
        .keys()
        .filter(|name| name.starts_with("posts/"))
        .collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(posts[0].ends_with("-in-history.md"));
    assert!(
        files[posts[0]].contains("/hist-220/"),
        "{}",
        files[posts[0]]
    );
    assert!(files["comments.md"].contains("A note to myself in history."));
    let (_, main_bytes) = download(&app, &student, "/account/writing.zip").await;
    let main_files = unzip(&main_bytes);
    assert!(main_files.values().all(|text| !text.contains("History.")));
    assert!(
        main_files
            .values()
            .all(|text| !text.contains("A note to myself"))
    );

    let stranger = app.sign_in_as(Role::Author).await;
    let refused = stranger.get(&app, "/hist-220/account/writing.zip").await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "no member of that site"
    );
}

/// A student with a published post and a comment on a post of the staff.
struct Leaver {
    student: Member,
    post: Post,
    staffs_post: Post,
}

async fn a_student_with_writing(app: &TestApp, staff: &Member) -> Leaver {
    let student = app.sign_in_as(Role::Author).await;
    let post = post_by(
        app,
        app.site.id,
        &student,
        "Leaving essay",
        PostStatus::Publish,
        "My words.",
    )
    .await;
    let staffs_post = post_by(
        app,
        app.site.id,
        staff,
        "Week one prompt",
        PostStatus::Publish,
        "Discuss.",
    )
    .await;
    comment(
        app,
        "",
        &student,
        &staffs_post,
        "My answer to the prompt.",
        &[],
    )
    .await;
    Leaver {
        student,
        post,
        staffs_post,
    }
}

/// The mail that told `staff` who left.
async fn mail_about_leaving(app: &TestApp, staff: &Member) -> colloquy::store::OutboxMail {
    app.outbox()
        .await
        .into_iter()
        .find(|mail| mail.recipient == staff.user.email && mail.subject.contains(" left "))
        .expect("the administrator is mailed")
}

async fn leave(app: &TestApp, member: &Member) -> reqwest::Response {
    let csrf = member.csrf(app).await;
    member
        .post_form(app, "/account/leave", &[("csrf", csrf)])
        .await
}

#[tokio::test]
async fn a_student_who_leaves_is_shown_as_former_student_and_the_staff_are_mailed() {
    let smtp = smtp_server().await;
    let smtp_url = smtp
        .as_ref()
        .map(|server| format!("smtp://127.0.0.1:{}", server.port));
    let app = spawn_app_with(|serve| serve.smtp_url = smtp_url).await;
    let staff = app.sign_in_as(Role::Administrator).await;
    let Leaver {
        student,
        post,
        staffs_post,
    } = a_student_with_writing(&app, &staff).await;

    let page = student
        .get(&app, "/account/leave")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("former student"), "{page}");
    assert_eq!(
        select(&page, "form[action=\"/account/leave\"] button").len(),
        1
    );
    let forged = student
        .post_form(&app, "/account/leave", &[("csrf", "forged")])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.store
            .role_on(app.site.id, student.user.id)
            .await
            .unwrap(),
        Some(Role::Author),
        "a forged form changes nothing"
    );

    let left = leave(&app, &student).await;
    assert_eq!(left.status(), StatusCode::OK);
    assert!(left.text().await.unwrap().contains("You left"));
    assert_eq!(
        app.store
            .role_on(app.site.id, student.user.id)
            .await
            .unwrap(),
        None
    );

    let name = &student.user.name;
    let email = &student.user.email;
    for (path, what) in [
        (app.permalink(&post), "their post"),
        (app.permalink(&staffs_post), "the post they commented on"),
        ("/".to_owned(), "the home page"),
    ] {
        let html = client()
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("former student"), "{what}: {html}");
        assert!(!html.contains(name.as_str()), "{what} names them");
        assert!(!html.contains(email.as_str()), "{what} shows their email");
    }
    let html = client()
        .get(app.url(&app.permalink(&post)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(texts(&html, ".entry-meta .author"), ["former student"]);
    assert!(select(&html, "a.author").is_empty(), "no author page");
    assert!(html.contains("My words."), "the post stays");
    let staffs_html = client()
        .get(app.url(&app.permalink(&staffs_post)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        staffs_html.contains("My answer to the prompt."),
        "the comment stays"
    );

    let writing = student.get(&app, "/admin/posts/new").await;
    assert_eq!(
        writing.status(),
        StatusCode::FORBIDDEN,
        "they no longer write here"
    );
    let again = student.get(&app, "/account/writing.zip").await;
    assert_eq!(again.status(), StatusCode::FORBIDDEN);

    let mail = mail_about_leaving(&app, &staff).await;
    assert!(mail.subject.contains(name.as_str()), "{}", mail.subject);
    assert!(
        mail.body.contains("1 post and 1 comment stay"),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("former student"), "{}", mail.body);
    if let Some(smtp) = smtp {
        // The staff's two mails: the new comment on their post, then who left.
        let received = smtp.wait_for(2).await;
        assert!(
            received.iter().any(|raw| {
                raw.contains(&format!("To: {}", staff.user.email))
                    && raw.contains(&format!("Subject: {name} left"))
            }),
            "{received:?}"
        );
    }
}

#[tokio::test]
async fn with_the_trash_setting_a_leavers_writing_goes_to_the_trash_where_staff_can_restore_it() {
    let app = spawn_app().await;
    let staff = app.sign_in_as(Role::Administrator).await;
    let settings = staff
        .get(&app, "/admin/settings")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        texts(&settings, ".setting-leavers_writing legend"),
        ["When a member leaves the course, their posts and comments"]
    );
    assert_eq!(
        select(
            &settings,
            "input[name=leavers_writing][value=keep][checked]"
        )
        .len(),
        1,
        "kept by default"
    );
    app.set("leavers_writing", "trash").await;
    let Leaver {
        student,
        post,
        staffs_post,
    } = a_student_with_writing(&app, &staff).await;
    let page = student
        .get(&app, "/account/leave")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("go to the trash"), "{page}");

    assert_eq!(leave(&app, &student).await.status(), StatusCode::OK);
    let trashed = app
        .store
        .post_by_id(app.site.id, post.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(trashed.status, PostStatus::Trash);
    let gone = client()
        .get(app.url(&app.permalink(&post)))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let home = client()
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!home.contains("Leaving essay"));
    let staffs_html = client()
        .get(app.url(&app.permalink(&staffs_post)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!staffs_html.contains("My answer to the prompt."));
    let comments = app
        .store
        .list_comments(
            app.site.id,
            CommentFilter {
                status: Some(CommentStatus::Trash),
                post_id: Some(staffs_post.id),
            },
        )
        .await
        .unwrap();
    assert_eq!(comments.len(), 1, "the comment is in the trash");
    let mail = mail_about_leaving(&app, &staff).await;
    assert!(mail.body.contains("went to the trash"), "{}", mail.body);

    app.set("visibility", "members").await;
    assert_eq!(
        student.get(&app, "/").await.status(),
        StatusCode::FORBIDDEN,
        "a members-only course is closed to them now"
    );
    assert_eq!(staff.get(&app, "/").await.status(), StatusCode::OK);

    let restored = app
        .store
        .set_trashed(app.site.id, post.id, false, calendar::now())
        .await
        .unwrap();
    assert_eq!(
        restored.status,
        PostStatus::Publish,
        "staff restore it as it was"
    );
}

#[tokio::test]
async fn the_last_administrator_may_not_leave_and_nothing_changes() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let page = admin
        .get(&app, "/account/leave")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("only administrator"), "{page}");
    assert!(
        select(&page, "form[action=\"/account/leave\"]").is_empty(),
        "no button"
    );

    let refused = leave(&app, &admin).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let text = refused.text().await.unwrap();
    assert!(text.contains("only administrator"), "{text}");
    assert_eq!(
        app.store.role_on(app.site.id, admin.user.id).await.unwrap(),
        Some(Role::Administrator)
    );
    assert!(
        app.outbox().await.is_empty(),
        "no one is told of what did not happen"
    );

    let second = app.sign_in_as(Role::Administrator).await;
    assert_eq!(
        leave(&app, &admin).await.status(),
        StatusCode::OK,
        "with another, they may"
    );
    assert_eq!(
        app.store.role_on(app.site.id, admin.user.id).await.unwrap(),
        None
    );
    let refused = leave(&app, &second).await;
    assert_eq!(
        refused.status(),
        StatusCode::CONFLICT,
        "now the other is the last"
    );
}

#[tokio::test]
async fn a_crowd_asking_for_zips_at_once_is_packed_a_few_at_a_time_and_the_rest_asked_to_come_back()
{
    let app = spawn_app().await;
    let student = app.sign_in_as(Role::Author).await;
    // Writing that takes a moment to pack: drafts of 1 MB of text that does not compress away.
    for number in 0..8 {
        let post = post_by(
            &app,
            app.site.id,
            &student,
            &format!("Long draft {number}"),
            PostStatus::Draft,
            "short",
        )
        .await;
        let grow = if app.database_url.starts_with("postgres") {
            format!(
                "UPDATE posts SET source = (SELECT string_agg(md5(random()::text), ' ') \
                 FROM generate_series(1, 30000)) WHERE id = {}",
                post.id
            )
        } else {
            format!(
                "UPDATE posts SET source = hex(randomblob(500000)) WHERE id = {}",
                post.id
            )
        };
        assert_eq!(crate::subsites::execute_sql(&app, &grow).await, 1);
    }
    let mut crowd = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let member = student.client.clone();
        let url = app.url("/account/writing.zip");
        crowd.spawn(async move {
            let answer = member.get(url).send().await.expect("GET the zip");
            let status = answer.status();
            let retry = answer.headers().get(header::RETRY_AFTER).cloned();
            let bytes = answer.bytes().await.expect("a body").len();
            (status, retry, bytes)
        });
    }
    let answers = crowd.join_all().await;
    let packed = answers
        .iter()
        .filter(|(status, _, bytes)| *status == StatusCode::OK && *bytes > 1_000_000)
        .count();
    let refused: Vec<_> = answers
        .iter()
        .filter(|(status, ..)| *status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert_eq!(
        packed + refused.len(),
        answers.len(),
        "each is packed or asked to come back: {answers:?}"
    );
    assert!(packed >= 1, "the turns let some through: {answers:?}");
    assert!(
        !refused.is_empty(),
        "twelve at once are more than the turns (one a core): {answers:?}"
    );
    assert!(refused.iter().all(|(_, retry, _)| retry.is_some()));
    let later = student.get(&app, "/account/writing.zip").await;
    assert_eq!(later.status(), StatusCode::OK, "the turns come back");
}
