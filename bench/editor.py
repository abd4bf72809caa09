"""The editor's live preview, on the full example.

    .venv/bin/python bench/editor.py [--edits 30] [--keystrokes 20] [--no-browser] [ISSUE.yaml]

1. The server's share: milliseconds from an edit posted to the preview's answer, over a
   burst of edits, against rendering the file alone (Flask's test client in this process).
2. What an editor sees: from a keystroke in the editorial to the preview's frames updated,
   in Debian's Chromium (Playwright) against `infolettre web`, split into the page's
   250 ms of quiet typing (debounce), the request, and the frames' reload.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("issue", nargs="?", default=str(ROOT / "issues" / "091.yaml"))
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--keystrokes", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true", help="the server's share only")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="infolettre-bench-"))
    (home / "issues").mkdir()
    source = Path(args.issue)
    shutil.copy(source, home / "issues" / source.name)
    os.environ.update({"INFOLETTRE_HOME": str(home), "INFOLETTRE_ISSUES_DIR": str(home / "issues"),
                       "INFOLETTRE_DATABASE_URL": f"sqlite:///{home / 'bench.db'}",
                       "INFOLETTRE_SECRET_KEY": "bench-only-secret"})
    from mailer import db
    from mailer.console import issue_yaml
    from mailer.console.access import add_staff
    from mailer.console.editor_form import flatten
    from mailer.render import render_file
    from mailer.webapp import create_app

    db.upgrade(os.environ["INFOLETTRE_DATABASE_URL"])
    with db.session_scope() as session:
        from mailer.console.models import Role
        add_staff(session, "bench@example.org", "bench password", Role.EDITOR)
    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/console/login", data={"email": "bench@example.org",
                                        "password": "bench password"})
    fields = dict(flatten(issue_yaml.read(source.read_text(encoding="utf-8"))))
    url = f"/console/issues/{source.name}/preview"
    assert client.post(url, data=fields).json["problems"] == []  # warm: templates compiled

    def timed(function) -> float:
        start = time.perf_counter()
        function()
        return (time.perf_counter() - start) * 1000

    preview, reference = [], []
    for n in range(args.edits):  # a burst of typing in the editorial
        fields["editorial.body.fr"] += " mot" if n % 2 else "s"
        preview.append(timed(lambda: client.post(url, data=fields)))
        reference.append(timed(lambda: render_file(home / "issues" / source.name)))
    shutil.rmtree(home)
    print(f"{source.name}: preview of both languages, {args.edits} edits in a burst")
    print(f"{'':<28}{'median (ms)':>12}{'p95 (ms)':>10}")
    for name, samples in (("preview (POST, JSON)", preview),
                          ("reference: render the file", reference)):
        print(f"{name:<28}{statistics.median(samples):>12.1f}{percentile(samples, .95):>10.1f}")
    print(f"ratio preview / reference (median): "
          f"{statistics.median(preview) / statistics.median(reference):.2f}; goal: under 150 ms")
    if not args.no_browser:
        keystrokes(source, args.keystrokes)


# In the page: each keystroke's time, the preview request's start and answer, and the
# moment every frame of the new preview has loaded and been painted.
PROBE = """
window.__probe = {key: 0, asked: 0, answered: 0, shown: 0};
document.addEventListener("keydown", () => { window.__probe.key = performance.now(); }, true);
const fetched = window.fetch;
window.fetch = async (url, options) => {
  const preview = String(url).endsWith("/preview");
  if (preview) window.__probe.asked = performance.now();
  const response = await fetched(url, options);
  if (preview) window.__probe.answered = performance.now();
  return response;
};
// The frames given a new email (the others are kept as they are): shown once all loaded.
new MutationObserver(records => {
  const frames = new Set(records.filter(r => r.type === "attributes").map(r => r.target));
  let waiting = frames.size;
  if (!waiting) window.__probe.shown = performance.now();
  for (const frame of frames) frame.addEventListener("load", () => {
    if (--waiting === 0) requestAnimationFrame(() => requestAnimationFrame(() => {
      window.__probe.shown = performance.now();
    }));
  }, {once: true});
}).observe(document.getElementById("preview-body"),
           {subtree: true, attributes: true, attributeFilter: ["srcdoc"]});
"""


def keystrokes(source: Path, count: int) -> None:
    """Keystroke → preview updated in Chromium, `count` keystrokes each left to settle."""
    from playwright.sync_api import sync_playwright

    from tests.console.test_access import add_staff
    from tests.support.servers import CHROMIUM, CHROMIUM_ARGS
    from tests.support.webapp import WebProcess

    home = Path(tempfile.mkdtemp(prefix="infolettre-bench-browser-"))
    (home / "issues").mkdir()
    shutil.copy(source, home / "issues" / source.name)
    web = WebProcess(home / "home", workers=2, issues_dir=str(home / "issues"))
    add_staff(web.env, "bench@example.org", "editor")
    web.start()
    parts: dict[str, list[float]] = {"keystroke → preview shown": [], "of which debounce": [],
                                     "of which request (POST, JSON)": [],
                                     "of which frames reloaded": []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context()
            # The example's images are on a site that does not exist here: refused at once.
            context.route("http*://www.reseaucitesdesmetiers.example/**",
                          lambda route: route.abort())
            page = context.new_page()
            page.goto(f"{web.url}/console/")
            page.fill("#email", "bench@example.org")
            page.fill("#password", "correct horse battery")
            page.click("button[type=submit]")
            page.goto(f"{web.url}/console/issues/{source.name}/edit")
            page.wait_for_function("Number(document.querySelector('#preview').dataset.updates) > 0")
            page.evaluate(PROBE)
            area = page.locator("[name='editorial.body.fr']")
            area.focus()
            page.keyboard.press("Control+End")
            for n in range(count + 2):  # the first two warm the page's paths up
                page.evaluate("window.__probe.shown = 0")
                page.keyboard.press("st"[n % 2])  # a letter: the French email changes
                probe = page.wait_for_function(
                    "window.__probe.shown > window.__probe.answered && window.__probe.answered"
                    " > window.__probe.asked && window.__probe.asked > window.__probe.key"
                    " && window.__probe", timeout=10_000).json_value()
                page.wait_for_timeout(300)  # quiet: the next keystroke is a new one
                if n < 2:
                    continue
                parts["keystroke → preview shown"].append(probe["shown"] - probe["key"])
                parts["of which debounce"].append(probe["asked"] - probe["key"])
                parts["of which request (POST, JSON)"].append(probe["answered"] - probe["asked"])
                parts["of which frames reloaded"].append(probe["shown"] - probe["answered"])
            browser.close()
    finally:
        web.stop()
        shutil.rmtree(home)
    print(f"\n{source.name}: keystroke to updated preview in Chromium, {count} keystrokes"
          " (each left to settle), both languages at 600 and 375 px")
    print(f"{'':<32}{'median (ms)':>12}{'p95 (ms)':>10}")
    for name, samples in parts.items():
        print(f"{name:<32}{statistics.median(samples):>12.1f}{percentile(samples, .95):>10.1f}")
    print("issue 14 asks this figure reported (item 2); its goal of 150 ms is the preview "
          "latency above (item 8). After the debounce, this adds the request over HTTP and "
          "the frames' reload")


if __name__ == "__main__":
    main()
