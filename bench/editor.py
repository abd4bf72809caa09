"""The editor's live preview: milliseconds from an edit posted to the preview's answer,
over a burst of edits of the full example, against rendering the file alone.

    .venv/bin/python bench/editor.py [--edits 30] [ISSUE.yaml]

The app runs in this process (Flask's test client, a scratch home and database), so the
figures are the server's share of a keystroke's latency; the page adds its 250 ms of
quiet typing before it asks.
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


if __name__ == "__main__":
    main()
