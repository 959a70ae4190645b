// colloquy's enhancements to the discussion. Every page works without this file; with it:
// - a Reply link moves the "Leave a Reply" form under the comment it answers, with "Cancel reply" (as
//   WordPress's comment-reply script does), instead of loading the page again;
// - the comment form keeps a draft in this browser's local storage until the comment is sent and stored;
// - a form sent back with errors puts the focus on the first field to correct.
(() => {
  "use strict";

  // A form sent back with errors: the first field to correct gets the focus, so that its message (tied to it
  // by aria-describedby) is read out and typing goes where it is needed.
  const invalid = document.querySelector('form [aria-invalid="true"]');
  if (invalid && !location.hash.startsWith("#comment-")) invalid.focus();

  const respond = document.getElementById("respond");
  const form = document.getElementById("commentform");
  if (!respond || !form) return;

  const textarea = form.querySelector("#comment");
  const parentField = form.querySelector("#comment_parent");
  const postField = form.querySelector("#comment_post_ID");
  const titleText = document.getElementById("reply-title-text");
  const cancelLink = document.getElementById("cancel-comment-reply-link");
  const defaultTitle = respond.dataset.defaultTitle || "Leave a Reply";
  let home = null;

  function moveFormUnder(commentId, replyTo) {
    const body = document.getElementById("div-comment-" + commentId);
    if (!body) return false;
    if (!home) {
      home = document.createElement("div");
      home.id = "respond-home";
      home.hidden = true;
      respond.parentNode.insertBefore(home, respond);
    }
    body.parentNode.insertBefore(respond, body.nextSibling);
    parentField.value = commentId;
    if (titleText && replyTo) titleText.textContent = replyTo;
    if (cancelLink) cancelLink.hidden = false;
    return true;
  }

  function putFormBack() {
    if (home) home.parentNode.insertBefore(respond, home);
    parentField.value = "0";
    if (titleText) titleText.textContent = defaultTitle;
    if (cancelLink) cancelLink.hidden = true;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest(".comment-reply-link");
    if (!link || !link.dataset.commentid) return;
    if (moveFormUnder(link.dataset.commentid, link.dataset.replyto)) {
      event.preventDefault();
      saveDraft();
      textarea.focus();
    }
  });
  if (cancelLink) {
    cancelLink.addEventListener("click", (event) => {
      event.preventDefault();
      putFormBack();
      saveDraft();
      textarea.focus();
    });
  }

  // Drafts: one per post, in local storage, under the post's id and not the page's address: a form sent back
  // with errors is the page at /comments, and a draft kept there under another name outlived the comment,
  // which the post's page then "restored" on every visit. A submission is remembered in session storage so
  // that the page the form leads to can tell that the comment arrived (it shows #comment-N and no error).
  const postId = postField ? postField.value : "";
  const draftPrefix = "colloquy:comment-draft:";
  const draftKey = draftPrefix + "post-" + postId;
  const sentKey = "colloquy:comment-sent";
  const storage = (() => {
    try {
      const probe = "colloquy:probe";
      localStorage.setItem(probe, probe);
      localStorage.removeItem(probe);
      return { local: localStorage, session: sessionStorage };
    } catch {
      return null;
    }
  })();
  if (!storage || !textarea) return;

  // Drafts kept by earlier versions under the page's address ("colloquy:comment-draft:/path/:ID") are read no
  // more; the post's own are let go.
  try {
    for (let index = storage.local.length - 1; index >= 0; index -= 1) {
      const key = storage.local.key(index);
      if (key && key.startsWith(draftPrefix + "/") && key.endsWith(":" + postId)) storage.local.removeItem(key);
    }
  } catch {
    // Storage that cannot be listed keeps them; nothing reads them.
  }

  const status = document.createElement("p");
  status.className = "draft-status";
  status.setAttribute("role", "status");
  textarea.parentNode.appendChild(status);

  function saveDraft() {
    const text = textarea.value;
    try {
      if (text.trim() === "") {
        storage.local.removeItem(draftKey);
        status.textContent = "";
      } else {
        storage.local.setItem(draftKey, JSON.stringify({ text, parent: parentField.value, saved: Date.now() }));
        status.textContent = "Draft kept in this browser until you post it.";
      }
    } catch {
      status.textContent = "";
    }
  }

  let timer = null;
  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(saveDraft, 400);
  });
  window.addEventListener("pagehide", () => {
    if (timer) {
      clearTimeout(timer);
      saveDraft();
    }
  });
  form.addEventListener("submit", () => {
    saveDraft();
    storage.session.setItem(sentKey, draftKey);
  });

  const formHasError = form.querySelector(".field-error, .form-notice") !== null;
  const arrived = /^#comment-\d+$/.test(location.hash) && document.getElementById(location.hash.slice(1)) !== null;
  if (storage.session.getItem(sentKey) === draftKey && arrived && !formHasError) {
    storage.local.removeItem(draftKey);
    storage.session.removeItem(sentKey);
    return;
  }
  storage.session.removeItem(sentKey);

  let draft = null;
  try {
    draft = JSON.parse(storage.local.getItem(draftKey) || "null");
  } catch {
    draft = null;
  }
  if (draft && typeof draft.text === "string" && textarea.value.trim() === "") {
    textarea.value = draft.text;
    if (draft.parent && draft.parent !== "0" && parentField.value === "0") {
      const link = document.querySelector('.comment-reply-link[data-commentid="' + CSS.escape(draft.parent) + '"]');
      if (link) moveFormUnder(draft.parent, link.dataset.replyto);
    }
    status.textContent = "Your unsent comment was restored from this browser.";
  }
})();
