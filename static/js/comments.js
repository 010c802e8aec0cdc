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

// failed: the server could not answer (try again); outdated: a 403 page, the
// form's CSRF token refused (reload); gone: a 404 page, the story unpublished
// or the comment hidden since the page was shown (trying again cannot help).
const MESSAGES = {
  comment: {
    failed: "Your comment could not be sent. Please try again in a minute; your text is still here.",
    outdated: "Your comment was not sent: you signed out or in again in another tab or window, so this page is out of date. Reload the page to post it; your text is kept and will be back in the box.",
    gone: "Your comment was not posted: this story is no longer available for comments. Your text is still here to copy.",
  },
  report: {
    failed: "Your report could not be sent. Please try again in a minute.",
    outdated: "Your report was not sent: you signed out or in again in another tab or window, so this page is out of date. Reload the page and report the comment again.",
    gone: "Nothing was reported: this comment is no longer available. It may have been removed already.",
  },
  bias: {
    failed: "Your report could not be sent. Please try again in a minute; your text is still here.",
    outdated: "Your report was not sent: you signed out or in again in another tab or window, so this form is out of date. Reload the form to send it; your text is kept.",
    gone: "Your report was not sent: this story is no longer available. Your text is still here to copy.",
  },
  pages: {
    failed: "Those comments could not be loaded. Please try again in a minute.",
    gone: "Those comments are no longer available: this story may have been withdrawn.",
  },
};

// Which of a kind's messages a failed request gets: its answer is a whole
// page (an error page) or null (the network).
function failure(kind, answer) {
  const status = answer?.response.status;
  if (status === 404) return MESSAGES[kind].gone;
  if (status === 403 && MESSAGES[kind].outdated) return MESSAGES[kind].outdated;
  return MESSAGES[kind].failed;
}

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
  const reload = outdated ? {
    label: "Reload the page",
    action: () => {
      keepDraft(container.querySelector(COMMENT_BOX)?.value);
      window.location.reload();
    },
  } : null;
  const box = showError(kind === "comment" ? container : form, failure(kind, answer), reload);
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
        const answer = await fetchHtml(withPartial(link.href));
        if (isWholePage(answer.html)) throw answer;
        const { html } = answer;
        replaceBlock(container, html);
        container.scrollIntoView({ block: "start" });
        // The link that had the focus is gone: the new page of comments, named
        // by its "Page 2 of 3", takes it, so that reading and Tab go on there.
        const list = container.querySelector(".comment-list, .empty");
        if (list) {
          list.setAttribute("tabindex", "-1");
          list.focus({ preventScroll: true });
        }
      } catch (failed) {
        // The page of comments in view stays, and the form with any text
        // the reader was writing; the notice is read out where it shows.
        // (A page past the last, after a comment was hidden, comes back as
        // the last page: comments.views.)
        const box = showError(container, failure("pages", failed?.response ? failed : null));
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

// reload: {label, action}, a button that the message then offers.
function showError(container, message, reload = null) {
  let box = container.querySelector(":scope > .notice-error");
  if (!box) {
    box = document.createElement("p");
    box.className = "notice notice-error";
    box.setAttribute("role", "alert");
    container.prepend(box);
  }
  box.textContent = message;
  if (reload) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-quiet";
    button.textContent = reload.label;
    button.addEventListener("click", reload.action);
    box.append(" ", button);
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
    // Only a click on the backdrop closes: the dialog is the target of a click
    // on its own padding too, and of a drag that selects text in a field and
    // ends past the box, so both the press and the click must be outside it.
    let pressedOutside = false;
    dialog.addEventListener("pointerdown", (event) => {
      pressedOutside = event.target === dialog && isOutside(dialog, event);
    });
    dialog.addEventListener("click", (event) => {
      if (pressedOutside && event.target === dialog && isOutside(dialog, event)) dialog.close();
      pressedOutside = false;
    });
  }
  return dialog;
}

function isOutside(element, event) {
  const box = element.getBoundingClientRect();
  return event.clientX < box.left || event.clientX > box.right ||
    event.clientY < box.top || event.clientY > box.bottom;
}

