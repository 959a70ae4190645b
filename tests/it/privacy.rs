//! Site settings from the dashboard, and what a members-only or hidden site shows to whom.

use colloquy::domain::user::Role;
use reqwest::StatusCode;

use crate::helpers::{PostSpec, TestApp, attribute, client, select, spawn_app, texts};

#[tokio::test]
async fn administrators_change_settings_and_mistakes_keep_the_form() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let (status, page) = {
        let response = admin.get(&app, "/admin/settings").await;
        (response.status(), response.text().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        attribute(&page, "input#comment_flood_interval", "value").as_deref(),
        Some("15")
    );
    let csrf = admin.csrf(&app).await;

    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("title".into(), "History 101".into()),
        ("tagline".into(), "Spring".into()),
        ("timezone".into(), "Mars/Base".into()),
        ("posts_per_page".into(), "5".into()),
        ("visibility".into(), "hidden".into()),
        ("comment_previously_approved".into(), "on".into()),
        ("comment_max_links".into(), "3".into()),
        ("moderation_keys".into(), "essay mill".into()),
        ("disallowed_keys".into(), String::new()),
        ("comment_flood_interval".into(), "soon".into()),
        ("thread_comments_depth".into(), "4".into()),
        ("comments_per_page".into(), "50".into()),
        ("close_comments_days_old".into(), "0".into()),
    ];
    let refused = admin.post_form(&app, "/admin/settings", &form).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert_eq!(
        attribute(&page, "#timezone", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        attribute(&page, "#comment_flood_interval", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        attribute(&page, "#timezone option[selected]", "value").as_deref(),
        Some("Mars/Base"),
        "typed values are kept"
    );
    assert!(
        texts(&page, "#timezone-error")
            .join("")
            .starts_with("Time zone is an IANA time zone"),
        "the error names the field as its label does: {:?}",
        texts(&page, "#timezone-error")
    );
    assert_eq!(
        attribute(&page, "#title", "value").as_deref(),
        Some("History 101")
    );
    assert_eq!(
        app.store
            .site_by_id(app.site.id)
            .await
            .unwrap()
            .settings
            .title,
        "A course blog",
        "nothing saved"
    );

    for (key, value) in form.iter_mut() {
        match key.as_str() {
            "timezone" => *value = "Europe/Paris".into(),
            "comment_flood_interval" => *value = "30".into(),
            _ => {}
        }
    }
    let forged: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| (k.clone(), if k == "csrf" { "x".into() } else { v.clone() }))
        .collect();
    assert_eq!(
        admin
            .post_form(&app, "/admin/settings", &forged)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let saved = admin.post_form(&app, "/admin/settings", &form).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let settings = app.store.site_by_id(app.site.id).await.unwrap().settings;
    assert_eq!(settings.title, "History 101");
    assert_eq!(settings.timezone, "Europe/Paris");
    assert_eq!(settings.comment_flood_interval, 30);
    assert!(!settings.comment_moderation, "an unticked box is off");
    assert!(settings.comment_previously_approved);

    for role in [Role::Editor, Role::Author] {
        let member = app.sign_in_as(role).await;
        assert_eq!(
            member.get(&app, "/admin/settings").await.status(),
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
}

#[tokio::test]
async fn a_hidden_site_asks_search_engines_to_stay_away() {
    let app = spawn_app().await;
    assert_eq!(
        app.page("/robots.txt").await.1,
        format!(
            "User-agent: *\nDisallow:\n\nSitemap: {}/sitemap.xml\n",
            app.address
        )
    );
    app.set("visibility", "hidden").await;
    assert_eq!(
        app.page("/robots.txt").await.1,
        "User-agent: *\nDisallow: /\n"
    );
    let (status, home) = app.page("/").await;
    assert_eq!(status, StatusCode::OK, "still readable");
    assert_eq!(
        attribute(&home, "meta[name=robots]", "content").as_deref(),
        Some("noindex, nofollow")
    );
}

#[tokio::test]
async fn a_members_only_site_shows_nothing_to_the_signed_out() {
    let app = spawn_app().await;
    let post = app
        .publish(PostSpec {
            categories: vec!["Secret plans".into()],
            tags: vec!["hush".into()],
            ..PostSpec::post("Members only news")
        })
        .await;
    app.publish(PostSpec::page("Private syllabus")).await;
    let comment = TestApp::reply_fields(&post, "Ada", "Before the doors closed");
    let _ = app.leave_reply("198.51.100.1", &comment).await;
    app.set("visibility", "members").await;
    let permalink = app.permalink(&post);

    let pages = [
        "/".to_owned(),
        "/page/2/".to_owned(),
        permalink.clone(),
        format!("{permalink}comment-page-1/"),
        format!("{permalink}?replytocom=1"),
        "/private-syllabus/".to_owned(),
        "/category/secret-plans/".to_owned(),
        "/tag/hush/".to_owned(),
        "/author/wren-writer/".to_owned(),
        "/2026/".to_owned(),
        format!("/?p={}", post.id),
        "/no-such-page/".to_owned(),
        format!("/avatar/{}.svg", "a".repeat(32)),
        "/admin/".to_owned(),
        "/admin/comments".to_owned(),
        "/admin/settings".to_owned(),
        "/admin/outbox".to_owned(),
        "/admin/posts".to_owned(),
        "/admin/posts/new".to_owned(),
        format!("/admin/posts/{}", post.id),
        format!("/admin/posts/{}/revisions", post.id),
        "/admin/members".to_owned(),
        "/admin/categories".to_owned(),
        "/admin/comments/1".to_owned(),
        "/account".to_owned(),
        "/account/confirm/some-token".to_owned(),
    ];
    let stranger = client();
    for path in &pages {
        let response = stranger.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/login?next="), "{path} -> {location}");
        assert!(
            !response.text().await.unwrap().contains("Members only news"),
            "{path}"
        );
    }
    for path in [
        "/feed/",
        "/feed/atom/",
        "/comments/feed/",
        format!("{permalink}feed/").as_str(),
        "/category/secret-plans/feed/",
        "/api/v1/posts",
    ] {
        let response = stranger.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let posted = app
        .leave_reply_from(
            &stranger,
            "198.51.100.2",
            &TestApp::reply_fields(&post, "Eve", "Let me in"),
        )
        .await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    assert!(
        posted.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    assert_eq!(
        app.stored_comment_count(&post).await,
        1,
        "nothing stored from outside"
    );
    for path in ["/post-password", "/admin/comments", "/admin/posts/new"] {
        let response = stranger
            .post(app.url(path))
            .form(&[("post_id", post.id.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "POST {path}");
        assert!(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login"),
            "POST {path}"
        );
    }

    for open in [
        "/login",
        "/login/forgot",
        "/robots.txt",
        "/healthz",
        &colloquy::web::static_files::href("style.css"),
    ] {
        let response = stranger.get(app.url(open)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{open}");
        let body = response.text().await.unwrap();
        for secret in ["Members only news", "Private syllabus", "Secret plans"] {
            assert!(!body.contains(secret), "{open} shows {secret}");
        }
    }
    assert_eq!(
        app.page("/robots.txt").await.1,
        "User-agent: *\nDisallow: /\n"
    );

    let outsider = app.account("outsider@example.org", "Outsider", None).await;
    let outsider_client = client();
    app.sign_in_with(
        &outsider_client,
        "outsider@example.org",
        &outsider.1,
        "198.51.100.3",
    )
    .await;
    assert_eq!(
        outsider_client
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN,
        "an account of no role here"
    );

    let member = app.sign_in_as(Role::Subscriber).await;
    let home = member.get(&app, "/").await;
    assert_eq!(home.status(), StatusCode::OK);
    assert_eq!(home.headers()["cache-control"], "private, no-store");
    let home = home.text().await.unwrap();
    assert_eq!(texts(&home, "h2.entry-title"), ["Members only news"]);
    assert_eq!(
        select(&home, ".site-nav a[href='/private-syllabus/']").len(),
        1
    );
    let (status, _) = {
        let response = member.get(&app, &permalink).await;
        (response.status(), ())
    };
    assert_eq!(status, StatusCode::OK);
}

/// Every answer a stranger can get, body and headers, as one text per request.
async fn public_answers(app: &TestApp, paths: &[String]) -> Vec<(String, String)> {
    let stranger = client();
    let mut answers = Vec::new();
    for path in paths {
        for (method, accept) in [
            ("GET", "text/html"),
            ("GET", "application/json"),
            ("HEAD", "*/*"),
        ] {
            let response = stranger
                .request(method.parse().unwrap(), app.url(path))
                .header("accept", accept)
                .send()
                .await
                .unwrap();
            let mut text = format!("{} {}\n", response.status(), path);
            for (name, value) in response.headers() {
                text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("")));
            }
            text.push_str(&response.text().await.unwrap_or_default());
            answers.push((format!("{method} {path} ({accept})"), text));
        }
    }
    answers
}

#[tokio::test]
async fn no_public_answer_shows_an_email_an_address_a_hash_a_session_or_the_join_code() {
    let app = spawn_app().await;
    app.set("comment_previously_approved", "off").await;
    app.set("comment_flood_interval", "0").await;
    let (instructor, instructor_password) = app
        .account(
            "ada.instructor@faculty.example",
            "Ada Instructor",
            Some(Role::Administrator),
        )
        .await;
    let (student, student_password) = app
        .account(
            "sam.student@students.example",
            "Sam Student",
            Some(Role::Author),
        )
        .await;
    let join_code = app
        .store
        .join_code(app.site.id, || "secret-join-7c1e".into())
        .await
        .unwrap();
    let post = app
        .publish(PostSpec {
            categories: vec!["Week 1".into()],
            tags: vec!["telegram".into()],
            ..PostSpec::post("The Long Telegram")
        })
        .await;
    let page = app
        .publish(PostSpec {
            kind: colloquy::domain::post::PostKind::Page,
            ..PostSpec::post("Syllabus")
        })
        .await;

    let mut emails = vec![
        instructor.email.clone(),
        student.email.clone(),
        "writer@example.edu".to_owned(),
    ];
    let mut addresses = Vec::new();
    let mut comment_ids: Vec<i64> = Vec::new();
    for n in 1..=6 {
        let email = format!("commenter{n}@private-mail.example");
        let address = format!("203.0.113.{}", 40 + n);
        let mut fields = TestApp::reply_fields(
            &post,
            &format!("Commenter {n}"),
            &format!("Thought number {n} on the telegram."),
        );
        for (name, value) in &mut fields {
            match *name {
                "email" => *value = email.clone(),
                "url" if n % 2 == 0 => *value = format!("https://site{n}.example/"),
                "parent" if n > 1 => *value = comment_ids[0].to_string(),
                _ => {}
            }
        }
        let response = app.leave_reply(&address, &fields).await;
        comment_ids.push(crate::helpers::comment_id_of(&response));
        emails.push(email);
        addresses.push(address);
    }
    app.set("comment_moderation", "on").await;
    let mut held = TestApp::reply_fields(&post, "Held Person", "Please hold me.");
    for (name, value) in &mut held {
        if *name == "email" {
            *value = "held.person@private-mail.example".into();
        }
    }
    let held_id = crate::helpers::comment_id_of(&app.leave_reply("203.0.113.99", &held).await);
    emails.push("held.person@private-mail.example".into());
    addresses.push("203.0.113.99".into());

    let staff = client();
    let signed_in = app
        .sign_in_with(
            &staff,
            &instructor.email,
            &instructor_password,
            "203.0.113.200",
        )
        .await;
    let session = session_cookie(&signed_in);
    let student_session = client();
    app.sign_in_with(
        &student_session,
        &student.email,
        &student_password,
        "203.0.113.201",
    )
    .await;
    addresses.extend(["203.0.113.200".to_owned(), "203.0.113.201".to_owned()]);
    let hashes: Vec<String> = password_hashes(&app, &[instructor.id, student.id]).await;

    let permalink = app.permalink(&post);
    let page_link = colloquy::domain::permalink::permalink(&page, &app.site.settings.zone(), &[]);
    let year = &permalink[1..5];
    let month = &permalink[1..8];
    let day = &permalink[1..11];
    let mut paths: Vec<String> = [
        "/",
        "/page/2/",
        "/feed/",
        "/feed/atom/",
        "/comments/feed/",
        "/comments/feed/atom/",
        "/category/week-1/",
        "/category/week-1/feed/",
        "/tag/telegram/",
        "/tag/telegram/feed/",
        "/author/wren-writer/",
        "/author/ada-instructor/",
        "/author/sam-student/",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz",
        "/search/?q=telegram",
        "/search/?q=commenter1%40private-mail.example",
        "/search/?q=203.0.113.41",
        "/?s=Thought",
        "/login",
        "/login/forgot",
        "/join/wrong-code",
        "/admin/",
        "/admin/comments",
        "/admin/members",
        "/account",
        "/no-such-page/",
        "/2099/01/01/nothing/",
        "/comments",
        "/wp-login.php",
        "/xmlrpc.php",
        "/wp-json/wp/v2/users",
        "/wp-json/wp/v2/comments",
        "/?author=1",
    ]
    .iter()
    .map(|path| (*path).to_owned())
    .collect();
    paths.extend([
        permalink.clone(),
        format!("{permalink}feed/"),
        format!("{permalink}?replytocom={}", comment_ids[0]),
        format!("{permalink}?replytocom={held_id}"),
        format!("{permalink}#comment-{held_id}"),
        format!("/{year}/"),
        format!("/{month}/"),
        format!("/{day}/"),
        format!("/?p={}", post.id),
        page_link,
    ]);
    let mut answers = public_answers(&app, &paths).await;

    let stranger = client();
    let wrong_password = format!("a wrong password for {}", instructor.email);
    let reset = format!("a reset for {}", student.email);
    let link = format!("a sign-in link for {}", student.email);
    for (what, request) in [
        (
            "POST / (405)",
            stranger.post(app.url("/")).form(&[("a", "b")]),
        ),
        (
            "a comment with mistakes (its own fields come back, no one else's)",
            stranger
                .post(app.url("/comments"))
                .header("x-forwarded-for", "198.51.100.5")
                .form(&[("post_id", post.id.to_string()), ("comment", String::new())]),
        ),
        (
            "a comment too large",
            stranger
                .post(app.url("/comments"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(vec![b'a'; 2 * 1024 * 1024]),
        ),
        (
            wrong_password.as_str(),
            stranger
                .post(app.url("/login"))
                .form(&[("email", instructor.email.as_str()), ("password", "wrong")]),
        ),
        (
            reset.as_str(),
            stranger
                .post(app.url("/login/forgot"))
                .form(&[("email", student.email.as_str())]),
        ),
        (
            link.as_str(),
            stranger
                .post(app.url("/login/link"))
                .form(&[("email", student.email.as_str())]),
        ),
    ] {
        let response = request.send().await.unwrap();
        let mut text = format!("{}\n", response.status());
        for (name, value) in response.headers() {
            text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("")));
        }
        text.push_str(&response.text().await.unwrap_or_default());
        answers.push((what.to_owned(), text));
    }
    assert!(answers.len() > 140, "{} answers", answers.len());

    let mut leaks = Vec::new();
    for (what, text) in &answers {
        let lowered = text.to_lowercase();
        let what = &what.replace("%40", "@");
        for email in &emails {
            // A form sent back keeps what its sender typed, their own email included.
            if lowered.contains(&email.to_lowercase()) && !what.contains(email.as_str()) {
                leaks.push(format!("{what} shows {email}"));
            }
        }
        for address in &addresses {
            if text.contains(address.as_str()) && !what.contains(address.as_str()) {
                leaks.push(format!("{what} shows {address}"));
            }
        }
        for hash in &hashes {
            if text.contains(hash.as_str()) || text.contains("$argon2") {
                leaks.push(format!("{what} shows a password hash"));
            }
        }
        if text.contains(&session) {
            leaks.push(format!("{what} shows the instructor's session"));
        }
        if text.contains(&join_code) {
            leaks.push(format!("{what} shows the join code"));
        }
        if text.contains("Please hold me.") {
            leaks.push(format!("{what} shows a held comment"));
        }
    }
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

async fn password_hashes(app: &TestApp, users: &[i64]) -> Vec<String> {
    let mut hashes = Vec::new();
    for user in users {
        hashes.push(app.store.password_hash(*user).await.unwrap().unwrap());
    }
    hashes
}

/// The real binary at its most talkative (`RUST_LOG=debug`): signing in, failing to, asking for links, joining
/// and commenting leave no password, email or session in its log.
#[tokio::test]
async fn the_log_never_holds_a_password_an_email_or_a_session() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let folder = tempfile::tempdir().unwrap();
    let log_path = folder.path().join("colloquy.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args([
            "--database-url",
            &format!("sqlite://{}", folder.path().join("colloquy.db").display()),
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--trusted-proxies",
            "127.0.0.1",
        ])
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start colloquy");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let mut password = None;
    let mut address = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("with the password ").nth(1) {
            password = rest.split_whitespace().next().map(str::to_owned);
        }
        if let Some(rest) = line.strip_prefix("colloquy listening on ") {
            address = Some(rest.trim_end_matches('/').to_owned());
            break;
        }
    }
    let (password, address) = (
        password.expect("the demo password"),
        address.expect("the address"),
    );
    let url = |path: &str| format!("{address}{path}");
    let instructor = client();
    let wrong = "Wrong-Password-Zz9";
    let secrets_typed = [("email", "instructor@example.edu"), ("password", wrong)];
    let refused = instructor
        .post(url("/login"))
        .form(&secrets_typed)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let signed_in = instructor
        .post(url("/login"))
        .form(&[
            ("email", "instructor@example.edu"),
            ("password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let session = session_cookie(&signed_in);
    let members = instructor
        .get(url("/admin/members"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let join = members
        .split("/join/")
        .nth(1)
        .and_then(|rest| {
            rest.split(|c: char| c == '"' || c == '<' || c.is_whitespace())
                .next()
        })
        .expect("the join link")
        .to_owned();
    client()
        .post(url("/login/forgot"))
        .form(&[("email", "instructor@example.edu")])
        .send()
        .await
        .unwrap();
    let student = client();
    let asked = student
        .post(url(&format!("/join/{join}")))
        .form(&[
            ("name", "Logged Student"),
            ("email", "logged.student@private-mail.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    let outbox = instructor
        .get(url("/admin/outbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let finish_token = outbox
        .split("/join/finish/")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| c == '<' || c.is_whitespace()).next())
        .expect("the link that finishes joining")
        .to_owned();
    let joined = student
        .post(url(&format!("/join/finish/{finish_token}")))
        .form(&[
            ("password", "Student-Password-Qq7"),
            ("confirm", "Student-Password-Qq7"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    let home = client()
        .get(url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let permalink = attribute(&home, "h2.entry-title a", "href").expect("a post");
    let post_page = client()
        .get(url(&permalink))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let post_id = attribute(&post_page, "#comment_post_ID", "value").expect("the comment form");
    let commented = client()
        .post(url("/comments"))
        .header("x-forwarded-for", "203.0.113.77")
        .form(&[
            ("comment", "A comment whose author should stay private."),
            ("author", "Logged Commenter"),
            ("email", "logged.commenter@private-mail.example"),
            ("post_id", post_id.as_str()),
            ("parent", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(commented.status(), StatusCode::SEE_OTHER);

    let _ = server.kill();
    let _ = server.wait();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("DEBUG") || log.contains("INFO"),
        "the log was written:\n{log:.500}"
    );
    assert!(log.lines().count() > 10, "the log has something to say");
    for secret in [
        password.as_str(),
        wrong,
        "Student-Password-Qq7",
        "instructor@example.edu",
        "logged.student@private-mail.example",
        "logged.commenter@private-mail.example",
        session.as_str(),
        finish_token.as_str(),
        "$argon2",
    ] {
        assert!(!log.contains(secret), "the log holds {secret}");
    }
}

/// The session cookie a sign-in answer sets.
fn session_cookie(signed_in: &reqwest::Response) -> String {
    signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookie| cookie.strip_prefix("colloquy_session="))
        .map(|cookie| cookie.split(';').next().unwrap().to_owned())
        .expect("a session cookie")
}
