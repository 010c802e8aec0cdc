// Who else has this newsroom form open, and who saved it since it was opened
// (core/editing_now.py, core.admin.EditConflictMixin.editing_now_view).
//
// The notice ([data-editing-now], a polite live region) comes with the form. This
// asks for it again every data-every seconds, sending the form's version token and
// whether the form was changed since it was shown (which the others' notices say),
// and puts the answer in place when what it says changed, so that a screen
// reader reads out each change once. Leaving the page (closing the tab,
// following a link) tells the site the form is closed; sending the form does
// not: the site marks it closed itself, or open again when it shows it back.
//
// Once the site refuses the page (403: its CSRF token changed when the account
// signed in again in another tab; or a redirect to sign in: signed out), every
// question after would be refused too, and each would write a warning to the
// security log, every turn, for as long as the tab stays open. It stops asking
// and says once, in the notice, that the page must be reloaded (what was typed
// is kept by static/js/unsaved_changes.js, which offers it back). The story
// form's live preview (static/js/story_admin.js) stops with it: each tells the
// other with an OUT_OF_DATE event on the document.

const notice = document.querySelector("[data-editing-now]");
const form = notice?.closest("form");
const OUT_OF_DATE = "evadaily:out-of-date";
const REFUSED_PAGE =
  "This page is out of date, so it can no longer be saved: you were signed out, or signed "
  + "in again in another window. Reload the page to go on; the changes you made here are "
  + "kept in this browser and offered back.";
let outOfDate = false;
let turns = null; // the interval that asks every data-every seconds

// What the form holds, to tell whether it was changed since it was shown (a file by its name).
function values() {
  return JSON.stringify([...new FormData(form)].map(([name, value]) => [
    name, typeof value === "string" ? value : value.name]));
}

let shown = null; // the form's values once the page and its widgets are ready
// This page's own id, sent with each question: one asked before the page left and answered
// after its leaving does not list it open again (core/editing_now.py). New when the page
// comes back from the browser's history, which opens the form again.
const newPage = () => Math.random().toString(36).slice(2);
let page = newPage();

function fields(leaving) {
  const data = new FormData();
  data.set("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
  data.set("version", form.elements._edit_version?.value ?? "");
  data.set("page", page);
  if (leaving) data.set("leaving", "1");
  else if (shown !== null && values() !== shown) data.set("changed", "1");
  return data;
}

// Stops asking, and says why once (the notice is a live region: read out once).
function stop() {
  if (outOfDate) return;
  outOfDate = true;
  clearInterval(turns);
  const said = document.createElement("p");
  said.className = "editing-now-out-of-date";
  const reload = document.createElement("a");
  reload.href = window.location.href;
  reload.textContent = "Reload the page";
  const [before, after] = REFUSED_PAGE.split("Reload the page");
  said.replaceChildren(before, reload, after);
  notice.replaceChildren(said);
  document.dispatchEvent(new Event(OUT_OF_DATE));
}

async function ask() {
  if (outOfDate) return;
  let response;
  try {
    // A session that ended answers with the sign-in page's address: not a notice, and
    // not to be followed (an opaque redirect, below).
    response = await fetch(notice.dataset.editingNow,
                           { method: "POST", body: fields(false), redirect: "manual" });
  } catch {
    return; // offline: asked again at the next turn
  }
  if (outOfDate) return; // stopped meanwhile (the preview was refused first)
  if (response.type === "opaqueredirect" || response.status === 403) {
    stop();
    return;
  }
  if (!response.ok) return; // the site away for a moment: asked again at the next turn
  const next = document.createElement("template");
  next.innerHTML = (await response.text()).trim();
  if (next.content.textContent.trim() !== notice.textContent.trim()) {
    notice.replaceChildren(next.content);
  }
}

if (form) {
  window.addEventListener("load", () => { shown = values(); });
  let sending = false;
  form.addEventListener("submit", () => { sending = true; });
  // Never more often than once a second, whatever the page says.
  turns = setInterval(ask, Math.max(1, Number(notice.dataset.every) || 20) * 1000);
  document.addEventListener(OUT_OF_DATE, stop);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") ask();
  });
  window.addEventListener("pagehide", () => {
    if (!sending && !outOfDate) navigator.sendBeacon(notice.dataset.editingNow, fields(true));
  });
  // Back to this page from the browser's history: the form is open again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && !outOfDate) {
      sending = false;
      page = newPage();
      ask();
    }
  });
}
