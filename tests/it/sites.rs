//! Several course sites on one server: `/SLUG/` sites with their own posts, members, roles and join codes.

use std::process::Command;

use colloquy::domain::user::Role;
use reqwest::StatusCode;

use crate::helpers::{
    PostSpec, TestApp, attribute, client, comment_id_of, select, spawn_app, texts,
};

fn colloquy(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args(["--database-url", &app.database_url])
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run colloquy")
}

async fn add_site(app: &TestApp, slug: &str, title: &str) -> colloquy::store::Site {
    let output = colloquy(app, &["site", "add", "--slug", slug, "--title", title]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("/{slug}/")
    );
    app.store.site_by_slug(slug).await.unwrap()
}

#[tokio::test]
async fn a_second_site_lives_under_its_slug_with_its_own_posts() {
    let app = spawn_app().await;
    app.publish_post("Main site news").await;
    let history = add_site(&app, "hist-220", "HIST 220").await;
    let post = app
        .publish_on(history.id, PostSpec::post("Cold War readings"))
        .await;

    let bare = app.get("/hist-220").await;
    assert_eq!(bare.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(bare.headers()["location"], "/hist-220/");
    let (status, home) = app.page("/hist-220/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&home, ".site-title").join("").contains("HIST 220"));
    assert_eq!(texts(&home, "h2.entry-title"), ["Cold War readings"]);
    let permalink = colloquy::domain::permalink::permalink(&post, &history.settings.zone(), &[]);
    let mounted = format!("/hist-220{permalink}");
    assert_eq!(
        attribute(&home, "h2.entry-title a", "href"),
        Some(mounted.clone()),
        "links carry the site's prefix"
    );
    assert_eq!(
        attribute(&home, "link[rel=stylesheet]", "href"),
        Some(format!(
            "/hist-220{}",
            colloquy::web::static_files::href("style.css")
        ))
    );
    assert_eq!(
        app.get(&format!(
            "/hist-220{}",
            colloquy::web::static_files::href("style.css")
        ))
        .await
        .status(),
        StatusCode::OK
    );

    let (status, page) = app.page(&mounted).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        attribute(&page, "#commentform", "action").as_deref(),
        Some("/hist-220/comments")
    );
    assert_eq!(
        app.page(&permalink).await.0,
        StatusCode::NOT_FOUND,
        "not on the main site"
    );
    assert_eq!(
        texts(&app.page("/").await.1, "h2.entry-title"),
        ["Main site news"],
        "the main site keeps its own"
    );

    let short = app.get(&format!("/hist-220/?p={}", post.id)).await;
    assert_eq!(short.headers()["location"].to_str().unwrap(), mounted);

    app.set("comment_previously_approved", "off").await;
    let response = app
        .client
        .post(app.url("/hist-220/comments"))
        .header("x-forwarded-for", "198.51.100.88")
        .form(&TestApp::reply_fields(&post, "Ada", "On the second site"))
        .send()
        .await
        .unwrap();
    let id = comment_id_of(&response);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("{mounted}#comment-{id}"));
    let stored = app
        .store
        .comment_by_id(history.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.post_id, post.id);
    assert_eq!(
        app.store
            .comment_by_id(app.site.id, id)
            .await
            .unwrap()
            .map(|comment| comment.id),
        None,
        "it belongs to its site"
    );
}

#[tokio::test]
async fn roles_and_join_codes_belong_to_one_site() {
    let app = spawn_app().await;
    let biology = add_site(&app, "bio-101", "BIO 101").await;
    let admin = app.sign_in_as(Role::Administrator).await;
    app.store
        .set_role(
            biology.id,
            admin.user.id,
            Role::Author,
            colloquy::domain::calendar::now(),
        )
        .await
        .unwrap();

    assert_eq!(
        admin.get(&app, "/admin/settings").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        admin.get(&app, "/bio-101/admin/settings").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.get(&app, "/bio-101/admin/posts").await.status(),
        StatusCode::OK
    );
    let dashboard = admin.get(&app, "/admin/").await.text().await.unwrap();
    let switcher = texts(&dashboard, ".site-switcher a");
    assert_eq!(switcher.len(), 2, "{switcher:?}");
    assert!(select(&dashboard, ".site-switcher a[href='/bio-101/admin/']").len() == 1);

    let code = app
        .store
        .join_code(biology.id, || "biocode2026xx".into())
        .await
        .unwrap();
    assert_eq!(
        app.page(&format!("/join/{code}")).await.0,
        StatusCode::NOT_FOUND,
        "another site's code does not open this one"
    );
    assert_eq!(
        app.page(&format!("/bio-101/join/{code}")).await.0,
        StatusCode::OK
    );
    let student = client();
    let joined = app
        .join_with(
            &student,
            biology.id,
            &format!("/bio-101/join/{code}"),
            ["Bea", "bea@example.edu", "a long password"],
        )
        .await;
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        joined.headers()["location"],
        "/bio-101/admin/posts?done=joined"
    );
    let bea = app
        .store
        .user_by_email("bea@example.edu")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.store.role_on(biology.id, bea.id).await.unwrap(),
        Some(Role::Author)
    );
    assert_eq!(app.store.role_on(app.site.id, bea.id).await.unwrap(), None);
    let mails = app.store.outbox(biology.id, 10).await.unwrap();
    let finishing = mails
        .iter()
        .find(|mail| mail.recipient == "bea@example.edu")
        .expect("the mail that finishes joining");
    assert!(
        finishing
            .body
            .contains(&format!("{}/bio-101/join/finish/", app.address)),
        "{}",
        finishing.body
    );
}

