// The moderation desk, enhanced: a decision is sent without a page load, the
// comment gives way to a receipt with Undo, and the next one comes up. Keys:
// j / k next and previous item, a approve, h hide, u undo the last decision.
// Single keys are easy to press by mistake (or by speech input), so (WCAG 2.1.4)
// they act only where the focus says they were meant, and can be turned off.
// Every form here also works as a plain POST without JavaScript.

const HEADERS = { "X-Requested-With": "fetch" };
// Fewer undecided comments than this on the page: ask for the next ones.
const REFILL_BELOW = 3;
// As many as a page of the queue holds (comments/desk.py PER_PAGE): a refill that brings
// fewer has reached the queue's end.
const PER_PAGE = 10;

const queue = document.querySelector("[data-desk-queue]");
const live = document.querySelector("[data-desk-live]");
// What a decision sent plainly did (the triage's, or the queue's without the script's
// fetch), said by the admin above the page: the focus is put there as the page opens, so
// that a screen reader reads it (a live region is not read for what it holds at load).
const said = document.querySelector(".messagelist");
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

// The card the queue goes on from: the last one drawn, on whichever page of whichever view
// (the queue's address keeps the view). The page's first, the refills' after it: asked
// for from the start, a moderator on page 3 was brought page 1.
let after = null;
function goOnFrom(cards) {
  const last = cards.at(-1);
  if (last?.dataset.since) after = { id: last.id.replace("comment-", ""), since: last.dataset.since };
}
goOnFrom(items());
if (!after) {
  // No card on the page: it goes on from the card its address names, if any.
  const here = new URLSearchParams(location.search);
  const [id, since] = [here.get("after"), here.get("since")];
  if (id && since) after = { id, since };
}

function number(card) {
  return Number(card.dataset.comment ?? card.id.replace("comment-", ""));
}

// Before the first card, or receipt of a card, that has waited less (the queue's order:
// since when, then number): where the comment stood when the page was drawn.
function putInPlace(card) {
  const key = [card.dataset.since, number(card)];
  const later = [...queue.querySelectorAll("[data-desk-item], [data-desk-receipt][data-since]")]
    .find((held) => held.dataset.since > key[0]
      || (held.dataset.since === key[0] && number(held) > key[1]));
  if (later) later.before(card);
  else queue.append(card);
}

// "Next page" goes on after the last card on the page, those the refill brought included:
// from the page's own last card, it showed them again. Shown while the refill brought a
// full page (there may be more), hidden once it reached the queue's end.
function nextPage(more) {
  const link = document.querySelector("[data-desk-next]");
  if (!link || !after) return;
  const url = new URL(link.href, location.href);
  url.searchParams.delete("page");
  url.searchParams.set("after", after.id);
  url.searchParams.set("since", after.since);
  link.href = url.href;
  link.hidden = !more;
  const pages = link.closest("[data-desk-pages]");
  pages.hidden = !more && !pages.querySelector("[rel=prev]");
}

async function refill() {
  if (!queue?.dataset.more) return [];
  const url = new URL(queue.dataset.more, location.href);
  if (after) {
    url.searchParams.set("after", after.id);
    url.searchParams.set("since", after.since);
    // The cards on the page, for those back in the queue before the last one (decided
    // since the page was drawn, then undone): the server sends them with the next ones.
    url.searchParams.set("shown", items().map(number).join(","));
  }
  const response = await fetch(url, { credentials: "same-origin", headers: HEADERS });
  if (!response.ok) return [];
  const html = await response.text();
  const got = fragment(html);
  const taken = markTaken(got);
  const earlier = showEarlier(got);
  const all = [...got.querySelectorAll("[data-desk-item]")];
  const drawn = all.filter((item) => !item.matches("[data-desk-back]"));
  goOnFrom(drawn);
  nextPage(drawn.length >= PER_PAGE);
  const back = all.filter((item) => item.matches("[data-desk-back]")
    && !document.getElementById(item.id));
  back.forEach(putInPlace);
  const fresh = drawn.filter((item) => !document.getElementById(item.id));
  queue.querySelector("[data-desk-empty]")?.remove();
  queue.append(...fresh);
  if (earlier) announce(earlier);
  if (taken.length) {
    const n = taken.length;
    announce(`${n === 1 ? "A comment" : `${n} comments`} on this page ${n === 1 ? "was" : "were"} `
             + `decided by someone else or deleted meanwhile: ${taken.join(", ")}.`);
  }
  if (back.length) {
    const n = back.length;
    const which = back.map((item) => `comment ${number(item)}`).join(", ");
    announce(`${n === 1 ? "A comment" : `${n} comments`} came back to the queue, marked `
             + `“Back in the queue” where ${n === 1 ? "it waits" : "they wait"}: ${which}.`);
  }
  if (!items().length && !queue.querySelector("[data-desk-empty]")) {
    const empty = document.createElement("p");
    empty.className = "desk-empty";
    empty.dataset.deskEmpty = "";
    empty.textContent = "Nothing else is waiting. Well done.";
    queue.append(empty);
  }
  return [...back, ...fresh];
}

