//! Following a discussion: "Notify me of follow-up comments by email" mails nothing but a confirmation until its
//! link is followed, then each approved comment (not one's own, never a private one), each with a one-click
//! unsubscribe link that needs no sign-in (opened, it only shows its button).

use colloquy::domain::user::Role;
use reqwest::StatusCode;

use crate::helpers::{TestApp, attribute, comment_id_of, spawn_app};

async fn mails_to(app: &TestApp, recipient: &str) -> Vec<colloquy::store::OutboxMail> {
    app.outbox()
        .await
        .into_iter()
        .filter(|mail| mail.recipient == recipient)
        .collect()
}

/// The path of the unsubscribe link in a mail.
fn stop_link(body: &str) -> String {
    let start = body.find("/follow/stop/").expect("an unsubscribe link");
    body[start..]
        .split_whitespace()
        .next()
        .expect("the link")
        .to_owned()
}

async fn comment(
    app: &TestApp,
    post: &colloquy::domain::post::Post,
    name: &str,
    text: &str,
    follow: bool,
) -> i64 {
    let mut fields = TestApp::reply_fields(post, name, text);
    if follow {
        fields.push(("follow", "yes".to_owned()));
    }
    comment_id_of(&app.leave_reply("203.0.113.30", &fields).await)
}

#[tokio::test]
async fn a_follower_confirms_gets_each_new_comment_and_unsubscribes_in_one_click() {
    let app = spawn_app().await;
    app.set("comment_flood_interval", "0").await;
    app.set("comment_previously_approved", "off").await;
    let post = app.publish_post("The Truman Doctrine").await;
    let ada = "ada@example.org";

    // Ticking the box sends one mail: the confirmation. Nothing else comes before it is followed.
    comment(
        &app,
        &post,
        "Ada",
        "Is containment a doctrine or a mood?",
        true,
    )
    .await;
    let first = mails_to(&app, ada).await;
    assert_eq!(first.len(), 1);
    assert!(first[0].subject.contains("Confirm"), "{}", first[0].subject);
    comment(&app, &post, "Bo", "A mood that became a doctrine.", false).await;
    assert_eq!(
        mails_to(&app, ada).await.len(),
        1,
        "nothing before confirming"
    );

    // A made-up confirmation link is refused.
    let (status, _) = app.page("/follow/confirm/not-a-token").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let confirm = app.link_mailed_to(ada).await;
    assert!(confirm.starts_with("/follow/confirm/"), "{confirm}");
    let (status, page) = app.press_button_of(&confirm).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("You follow this discussion"));

    // Now each approved comment comes, with its address and the unsubscribe link; not Ada's own, not a
    // private one.
    let cy = comment(
        &app,
        &post,
        "Cy",
        "Kennan himself disowned the doctrine.",
        true,
    )
    .await;
    let mails = mails_to(&app, ada).await;
    assert_eq!(mails.len(), 2);
    assert!(
        mails[0]
            .body
            .contains("Kennan himself disowned the doctrine.")
    );
    assert!(mails[0].body.contains(&format!("#comment-{cy}")));
    comment(&app, &post, "Ada", "Then whose doctrine was it?", true).await;
    assert_eq!(mails_to(&app, ada).await.len(), 2, "not her own comment");
    let instructor = app.sign_in_as(Role::Administrator).await;
    let mut private = TestApp::reply_fields(
        &post,
        "ignored",
        "Private note to the author, sesquipedalian.",
    );
    private.push(("private", "yes".to_owned()));
    private.push(("csrf", instructor.csrf(&app).await));
    comment_id_of(&instructor.post_form(&app, "/comments", &private).await);
    for mail in mails_to(&app, ada).await {
        assert!(
            !mail.body.contains("sesquipedalian"),
            "a private comment was mailed"
        );
    }

    // An address confirmed once on the site follows another discussion without a new confirmation.
    let other = app.publish_post("The Marshall Plan").await;
    comment(&app, &other, "Ada", "Following this one too.", true).await;
    assert_eq!(mails_to(&app, ada).await.len(), 2, "no second confirmation");
    comment(&app, &other, "Eve", "Aid as containment.", false).await;
    let mails = mails_to(&app, ada).await;
    assert_eq!(mails.len(), 3);
    assert!(mails[0].body.contains("Aid as containment."));

    // Opening the link (as a mail scanner does) changes nothing: it shows a button.
    let from_first = mails
        .iter()
        .find(|mail| mail.body.contains("Kennan himself"))
        .expect("the first discussion's mail");
    let stop = stop_link(&from_first.body);
    for _ in 0..2 {
        let (status, page) = app.page(&stop).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            attribute(&page, "form[method=post] button[type=submit]", "type").as_deref(),
            Some("submit"),
            "a button: {page}"
        );
    }
    comment(&app, &post, "Dee", "While Ada still follows.", false).await;
    assert_eq!(mails_to(&app, ada).await.len(), 4, "opened, still followed");

    // One click on it, signed out, ends one discussion's mails; the link still answers kindly afterwards.
    let clicked = crate::helpers::client()
        .post(app.url(&stop))
        .send()
        .await
        .unwrap();
    assert_eq!(clicked.status(), StatusCode::OK);
    assert!(clicked.text().await.unwrap().contains("no more mails"));
    comment(&app, &post, "Dee", "After Ada left.", false).await;
    assert_eq!(mails_to(&app, ada).await.len(), 4);
    let (status, _) = app.page(&stop).await;
    assert_eq!(status, StatusCode::OK);
    comment(&app, &other, "Eve", "Still followed here.", false).await;
    assert_eq!(mails_to(&app, ada).await.len(), 5);

    // Cy asked too, but never confirmed: Cy got only the confirmation.
    let cys = mails_to(&app, "cy@example.org").await;
    assert_eq!(cys.len(), 1);
    assert!(cys[0].subject.contains("Confirm"));
}

