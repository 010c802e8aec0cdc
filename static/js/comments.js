// Progressive enhancement for the article page: the comments block, the live
// character counters and the Report Bias dialog. Every feature here also
// works without JavaScript through plain links and forms.
import { attachCounters } from "./counter.js";

function withPartial(url) {
  const target = new URL(url, window.location.href);
  target.searchParams.set("partial", "1");
  return target.toString();
}

async function fetchHtml(url, options = {}) {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { "X-Requested-With": "fetch" },
    ...options,
  });
  return { response, html: await response.text() };
}

// A whole page is no block: the server could not answer with one (its error
// page: the database away, say). Then the form and the reader's text stay.
function isWholePage(html) {
  return /^\s*(<!--[\s\S]*?-->\s*)*<!doctype/i.test(html);
}

// Comments --------------------------------------------------------------

// The text of a comment, kept in this tab from the moment it is sent until it
// is posted or back in a comment box: when the session ended or changed in
// another tab, the answer is a block without the form (signed out) or a page
// that refuses the form's token, and the text must outlive both, through a
// reload and a sign-in. Only the one tab keeps it, until it is closed.
const DRAFT_KEY = `evadaily:comment-draft:${window.location.pathname}`;
const COMMENT_BOX = "form[data-comment-form] textarea[name=body]";

function keepDraft(text) {
  try {
    if (text && text.trim()) sessionStorage.setItem(DRAFT_KEY, text);
  } catch (error) {
    // No storage (refused or full): the text still shows where it was.
  }
}

function readDraft() {
  try {
    return sessionStorage.getItem(DRAFT_KEY);
  } catch (error) {
    return null;
  }
}

function dropDraft() {
  try {
    sessionStorage.removeItem(DRAFT_KEY);
  } catch (error) {
    // Nothing was kept.
  }
}

function note(before, text) {
  const line = document.createElement("p");
  line.className = "notice";
  line.setAttribute("role", "status");
  line.textContent = text;
  before.before(line);
}

// A kept draft goes back into an empty comment box; without one (signed
// out), the reader learns that signing in brings it back.
function restoreDraft(container, announce) {
  const draft = readDraft();
  if (!draft) return;
  const box = container.querySelector(COMMENT_BOX);
  if (box) {
    if (!box.value.trim()) {
      box.value = draft;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      if (announce) {
        note(box.form, "Your comment was not posted earlier. Its text is back in the box: post it when you are ready.");
      }
    }
    dropDraft();
    return;
  }
  const prompt = container.querySelector(".sign-in-prompt");
  if (prompt && !container.querySelector("[data-unsent-comment]")) {
    note(prompt, "Your comment was not posted: this tab keeps its text. Sign in and it will be back in the comment box.");
  }
}

const MESSAGES = {
  comment: {
    failed: "Your comment could not be sent. Please try again in a minute; your text is still here.",
    outdated: "Your comment was not sent: you signed out or in again in another tab or window, so this page is out of date. Reload the page to post it; your text is kept and will be back in the box.",
  },
  report: {
    failed: "Your report could not be sent. Please try again in a minute.",
    outdated: "Your report was not sent: you signed out or in again in another tab or window, so this page is out of date. Reload the page and report the comment again.",
  },
};

async function sendForm(container, form, kind) {
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  let answer = null;
  try {
    answer = await fetchHtml(withPartial(form.action), { method: "POST", body: new FormData(form) });
  } catch (error) {
    // The network: as a server that could not answer.
  }
  if (answer && !isWholePage(answer.html)) {
    // Refused, limited or accepted: the server answers with the block,
    // the reader's text kept where it was refused.
    replaceBlock(container, answer.html, { posted: kind === "comment" && answer.response.ok });
    return;
  }
  if (button) button.disabled = false;
  // A whole page that is a 403 is the refusal of the form's CSRF token
  // (core.views.csrf_failure): the page belongs to a session that has ended,
  // so only a reload, never another try, can send it.
  const outdated = answer !== null && answer.response.status === 403;
  const message = MESSAGES[kind][outdated ? "outdated" : "failed"];
  const box = showError(kind === "comment" ? container : form, message, outdated ? container : null);
  // The disabled button lost the focus: the message takes it, so that it is
  // read out and the next Tab reaches its Reload button or the form again.
  focusOn(box);
}

