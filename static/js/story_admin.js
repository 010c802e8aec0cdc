// The newsroom's story list and form, enhanced. Without this script the
// list's filters are drop-downs that stay open until closed, the body's
// Preview button opens the preview page in a new tab, and the word count is
// that of the text as it was loaded. Word counts and read times come from
// the server, which counts them as the article page does (ArticleAdmin.preview_view).

const TYPING_PAUSE = 300; // milliseconds after the last keystroke before asking the server
// Said on the document when the site refuses this page's background questions (403: the
// account signed in again in another tab, which changed the CSRF token; or a redirect to
// sign in), here or by static/js/editing_now.js, which says so in the form. Each question
// after would be refused too, and write a warning to the security log: none is sent.
const OUT_OF_DATE = "evadaily:out-of-date";
let outOfDate = false;
document.addEventListener(OUT_OF_DATE, () => { outOfDate = true; });

function csrfToken(form) {
  return form.querySelector("input[name=csrfmiddlewaretoken]").value;
}

function enhanceBody(stats) {
  const field = document.getElementById(stats.dataset.storyStats);
  const button = document.querySelector(`[data-story-preview="${field.id}"]`);
  const panel = document.getElementById(`${field.id}_preview`);
  let timer;
  let controller;
  let html = null;

  const refresh = async () => {
    if (outOfDate) {
      stats.classList.add("story-stats-stale");
      return;
    }
    controller?.abort();
    controller = new AbortController();
    const data = new FormData();
    data.append("body", field.value);
    try {
      const response = await fetch(stats.dataset.previewUrl, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken(field.form) },
        credentials: "same-origin",
        redirect: "manual",
        signal: controller.signal,
      });
      if (response.type === "opaqueredirect" || response.status === 403) {
        outOfDate = true;
        document.dispatchEvent(new Event(OUT_OF_DATE));
      }
      if (!response.ok) throw new Error(`preview answered ${response.status}`);
      const result = await response.json();
      stats.textContent = result.stats;
      stats.classList.remove("story-stats-stale");
      // Sanitised by the server with the site's own allow-list (core/text.py).
      html = result.html;
      if (!panel.hidden) panel.innerHTML = html;
    } catch (error) {
      if (error.name !== "AbortError") stats.classList.add("story-stats-stale");
    }
  };

  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, TYPING_PAUSE);
  });
  // A panel that scrolls needs a stop on the keyboard's path: Safari scrolls
  // only what has focus, and nothing in the preview takes it.
  panel.tabIndex = 0;
  button.setAttribute("aria-expanded", "false");
  button.addEventListener("click", (event) => {
    event.preventDefault();
    const opening = panel.hidden;
    panel.hidden = !opening;
    button.setAttribute("aria-expanded", String(opening));
    button.textContent = opening ? "Hide preview" : "Preview";
    if (opening) {
      if (html !== null) panel.innerHTML = html;
      refresh();
    }
  });
}

// Tags: suggestions of existing tags for the one being typed, from the
// admin's own autocomplete view, offered through a native <datalist>.
function quoteTag(name) {
  return /[\s,]/.test(name) ? `"${name.replaceAll('"', "")}"` : name;
}

function enhanceTags(input) {
  const list = document.createElement("datalist");
  list.id = `${input.id}_suggestions`;
  input.after(list);
  input.setAttribute("list", list.id);
  input.setAttribute("autocomplete", "off");
  let timer;
  let controller;

  const suggest = async () => {
    const cut = input.value.lastIndexOf(",") + 1;
    const head = input.value.slice(0, cut);
    const typed = input.value.slice(cut);
    const term = typed.trim().replace(/^"/, "");
    if (!term) {
      list.replaceChildren();
      return;
    }
    controller?.abort();
    controller = new AbortController();
    const url = new URL(input.dataset.tagSuggestions, window.location.href);
    const query = { app_label: "articles", model_name: "article", field_name: "tags", term };
    Object.entries(query).forEach(([key, value]) => url.searchParams.set(key, value));
    try {
      const response = await fetch(url, { credentials: "same-origin", signal: controller.signal });
      if (!response.ok) return;
      const { results } = await response.json();
      const space = typed.match(/^\s*/)[0];
      list.replaceChildren(...results.map(({ text }) => {
        const option = document.createElement("option");
        option.value = `${head}${space}${quoteTag(text)}, `;
        option.label = text;
        return option;
      }));
    } catch (error) {
      if (error.name !== "AbortError") list.replaceChildren();
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, TYPING_PAUSE);
  });
}

// The list's filters: one drop-down open at a time; Escape or a click elsewhere closes it.
function enhanceFilters(filters) {
  filters.forEach((filter) => {
    filter.addEventListener("toggle", () => {
      if (filter.open) filters.forEach((other) => { if (other !== filter) other.open = false; });
    });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    filters.forEach((filter) => {
      if (!filter.open) return;
      filter.open = false;
      filter.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", (event) => {
    filters.forEach((filter) => {
      if (filter.open && !filter.contains(event.target)) filter.open = false;
    });
  });
}

document.querySelectorAll("[data-story-stats]").forEach(enhanceBody);
document.querySelectorAll("input[data-tag-suggestions]").forEach(enhanceTags);
const filters = [...document.querySelectorAll("details.story-filter")];
if (filters.length) enhanceFilters(filters);
