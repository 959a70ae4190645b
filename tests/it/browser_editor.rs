//! The post editor in a real browser (issue 18): used by keyboard alone, and found clean by axe in light and
//! dark.

use fantoccini::{
    actions::{InputSource, KeyAction, KeyActions},
    key::Key,
};
use serde_json::{Value, json};

use crate::browser::{Browser, Course, course, frontend_tool};
use crate::helpers::say;

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
    async fn press(&self, chord: &[Key]) {
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
