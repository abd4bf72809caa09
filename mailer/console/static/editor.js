// The issue editor's behaviour: lists (add, remove, reorder), the markup toolbar, the
// missing translations, the live preview and drafts kept on the server. No build step:
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
      const group = button.closest("fieldset.text");
      markup(lastArea && group.contains(lastArea) ? lastArea : group.querySelector("textarea"),
             button.dataset.markup);
    } else {
      return;
    }
    changed();
  });

  // The toolbar writes the files' markup around the selection of the last focused language;
  // Ctrl+B, Ctrl+I and Ctrl+K (⌘ on a Mac) write the same in an article's text.
  let lastArea = null;
  form.addEventListener("focusin", event => {
    if (event.target.matches("textarea.markup")) lastArea = event.target;
  });
  const PLACEHOLDER = "…", ADDRESS = "https://";
  function markup(area, action) {
    const [start, end] = [area.selectionStart, area.selectionEnd];
    const chosen = area.value.slice(start, end);
    const inner = chosen || PLACEHOLDER;
    const [before, after] = action === "bold" ? ["**", "**"] : action === "italic" ? ["*", "*"]
      : action === "link" ? ["[", `](${ADDRESS})`] : ["", ""];
    const text = action === "list" ? chosen.split("\n").map(line => "- " + line).join("\n")
      : before + inner + after;
    area.focus();
    area.setSelectionRange(start, end);
    // As typed: the browser's undo (Ctrl+Z) takes it back.
    if (!document.execCommand("insertText", false, text)) area.setRangeText(text, start, end, "end");
    // What is to be typed next is selected: the text left empty, or the link's address.
    if (action === "link" && chosen) {
      const at = start + before.length + inner.length + 2;
      area.setSelectionRange(at, at + ADDRESS.length);
    } else if (action !== "list" && !chosen) {
      area.setSelectionRange(start + before.length, start + before.length + inner.length);
    }
  }
  const SHORTCUTS = {b: "bold", i: "italic", k: "link"};
  form.addEventListener("keydown", event => {
    const target = event.target;
    if (target.matches("textarea.markup") && (event.ctrlKey || event.metaKey)
        && !event.altKey && !event.shiftKey && SHORTCUTS[event.key.toLowerCase()]) {
      event.preventDefault();
      markup(target, SHORTCUTS[event.key.toLowerCase()]);
      changed();
    } else if (target.matches(".toolbar button")) {
      // One stop for the toolbar in the tab order; the arrows move along it.
      const buttons = [...target.parentElement.querySelectorAll("button")];
      const i = buttons.indexOf(target);
      const next = {ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1}[event.key];
      if (next === undefined) return;
      event.preventDefault();
      const chosen = buttons[(next + buttons.length) % buttons.length];
      buttons.forEach(b => b.tabIndex = b === chosen ? 0 : -1);
      chosen.focus();
    }
  });

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
    if (answer.html !== undefined) show(answer.html);
    preview.setAttribute("aria-busy", "false");
    preview.dataset.latency = Math.round(performance.now() - typedAt);
    preview.dataset.updates = (Number(preview.dataset.updates || 0) + 1).toString();
  }
  // The new preview replaces the old, but its frames stay in place (a frame taken out of
  // the page would be loaded anew): one whose email did not change is left alone (typing
  // in French leaves the English frames as they are), one that changed keeps where it was
  // scrolled, so the editor goes on reading where they were.
  function skeleton(nodes) {
    return nodes.map(node => node.nodeName + [...(node.querySelectorAll ? node.querySelectorAll("iframe") : [])]
      .map(frame => "|" + frame.title).join("")).join(",");
  }
  function show(html) {
    const body = document.getElementById("preview-body");
    const fresh = document.createElement("div");
    fresh.innerHTML = html;
    const before = [...body.childNodes], after = [...fresh.childNodes];
    if (skeleton(before) !== skeleton(after)) { body.replaceChildren(...after); return; }
    before.forEach((node, i) => {
      const frames = node.querySelectorAll ? [...node.querySelectorAll("iframe")] : [];
      if (!frames.length) {
        if (node.nodeType !== Node.ELEMENT_NODE ? node.textContent !== after[i].textContent
            : node.outerHTML !== after[i].outerHTML) node.replaceWith(after[i]);
        return;
      }
      const fresher = [...after[i].querySelectorAll("iframe")];
      frames.forEach((frame, j) => {
        const srcdoc = fresher[j].getAttribute("srcdoc");
        if (frame.getAttribute("srcdoc") === srcdoc) return;
        const view = frame.contentWindow, x = view ? view.scrollX : 0, y = view ? view.scrollY : 0;
        frame.addEventListener("load", () => {
          try { frame.contentWindow.scrollTo(x, y); } catch (e) { /* not readable: stays at the top */ }
        }, {once: true});
        frame.setAttribute("srcdoc", srcdoc);
      });
    });
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

  // Drafts save themselves: on the server after each pause in the typing (another browser,
  // another day), and in this browser at once; a closed tab sends what was left unsent.
  const draftKey = "infolettre-draft:" + form.dataset.draft;
  const serverDraft = JSON.parse(document.getElementById("editor-draft").textContent);
  let saved = JSON.stringify(fields()), sent = saved, leaving = false;
  function draftBody(now) {
    // The fields as one JSON part: a closing tab's beacon may carry 64 KB at most, and
    // one part per field would spend much of it on boundaries.
    const body = new FormData();
    body.append("csrf_token", form.elements.namedItem("csrf_token").value);
    body.append("base", form.elements.namedItem("base").value);
    body.append("fields", now);
    return body;
  }
  async function keepDraft() {
    const now = JSON.stringify(fields());
    if (now === sent || leaving) return;
    localStorage.setItem(draftKey, now);
    const status = document.getElementById("autosaved");
    try {
      const response = await fetch(form.dataset.drafts, {method: "POST", body: draftBody(now)});
      if (!response.ok) throw new Error(response.status);
      sent = now;
      status.textContent = words.draft_saved;
    } catch (error) {
      status.textContent = words.draft_local;
    }
  }
  function sendLeftovers() {
    const now = JSON.stringify(fields());
    if (leaving || now === sent) return;
    localStorage.setItem(draftKey, now);  // kept here too, should the beacon not arrive
    navigator.sendBeacon(form.dataset.drafts, draftBody(now));
  }
  window.addEventListener("pagehide", sendLeftovers);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") sendLeftovers();
  });
  function ensure(name) {
    const parts = name.split(".");
    parts.forEach((part, i) => {
      if (!/^\d+$/.test(part)) return;
      const list = document.getElementById("f-" + parts.slice(0, i).join("."));
      if (!list || !list.matches("fieldset.list")) return;
      while (list.querySelector(":scope > .items").children.length <= Number(part)) add(list);
    });
  }
  const local = localStorage.getItem(draftKey);
  const draft = serverDraft ? JSON.stringify(serverDraft.fields) : local;
  const banner = document.getElementById("draft");
  if (draft && draft !== saved) {
    banner.hidden = false;
    const base = form.elements.namedItem("base").value;
    if (serverDraft && serverDraft.base !== base) document.getElementById("draft-older").hidden = false;
  } else if (serverDraft) {
    discard();  // the same as the file (a save that crossed a last draft): nothing to offer
  }
  async function discard() {
    const body = new FormData();
    body.append("csrf_token", form.elements.namedItem("csrf_token").value);
    await fetch(form.dataset.draftDiscard, {method: "POST", body});
    sent = saved;
  }
  document.getElementById("draft-restore").addEventListener("click", () => {
    for (const [name, value] of JSON.parse(draft)) {
      ensure(name);
      const el = form.elements.namedItem(name);
      if (el) el.value = value;
    }
    // Begun on an earlier file: saving it is then told of what changed since (409).
    if (serverDraft) form.elements.namedItem("base").value = serverDraft.base;
    sent = draft;
    banner.hidden = true;
    changed();
    const first = form.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
  document.getElementById("draft-discard").addEventListener("click", () => {
    localStorage.removeItem(draftKey);
    banner.hidden = true;
    discard();
  });
  // Saving: the server forgets the draft once the file is written; nothing more is sent.
  form.addEventListener("submit", () => { localStorage.removeItem(draftKey); leaving = true; clearTimeout(timer); });

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
    const own = key => [...input.closest(".item").querySelectorAll(`[data-key='${key}']`)]
      .find(el => el.closest(".item") === input.closest(".item"));
    own("url").value = answer.url;  // the 600 px file; the email shows its 1,200 px twin
    // A picture narrower than the column is shown at its own width, not stretched.
    const width = own("width");
    if (answer.width < Number(width.value || width.placeholder || 552)) width.value = answer.width;
    status.textContent = words.uploaded;
    changed();
  });
  renumber();
  markMissing();
  refresh();
})();
