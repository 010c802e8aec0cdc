// Live character counters. They count exactly as the server does
// (core/text.py): CR LF and lone CR become LF, white space is trimmed
// from both ends as String.prototype.trim does, and characters are Unicode
// code points, so an emoji flag counts 2 and an accented letter 1 or 2
// depending on how it was typed, here and on the server alike. Runs of blank
// lines count as one (core.text.normalize_limited), as they are stored.

function normalizeLimited(value) {
  return value.replace(/\r\n?/g, "\n").trim().replace(/\n(?:[^\S\n]*\n){2,}/g, "\n\n");
}

export function countChars(value) {
  return [...normalizeLimited(value)].length;
}

export function countLineBreaks(value) {
  return normalizeLimited(value).split("\n").length - 1;
}

// Announced once the reader has paused at or past the limit, not at each keystroke.
const ANNOUNCE_AFTER_MS = 600;

const NOUNS = { body: "Comments", quoted_passage: "Quoted passages", details: "Details" };

// The server's reasons for refusing the text (its .field-errors) are about
// the text it was sent: once the reader edits it, they are hidden and no
// longer read out with the field.
function forgetServerErrors(field) {
  const ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const kept = ids.filter((id) => {
    const described = document.getElementById(id);
    if (!described?.classList.contains("field-errors")) return true;
    described.hidden = true;
    return false;
  });
  field.setAttribute("aria-describedby", kept.join(" "));
}

export function attachCounters(root) {
  root.querySelectorAll("[data-counter-for]").forEach((counter) => {
    const field = document.getElementById(counter.dataset.counterFor);
    if (!field || field.dataset.counterAttached) return;
    field.dataset.counterAttached = "true";
    const limit = Number(field.dataset.limit || field.getAttribute("maxlength"));
    const maxLineBreaks = field.dataset.maxLineBreaks ? Number(field.dataset.maxLineBreaks) : null;
    // The browser's maxlength counts UTF-16 units, so an emoji would count
    // twice there; the script enforces the real limit instead.
    field.removeAttribute("maxlength");
    const message = document.createElement("p");
    message.className = "counter-error";
    message.id = `${field.id}-counter-error`;
    message.hidden = true;
    counter.after(message);
    // The counter is no live region (it would be read out at every keystroke);
    // this one speaks only when the text reaches or passes the limit, or comes
    // back within it. It is not part of the field's description: the message is.
    const live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    message.after(live);
    let announced = "under";
    let announceTimer = null;
    // Read out with the field (a hidden element referenced here still is).
    const describedBy = (field.getAttribute("aria-describedby") || "").split(/\s+/);
    field.setAttribute("aria-describedby", [...describedBy, message.id].filter(Boolean).join(" "));
    // The server's verdict on a refused text holds until the reader edits it.
    let serverInvalid = field.getAttribute("aria-invalid") === "true";
    const form = field.form;

    const announce = (state, text) => {
      clearTimeout(announceTimer);
      announceTimer = setTimeout(() => {
        if (state === announced) return;
        // From "at" back to "under" is nothing to tell.
        if (state !== "under" || announced === "over") live.textContent = text;
        announced = state;
      }, ANNOUNCE_AFTER_MS);
    };

    const update = (speak = true) => {
      const count = countChars(field.value);
      const lineBreaks = countLineBreaks(field.value);
      const noun = NOUNS[field.name] || "This text";
      counter.textContent = `${count}/${limit}`;
      const tooLong = count > limit;
      const tooManyLines = maxLineBreaks !== null && lineBreaks > maxLineBreaks;
      const over = tooLong || tooManyLines;
      counter.classList.toggle("counter-over", over);
      if (over || serverInvalid) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
      message.hidden = !over;
      if (tooLong) message.textContent = `${noun} can be at most ${limit} characters; this one has ${count}.`;
      else if (tooManyLines) message.textContent = `${noun} can have at most ${maxLineBreaks} line breaks; this one has ${lineBreaks}.`;
      else message.textContent = "";
      if (speak) {
        if (over) announce("over", message.textContent);
        else if (count === limit) announce("at", `${count}/${limit}: the limit is reached.`);
        else announce("under", `${count}/${limit}: within the limit again.`);
      }
      if (form) {
        const anyOver = [...form.querySelectorAll(".counter-over")].length > 0;
        form.dataset.overLimit = String(anyOver);
      }
    };
    field.addEventListener("input", () => {
      if (serverInvalid) forgetServerErrors(field);
      serverInvalid = false;
      update();
    });
    // What the page came with is no news: nothing is announced until the reader types.
    update(false);
  });
}