// The form in the dialog holds something the reader chose or typed and has
// not sent: closing the dialog (Esc, Close, the backdrop) must not lose it.
function holdsUnsentText(dialog) {
  const form = dialog?.querySelector("form[data-bias-form]");
  if (!form) return false;
  return [...form.elements].some((field) => {
    if (field.type === "radio") return field.checked;
    if (field.tagName === "TEXTAREA") return field.value.trim() !== "";
    return (field.type === "url" || field.type === "email") && field.value !== field.defaultValue;
  });
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
      // Disabled while it is sent: a double click sends one report.
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      let answer;
      try {
        answer = await fetchHtml(withPartial(form.action), { method: "POST", body: new FormData(form) });
      } catch (error) {
        form.submit();
        return;
      }
      if (!isWholePage(answer.html)) {
        fillDialog(dialog, answer.html);
        return;
      }
      button.disabled = false;
      // A 403 page refused the form's CSRF token: only a fresh form can send it.
      const reload = answer.response.status === 403
        ? { label: "Reload the form", action: () => reloadBiasForm(dialog, form) }
        : null;
      focusOn(showError(form, failure("bias", answer), reload));
    });
  }
  focusDialog(dialog);
}

// After a refusal, the first field marked invalid, else the notice that
// says why; never simply the first field: that is a reason's radio, and
// Space there would change the reason the reader chose. Else the heading.
function focusDialog(dialog) {
  const refused = dialog.querySelector(".field-errors, .notice") &&
    (dialog.querySelector("[aria-invalid=true]") || dialog.querySelector(".notice"));
  const focusTarget = refused || dialog.querySelector("h1");
  if (focusTarget) {
    if (!focusTarget.matches("input, textarea, button, a")) focusTarget.setAttribute("tabindex", "-1");
    focusTarget.focus();
  }
}

// The bias form again, with a token of the session as it is now, and what
// the reader had chosen and typed put back in it.
async function reloadBiasForm(dialog, form) {
  const typed = [...new FormData(form)].filter(([name]) => name !== "csrfmiddlewaretoken");
  let answer = null;
  try {
    answer = await fetchHtml(withPartial(form.action));
  } catch (error) {
    // The network: as a server that could not answer.
  }
  if (!answer?.response.ok || isWholePage(answer.html)) {
    focusOn(showError(form, MESSAGES.bias.failed));
    return;
  }
  fillDialog(dialog, answer.html);
  const fresh = dialog.querySelector("form[data-bias-form]");
  for (const [name, value] of typed) {
    const field = fresh?.elements.namedItem(name);
    if (!field || typeof value !== "string") continue;
    field.value = value; // a RadioNodeList checks the radio of that value
    if (!(field instanceof RadioNodeList)) field.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

function wireBiasButton() {
  const trigger = document.querySelector("a[data-bias-dialog]");
  if (!trigger || typeof HTMLDialogElement !== "function") return;
  trigger.setAttribute("aria-haspopup", "dialog");
  trigger.addEventListener("click", async (event) => {
    event.preventDefault();
    // The form closed with the reader's text in it comes back as it was.
    const kept = document.getElementById("bias-dialog");
    if (holdsUnsentText(kept)) {
      kept.showModal();
      focusDialog(kept);
      return;
    }
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

// A story's tables: core.text puts each in a box that scrolls sideways, a Tab stop so
// that the keyboard can scroll it. Here it is one only while the table is wider than
// its box; a table that fits is not a stop that does nothing.
function tabStopsWhereTablesScroll() {
  const boxes = document.querySelectorAll(".table-scroll[tabindex]");
  if (!boxes.length || typeof ResizeObserver !== "function") return;
  const observer = new ResizeObserver((entries) => {
    for (const box of new Set(entries.map((entry) => entry.target.closest(".table-scroll")))) {
      if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");
      else if (box !== document.activeElement) box.removeAttribute("tabindex");
    }
  });
  boxes.forEach((box) => {
    observer.observe(box);
    const table = box.querySelector("table");
    if (table) observer.observe(table);
  });
}

// A reason chosen after the server's "This field is required.": the radios are no longer
// invalid, and the error is no longer read with the group (as a counter's field forgets
// the server's errors once edited). In the dialog, on the full pages, for either report.
document.addEventListener("change", (event) => {
  const radio = event.target;
  if (!radio.matches?.("input[type=radio][aria-invalid=true]")) return;
  const group = radio.closest("fieldset");
  if (!group) return;
  group.querySelectorAll("input[type=radio]").forEach((each) => each.removeAttribute("aria-invalid"));
  group.querySelectorAll(".field-errors").forEach((errors) => { errors.hidden = true; });
  group.removeAttribute("aria-describedby");
});

// Full pages (the comments page, the bias form page) post as plain forms
// and get the counters.
attachCounters(document);
loadComments();
wireBiasButton();
tabStopsWhereTablesScroll();
