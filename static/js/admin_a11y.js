// What the admin's own scripts leave unsaid to a screen reader (every admin page,
// templates/admin/base_site.html). The server names what it draws
// (core/admin.py, describe_controls); this names what select2 and
// "Add another" draw in the browser.
//
// Autocomplete drop-downs: select2 hides the <select> and draws a combobox
// named by its shown value alone (an empty placeholder on an add form), so
// "Section" or "Author" was never read. The combobox is now named by the
// field's label (or, in a table's row, by the select's own aria-label) and
// then its value, and carries the select's errors, help and invalid state.
//
// Rows added with "Add another": Django renumbers their ids but not the
// ARIA references to them, so a copied row's inputs named
// "…-__prefix__-…" ids, and a new row's controls are numbered here.

const NAME_SUFFIX = "_a11y_name";
const ROW_LABEL = /, (row \d+|new row)$/;

function nameCombobox(combobox) {
  const container = combobox.closest(".select2-container");
  const select = container?.previousElementSibling;
  if (!select || select.tagName !== "SELECT") return;
  const rendered = combobox.querySelector(".select2-selection__rendered");
  let nameId;
  const [label] = select.labels;
  if (label) {
    label.id ||= `${select.id}_label`;
    nameId = label.id;
  } else if (select.hasAttribute("aria-label")) {
    // aria-labelledby reads a hidden element's text.
    nameId = `${select.id}${NAME_SUFFIX}`;
    let name = document.getElementById(nameId);
    if (!name) {
      name = document.createElement("span");
      name.id = nameId;
      name.hidden = true;
      container.after(name);
    }
    name.textContent = select.getAttribute("aria-label");
  }
  if (nameId) {
    combobox.setAttribute("aria-labelledby", [nameId, rendered?.id].filter(Boolean).join(" "));
    // select2 draws the value in a read-only textbox of its own, named only by a title
    // it gives once a value is chosen: on an add form (a correction's story) it was a
    // textbox with no name at all. The combobox's name still reads its value from it.
    rendered?.setAttribute("aria-labelledby", nameId);
  }
  ["aria-describedby", "aria-invalid"].forEach((attribute) => {
    if (select.hasAttribute(attribute)) {
      combobox.setAttribute(attribute, select.getAttribute(attribute));
    }
  });
  if (select.required) combobox.setAttribute("aria-required", "true");
}

// The search box of an open drop-down, named as its combobox is (select2 adds the
// drop-down to the page each time it opens, and names the list it controls after the select).
function nameSearchField(field) {
  const selectId = field.getAttribute("aria-controls")?.match(/^select2-(.+)-results$/)?.[1];
  const select = selectId && document.getElementById(selectId);
  const combobox = select?.nextElementSibling?.querySelector(".select2-selection[role=combobox]");
  const [nameId] = (combobox?.getAttribute("aria-labelledby") || "").split(" ");
  if (nameId && !nameId.startsWith("select2-")) field.setAttribute("aria-labelledby", nameId);
}

function nameComboboxesIn(node) {
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  if (node.matches(".select2-selection[role=combobox]")) nameCombobox(node);
  node.querySelectorAll(".select2-selection[role=combobox]").forEach(nameCombobox);
  node.querySelectorAll(".select2-search__field").forEach(nameSearchField);
}

// Each row of a formset: its ARIA references follow its number, as Django's
// inlines.js makes its ids follow it, and a table row's controls say which
// row they are in, numbered from 1 as the server numbers them.
function renumberRows(prefix) {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const rowId = new RegExp(`^${escaped}-(\\d+)$`);
  const reference = new RegExp(`${escaped}-(\\d+|__prefix__)-`, "g");
  document.querySelectorAll(`[id^="${CSS.escape(prefix)}-"]`).forEach((row) => {
    const number = row.id.match(rowId)?.[1];
    if (number === undefined) return;  // the empty row "Add another" copies
    const references = ["aria-describedby", "aria-labelledby", "aria-controls"];
    row.querySelectorAll(references.map((name) => `[${name}]`).join(",")).forEach((element) => {
      references.forEach((name) => {
        const value = element.getAttribute(name);
        if (value) element.setAttribute(name, value.replace(reference, `${prefix}-${number}-`));
      });
    });
    if (!row.matches("tr")) return;
    row.querySelectorAll("[aria-label]").forEach((control) => {
      const label = control.getAttribute("aria-label");
      if (ROW_LABEL.test(label)) {
        const numbered = label.replace(ROW_LABEL, `, row ${Number(number) + 1}`);
        control.setAttribute("aria-label", numbered);
      }
    });
    row.querySelectorAll(`[id$="${NAME_SUFFIX}"]`).forEach((name) => {
      const select = document.getElementById(name.id.slice(0, -NAME_SUFFIX.length));
      if (select) name.textContent = select.getAttribute("aria-label");
    });
  });
}

// Once inlines.js is done: it renumbers the rows after a removed one only after
// saying "formset:removed". The observer below names a combobox whenever
// select2 draws one.
["formset:added", "formset:removed"].forEach((type) => {
  document.addEventListener(type, (event) => {
    queueMicrotask(() => renumberRows(event.detail.formsetName));
  });
});

new MutationObserver((mutations) => {
  mutations.forEach((mutation) => mutation.addedNodes.forEach(nameComboboxesIn));
}).observe(document.documentElement, { childList: true, subtree: true });
nameComboboxesIn(document.documentElement);

// An add form opens on its first field (templates/admin/change_form.html), unless the
// server's errors gave a field the focus (autofocus, core/forms.py). Django's
// change_form.js focused the form's first control: the Save button above the fields
// where save_on_top is set, and the first field even over the first invalid one.
// An autocomplete's <select> is hidden once select2 draws its own box, which happens
// when the page has loaded (jQuery's ready): its box is focused then.
function focusFirstField(form) {
  if (document.querySelector("[autofocus]")) return;
  const first = [...form.elements].find((control) =>
    ["INPUT", "SELECT", "TEXTAREA"].includes(control.tagName) && control.type !== "hidden" &&
    !control.disabled && !control.closest(".submit-row") &&
    (control.matches(".admin-autocomplete") || control.offsetParent !== null));
  if (first?.matches(".admin-autocomplete")) {
    first.nextElementSibling?.querySelector(".select2-selection")?.focus();
  } else {
    first?.focus();
  }
}

const addForm = document.getElementById(document.getElementById("admin-add-form")?.dataset.form ?? "");
if (addForm) {
  document.addEventListener("DOMContentLoaded", () => setTimeout(() => focusFirstField(addForm)));
}
