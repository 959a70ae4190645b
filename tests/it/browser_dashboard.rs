//! The dashboard in a real browser by keyboard alone (issue 18 point 2): a held comment moved to the trash with
//! its row's button, the notice that says so (styled as success, checked by axe), and its Undo, at 360 and 1280
//! pixels wide, light and dark.

use colloquy::domain::comment::CommentStatus;
use fantoccini::key::Key;
use serde_json::Value;

use crate::browser::{Browser, course};

impl Browser {
    /// Presses Tab until the focus is on an element matching `css` (at most `most` times); how many it took.
    async fn tab_to(&self, css: &str, most: usize) -> usize {
        let script = format!(
            "return !!document.activeElement && document.activeElement.matches({});",
            Value::String(css.to_owned())
        );
        for presses in 0..most {
            if self.run(&script).await == Value::Bool(true) {
                return presses;
            }
            self.press(&[Key::Tab]).await;
        }
        panic!("{css} was not reached with {most} presses of Tab");
    }
}

#[tokio::test]
async fn a_held_comment_is_trashed_and_brought_back_by_keyboard_with_the_notices_undo() {
    let course = course().await;
    let app = &course.app;
    let queued = app
        .store
        .moderation_queue(app.site.id, None, 1, 10)
        .await
        .unwrap();
    let comment = queued.first().expect("the course has comments").comment.id;
    app.store
        .moderate_comment(
            app.site.id,
            comment,
            colloquy::domain::comment::Moderation::Unapprove,
            colloquy::domain::calendar::now(),
        )
        .await
        .unwrap();
    for (scheme, switches) in [("light", &[][..]), ("dark", &["--force-dark-mode"][..])] {
        let Some(browser) = Browser::open_with(app, 1280, 900, switches).await else {
            return;
        };
        browser
            .sign_in(&course.instructor_email, &course.instructor_password)
            .await;
        for width in [360, 1280] {
            browser.resize(width, 900).await;
            browser.goto("/admin/comments?status=pending").await;
            browser.wait("main#content").await;
            browser
                .run("document.activeElement.blur(); return true;")
                .await;
            let trash = format!("button[name=one][value='trash:{comment}']");
            browser.tab_to(&trash, 200).await;
            browser.press(&[Key::Enter]).await;
            browser.wait(".notice-success form.undo").await;
            assert_eq!(
                browser.text(".notice p").await,
                "1 comment moved to the trash.",
                "{scheme}, {width} px"
            );
            let status = app
                .store
                .comment_by_id(app.site.id, comment)
                .await
                .unwrap()
                .unwrap()
                .status;
            assert_eq!(status, CommentStatus::Trash, "{scheme}, {width} px");
            let violations = browser.accessibility_violations().await.unwrap_or_default();
            assert!(
                violations.is_empty(),
                "{scheme}, {width} px, the notice: {violations:?}"
            );
            let (fits, measure) = browser.fits_its_width().await;
            assert!(fits, "{scheme}, {width} px: {measure}");

            // The Undo comes early in the page's order: right after the menu, before the queue.
            browser
                .run("document.activeElement.blur(); return true;")
                .await;
            let presses = browser.tab_to(".notice form.undo button", 40).await;
            let before_queue = browser
                .run("const undo = document.querySelector('.notice form.undo button'); const queue = document.querySelector('form.moderation'); return !!(undo.compareDocumentPosition(queue) & Node.DOCUMENT_POSITION_FOLLOWING);")
                .await;
            assert_eq!(
                before_queue,
                Value::Bool(true),
                "{scheme}, {width} px after {presses} Tabs"
            );
            browser.press(&[Key::Enter]).await;
            browser
                .wait_until(
                    "the Undo's notice",
                    "const notice = document.querySelector('.notice p'); return !!notice && notice.textContent.startsWith('Undone');",
                )
                .await;
            assert_eq!(
                browser.text(".notice p").await,
                "Undone: 1 comment is back as before.",
                "{scheme}, {width} px"
            );
            let status = app
                .store
                .comment_by_id(app.site.id, comment)
                .await
                .unwrap()
                .unwrap()
                .status;
            assert_eq!(
                status,
                CommentStatus::Pending,
                "{scheme}, {width} px: held again"
            );
        }
    }
}
