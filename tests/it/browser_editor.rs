//! The post editor in a real browser (issue 18): used by keyboard alone, found clean by axe in light and dark,
//! and its drafts: an autosave-started post published days later, and one draft for one editing session however
//! the editor is left and entered again.

use std::time::{Duration, Instant};

use colloquy::domain::post::PostStatus;
use fantoccini::{
    actions::{InputSource, KeyAction, KeyActions},
    key::Key,
};
use serde_json::{Value, json};

use crate::browser::{Browser, Course, course, frontend_tool};
use crate::helpers::say;

/// The text box EasyMDE puts in place of the form's textarea (CodeMirror's own input).
const TEXT_INPUT: &str = ".EasyMDEContainer .CodeMirror textarea";

/// What has the focus: its id, accessible name, whether it is in the toolbar or the text box, and its outline.
const FOCUSED: &str = "const element = document.activeElement;
     const shown = element.closest('.CodeMirror') || element;
     return {
       id: element.id,
       label: element.getAttribute('aria-label') || '',
       toolbar: !!element.closest('[role=toolbar]'),
       text: !!element.closest('.CodeMirror'),
       outline: getComputedStyle(shown).outlineStyle,
     };";

impl Browser {
    /// Presses `chord` (modifiers first) on the keyboard, which types into whatever has the focus.
    pub(crate) async fn press(&self, chord: &[Key]) {
        let mut keys = KeyActions::new("keyboard".into());
        for key in chord {
            keys = keys.then(KeyAction::Down {
                value: char::from(*key),
            });
        }
        for key in chord.iter().rev() {
            keys = keys.then(KeyAction::Up {
                value: char::from(*key),
            });
        }
        self.client
            .perform_actions(keys)
            .await
            .unwrap_or_else(|error| panic!("press {chord:?}: {error}"));
    }

    /// Presses Ctrl and `character` together.
    async fn press_control(&self, character: char) {
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down {
                value: Key::Control.into(),
            })
            .then(KeyAction::Down { value: character })
            .then(KeyAction::Up { value: character })
            .then(KeyAction::Up {
                value: Key::Control.into(),
            });
        self.client
            .perform_actions(keys)
            .await
            .unwrap_or_else(|error| panic!("press Ctrl+{character}: {error}"));
    }

    /// Types `text` on the keyboard into whatever has the focus.
    async fn keyboard_types(&self, text: &str) {
        let mut keys = KeyActions::new("keyboard".into());
        for character in text.chars() {
            keys = keys
                .then(KeyAction::Down { value: character })
                .then(KeyAction::Up { value: character });
        }
        self.client
            .perform_actions(keys)
            .await
            .unwrap_or_else(|error| panic!("type {text:?}: {error}"));
    }

    async fn focused(&self) -> Value {
        self.run(FOCUSED).await
    }

    /// Opens a new post's editor once its script has set it up.
    async fn open_new_post(&self) {
        self.goto("/admin/posts/new").await;
        self.wait(".EasyMDEContainer .CodeMirror").await;
        self.wait(".editor-toolbar[aria-label]").await;
    }

    /// The accessible name of the focused element, which must be a button of the toolbar.
    async fn focused_toolbar_button(&self, after: &str) -> String {
        let focused = self.focused().await;
        assert_eq!(
            focused["toolbar"],
            json!(true),
            "after {after}, the focus is in the toolbar: {focused}"
        );
        assert_eq!(
            focused["outline"],
            json!("solid"),
            "after {after}, the focused button shows an outline: {focused}"
        );
        focused["label"].as_str().unwrap_or_default().to_owned()
    }
}

/// A browser `width` pixels wide with the course's instructor signed in, or `None` without Chromium.
async fn instructor_browser(course: &Course, width: u32, switches: &[&str]) -> Option<Browser> {
    let browser = Browser::open_with(&course.app, width, 900, switches).await?;
    browser
        .sign_in(&course.instructor_email, &course.instructor_password)
        .await;
    Some(browser)
}

