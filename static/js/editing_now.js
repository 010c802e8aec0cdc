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

const notice = document.querySelector("[data-editing-now]");
const form = notice?.closest("form");

// What the form holds, to tell whether it was changed since it was shown (a file by its name).
function values() {
  return JSON.stringify([...new FormData(form)].map(([name, value]) => [
    name, typeof value === "string" ? value : value.name]));
}

let shown = null; // the form's values once the page and its widgets are ready

function fields(leaving) {
  const data = new FormData();
  data.set("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
  data.set("version", form.elements._edit_version?.value ?? "");
  if (leaving) data.set("leaving", "1");
  else if (shown !== null && values() !== shown) data.set("changed", "1");
  return data;
}

async function ask() {
  let response;
  try {
    // A session that ended answers with the sign-in page's address: not a notice.
    response = await fetch(notice.dataset.editingNow,
                           { method: "POST", body: fields(false), redirect: "error" });
  } catch {
    return; // offline, or signed out: asked again at the next turn
  }
  if (!response.ok) return;
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
  setInterval(ask, Math.max(1, Number(notice.dataset.every) || 20) * 1000);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") ask();
  });
  window.addEventListener("pagehide", () => {
    if (!sending) navigator.sendBeacon(notice.dataset.editingNow, fields(true));
  });
  // Back to this page from the browser's history: the form is open again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      sending = false;
      ask();
    }
  });
}