#[tokio::test]
async fn a_members_only_site_does_not_close_the_others() {
    let app = spawn_app().await;
    let private = add_site(&app, "seminar", "Seminar").await;
    app.store
        .save_setting(private.id, "visibility", "members")
        .await
        .unwrap();
    app.publish_on(private.id, PostSpec::post("Seminar notes"))
        .await;
    let closed = client().get(app.url("/seminar/")).send().await.unwrap();
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        closed.headers()["location"].to_str().unwrap(),
        "/seminar/login?next=%2Fseminar%2F"
    );
    assert_eq!(app.page("/").await.0, StatusCode::OK);
    assert_eq!(
        app.page("/robots.txt").await.1,
        format!(
            "User-agent: *\nDisallow: /seminar/\n\nSitemap: {}/sitemap.xml\n",
            app.address
        )
    );
    assert_eq!(
        app.page("/seminar/robots.txt").await.1,
        "User-agent: *\nDisallow: /seminar/\n",
        "robots.txt paths start at the server's root"
    );
}

#[tokio::test]
async fn site_slugs_that_would_clash_are_refused() {
    let app = spawn_app().await;
    app.publish(PostSpec::page("Syllabus")).await;
    add_site(&app, "hist-220", "HIST 220").await;
    for (slug, words) in [
        ("admin", "not a usable site slug"),
        ("2026", "not a usable site slug"),
        ("Bad Slug", "not a usable site slug"),
        ("main", "not a usable site slug"),
        ("hist-220", "already a site"),
        ("syllabus", "has a post or page"),
    ] {
        let output = colloquy(&app, &["site", "add", "--slug", slug, "--title", "T"]);
        assert!(!output.status.success(), "{slug}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(words),
            "{slug}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = colloquy(&app, &["site", "add", "--slug", "ok-slug", "--title", "  "]);
    assert!(!output.status.success(), "an empty title");
    let page = app.publish(PostSpec::page("Hist 220")).await;
    assert_eq!(page.slug, "hist-220-2", "a new page never hides a site");
}

#[tokio::test]
async fn an_existing_account_is_added_to_another_site_from_the_command_line() {
    let app = spawn_app().await;
    add_site(&app, "hist-220", "HIST 220").await;
    let first = colloquy(
        &app,
        &[
            "user",
            "add",
            "--email",
            "ta@example.edu",
            "--name",
            "Tam",
            "--role",
            "editor",
        ],
    );
    assert!(first.status.success());
    let again = colloquy(
        &app,
        &[
            "--site",
            "hist-220",
            "user",
            "add",
            "--email",
            "TA@example.edu",
            "--name",
            "Tam",
            "--role",
            "author",
        ],
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("added user"));
    let tam = app
        .store
        .user_by_email("ta@example.edu")
        .await
        .unwrap()
        .unwrap();
    let history = app.store.site_by_slug("hist-220").await.unwrap();
    assert_eq!(
        app.store.role_on(history.id, tam.id).await.unwrap(),
        Some(Role::Author)
    );
    assert_eq!(
        app.store.role_on(app.site.id, tam.id).await.unwrap(),
        Some(Role::Editor)
    );
    let twice = colloquy(
        &app,
        &[
            "--site",
            "hist-220",
            "user",
            "add",
            "--email",
            "ta@example.edu",
            "--name",
            "Tam",
            "--role",
            "author",
        ],
    );
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("already author of hist-220"));
}
