//! Pseudonyms: a member publishes under a name of their choosing; their real name and email reach no public
//! response, only the staff's pages.

use colloquy::domain::user::Role;
use reqwest::StatusCode;

use crate::helpers::{Member, TestApp, attribute, client, spawn_app, texts};

const REAL_NAME: &str = "Ana Realname";
const EMAIL: &str = "ana.realname@example.edu";

async fn sign_in(app: &TestApp, email: &str, name: &str, role: Role) -> Member {
    let (user, password) = app.account(email, name, Some(role)).await;
    let client = client();
    let response = app
        .sign_in_with(&client, email, &password, "203.0.113.40")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    Member { user, client }
}

async fn set_pseudonym(app: &TestApp, member: &Member, pseudonym: &str) -> reqwest::Response {
    let csrf = member.csrf(app).await;
    member
        .post_form(
            app,
            "/account",
            &[
                ("csrf", csrf.as_str()),
                ("name", member.user.name.as_str()),
                ("email", member.user.email.as_str()),
                ("pseudonym", pseudonym),
            ],
        )
        .await
}

#[tokio::test]
async fn a_pseudonymous_students_real_name_is_absent_from_every_public_response() {
    let app = spawn_app().await;
    app.set("comment_flood_interval", "0").await;
    let ana = sign_in(&app, EMAIL, REAL_NAME, Role::Author).await;
    let csrf = ana.csrf(&app).await;

    // Before choosing a pseudonym she writes a post and a comment under her name.
    let written = ana
        .post_form(
            &app,
            "/admin/posts/new?type=post",
            &[
                ("csrf", csrf.as_str()),
                ("title", "Containment as a metaphor"),
                ("body", "Kennan writes like a physician."),
                ("status", "publish"),
                ("comments_open", "on"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(written.status(), StatusCode::SEE_OTHER);
    let post = app
        .store
        .list_published(app.site.id, &colloquy::store::ListFilter::All, 1, 10, None)
        .await
        .unwrap()
        .into_iter()
        .find(|card| card.post.title == "Containment as a metaphor")
        .unwrap()
        .post;
    let address = app.permalink(&post);
    let mut comment = TestApp::reply_fields(&post, "ignored", "A first thought, signed in.");
    comment.push(("csrf", csrf.clone()));
    let sent = ana.post_form(&app, "/comments", &comment).await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let (_, before) = app.page(&address).await;
    assert!(before.contains(REAL_NAME));

    // Bad pseudonyms are explained, with what was typed kept; nothing changes.
    let bad = set_pseudonym(&app, &ana, "ana@example.edu").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert_eq!(
        attribute(&page, "#pseudonym", "value").as_deref(),
        Some("ana@example.edu")
    );
    assert_eq!(
        attribute(&page, "#pseudonym", "aria-invalid").as_deref(),
        Some("true")
    );
    let (other, _) = app
        .account("ben@example.edu", "Ben Other", Some(Role::Author))
        .await;
    let taken = set_pseudonym(&app, &ana, "ben other").await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert!(
        taken
            .text()
            .await
            .unwrap()
            .contains("Someone else goes by that name")
    );

    let chosen = set_pseudonym(&app, &ana, "  Bluebird  ").await;
    assert_eq!(chosen.status(), StatusCode::SEE_OTHER);
    let user = app.store.user_by_id(ana.user.id).await.unwrap();
    assert_eq!(user.pseudonym.as_deref(), Some("Bluebird"));
    assert_eq!(user.nicename, "bluebird");

    // A later comment goes out under the pseudonym too.
    let mut later = TestApp::reply_fields(&post, "ignored", "A second thought, as Bluebird.");
    later.push(("csrf", csrf.clone()));
    assert_eq!(
        ana.post_form(&app, "/comments", &later).await.status(),
        StatusCode::SEE_OTHER
    );

    let (_, post_page) = app.page(&address).await;
    assert_eq!(
        texts(&post_page, ".comment-author .fn"),
        vec!["Bluebird", "Bluebird"]
    );
    let public_paths = [
        "/".to_owned(),
        address.clone(),
        format!("{address}feed/"),
        "/author/bluebird/".to_owned(),
        "/feed/".to_owned(),
        "/feed/atom/".to_owned(),
        "/comments/feed/".to_owned(),
        "/comments/feed/atom/".to_owned(),
        "/search/?q=containment".to_owned(),
        "/search/?q=thought".to_owned(),
        "/sitemap.xml".to_owned(),
        "/category/uncategorized/".to_owned(),
        "/2026/".to_owned(),
    ];
    let classmate = sign_in(&app, "cy@example.edu", "Cy Classmate", Role::Author).await;
    for path in &public_paths {
        for (who, body) in [
            (
                "a stranger",
                app.client.get(app.url(path)).send().await.unwrap(),
            ),
            ("a classmate", classmate.get(&app, path).await),
        ] {
            let status = body.status();
            let text = body.text().await.unwrap();
            assert!(
                status == StatusCode::OK || (status == StatusCode::NOT_FOUND && path == "/2026/"),
                "{path} for {who}: {status}"
            );
            for secret in [REAL_NAME, "Realname", "realname", EMAIL] {
                assert!(!text.contains(secret), "{path} shows {secret:?} to {who}");
            }
        }
    }
    assert!(post_page.contains("Bluebird"));
    assert_eq!(
        app.get("/author/ana-realname/").await.status(),
        StatusCode::NOT_FOUND,
        "the old author address neither answers nor redirects to the new one"
    );

    // Staff see who Bluebird is.
    let instructor = app.sign_in_as(Role::Administrator).await;
    let members = instructor
        .get(&app, "/admin/members")
        .await
        .text()
        .await
        .unwrap();
    assert!(members.contains(REAL_NAME) && members.contains("publishes as Bluebird"));
    assert!(members.contains(EMAIL));

    // Dropping the pseudonym brings her name back everywhere, comments included.
    assert_eq!(
        set_pseudonym(&app, &ana, "").await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, named) = app.page(&address).await;
    assert_eq!(
        texts(&named, ".comment-author .fn"),
        vec![REAL_NAME, REAL_NAME]
    );
    assert_eq!(other.pseudonym, None);
}

#[tokio::test]
async fn a_pseudonym_tells_no_one_whose_real_name_it_is() {
    let app = spawn_app().await;
    let history = app
        .store
        .create_site("hist", "History", colloquy::domain::calendar::now())
        .await
        .unwrap();
    // Carl writes under his real name on another site; Bea publishes here as Bluebird.
    let (carl, _) = app.account("carl@example.edu", "Carl Faraway", None).await;
    app.store
        .set_role(
            history.id,
            carl.id,
            Role::Author,
            colloquy::domain::calendar::now(),
        )
        .await
        .unwrap();
    let (bea, _) = app
        .account("bea@example.edu", "Bea Hidden", Some(Role::Author))
        .await;
    app.store
        .set_pseudonym(bea.id, Some("Bluebird"))
        .await
        .unwrap();
    let ana = sign_in(&app, EMAIL, REAL_NAME, Role::Author).await;

    // Neither real name is known to Ana's readers: as pseudonyms they are names like any other.
    for hidden in ["Carl Faraway", "bea hidden"] {
        let chosen = set_pseudonym(&app, &ana, hidden).await;
        assert_eq!(chosen.status(), StatusCode::SEE_OTHER, "{hidden}");
    }
    // Refused: the name Bea publishes under here, and Ana's own name (which would be no pseudonym).
    let taken = set_pseudonym(&app, &ana, "bluebird").await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let own = set_pseudonym(&app, &ana, &REAL_NAME.to_uppercase()).await;
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.text().await.unwrap().contains("your own name"));
}

#[tokio::test]
async fn a_pseudonymous_member_is_told_that_her_comments_appear_under_her_pseudonym() {
    let app = spawn_app().await;
    let post = app.publish_post("Week 2: containment").await;
    let address = app.permalink(&post);
    let maya = sign_in(&app, "maya@example.edu", "Maya Chen", Role::Author).await;

    // Without a pseudonym she is told her name only.
    let page = maya.get(&app, &address).await.text().await.unwrap();
    assert_eq!(
        texts(&page, ".logged-in-as"),
        vec!["Logged in as Maya Chen."]
    );
    assert_eq!(
        texts(&page, ".account-links > span"),
        vec!["Signed in as Maya Chen"]
    );

    assert_eq!(
        set_pseudonym(&app, &maya, "M. C.").await.status(),
        StatusCode::SEE_OTHER
    );
    for path in [address.as_str(), "/", "/admin/posts"] {
        let page = maya.get(&app, path).await.text().await.unwrap();
        assert_eq!(
            texts(&page, ".account-links > span"),
            vec!["Signed in as Maya Chen, publishing as “M. C.”"],
            "{path}"
        );
    }
    let page = maya.get(&app, &address).await.text().await.unwrap();
    assert_eq!(
        texts(&page, ".logged-in-as"),
        vec!["Logged in as Maya Chen. Your comments appear as “M. C.”."]
    );
    // Her real name there is for her eyes: the page is not kept for anyone else.
    let (_, public) = app.page(&address).await;
    assert!(!public.contains("Maya Chen"));
}
