"""Milliseconds per language for MJML alone and for the whole render of the full example.

    .venv/bin/python bench/render.py [--runs 20] [ISSUE.yaml]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mjml import mjml2html  # noqa: E402

from mailer.issue import issue_languages, load_issue  # noqa: E402
from mailer.labels import load_labels  # noqa: E402
from mailer.render import MARKERS, environment, render_issue  # noqa: E402
from mailer.view import ViewModel  # noqa: E402


def timed(function, runs: int) -> float:
    """Median milliseconds of `runs` calls, after one warm-up call."""
    function()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("issue", nargs="?", default="issues/091.yaml")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    path = Path(args.issue)
    start = time.perf_counter()
    issue = load_issue(path)
    render_issue(issue, issue_languages(issue)[0], path.stem)
    cold_ms = (time.perf_counter() - start) * 1000
    template = environment().get_template("email/issue.mjml.j2")
    print(f"{path.name}, median of {args.runs} runs")
    print(f"{'language':<10}{'MJML alone (ms)':>18}{'whole render (ms)':>20}{'HTML (KB)':>12}")
    for language in issue_languages(issue):
        view = ViewModel(issue, language, load_labels(language), path.stem)
        mjml = template.render(view.context(web=False, urls=MARKERS))
        mjml_ms = timed(lambda mjml=mjml: mjml2html(mjml, disable_comments=True, fonts={}),
                        args.runs)
        edition = render_issue(issue, language, path.stem)
        whole_ms = timed(lambda lang=language: render_issue(issue, lang, path.stem), args.runs)
        size = len(edition.html.encode()) / 1024
        print(f"{language:<10}{mjml_ms:>18.1f}{whole_ms:>20.1f}{size:>12.1f}")
    print(f"cold start (load, compile templates, first render): {cold_ms:.0f} ms")
    print("(whole render = view, Jinja2, MJML and premailer for the email and the web page, "
          "plus the text part)")


if __name__ == "__main__":
    main()
