// A picture larger than the site takes is refused as it is chosen, before the form is sent
// (every admin page, templates/admin/base_site.html; core.images.CheckedImageField marks
// the inputs with data-max-bytes).
//
// The server refuses it too (core.images.check_upload_size), but only after the whole form
// has been sent, a long wait on a slow line; and a file past the admin's request limit
// (45 MB) was answered with a page in place of the form. The file input is emptied, so that
// Save sends the rest; the reason is said beside it, in the words the server would use.

const MB = 1024 * 1024;

function refuse(input, file) {
  const most = Number(input.dataset.maxBytes);
  input.value = "";
  const id = `${input.id || input.name}_too_large`;
  let note = document.getElementById(id);
  if (!note) {
    note = document.createElement("div"); // the alert: a list's own role stays a list
    note.id = id;
    note.className = "upload-too-large";
    note.setAttribute("role", "alert");
    (input.closest(".file-upload") ?? input).after(note);
  }
  const list = document.createElement("ul");
  list.className = "errorlist";
  const item = document.createElement("li");
  item.textContent = `Images can be at most ${Math.round(most / MB)} MB; this file `
    + `(${file.name}) is ${(file.size / MB).toFixed(1)} MB, so it was not added. `
    + "Choose a smaller one.";
  list.append(item);
  note.replaceChildren(list);
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), id]
    .filter(Boolean).join(" "));
}

function accept(input) {
  const id = `${input.id || input.name}_too_large`;
  document.getElementById(id)?.remove();
  input.removeAttribute("aria-invalid");
  const rest = (input.getAttribute("aria-describedby") ?? "").split(" ")
    .filter((other) => other && other !== id);
  if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
  else input.removeAttribute("aria-describedby");
}

document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file"
      || !input.dataset.maxBytes) return;
  const file = [...input.files].find((chosen) => chosen.size > Number(input.dataset.maxBytes));
  if (file) refuse(input, file);
  else if (input.files.length) accept(input);
});
