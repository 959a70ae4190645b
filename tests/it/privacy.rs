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
        attribute(&page, "#timezone", "value").as_deref(),
        Some("Mars/Base"),
        "typed values are kept"
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
