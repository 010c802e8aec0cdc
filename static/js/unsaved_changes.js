// Changes to a newsroom form that were not saved, kept in this browser.
//
// An editor signed out in another tab (or whose session ended) pressed Save
// and was sent to the sign-in page: what they had typed was gone. Each form
// with a [data-unsaved-changes] mark (core.admin.EditConflictMixin's
// template) keeps a copy of its fields in localStorage as they are changed,
// under the account and the object edited: the fields changed since the page
// loaded. Opened again with other values than the copy's, the form offers to
// restore the copy or to discard it; what is changed before either is chosen is kept over
// the copy, so that working on without choosing loses nothing. The
// copy goes when the form shows the same values (saved, or sent back with an
// error), when the page after Save says it was saved, when the account signs
// out (from the newsroom's header, or from a public page's: base.html loads
// this script for the newsroom's accounts), or after KEPT_HOURS.
//
// The form's version token (_edit_version) is kept with the rest: changes
// restored over a story saved by someone else since are refused as any stale
// save is, with both versions shown. Files, inline rows and the CSRF token
// are not kept.

const PREFIX = "evadaily:unsaved:";
const SENT = `${PREFIX}sent`; // sessionStorage: the copy of the form this tab last sent
const KEPT_HOURS = 24;
const PAUSE = 400; // milliseconds after the last change before the copy is written

function kept(element) {
  return element.name && !element.disabled && !element.name.includes("-")
    && element.name !== "csrfmiddlewaretoken"
    && !["file", "submit", "button", "reset", "image"].includes(element.type);
}

// {name: value}: a string, or for checkboxes, radios and selects a list of
// [value, text] pairs of what is chosen (a select's text lets an
// autocomplete drop-down show an option it has not loaded).
function valuesOf(form) {
  const values = {};
  for (const element of form.elements) {
    if (!kept(element)) continue;
    if (element.type === "checkbox" || element.type === "radio") {
      values[element.name] ??= [];
      if (element.checked) values[element.name].push([element.value, ""]);
    } else if (element.tagName === "SELECT") {
      values[element.name] = [...element.selectedOptions].map((o) => [o.value, o.text]);
    } else {
      values[element.name] = element.value;
    }
  }
  return values;
}

function same(value, other) {
  return JSON.stringify(value) === JSON.stringify(other);
}

const TOKEN = "_edit_version";

// The fields the person changed since the page loaded, with the form's version token:
// restored, the copy puts back their changes and no other field as it was then (a save
// refused for someone else's since brings the form back with what only they changed).
function changes(values, loaded) {
  const changed = Object.fromEntries(Object.entries(values)
    .filter(([name, value]) => name !== TOKEN && !same(value, loaded[name])));
  if (Object.keys(changed).length && TOKEN in values) changed[TOKEN] = values[TOKEN];
  return changed;
}

// The fields a person sees whose values differ (a version token is not one).
function differing(form, values, current) {
  return Object.keys(values).filter((name) => name in current
    && form.elements[name]?.type !== "hidden" && !same(values[name], current[name]));
}

// A field's name as its label shows it: a radio's own label is its choice's.
function label(form, name) {
  const element = form.elements[name];
  const first = element instanceof RadioNodeList ? element[0] : element;
  const own = first?.type !== "radio" && first?.id
    && form.querySelector(`label[for="${first.id}"]`);
  const row = first?.closest(".fieldBox, .form-row")?.querySelector("label");
  return ((own || row)?.textContent || name).replace(/:\s*$/, "").trim();
}