// tabindex -1: focusable by the script only, never a stop for Tab.
function focusOn(element) {
  if (!element.matches("a[href], button, input, select, textarea")) element.setAttribute("tabindex", "-1");
  element.focus({ preventScroll: true });
  element.scrollIntoView({ block: "nearest" });
}

function wireCommentsBlock(container) {
  attachCounters(container);
  container.querySelectorAll("form[data-comment-form]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (form.dataset.overLimit === "true") {
        form.querySelector("textarea")?.focus();
        return;
      }
      keepDraft(form.querySelector("textarea")?.value);
      sendForm(container, form, "comment");
    });
  });
  container.querySelectorAll("form[data-report-form]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      sendForm(container, form, "report");
    });
  });
  container.querySelectorAll(".pagination a").forEach((link) => {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      try {
        const { response, html } = await fetchHtml(withPartial(link.href));
        if (isWholePage(html)) throw new Error(String(response.status));
        replaceBlock(container, html);
        container.scrollIntoView({ block: "start" });
        // The link that had the focus is gone: the new page of comments, named
        // by its "Page 2 of 3", takes it, so that reading and Tab go on there.
        const list = container.querySelector(".comment-list, .empty");
        if (list) {
          list.setAttribute("tabindex", "-1");
          list.focus({ preventScroll: true });
        }
      } catch (error) {
        // The page of comments in view stays, and the form with any text
        // the reader was writing; the notice is read out where it shows.
        const box = showError(container, "Those comments could not be loaded. Please try again in a minute.");
        box.scrollIntoView({ block: "nearest" });
      }
    });
  });
}

// The story's "Comments" heading with the count of published comments the
// block was rendered with: "Comments (12)". The story page is cached whole
// and must not change with every comment, so the count comes with the block.
function showCount(container) {
  const block = container.querySelector("[data-comment-count]");
  const heading = document.getElementById("comments-heading");
  if (!block || !heading) return;
  let count = heading.querySelector(".comments-count");
  if (!count) {
    count = document.createElement("span");
    count.className = "comments-count";
    heading.append(" ", count);
  }
  count.textContent = `(${block.dataset.commentCount})`;
}

function replaceBlock(container, html, { posted = false } = {}) {
  // What the reader is writing outlives the block (another page of comments,
  // a report, a refusal, a session that ended), unless it was just posted.
  if (posted) dropDraft();
  else keepDraft(container.querySelector(COMMENT_BOX)?.value);
  container.innerHTML = html;
  wireCommentsBlock(container);
  showCount(container);
  restoreDraft(container, false);
  const notice = container.querySelector(".notice, .field-errors");
  if (notice) notice.setAttribute("tabindex", "-1");
  const textarea = container.querySelector("textarea");
  if (container.querySelector(".field-errors, .notice-wait") && textarea) {
    textarea.focus();
    return;
  }
  // The news of a post or report, beside that comment (or under the form):
  // read out, and where the reader's focus now is.
  const outcome = container.querySelector(".comment-outcome");
  if (outcome) {
    focusOn(outcome);
    return;
  }
  // A refusal with nothing to correct in a field (signed out, a report
  // without a reason): the form that had the focus is gone, the notice has it.
  if (notice && !posted) focusOn(notice);
}