#[tokio::test]
async fn the_editor_is_written_in_by_keyboard_alone_at_360_and_1280_pixels() {
    let course = course().await;
    for width in [360, 1280] {
        let Some(browser) = instructor_browser(&course, width, &[]).await else {
            return;
        };
        browser.open_new_post().await;
        browser.click("#title").await;
        browser.keyboard_types("The long telegram").await;
        assert_eq!(browser.value("#title").await, "The long telegram");

        browser.press(&[Key::Tab]).await;
        assert_eq!(
            browser.focused_toolbar_button("Tab from the title").await,
            "Bold",
            "{width} px: Tab from the title reaches the toolbar's first button"
        );
        let tab_stops = browser
            .run("const toolbar = document.querySelector('[role=toolbar]');
                  return [toolbar.getAttribute('aria-label'), [...toolbar.querySelectorAll('button')].filter((button) => button.tabIndex >= 0).length, toolbar.querySelectorAll('.separator[tabindex]').length];")
            .await;
        assert_eq!(
            tab_stops,
            json!(["Formatting", 1, 0]),
            "{width} px: the toolbar is named and is one Tab stop"
        );
        for (key, expected) in [
            (Key::Right, "Italic"),
            (Key::Left, "Bold"),
            (Key::Left, "Full screen"),
            (Key::Right, "Bold"),
            (Key::End, "Full screen"),
            (Key::Home, "Bold"),
        ] {
            browser.press(&[key]).await;
            assert_eq!(
                browser.focused_toolbar_button(&format!("{key:?}")).await,
                expected,
                "{width} px: {key:?} moves along the toolbar"
            );
        }

        browser.press(&[Key::Tab]).await;
        let focused = browser.focused().await;
        assert!(
            focused["text"] == json!(true) && focused["outline"] == json!("solid"),
            "{width} px: Tab from the toolbar reaches the text box, outlined: {focused}"
        );
        browser.keyboard_types("Kennan wrote the telegram").await;
        browser.press(&[Key::Tab]).await;
        assert_eq!(
            browser.focused().await["id"],
            json!("excerpt"),
            "{width} px: Tab leaves the text box for the next field"
        );
        assert_eq!(
            browser.value("#body").await,
            "Kennan wrote the telegram",
            "{width} px: no tab was typed (a code block)"
        );

        browser.press(&[Key::Shift, Key::Tab]).await;
        assert_eq!(
            browser.focused().await["text"],
            json!(true),
            "{width} px: Shift+Tab from the next field comes back to the text box"
        );
        browser.press(&[Key::Control, Key::Shift, Key::Left]).await;
        browser.press(&[Key::Shift, Key::Tab]).await;
        assert_eq!(
            browser
                .focused_toolbar_button("Shift+Tab from the text")
                .await,
            "Bold",
            "{width} px: Shift+Tab from the text box goes back to the toolbar's button last used"
        );
        browser.press(&[Key::Enter]).await;
        assert_eq!(
            browser.value("#body").await,
            "Kennan wrote the **telegram**",
            "{width} px: Enter on Bold made the selected word bold"
        );

        assert_eq!(
            browser.focused().await["text"],
            json!(true),
            "{width} px: after the button, the focus is back in the text"
        );

        // A list item is still indented by keyboard, as the hint says: Ctrl+].
        browser.press(&[Key::Control, Key::End]).await;
        browser.press(&[Key::Enter]).await;
        browser.press(&[Key::Enter]).await;
        browser.keyboard_types("- containment").await;
        browser.press(&[Key::Enter]).await;
        browser.keyboard_types("patience").await;
        browser.press_control(']').await;
        assert_eq!(
            browser.value("#body").await,
            "Kennan wrote the **telegram**\n\n- containment\n\t- patience",
            "{width} px: Ctrl+] indents the list item"
        );
        assert!(
            browser
                .text("#body-hint")
                .await
                .contains("Ctrl+] (⌘]) indents"),
            "{width} px: the hint names the keys"
        );

        // Space presses a button too: Preview, which disables the formatting buttons for the keyboard as well.
        browser.press(&[Key::Shift, Key::Tab]).await;
        browser.press(&[Key::End]).await;
        browser.press(&[Key::Left]).await;
        browser.press(&[Key::Left]).await;
        assert_eq!(
            browser.focused_toolbar_button("End, Left, Left").await,
            "Preview"
        );
        browser.press(&[Key::Space]).await;
        browser
            .wait_until(
                "Space to open the preview",
                "return !!document.querySelector('.editor-preview-active') && document.activeElement.getAttribute('aria-pressed') === 'true';",
            )
            .await;
        browser.press(&[Key::Home]).await;
        assert_eq!(browser.focused_toolbar_button("Home").await, "Bold");
        browser.press(&[Key::Enter]).await;
        assert_eq!(
            (
                browser
                    .run("return document.activeElement.getAttribute('aria-disabled');")
                    .await,
                browser.value("#body").await
            ),
            (
                json!("true"),
                "Kennan wrote the **telegram**\n\n- containment\n\t- patience".to_owned()
            ),
            "{width} px: during the preview, Bold says it is disabled and Enter does nothing"
        );
    }
}

/// axe-core's violations on the editor as it is now, each said with where.
async fn editor_violations(browser: &Browser, state: &str) -> Vec<String> {
    browser
        .accessibility_violations()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|violation| format!("{state}: {violation}"))
        .collect()
}

