// The post editor's enhancements. Without this file the editor is a plain form with a Preview button; with it:
// - EasyMDE puts a toolbar (bold, italic, heading, quote, lists, link) over the Markdown text, and its preview
//   and side-by-side views show the text as colloquy itself renders it (the server's /admin/preview);
// - the keyboard goes in and out: Tab leaves the text box, and the toolbar is one Tab stop along which the arrow
//   keys move (WAI-ARIA's toolbar pattern);
// - the text is autosaved to the server 30 seconds after typing starts and whenever the page is left (a new
//   post becomes a draft on its first autosave), and Ctrl+S / Cmd+S saves the post at once;
// - every change is also kept in this browser's local storage, so a lost connection loses nothing: the editor
//   says so, and saves when the connection returns.
(() => {
  "use strict";

  const form = document.getElementById("editor");
  const textarea = document.getElementById("body");
  if (!form || !textarea) return;
  const titleField = form.querySelector("#title");
  const excerptField = form.querySelector("#excerpt");
  const versionField = form.querySelector('input[name="version"]');
  const csrfField = form.querySelector('input[name="csrf"]');
  const sessionField = form.querySelector('input[name="session"]');
  const saveButton = form.querySelector('button[name="action"][value="save"]');
  const status = document.getElementById("editor-status");
  const AUTOSAVE_AFTER_MS = 30000;

  // Drafts kept in the browser are per site (every site of a server shares its origin's storage): the key
  // starts with the site's root, "/hist-220/new-post".
  const draftPrefix = "colloquy:editor:" + form.dataset.draftKey.replace(/[^/]*$/, "");
  let draftKey = "colloquy:editor:" + form.dataset.draftKey;
  const submittedKey = "colloquy:editor-submitted";

  function say(message, offline) {
    if (!status) return;
    status.textContent = message;
    status.classList.toggle("offline", Boolean(offline));
  }

  // The toolbar, with Font Awesome icons served by colloquy itself.
  let editor = null;
  if (typeof window.EasyMDE === "function") {
    let previewTimer = null;
    let lastPreview = "";
    editor = new window.EasyMDE({
      element: textarea,
      forceSync: true,
      autoDownloadFontAwesome: false,
      spellChecker: false,
      nativeSpellcheck: true,
      promptURLs: false,
      minHeight: "320px",
      sideBySideFullscreen: false,
      status: ["words", "lines"],
      toolbar: [
        { name: "bold", action: window.EasyMDE.toggleBold, className: "fa fa-bold", title: "Bold" },
        { name: "italic", action: window.EasyMDE.toggleItalic, className: "fa fa-italic", title: "Italic" },
        { name: "heading", action: window.EasyMDE.toggleHeadingSmaller, className: "fa fa-header", title: "Heading" },
        "|",
        { name: "quote", action: window.EasyMDE.toggleBlockquote, className: "fa fa-quote-left", title: "Quote" },
        { name: "unordered-list", action: window.EasyMDE.toggleUnorderedList, className: "fa fa-list-ul", title: "Bulleted list" },
        { name: "ordered-list", action: window.EasyMDE.toggleOrderedList, className: "fa fa-list-ol", title: "Numbered list" },
        "|",
        { name: "link", action: window.EasyMDE.drawLink, className: "fa fa-link", title: "Link" },
        "|",
        { name: "preview", action: window.EasyMDE.togglePreview, className: "fa fa-eye no-disable", title: "Preview", noDisable: true },
        { name: "side-by-side", action: window.EasyMDE.toggleSideBySide, className: "fa fa-columns no-disable no-mobile", title: "Side by side", noDisable: true, noMobile: true },
        { name: "fullscreen", action: window.EasyMDE.toggleFullScreen, className: "fa fa-arrows-alt no-disable no-mobile", title: "Full screen", noDisable: true, noMobile: true },
      ],
      shortcuts: { toggleFullScreen: null },
      previewRender(markdown, preview) {
        // The preview scrolls: a region that the keyboard can reach and scroll too.
        preview.tabIndex = 0;
        preview.setAttribute("role", "region");
        preview.setAttribute("aria-label", "Preview");
        clearTimeout(previewTimer);
        previewTimer = setTimeout(() => {
          const body = new URLSearchParams({ csrf: csrfField.value, body: markdown });
          if (form.elements.reading) body.set("reading", form.elements.reading.value);
          fetch(form.dataset.preview, { method: "POST", body, credentials: "same-origin" })
            .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
            .then((html) => {
              lastPreview = html;
              preview.innerHTML = html;
            })
            .catch(() => {
              preview.innerHTML = "<p><em>The preview needs the connection to the site, which is lost just now.</em></p>";
            });
        }, 250);
        return lastPreview || "<p><em>Rendering the preview…</em></p>";
      },
    });
    const codemirror = editor.codemirror;
    // Tab and Shift+Tab move the focus on, as in every other field, instead of typing a tab (which turns the
    // paragraph into a code block); a list item is indented and outdented with CodeMirror's own Ctrl+] and
    // Ctrl+[ (⌘] and ⌘[), which the hint names.
    codemirror.setOption("extraKeys", Object.assign({}, codemirror.getOption("extraKeys"), { Tab: false, "Shift-Tab": false }));
    const input = codemirror.getInputField();
    input.id = "body-text";
    input.setAttribute("aria-label", "Text (Markdown)");
    input.setAttribute("aria-describedby", "body-hint");
    const label = form.querySelector('label[for="body"]');
    if (label) label.htmlFor = input.id;
    // One text box and its toolbar, not an application: screen readers keep their usual keys.
    const container = form.querySelector(".EasyMDEContainer");
    if (container) container.removeAttribute("role");
    if (editor.toolbar_div) toolbarByKeyboard(editor.toolbar_div, input);
  }

  // The toolbar as WAI-ARIA's toolbar pattern has it: one Tab stop (the button last used), Left and Right arrows
  // move along it (wrapping), Home and End go to its ends, Enter and Space press the button (a button's own keys).
  // Toggles say whether they are on; the buttons the preview disables (EasyMDE ignores them then) say so.
  function toolbarByKeyboard(toolbar, text) {
    toolbar.setAttribute("aria-label", "Formatting");
    toolbar.setAttribute("aria-controls", text.id);
    const all = () => [...toolbar.querySelectorAll("button")];
    const shown = () => all().filter((button) => button.getClientRects().length > 0);
    for (const button of all()) {
      if (!button.getAttribute("aria-label") && button.title) button.setAttribute("aria-label", button.title.replace(/ \(.*\)$/, ""));
    }
    function rove(to) {
      for (const button of all()) button.tabIndex = button === to ? 0 : -1;
    }
    for (const separator of toolbar.querySelectorAll(".separator")) separator.setAttribute("role", "separator");
    rove(shown()[0] || all()[0]);
    toolbar.addEventListener("focusin", (event) => {
      const button = event.target.closest("button");
      if (button && toolbar.contains(button)) rove(button);
    });
    toolbar.addEventListener("keydown", (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      const buttons = shown();
      const at = buttons.indexOf(document.activeElement);
      if (at < 0) return;
      const to = {
        ArrowRight: buttons[(at + 1) % buttons.length],
        ArrowLeft: buttons[(at - 1 + buttons.length) % buttons.length],
        Home: buttons[0],
        End: buttons[buttons.length - 1],
      }[event.key];
      if (to) {
        event.preventDefault();
        rove(to);
        to.focus();
      }
    });
    const toggles = ["bold", "italic", "quote", "unordered-list", "ordered-list", "preview", "side-by-side", "fullscreen"];
    function sayStates() {
      const previewing = toolbar.classList.contains("disabled-for-preview");
      for (const button of all()) {
        const pressed = String(button.classList.contains("active"));
        if (toggles.some((name) => button.classList.contains(name)) && button.getAttribute("aria-pressed") !== pressed) {
          button.setAttribute("aria-pressed", pressed);
        }
        const disabled = previewing && !button.classList.contains("no-disable");
        if (disabled) button.setAttribute("aria-disabled", "true");
        else button.removeAttribute("aria-disabled");
      }
    }
    sayStates();
    new MutationObserver(sayStates).observe(toolbar, { attributes: true, attributeFilter: ["class"], subtree: true });
  }

  const text = () => (editor ? editor.value() : textarea.value);
  const setText = (value) => (editor ? editor.value(value) : (textarea.value = value));

  function snapshot() {
    return {
      title: titleField ? titleField.value : "",
      body: text(),
      excerpt: excerptField ? excerptField.value : "",
      version: versionField ? versionField.value : "",
      session: sessionField ? sessionField.value : "",
      kept: Date.now(),
    };
  }

  function keepLocally() {
    try {
      localStorage.setItem(draftKey, JSON.stringify(snapshot()));
    } catch {
      // Storage full or refused: the server's autosave still runs.
    }
  }

  let unsaved = false;
  let autosaveTimer = null;
  let autosaving = false;

  function autosaveSoon() {
    unsaved = true;
    if (!autosaveTimer) autosaveTimer = setTimeout(autosave, AUTOSAVE_AFTER_MS);
  }

  // The whole form as typed (a new post's first autosave makes it a draft with its categories, tags, reading and
  // discussion setting), with the text as the editor holds it.
  function autosaveBody() {
    const body = new URLSearchParams(new FormData(form));
    body.delete("action");
    body.set("body", text());
    return body;
  }

  function adopt(created) {
    // A new post became a draft: go on editing it.
    const oldKey = draftKey;
    form.action = created.action;
    form.dataset.autosave = created.action + "/autosave";
    draftKey = draftPrefix + "post-" + created.id;
    if (versionField) versionField.value = String(created.version);
    history.replaceState(null, "", created.action);
    try {
      localStorage.removeItem(oldKey);
    } catch {
      // Nothing kept to move.
    }
    keepLocally();
  }

  function autosave() {
    clearTimeout(autosaveTimer);
    autosaveTimer = null;
    if (!unsaved || autosaving) return Promise.resolve();
    autosaving = true;
    unsaved = false;
    return fetch(form.dataset.autosave, { method: "POST", body: autosaveBody(), credentials: "same-origin" })
      .then((response) => {
        if (response.status === 204) return null;
        if (!response.ok) return Promise.reject(new Error("status " + response.status));
        return response.json();
      })
      .then((answer) => {
        if (answer && answer.id) adopt(answer);
        else if (answer && answer.version !== undefined && versionField) versionField.value = String(answer.version);
        if (answer) say("Draft autosaved " + answer.saved + ".");
      })
      .catch(() => {
        unsaved = true;
        say("The connection to the site is lost. Your text is kept in this browser and will be saved when the connection returns.", true);
      })
      .finally(() => {
        autosaving = false;
      });
  }

  function changed() {
    keepLocally();
    autosaveSoon();
  }
  if (editor) editor.codemirror.on("change", changed);
  else textarea.addEventListener("input", changed);
  for (const field of [titleField, excerptField]) if (field) field.addEventListener("input", changed);

  window.addEventListener("online", () => {
    if (unsaved) autosave();
  });
  window.addEventListener("offline", () => {
    say("The connection to the site is lost. Your text is kept in this browser and will be saved when the connection returns.", true);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && unsaved && navigator.sendBeacon) {
      if (navigator.sendBeacon(form.dataset.autosave, autosaveBody())) unsaved = false;
    }
  });

  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      say("Saving…");
      if (saveButton && form.requestSubmit) form.requestSubmit(saveButton);
      else if (saveButton) saveButton.click();
    }
  });

  form.addEventListener("submit", () => {
    keepLocally();
    unsaved = false;
    clearTimeout(autosaveTimer);
    try {
      sessionStorage.setItem(submittedKey, draftKey);
    } catch {
      // Without session storage the local copy simply stays until it matches the saved text.
    }
  });

  // After a save, the local copy has done its work; otherwise a local copy newer than the saved text (same
  // version) comes back into the form. A new post's copy is the text of the editing session that was left: it
  // comes back when that page is reloaded or returned to (Back), never into a New post opened afresh, which is a
  // session (and a draft) of its own.
  const navigation = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  const returned = !navigation || navigation.type === "reload" || navigation.type === "back_forward";
  const afresh = /\/new-(post|page)$/.test(form.dataset.draftKey) && !returned;
  try {
    const submitted = sessionStorage.getItem(submittedKey);
    sessionStorage.removeItem(submittedKey);
    if (submitted && new URLSearchParams(location.search).has("saved")) {
      localStorage.removeItem(submitted);
      localStorage.removeItem(draftKey);
      return;
    }
    const kept = afresh ? null : JSON.parse(localStorage.getItem(draftKey) || "null");
    if (kept && typeof kept.body === "string" && kept.version === (versionField ? versionField.value : "")) {
      const differs = kept.body !== text() || (titleField && kept.title !== titleField.value) || (excerptField && kept.excerpt !== excerptField.value);
      if (differs && !form.querySelector(".field-error")) {
        setText(kept.body);
        if (titleField) titleField.value = kept.title;
        if (excerptField) excerptField.value = kept.excerpt;
        // The same editing session goes on: its draft, if an autosave made one, is the one saved.
        if (sessionField && kept.session) sessionField.value = kept.session;
        unsaved = true;
        autosaveSoon();
        say("Your unsaved text from this browser was restored (kept " + new Date(kept.kept).toLocaleString() + ").");
      }
    }
  } catch {
    // Storage refused: nothing to restore.
  }
})();