// reloadKeeping: the comments block whose comment box is kept for after a
// reload; the message then offers one.
function showError(container, message, reloadKeeping = null) {
  let box = container.querySelector(":scope > .notice-error");
  if (!box) {
    box = document.createElement("p");
    box.className = "notice notice-error";
    box.setAttribute("role", "alert");
    container.prepend(box);
  }
  box.textContent = message;
  if (reloadKeeping) {
    const reload = document.createElement("button");
    reload.type = "button";
    reload.className = "button button-quiet";
    reload.textContent = "Reload the page";
    reload.addEventListener("click", () => {
      keepDraft(reloadKeeping.querySelector(COMMENT_BOX)?.value);
      window.location.reload();
    });
    box.append(" ", reload);
  }
  return box;
}

async function loadComments() {
  const holder = document.querySelector("[data-comments-src]");
  if (!holder) return;
  const section = holder.closest("section");
  const loading = section.querySelector(".comments-loading");
  const link = section.querySelector(".comments-link");
  loading.hidden = false;
  try {
    const { response, html } = await fetchHtml(holder.dataset.commentsSrc);
    if (!response.ok) throw new Error(String(response.status));
    holder.innerHTML = html;
    link.hidden = true;
    wireCommentsBlock(holder);
    showCount(holder);
    restoreDraft(holder, true);
  } catch (error) {
    // The plain link still leads to the comments page.
  } finally {
    loading.hidden = true;
  }
}

// Report Bias dialog ------------------------------------------------------

function openBiasDialog(trigger) {
  let dialog = document.getElementById("bias-dialog");
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.id = "bias-dialog";
    dialog.className = "bias-dialog";
    dialog.setAttribute("aria-labelledby", "bias-report-title");
    document.body.append(dialog);
    dialog.addEventListener("close", () => trigger.focus());
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close();
    });
  }
  return dialog;
}

function fillDialog(dialog, html) {
  dialog.innerHTML = html;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "dialog-close";
  close.textContent = "Close";
  close.addEventListener("click", () => dialog.close());
  dialog.prepend(close);
  attachCounters(dialog);
  dialog.querySelectorAll("[data-dialog-close]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      dialog.close();
    });
  });
  const form = dialog.querySelector("form[data-bias-form]");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (form.dataset.overLimit === "true") {
        // As in the comment form: the text that is too long takes the focus,
        // and its counter's message is read out with it.
        const over = form.querySelector(".counter-over");
        if (over) document.getElementById(over.dataset.counterFor)?.focus();
        return;
      }
      try {
        const { html: next } = await fetchHtml(withPartial(form.action), {
          method: "POST",
          body: new FormData(form),
        });
        if (isWholePage(next)) {
          showError(form, "Your report could not be sent. Please try again in a minute; your text is still here.")
            .scrollIntoView({ block: "nearest" });
          return;
        }
        fillDialog(dialog, next);
      } catch (error) {
        form.submit();
      }
    });
  }
  // After a refusal, the first field marked invalid, else the notice that
  // says why; never simply the first field: that is a reason's radio, and
  // Space there would change the reason the reader chose. Else the heading.
  const refused = dialog.querySelector(".field-errors, .notice") &&
    (dialog.querySelector("[aria-invalid=true]") || dialog.querySelector(".notice"));
  const focusTarget = refused || dialog.querySelector("h1");
  if (focusTarget) {
    if (!focusTarget.matches("input, textarea, button, a")) focusTarget.setAttribute("tabindex", "-1");
    focusTarget.focus();
  }
}

function wireBiasButton() {
  const trigger = document.querySelector("a[data-bias-dialog]");
  if (!trigger || typeof HTMLDialogElement !== "function") return;
  trigger.setAttribute("aria-haspopup", "dialog");
  trigger.addEventListener("click", async (event) => {
    event.preventDefault();
    try {
      const { response, html } = await fetchHtml(withPartial(trigger.href));
      if (!response.ok) throw new Error(String(response.status));
      const dialog = openBiasDialog(trigger);
      dialog.showModal();
      fillDialog(dialog, html);
    } catch (error) {
      window.location.href = trigger.href;
    }
  });
}

// Full pages (the comments page, the bias form page) post as plain forms
// and get the counters.
attachCounters(document);
loadComments();
wireBiasButton();