#[tokio::test]
async fn the_posts_author_and_the_followers_hear_of_the_same_approved_comment() {
    let app = spawn_app().await;
    app.set("comment_flood_interval", "0").await;
    app.set("comment_previously_approved", "off").await;
    let post = app.publish_post("The Berlin Airlift").await;
    let writer = app.author().await.email;
    let ada = "ada@example.org";
    comment(&app, &post, "Ada", "Following the airlift.", true).await;
    let confirm = app.link_mailed_to(ada).await;
    assert_eq!(app.press_button_of(&confirm).await.0, StatusCode::OK);
    let to_the_writer = mails_to(&app, &writer).await.len();
    assert_eq!(to_the_writer, 1, "the writer heard of Ada's comment");

    let bo = comment(&app, &post, "Bo", "Candy bombers over Tempelhof.", false).await;
    let writers = mails_to(&app, &writer).await;
    assert_eq!(writers.len(), 2);
    assert!(writers[0].body.contains("commented on your post"));
    assert!(writers[0].body.contains("Candy bombers over Tempelhof."));
    assert!(writers[0].body.contains(&format!("#comment-{bo}")));
    assert!(
        !writers[0].body.contains("/follow/stop/"),
        "the writer does not follow: no unsubscribe link"
    );
    let adas = mails_to(&app, ada).await;
    assert!(adas[0].body.contains("Candy bombers over Tempelhof."));
    assert!(adas[0].body.contains("/follow/stop/"));

    // A held comment is for the moderators only.
    app.set("comment_moderation", "on").await;
    comment(&app, &post, "Cy", "Held for now.", false).await;
    assert_eq!(mails_to(&app, &writer).await.len(), 2);
    assert_eq!(mails_to(&app, ada).await.len(), adas.len());
}

/// Anyone can tick "Notify me" under someone else's address; the mail scanner of that address opens every link
/// it receives. Opening the confirmation link shows a button and confirms nothing; pressing it confirms.
#[tokio::test]
async fn opening_a_follow_confirmation_confirms_nothing_its_button_does() {
    let app = spawn_app().await;
    app.set("comment_flood_interval", "0").await;
    app.set("comment_previously_approved", "off").await;
    let post = app.publish_post("The Yalta Conference").await;
    let ada = "ada@example.org";
    comment(
        &app,
        &post,
        "Ada",
        "Spheres of influence on a napkin.",
        true,
    )
    .await;
    let confirm = app.link_mailed_to(ada).await;
    assert!(confirm.starts_with("/follow/confirm/"), "{confirm}");

    for _ in 0..2 {
        let (status, page) = app.page(&confirm).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            attribute(&page, "form[method=post]", "action").as_deref(),
            Some(confirm.as_str()),
            "a button that confirms: {page}"
        );
        assert!(!page.contains("You follow this discussion"), "{page}");
    }
    comment(&app, &post, "Bo", "The napkin was Churchill's.", false).await;
    assert_eq!(
        mails_to(&app, ada).await.len(),
        1,
        "opened twice, still unconfirmed: no mail but the confirmation"
    );

    let (status, _) = app.press_button_of("/follow/confirm/not-a-token").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a made-up link confirms nothing"
    );
    let (status, page) = app.press_button_of(&confirm).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("You follow this discussion"), "{page}");
    comment(&app, &post, "Cy", "Stalin kept the napkin.", false).await;
    let mails = mails_to(&app, ada).await;
    assert_eq!(mails.len(), 2, "confirmed by the button");
    assert!(mails[0].body.contains("Stalin kept the napkin."));

    let (status, page) = app.page(&confirm).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("You follow this discussion"),
        "opened again: {page}"
    );
}
