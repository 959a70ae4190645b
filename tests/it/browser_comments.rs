//! The comment form's draft in a real browser: kept while unsent, gone once the comment is accepted (held or
//! approved), also after the form came back with an error and was sent again.

use crate::{
    browser::{Browser, course},
    helpers::TestApp,
};

/// Whether the page has run its scripts (colloquy.js is deferred: it has run when the document is complete).
const LOADED: &str = "return document.readyState === 'complete';";

/// How many comments the site has stored, whatever their status.
async fn stored(app: &TestApp) -> i64 {
    app.store
        .comment_counts(app.site.id)
        .await
        .unwrap()
        .iter()
        .map(|(_, count)| count)
        .sum()
}

#[tokio::test]
async fn a_comment_sent_after_a_form_error_is_not_restored_on_later_visits() {
    let course = course().await;
    let app = &course.app;
    // At the phone's width the comment is held for moderation; at the wide screen's, approved at once.
    for (width, held) in [(360, true), (1280, false)] {
        app.set("comment_moderation", if held { "on" } else { "off" })
            .await;
        let Some(browser) = Browser::open(app, width, 900).await else {
            return;
        };
        let post_path = course.post_path.as_str();
        let text = format!("At {width} px the telegram reads like a diagnosis.");

        // Typed and not sent, the comment comes back after a reload.
        browser.goto(post_path).await;
        browser.type_into("#comment", &text).await;
        browser.goto(post_path).await;
        browser.wait_until("the page's scripts", LOADED).await;
        assert_eq!(browser.value("#comment").await, text, "{width} px");
        assert!(
            browser.text(".draft-status").await.contains("restored"),
            "{width} px"
        );

        // Sent without a name: the form comes back with the text kept.
        let before = stored(app).await;
        browser
            .type_into("#email", &format!("reader{width}@example.org"))
            .await;
        browser.click("#submit").await;
        browser.wait("#author[aria-invalid='true']").await;
        assert_eq!(browser.value("#comment").await, text, "{width} px");

        // Corrected and sent: stored, and shown at its anchor on the post's page.
        browser.type_into("#author", "Margaret Reader").await;
        browser.click("#submit").await;
        browser
            .wait_until(
                "the comment at its anchor",
                "return /^#comment-\\d+$/.test(location.hash) && document.getElementById(location.hash.slice(1)) !== null;",
            )
            .await;
        assert!(browser.path().await.starts_with(post_path), "{width} px");
        assert!(
            browser.text(".comment-list").await.contains(&text),
            "{width} px"
        );
        let awaiting = browser
            .run("return document.querySelector(location.hash + ' .comment-awaiting-moderation') !== null;")
            .await;
        assert_eq!(awaiting, serde_json::Value::Bool(held), "{width} px");
        assert_eq!(stored(app).await, before + 1, "{width} px: stored once");

        // Every later visit offers an empty box.
        for visit in 1..=2 {
            browser.goto(post_path).await;
            browser.wait_until("the page's scripts", LOADED).await;
            assert_eq!(
                browser.value("#comment").await,
                "",
                "visit {visit} at {width} px restored the sent comment"
            );
            assert!(
                !browser.text("#respond").await.contains("restored"),
                "visit {visit} at {width} px"
            );
        }
    }
}