/// The contrast of the focused element's outline with the background behind it (the toolbar's).
const OUTLINE_CONTRAST: &str = "const rgb = (colour) => colour.match(/[\\d.]+/g).slice(0, 3).map(Number);
     const luminance = (colour) => {
       const [r, g, b] = rgb(colour).map((value) => value / 255).map((value) => value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4);
       return 0.2126 * r + 0.7152 * g + 0.0722 * b;
     };
     let behind = document.activeElement.parentElement;
     while (getComputedStyle(behind).backgroundColor === 'rgba(0, 0, 0, 0)') behind = behind.parentElement;
     const [a, b] = [luminance(getComputedStyle(document.activeElement).outlineColor), luminance(getComputedStyle(behind).backgroundColor)];
     return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);";

#[tokio::test]
async fn axe_finds_nothing_on_the_editor_light_and_dark_with_its_toolbar_and_previews() {
    if !frontend_tool("axe-core/axe.min.js").exists() {
        say("accessibility test skipped: axe-core is not installed (npm ci in frontend/)");
        return;
    }
    let course = course().await;
    let mut found = Vec::new();
    for (scheme, switches) in [("light", &[][..]), ("dark", &["--force-dark-mode"][..])] {
        let Some(browser) = instructor_browser(&course, 1280, switches).await else {
            return;
        };
        assert_eq!(
            browser
                .run("return matchMedia('(prefers-color-scheme: dark)').matches;")
                .await,
            Value::Bool(scheme == "dark"),
            "the {scheme} scheme"
        );
        browser.open_new_post().await;
        found.extend(editor_violations(&browser, &format!("{scheme}, as opened")).await);

        browser.click("#title").await;
        browser.press(&[Key::Tab]).await;
        assert_eq!(browser.focused_toolbar_button("Tab").await, "Bold");
        let contrast = browser.run(OUTLINE_CONTRAST).await.as_f64().unwrap();
        assert!(
            contrast >= 3.0,
            "{scheme}: the focus outline has a contrast of {contrast:.2} with the toolbar"
        );
        found.extend(editor_violations(&browser, &format!("{scheme}, toolbar focused")).await);
        assert_eq!(
            browser.focused_toolbar_button("axe").await,
            "Bold",
            "{scheme}: the toolbar keeps the focus"
        );

        browser.press(&[Key::Tab]).await;
        browser
            .keyboard_types("Containment was a bet on time.")
            .await;
        // Enough text that the previews scroll (a scrolling region must be reachable by keyboard).
        browser
            .run("const text = document.querySelector('.CodeMirror').CodeMirror;
                  text.replaceRange('\\n\\n' + Array.from({ length: 30 }, (_, n) => '## Week ' + (n + 1) + '\\n\\n> A long quotation to read this week.\\n\\nSee [the telegram](https://example.org/telegram \"Kennan\"), the <abbr title=\"Union of Soviet Socialist Republics\">USSR</abbr> and `code`.').join('\\n\\n'), { line: text.lastLine() });
                  return true;")
            .await;
        for (button, pane) in [
            (
                "Side by side",
                ".editor-preview-side.editor-preview-active-side",
            ),
            ("Preview", ".editor-preview-full.editor-preview-active"),
        ] {
            browser.press(&[Key::Shift, Key::Tab]).await;
            browser.press(&[Key::End]).await;
            while browser.focused_toolbar_button("Left").await != button {
                browser.press(&[Key::Left]).await;
            }
            browser.press(&[Key::Enter]).await;
            browser
                .wait_until(
                    &format!("the {button} preview"),
                    &format!(
                        "const pane = document.querySelector('{pane}');
                         return !!pane && pane.textContent.includes('Containment was a bet on time.');"
                    ),
                )
                .await;
            assert_eq!(
                browser
                    .run(&format!(
                        "return document.querySelector('.editor-toolbar button[aria-label=\"{button}\"]').getAttribute('aria-pressed');"
                    ))
                    .await,
                json!("true"),
                "{scheme}: the {button} button says it is on"
            );
            found.extend(editor_violations(&browser, &format!("{scheme}, {button} open")).await);
            // The same button again closes it; the focus goes back to the text for the next round.
            browser
                .click(&format!(".editor-toolbar button[aria-label=\"{button}\"]"))
                .await;
            browser.click(".EasyMDEContainer .CodeMirror").await;
        }
    }
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
}

/// Waits (polling, up to 10 s) until `check` holds of the store.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "waited 10 s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The drafts (not in the trash) titled `title` on the course's site.
async fn drafts_titled(course: &Course, title: &str) -> Vec<colloquy::domain::post::Post> {
    course
        .app
        .store
        .all_posts(course.app.site.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|post| post.title == title && post.status == PostStatus::Draft)
        .collect()
}

impl Browser {
    /// The titles of the autosave-only drafts the Posts list shows apart.
    async fn autosaved_drafts_listed(&self) -> Vec<String> {
        self.goto("/admin/posts").await;
        self.wait("main#content").await;
        let titles = self
            .run("return [...document.querySelectorAll('.autosaved-drafts li a')].map((link) => link.textContent.trim());")
            .await;
        serde_json::from_value(titles).unwrap()
    }

    /// Opens the autosave-only draft titled `title` from the Posts list.
    async fn open_listed_draft(&self, title: &str) {
        self.goto("/admin/posts").await;
        let href = self
            .run(&format!(
                "const link = [...document.querySelectorAll('.autosaved-drafts li a')].find((link) => link.textContent.trim() === {});
                 return link ? link.getAttribute('href') : null;",
                json!(title)
            ))
            .await;
        let href = href
            .as_str()
            .unwrap_or_else(|| panic!("the Posts list offers the draft {title:?}"));
        self.click(&format!(".autosaved-drafts li a[href='{href}']"))
            .await;
        self.wait(".EasyMDEContainer .CodeMirror").await;
    }

    /// Types `text` at the end of the editor's text.
    async fn add_to_text(&self, text: &str) {
        self.click(".EasyMDEContainer .CodeMirror").await;
        self.type_into(TEXT_INPUT, &format!("{}{text}", Key::End))
            .await;
    }
}

/// Issue 18 point 1, in the browser: a post begun on Monday and only autosaved, published on Wednesday, has its
/// discussion open, the categories and tags picked before the autosave, and Wednesday's date.
#[tokio::test]
async fn an_autosave_started_post_published_two_days_later_is_dated_then_with_open_comments_and_its_categories()
 {
    let course = course().await;
    let app = &course.app;
    let Some(browser) = instructor_browser(&course, 1280, &[]).await else {
        return;
    };
    let title = "Containment, reconsidered";
    browser.open_new_post().await;
    browser.type_into("#title", title).await;
    browser
        .add_to_text("Kennan wanted patience, not armies.")
        .await;
    browser
        .click("input[name=category][value='Responses']")
        .await;
    browser.type_into("#tags", "containment, patience").await;
    let (said, sent_to) = browser.autosave_now().await;
    assert!(
        said.contains("Draft autosaved"),
        "the autosave (POST {sent_to}) answers; the editor says {said:?}"
    );
    let monday = app.clock.now();
    let drafts = drafts_titled(&course, title).await;
    assert_eq!(drafts.len(), 1, "the autosave made a draft");
    assert!(drafts[0].autosaved_only);

    app.clock.advance(2 * 86_400);
    browser.open_listed_draft(title).await;
    assert_eq!(browser.value("#title").await, title);
    assert_eq!(
        browser.value("#body").await,
        "Kennan wanted patience, not armies."
    );
    browser
        .wait("#status")
        .await
        .select_by_value("publish")
        .await
        .unwrap();
    browser.click("button[name=action][value=save]").await;
    browser.wait(".notice-success").await;
    assert!(browser.path().await.ends_with("?saved=1"));
    let wednesday = app.clock.now();

    let view = browser
        .run("const link = [...document.querySelectorAll('main a')].find((link) => link.textContent.trim() === 'View it on the site');
              return link ? link.getAttribute('href') : null;")
        .await;
    browser
        .goto(view.as_str().expect("a link to the published post"))
        .await;
    assert_eq!(browser.text("h1.entry-title").await, title);
    assert_eq!(
        browser
            .run("const form = document.querySelector('#respond form #comment') && document.getElementById('reply-title-text');
                  return form ? form.textContent : document.querySelector('main').textContent.replace(/\\s+/g, ' ').slice(-200);")
            .await,
        json!("Leave a Reply"),
        "the discussion is open: the page has the Leave a Reply form"
    );
    let terms = browser
        .run("return [...document.querySelectorAll('.entry-footer a[rel~=category], .entry-footer a[rel=tag]')].map((link) => link.textContent.trim());")
        .await;
    assert_eq!(
        terms,
        json!(["Responses", "containment", "patience"]),
        "the category and tags picked before the autosave"
    );
    assert!(
        !browser
            .text(".entry-footer")
            .await
            .contains("Uncategorized"),
        "not filed under Uncategorized"
    );
    let zone = app.site.settings.zone();
    let shown = browser.text(".entry-meta time").await;
    assert_eq!(
        shown,
        zone.long_date(wednesday),
        "dated when published, not when autosaved ({})",
        zone.long_date(monday)
    );
    assert_ne!(shown, zone.long_date(monday));
}

/// Issue 18 point 1, in the browser: a new post's editing session makes one draft, left and entered again by
/// Back or from the Posts list; "New post" again is a fresh session that brings back none of the old text.
#[tokio::test]
async fn leaving_and_reentering_the_editor_makes_one_draft_and_a_new_post_starts_afresh() {
    let course = course().await;
    let Some(browser) = instructor_browser(&course, 1280, &[]).await else {
        return;
    };
    let first = "One session, one draft";
    browser.open_new_post().await;
    let session = browser.value("input[name=session]").await;
    browser.type_into("#title", first).await;
    browser.add_to_text("First words.").await;

    // Left: the autosave on leaving makes the draft.
    browser.goto("/admin/posts").await;
    eventually("the autosave on leaving to make the draft", || async {
        drafts_titled(&course, first).await.len() == 1
    })
    .await;

    // Back: the same session goes on, and its autosave is of the same draft.
    browser.client.back().await.unwrap();
    browser.wait(".EasyMDEContainer .CodeMirror").await;
    assert_eq!(browser.value("#title").await, first);
    assert_eq!(browser.value("#body").await, "First words.");
    assert_eq!(
        browser.value("input[name=session]").await,
        session,
        "Back returns to the same editing session"
    );
    browser.add_to_text(" Second words.").await;
    let (said, _) = browser.autosave_now().await;
    assert!(said.contains("Draft autosaved"), "{said:?}");
    let drafts = drafts_titled(&course, first).await;
    assert_eq!(drafts.len(), 1, "one draft after going back: {drafts:?}");
    let id = drafts[0].id;
    assert_eq!(browser.path().await, format!("/admin/posts/{id}"));

    // Reopened from the list: still the one draft.
    browser.open_listed_draft(first).await;
    assert_eq!(browser.path().await, format!("/admin/posts/{id}"));
    browser.add_to_text(" Third words.").await;
    let (said, _) = browser.autosave_now().await;
    assert!(said.contains("Draft autosaved"), "{said:?}");
    assert_eq!(
        drafts_titled(&course, first).await.len(),
        1,
        "one draft after reopening it from the list"
    );

    // New post again, twice: each a fresh session, with none of the text left in the browser before.
    let second = "A second post";
    for round in ["after the first draft", "after leaving the second"] {
        browser.open_new_post().await;
        assert_eq!(
            (
                browser.value("#title").await,
                browser.value("#body").await,
                browser.text("#editor-status").await
            ),
            (String::new(), String::new(), String::new()),
            "New post {round} restores nothing"
        );
        let fresh = browser.value("input[name=session]").await;
        assert_ne!(fresh, session, "New post {round} is a session of its own");
        if round == "after the first draft" {
            browser.type_into("#title", second).await;
            browser.add_to_text("Other words.").await;
            // Left without an autosave answered in the page: the one on leaving makes the second draft.
            browser.goto("/admin/posts").await;
            eventually("the second draft", || async {
                drafts_titled(&course, second).await.len() == 1
            })
            .await;
        }
    }
    assert_eq!(drafts_titled(&course, first).await.len(), 1);
    assert_eq!(drafts_titled(&course, second).await.len(), 1);
    let mut listed = browser.autosaved_drafts_listed().await;
    listed.sort();
    assert_eq!(
        listed,
        [second, first],
        "the Posts list shows the two drafts apart"
    );
}
