// The issue editor's behaviour: lists (add, remove, reorder), the markup toolbar, the
// missing translations, the live preview and drafts kept in the browser. No build step:
// served as written. Form names are dotted paths computed from the page's structure, so
// that a moved or added item is named by where it stands.
(function () {
  "use strict";
  const form = document.getElementById("editor");
  if (!form) return;
  const words = JSON.parse(document.getElementById("editor-words").textContent);
  const DELAY = 250;  // ms of quiet typing before the preview is asked for

  function pathOf(el) {
    const parts = [];
    for (let node = el; node && node !== form; node = node.parentElement) {
      if (node.classList.contains("item")) {
        parts.unshift([...node.parentElement.children].filter(c => c.classList.contains("item")).indexOf(node));
      }
      if (node.dataset.key) parts.unshift(node.dataset.key);
    }
    return parts.join(".");
  }

  function renumber() {
    for (const el of form.querySelectorAll("[data-key]")) {
      const path = pathOf(el);
      el.id = "f-" + path;
      if (el.matches("input, select, textarea")) {
        el.name = path;
        const label = el.parentElement.querySelector(":scope > label");
        if (label) label.htmlFor = el.id;
      }
    }
    for (const items of form.querySelectorAll(".items")) {
      [...items.children].forEach((item, i) => {
        const number = item.querySelector(":scope > legend .number");
        if (number) number.textContent = i + 1;
      });
    }
  }

  function add(list) {
    const template = list.querySelector(":scope > template");
    const item = template.content.firstElementChild.cloneNode(true);
    list.querySelector(":scope > .items").appendChild(item);
    renumber();
    return item;
  }

  form.addEventListener("click", event => {
    const button = event.target.closest("button");
    if (!button || !form.contains(button)) return;
    if (button.classList.contains("add")) {
      const item = add(button.closest("fieldset.list"));
      const first = item.querySelector("input, select, textarea");
      if (first) first.focus();
    } else if (button.dataset.move) {
      const item = button.closest(".item");
      const other = button.dataset.move === "-1" ? item.previousElementSibling : item.nextElementSibling;
      if (!other) return;
      if (button.dataset.move === "-1") other.before(item); else other.after(item);
      renumber();
      button.focus();
    } else if (button.hasAttribute("data-remove")) {
      const item = button.closest(".item");
      const next = item.nextElementSibling || item.previousElementSibling;
      const list = item.closest("fieldset.list");
      item.remove();
      renumber();
      (next ? next.querySelector("button") : list.querySelector(".add")).focus();
    } else if (button.dataset.markup) {
      markup(button);
    } else {
      return;
    }
    changed();
  });

  // The toolbar writes the files' markup around the selection of the last focused language.
  let lastArea = null;
  form.addEventListener("focusin", event => {
    if (event.target.matches("textarea.markup")) lastArea = event.target;
  });
  function markup(button) {
    const group = button.closest("fieldset.text");
    const area = lastArea && group.contains(lastArea) ? lastArea : group.querySelector("textarea");
    const [start, end] = [area.selectionStart, area.selectionEnd];
    const chosen = area.value.slice(start, end);
    const action = button.dataset.markup;
    const text = action === "bold" ? `**${chosen || "…"}**`
      : action === "italic" ? `*${chosen || "…"}*`
      : action === "link" ? `[${chosen || "…"}](https://)`
      : chosen.split("\n").map(line => "- " + line).join("\n");
    area.setRangeText(text, start, end, "end");
    area.focus();
  }

  function markMissing() {
    for (const group of form.querySelectorAll("fieldset.text")) {
      const areas = [...group.querySelectorAll("textarea")];
      const some = areas.some(a => a.value.trim());
      for (const area of areas) {
        const missing = some && !area.value.trim();
        area.parentElement.classList.toggle("missing", missing);
        area.parentElement.querySelector(".status").textContent = missing ? words.missing : "";
      }
    }
  }

  // The live preview: one request at a time, the newest answer wins.
  const preview = document.getElementById("preview");
  let timer = null, asked = 0, typedAt = 0;
  function fields() {
    return [...new FormData(form)].filter(([name]) => name !== "csrf_token" && name !== "base");
  }
  async function refresh() {
    const ticket = ++asked;
    preview.setAttribute("aria-busy", "true");
    const response = await fetch(form.dataset.preview, {method: "POST", body: new FormData(form)});
    if (ticket !== asked || !response.ok) return;
    const answer = await response.json();
    const list = document.getElementById("preview-problems");
    list.replaceChildren();
    if (answer.problems.length) {
      const heading = document.createElement("p");
      heading.className = "error";
      heading.textContent = words.problems;
      const ul = document.createElement("ul");
      for (const problem of answer.problems) {
        const li = document.createElement("li"), a = document.createElement("a");
        a.href = "#" + problem.id;
        a.textContent = problem.field || "—";
        li.append(a, ": " + problem.message);
        ul.append(li);
      }
      list.append(heading, ul);
    }
    if (answer.html !== undefined) document.getElementById("preview-body").innerHTML = answer.html;
    preview.setAttribute("aria-busy", "false");
    preview.dataset.latency = Math.round(performance.now() - typedAt);
    preview.dataset.updates = (Number(preview.dataset.updates || 0) + 1).toString();
  }
  // A problem's link takes the keyboard to its field (the nearest one that exists).
  document.addEventListener("click", event => {
    const link = event.target.closest(".problems a[href^='#f-']");
    if (!link) return;
    let id = link.getAttribute("href").slice(1), target = null;
    while (id && !(target = document.getElementById(id))) id = id.replace(/\.?[^.]*$/, "");
    if (!target) return;
    event.preventDefault();
    const control = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
    (control || target).focus();
  });

  // Drafts save themselves in this browser until the form is saved.
  const draftKey = "infolettre-draft:" + form.dataset.draft;
  let saved = JSON.stringify(fields());
  function keepDraft() {
    const now = JSON.stringify(fields());
    if (now === saved) return;
    localStorage.setItem(draftKey, now);
    document.getElementById("autosaved").textContent = words.draft_saved;
  }
  function ensure(name) {
    const parts = name.split(".");
    parts.forEach((part, i) => {
      if (!/^\d+$/.test(part)) return;
      const list = document.getElementById("f-" + parts.slice(0, i).join("."));
      if (!list || !list.matches("fieldset.list")) return;
      while (list.querySelector(":scope > .items").children.length <= Number(part)) add(list);
    });
  }
  const draft = localStorage.getItem(draftKey);
  if (draft && draft !== saved) document.getElementById("draft").hidden = false;
  document.getElementById("draft-restore").addEventListener("click", () => {
    for (const [name, value] of JSON.parse(draft)) {
      ensure(name);
      const el = form.elements.namedItem(name);
      if (el) el.value = value;
    }
    document.getElementById("draft").hidden = true;
    changed();
  });
  document.getElementById("draft-discard").addEventListener("click", () => {
    localStorage.removeItem(draftKey);
    document.getElementById("draft").hidden = true;
  });
  form.addEventListener("submit", () => { localStorage.removeItem(draftKey); saved = null; });

  function changed() {
    typedAt = performance.now();
    markMissing();
    clearTimeout(timer);
    timer = setTimeout(() => { refresh(); keepDraft(); }, DELAY);
  }
  form.addEventListener("input", event => { if (!event.target.matches(".image-file")) changed(); });

  // An image chosen is uploaded at once; its public URL goes into the item's url field.
  form.addEventListener("change", async event => {
    const input = event.target;
    if (!input.matches(".image-file") || !input.files.length) return;
    const status = input.closest(".upload").querySelector(".status");
    const body = new FormData();
    body.append("file", input.files[0]);
    body.append("csrf_token", form.elements.namedItem("csrf_token").value);
    const response = await fetch(form.dataset.images, {method: "POST", body});
    const answer = await response.json();
    if (!response.ok) { status.textContent = answer.error; return; }
    const url = [...input.closest(".item").querySelectorAll("[data-key='url']")]
      .find(el => el.closest(".item") === input.closest(".item"));
    url.value = answer.url;
    status.textContent = words.uploaded;
    changed();
  });
  renumber();
  markMissing();
  refresh();
})();