// The cards on the page that another moderator decided (or that were deleted) since the
// page was drawn, named by the refill: each gives way to the notice a decision on it would
// have brought, where it was. Marked only when acted on, they were read for nothing.
// Returns the comments' names, for the live region.
function markTaken(got) {
  const named = [];
  got.querySelectorAll("[data-desk-taken]").forEach((notice) => {
    const card = document.getElementById(`comment-${notice.dataset.deskTaken}`);
    notice.remove();
    if (!card?.matches("[data-desk-item]") || card.querySelector("form")?.dataset.busy) return;
    notice.dataset.since = card.dataset.since;
    notice.dataset.comment = notice.dataset.deskTaken;
    const focused = card === current;
    card.replaceWith(notice);
    if (focused) {
      current = null;
      select(following(notice) || null, { scroll: false });
    }
    named.push(`comment ${notice.dataset.deskTaken}`);
  });
  return named;
}

// The comments back in the queue before this page since it was loaded (an Undo put them
// where an earlier page holds them), named above the queue with the way to them, as the
// refill says now. Returns its words when it names more than the page did, for the live
// region; "" otherwise.
function showEarlier(got) {
  const update = got.querySelector("[data-desk-earlier-update]");
  const slot = document.querySelector("[data-desk-earlier]");
  if (!update || !slot) return "";
  update.remove();
  const before = slot.textContent.trim();
  slot.replaceChildren(...update.childNodes);
  const now = slot.textContent.trim();
  return now && now !== before ? now : "";
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
  if (holder.dataset.since && !replacement.matches("[data-desk-item]")) {
    // The receipt or notice keeps the card's place in the queue's order (putInPlace).
    replacement.dataset.since = holder.dataset.since;
    replacement.dataset.comment = number(holder);
  }
  holder.replaceWith(replacement);
  showCount(replacement.dataset.waiting);
  if (replacement.matches("[data-desk-item]")) {
    // An undo brought the comment back (saying, it may be, why the standing stayed), or
    // a decision was refused and the card came back saying why (a newsroom account's).
    select(replacement);
    const said = replacement.querySelector("[data-desk-card-notice]")?.textContent.trim() ?? "";
    announce(form.matches("[data-desk-undo]") ? `Undone. The comment is back in the queue. ${said}`.trim() : said);
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

// The decision keys act on the comment whose card has the focus, and on no other.
function press(card, value) {
  const button = card?.querySelector(`form[data-desk-decide] button[value="${value}"]`);
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

// The keys' off switch, remembered in this browser for every desk page.
const KEYS_STORE = "eva-desk-keys";
let keysOn = true;
try {
  keysOn = localStorage.getItem(KEYS_STORE) !== "off";
} catch (error) {
  // Storage refused (a privacy setting): the keys are on for this page only.
}

function showKeys() {
  document.querySelectorAll("[data-desk-keys]").forEach((legend) => {
    legend.querySelectorAll("[data-desk-keys-on]").forEach((part) => { part.hidden = !keysOn; });
    legend.querySelectorAll("[data-desk-keys-off]").forEach((part) => { part.hidden = keysOn; });
    legend.querySelectorAll("[data-desk-keys-switch]").forEach((button) => {
      button.setAttribute("aria-pressed", String(keysOn));
      button.querySelector("[data-desk-keys-state]").textContent = keysOn ? "on" : "off";
    });
    legend.hidden = false;
  });
}

document.addEventListener("click", (event) => {
  if (!event.target.closest?.("[data-desk-keys-switch]")) return;
  keysOn = !keysOn;
  try {
    localStorage.setItem(KEYS_STORE, keysOn ? "on" : "off");
  } catch (error) {
    // Not remembered; this page still honours the switch.
  }
  showKeys();
  announce(`Keyboard shortcuts ${keysOn ? "on" : "off"}.`);
});

// The keys that only move the focus, which may repeat while held down.
const MOVES = new Set(["j", "k"]);

document.addEventListener("keydown", (event) => {
  if (!keysOn || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable]")) return;
  // Where the focus is: a card, the queue (cards and receipts), "Your last decisions".
  const card = target.closest("[data-desk-item]");
  const inQueue = Boolean(card || target.closest("[data-desk-queue], [data-desk-receipt]"));
  const inUndoable = inQueue || Boolean(target.closest(".desk-undo-list"));
  // j / k only move the focus: from the queue, or from nowhere (the page just opened, maybe
  // on what the last decision did).
  const nowhere = target === document.body || target === document.documentElement
    || (said !== null && target === said);
  const actions = {
    j: (inQueue || nowhere) && (() => move(1)),
    k: (inQueue || nowhere) && (() => move(-1)),
    a: card && (() => press(card, "approve")),
    h: card && (() => press(card, "hide")),
    // Undo reaches past the card in focus (the last decision may be another's receipt),
    // but only from where decisions are made and undone, never from the header or menus.
    u: inUndoable && undoLast,
  };
  const action = actions[event.key];
  if (!action) return;
  event.preventDefault();
  // A key held down repeats: j / k go on moving, but a decision (a, h) or an undo (u) is
  // taken once a press. Otherwise holding down a approved one comment after another (each
  // next one takes the focus), even those the queue loaded after the first.
  if (event.repeat && !MOVES.has(event.key)) return;
  action();
});

document.addEventListener("focusin", (event) => {
  const item = event.target.closest?.("[data-desk-item]");
  if (item && item !== current) {
    current?.classList.remove("is-current");
    current = item;
  }
  item?.classList.add("is-current");
});

// The focus has left the card: it is no longer marked as the one the keys act on
// (j / k still go on from it).
document.addEventListener("focusout", (event) => {
  const item = event.target.closest?.("[data-desk-item]");
  if (item && !item.contains(event.relatedTarget)) item.classList.remove("is-current");
});

showKeys();

if (said) {
  said.tabIndex = -1;
  said.focus();
}
