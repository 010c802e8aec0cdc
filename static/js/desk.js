// The moderation desk, enhanced: a decision is sent without a page load, the
// comment gives way to a receipt with Undo, and the next one comes up. Keys:
// j / k next and previous item, a approve, h hide, u undo the last decision.
// Every form here also works as a plain POST without JavaScript.

const HEADERS = { "X-Requested-With": "fetch" };
// Fewer undecided comments than this on the page: ask for the next ones.
const REFILL_BELOW = 3;

const queue = document.querySelector("[data-desk-queue]");
const live = document.querySelector("[data-desk-live]");
// Receipts of this page's decisions, the latest last: u undoes the latest.
const receipts = [];
let current = null;

function items() {
  return [...document.querySelectorAll("[data-desk-item]")];
}

function announce(text) {
  if (live) live.textContent = text;
}

function select(item, { scroll = true } = {}) {
  current?.classList.remove("is-current");
  current = item || null;
  if (!current) return;
  current.classList.add("is-current");
  current.focus({ preventScroll: true });
  if (scroll) current.scrollIntoView({ block: "start" });
}

function move(step) {
  const list = items();
  if (!list.length) return;
  const at = list.indexOf(current);
  const next = at === -1 ? (step > 0 ? 0 : list.length - 1) : at + step;
  if (next >= 0 && next < list.length) select(list[next]);
}

function following(node) {
  return items().find((item) => node.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING)
    || items().reverse().find((item) => node.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_PRECEDING);
}

function showCount(waiting) {
  const count = document.querySelector("[data-desk-count]");
  if (!count || waiting === undefined) return;
  const n = Number(waiting);
  count.textContent = `${n} comment${n === 1 ? "" : "s"} waiting.`;
}

function fragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content;
}

// A form sent the ordinary way: the server answers with a page and a message.
function sendPlainly(form, submitter) {
  form.dataset.plain = "true";
  form.requestSubmit(submitter);
}

// One request at a time, in the order asked: a decision, then the refill it
// calls for, then the next decision.
let line = Promise.resolve();
function inTurn(task) {
  const run = line.then(task, task);
  line = run.catch(() => {});
  return run;
}

async function refill() {
  if (!queue?.dataset.more) return [];
  const response = await fetch(queue.dataset.more, { credentials: "same-origin", headers: HEADERS });
  if (!response.ok) return [];
  const html = await response.text();
  const fresh = [...fragment(html).querySelectorAll("[data-desk-item]")]
    .filter((item) => !document.getElementById(item.id));
  queue.querySelector("[data-desk-empty]")?.remove();
  queue.append(...fresh);
  if (!items().length && !queue.querySelector("[data-desk-empty]")) {
    const empty = document.createElement("p");
    empty.className = "desk-empty";
    empty.dataset.deskEmpty = "";
    empty.textContent = "Nothing else is waiting. Well done.";
    queue.append(empty);
  }
  return fresh;
}

// The piece of the queue a decision's answer carries: a receipt, a notice, or the card
// back; null for anything else (the sign-in page, when the session has ended).
function answerOf(response, html) {
  if (response.redirected) return null;
  const element = fragment(html).firstElementChild;
  return element?.matches("[data-desk-item], [data-desk-receipt]") ? element : null;
}

// The decision was not taken: say so on the card, which keeps its note for a second try.
function notSent(form, response) {
  form.querySelector("[data-desk-send-failed]")?.remove();
  const failed = document.createElement("p");
  failed.className = "desk-send-failed";
  failed.dataset.deskSendFailed = "";
  failed.setAttribute("role", "alert");
  const signIn = document.createElement("a");
  // The sign-in page the session's end led to, coming back to this queue when done.
  const login = new URL(response.url);
  login.search = new URLSearchParams({ next: location.pathname + location.search });
  signIn.href = login.href;
  signIn.target = "_blank";
  signIn.textContent = "Sign in again (in a new tab)";
  failed.append("Nothing was decided: you are signed out. ", signIn,
                ", then press the button again here; your note is kept.");
  form.append(failed);
  announce(failed.textContent);
}

async function send(form, submitter) {
  const holder = form.closest("[data-desk-item], [data-desk-receipt]");
  // Read before the buttons are disabled: a disabled button sends nothing.
  const body = new FormData(form, submitter);
  const buttons = [...form.querySelectorAll("button")];
  buttons.forEach((button) => { button.disabled = true; });
  const release = () => {
    buttons.forEach((button) => { button.disabled = false; });
    delete form.dataset.busy;
  };
  let response;
  let replacement = null;
  try {
    response = await fetch(form.action, { method: "POST", body, credentials: "same-origin", headers: HEADERS });
    replacement = answerOf(response, await response.text());
  } catch (error) {
    response = null;
  }
  if (response?.redirected) {
    // Sent to the sign-in page (the session ended): the decision never reached the desk,
    // and a second, plain post would be lost at the sign-in too.
    release();
    notSent(form, response);
    return;
  }
  if (!replacement) {
    // Let the server say what went wrong, on a page of its own.
    release();
    sendPlainly(form, submitter);
    return;
  }
  holder.replaceWith(replacement);
  showCount(replacement.dataset.waiting);
  if (replacement.matches("[data-desk-item]")) {
    // An undo brought the comment back (saying, it may be, why the standing stayed).
    select(replacement);
    const said = replacement.querySelector("[data-desk-card-notice]")?.textContent.trim();
    announce(`Undone. The comment is back in the queue.${said ? ` ${said}` : ""}`);
    return;
  }
  if (replacement.querySelector("form[data-desk-undo]")) receipts.push(replacement);
  const next = following(replacement);
  announce(`${replacement.querySelector("p")?.textContent.trim() ?? ""}${next ? " Next comment." : ""}`);
  if (next) select(next);
  else replacement.focus();
  const undecided = items().filter((item) => replacement.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING);
  if (undecided.length < REFILL_BELOW) {
    inTurn(refill).then((fresh) => {
      if (!next && fresh.length && !current?.isConnected) select(fresh[0]);
    });
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-desk-decide], [data-desk-undo]") || form.dataset.plain) return;
  event.preventDefault();
  if (form.dataset.busy) return;
  form.dataset.busy = "true";
  inTurn(() => send(form, event.submitter));
});

function press(value) {
  const button = current?.querySelector(`form[data-desk-decide] button[value="${value}"]`);
  if (button && !button.form.dataset.busy) button.form.requestSubmit(button);
}

function undoLast() {
  while (receipts.length) {
    const form = receipts.pop().querySelector("form[data-desk-undo]");
    if (form?.isConnected) {
      form.requestSubmit(form.querySelector("button"));
      return;
    }
  }
  // Decided before this page loaded: the newest of "Your last decisions".
  document.querySelector(".desk-undo-list form")?.requestSubmit();
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  const actions = { j: () => move(1), k: () => move(-1), a: () => press("approve"),
                    h: () => press("hide"), u: undoLast };
  const action = actions[event.key];
  if (!action) return;
  event.preventDefault();
  action();
});

document.addEventListener("focusin", (event) => {
  const item = event.target.closest?.("[data-desk-item]");
  if (item && item !== current) {
    current?.classList.remove("is-current");
    current = item;
    current.classList.add("is-current");
  }
});

document.querySelectorAll("[data-desk-keys]").forEach((hint) => { hint.hidden = false; });
