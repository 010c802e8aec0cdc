// Live character counters. They count exactly as the server does
// (core/text.py): CR LF and lone CR become LF, white space is trimmed
// from both ends as String.prototype.trim does, and characters are Unicode
// code points, so an emoji flag counts 2 and an accented letter 1 or 2
// depending on how it was typed, here and on the server alike.

export function countChars(value) {
  return [...value.replace(/\r\n?/g, "\n").trim()].length;
}

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
    // The browser's maxlength counts UTF-16 units, so an emoji would count
    // twice there; the script enforces the real limit instead.
    field.removeAttribute("maxlength");
    const message = document.createElement("p");
    message.className = "counter-error";
    message.id = `${field.id}-counter-error`;
    message.hidden = true;
    counter.after(message);
    // Read out with the field (a hidden element referenced here still is).
    const describedBy = (field.getAttribute("aria-describedby") || "").split(/\s+/);
    field.setAttribute("aria-describedby", [...describedBy, message.id].filter(Boolean).join(" "));
    // The server's verdict on a refused text holds until the reader edits it.
    let serverInvalid = field.getAttribute("aria-invalid") === "true";
    const form = field.form;

    const update = () => {
      const count = countChars(field.value);
      counter.textContent = `${count}/${limit}`;
      const over = count > limit;
      counter.classList.toggle("counter-over", over);
      if (over || serverInvalid) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
      message.hidden = !over;
      message.textContent = over
        ? `${NOUNS[field.name] || "This text"} can be at most ${limit} characters; this one has ${count}.`
        : "";
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
    update();
  });
}