function restore(form, values) {
  for (const [name, value] of Object.entries(values)) {
    const element = form.elements[name];
    if (!element || name === "csrfmiddlewaretoken") continue;
    if (element instanceof RadioNodeList || element.type === "checkbox") {
      const chosen = new Set(value.map(([v]) => v));
      const boxes = element instanceof RadioNodeList ? [...element] : [element];
      boxes.forEach((box) => { box.checked = chosen.has(box.value); });
      boxes.forEach((box) => box.dispatchEvent(new Event("change", { bubbles: true })));
      continue;
    }
    if (element.tagName === "SELECT") {
      const chosen = new Map(value);
      for (const [v, text] of chosen) {
        if (![...element.options].some((option) => option.value === v)) {
          element.add(new Option(text, v));
        }
      }
      [...element.options].forEach((option) => { option.selected = chosen.has(option.value); });
    } else {
      element.value = value;
    }
    element.dispatchEvent(new Event("input", { bubbles: true }));
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

function read(key) {
  try {
    const copy = JSON.parse(localStorage.getItem(key));
    return copy && typeof copy.values === "object" ? copy : null;
  } catch {
    return null;
  }
}

// The copies kept in this browser, for every account and form.
function keptKeys() {
  return Object.keys(localStorage).filter((key) => key.startsWith(PREFIX));
}

function forgetOld() {
  const oldest = Date.now() - KEPT_HOURS * 3600 * 1000;
  keptKeys().filter((key) => !((read(key)?.savedAt ?? 0) > oldest))
    .forEach((key) => localStorage.removeItem(key));
}

// Shows the offer to restore or discard the copy; onDecided() once either is chosen.
function offer(mark, form, key, copy, names, onDecided) {
  const time = new Date(copy.savedAt).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  const text = document.createElement("p");
  const title = document.createElement("strong");
  title.textContent = "Changes not saved. ";
  const labels = [...new Set(names.map((name) => label(form, name)))];
  text.append(title, `This browser kept changes to this form that were not saved, made at ${time}: `
    + `${labels.join(", ")}.`);
  const buttons = document.createElement("div");
  buttons.className = "unsaved-changes-buttons";
  const restoreButton = document.createElement("button");
  restoreButton.type = "button";
  restoreButton.className = "button";
  restoreButton.textContent = "Restore them";
  const discardButton = document.createElement("button");
  discardButton.type = "button";
  discardButton.className = "button unsaved-changes-discard";
  discardButton.textContent = "Discard them";
  buttons.append(restoreButton, discardButton);
  mark.replaceChildren(text, buttons);
  mark.setAttribute("role", "region");
  mark.setAttribute("aria-label", "Changes not saved");
  mark.hidden = false;

  restoreButton.addEventListener("click", () => {
    restore(form, copy.values);
    const done = document.createElement("p");
    done.textContent = "Your changes are back in the form. They are saved when you press Save.";
    done.setAttribute("role", "status");
    mark.replaceChildren(done);
    form.elements[names[0]]?.focus?.();
    onDecided();
  });
  discardButton.addEventListener("click", () => {
    localStorage.removeItem(key);
    mark.hidden = true;
    mark.replaceChildren();
    onDecided();
  });
}

function keep(mark) {
  const form = mark.closest("form");
  const key = `${PREFIX}${mark.dataset.unsavedChanges}`;
  const loaded = valuesOf(form);
  const copy = read(key);
  let offered = false; // a copy on offer, neither restored nor discarded yet
  let timer;
  const write = () => {
    clearTimeout(timer);
    let values = changes(valuesOf(form), loaded);
    let savedAt = Date.now();
    if (offered) {
      // Changes made while the copy is on offer are kept over it, not dropped: an editor
      // who worked on without answering the offer, and was signed out again, lost all
      // of it. The copy's version token stays, so restored over a save made since, the
      // whole is refused with both versions shown. Written again when nothing changed:
      // signing out in another tab took it away.
      if (!Object.keys(values).length) savedAt = copy.savedAt;
      values = { ...copy.values, ...values };
      if (TOKEN in copy.values) values[TOKEN] = copy.values[TOKEN];
    }
    try {
      if (!Object.keys(values).length) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify({ savedAt, values }));
    } catch {
      // Storage full: the form works as it did without.
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(write, PAUSE);
  };
  if (copy) {
    const names = differing(form, copy.values, loaded);
    if (names.length) {
      offered = true;
      // Restored or discarded, what the form shows now is what is kept.
      offer(mark, form, key, copy, names, () => { offered = false; write(); });
    } else {
      localStorage.removeItem(key); // what it kept is what the form shows
    }
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  window.addEventListener("pagehide", write); // leaving before the pause is over
  form.addEventListener("submit", () => {
    write();
    try {
      sessionStorage.setItem(SENT, key);
    } catch {
      // Storage full: the copy stays until the form shows its values, or KEPT_HOURS.
    }
  });
}

try {
  // The page after a save: the copy of the form sent from this tab was saved.
  const sent = sessionStorage.getItem(SENT);
  if (sent) {
    if (document.querySelector(".messagelist .success")) localStorage.removeItem(sent);
    sessionStorage.removeItem(SENT);
  }
  forgetOld();
  document.querySelectorAll("form [data-unsaved-changes]").forEach(keep);
  // Signing out, here or on a public page, leaves no copy behind on a shared computer.
  // A form still open in another tab writes its copy again when it is sent, for its
  // account to restore.
  document.querySelectorAll("#logout-form, form[data-signs-out]").forEach((form) => {
    form.addEventListener("submit", () => {
      keptKeys().forEach((key) => localStorage.removeItem(key));
    });
  });
} catch (error) {
  // A browser that refuses this site storage: its forms work as they did without.
  if (error.name !== "SecurityError") throw error;
}
