"""Issue files built to hang or crash a YAML reader, through every command and the console:
each is refused at once with its file and line, never a traceback, never a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import yaml

from mailer.issue import IssueInvalid, load_issue
from tests.console.test_access import add_staff, sign_in
from tests.render.conftest import MINIMAL, ROOT
from tests.support.webapp import WebProcess, infolettre_env


def _bomb() -> str:
    # The "billion laughs": 10^9 strings from a few hundred bytes.
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    return "\n".join(lines) + "\n"


HOSTILE = {
    "bomb": (_bomb(), 6, "more than 100,000 values once its aliases"),
    "recursive": ("a: &a [*a]\n", 1, "a recursive alias"),
    "brackets": ("number: 1\nblocks: " + "[" * 50_000 + "\n", 2, "nested deeper than 20"),
    "deep": ("a:\n" + "".join(" " * n + "b:\n" for n in range(1, 40)), 20, "nested deeper"),
    "nul": ("number: 1\ntitle: {fr: Bon\x00jour}\n", 2, "control character U+0000"),
    "escape": ("number: 1\n\ntitle: \x1b[31mred\n", 3, "control character U+001B"),
    "huge": ("number: 1\ntitle: " + "x" * 1_100_000 + "\n", 0, "larger than 1,000,000 bytes"),
    # Refused before anything is built: a SafeLoader would not run it, but named no field.
    "python": ("number: 1\ntitle: !!python/object/apply:os.system ['touch pwned']\n", 2,
               "`!!python/object/apply:os.system`"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for name, (text, _, _) in HOSTILE.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def run(home, *args):
    return subprocess.run([sys.executable, "-m", "mailer", *args], capture_output=True,
                          text=True, cwd=home, env=infolettre_env(home), timeout=60)


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("command", [["validate"], ["render"], ["preview"],
                                     ["send", "--test-to", "me@example.org"]])
def test_every_command_refuses_it_with_file_and_line(hostile, tmp_path, name, command):
    path = hostile / f"{name}.yaml"
    result = run(tmp_path, *command[:1], str(path), *command[1:])
    _, line, words = HOSTILE[name]
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stderr
    where = f"{path}:{line}:" if line else f"{path}:"
    assert where in result.stderr and words in result.stderr
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("command", [["validate"], ["render"], ["preview"],
                                     ["send", "--test-to", "me@example.org"]])
def test_every_command_refuses_what_is_not_a_file_without_waiting(tmp_path, command):
    # `infolettre validate /tmp/p` on a named pipe waited for a writer, forever.
    fifo = tmp_path / "issue.yaml"
    os.mkfifo(fifo)
    for path, kind in ((fifo, "a named pipe"), ("/dev/zero", "a device"),
                       (tmp_path, "a folder")):
        result = run(tmp_path, *command[:1], str(path), *command[1:])  # 60 s at the most
        assert result.returncode in (1, 2) and "Traceback" not in result.stderr
        assert result.stderr == f"{path}: {kind}, not a file: give the path of the file itself\n"


def test_the_console_refuses_each_at_once_and_keeps_answering(tmp_path, page, hostile):
    issues = tmp_path / "issues"
    issues.mkdir()
    web = WebProcess(tmp_path / "home", issues_dir=str(issues))
    add_staff(web.env, "editor@example.org", "editor")
    web.start()
    try:
        sign_in(page, web, "editor@example.org")
        for name in ("bomb", "recursive", "brackets", "nul", "python"):
            page.goto(f"{web.url}/console/")
            page.set_input_files("#file", str(hostile / f"{name}.yaml"))
            with page.expect_response(lambda r: r.url.endswith("/console/issues")) as answer:
                page.click("#upload button")
            assert answer.value.status == 400
            text = page.inner_text("main")
            assert f"{name}.yaml:{HOSTILE[name][1]}:" in text and HOSTILE[name][2] in text
            assert str(tmp_path) not in page.content()  # no server path
        assert list(issues.iterdir()) == []
        page.goto(f"{web.url}/subscribe")
        assert page.locator("form").count() >= 1
    finally:
        web.stop()


def test_the_harmless_aliases_a_yaml_writer_makes_are_read(tmp_path):
    good = yaml.safe_load((ROOT / "issues" / "091.yaml").read_text(encoding="utf-8"))
    good["sections"][0]["articles"] *= 2  # the same objects twice: written as &id001, *id001
    path = tmp_path / "aliased.yaml"
    path.write_text(yaml.safe_dump(good, allow_unicode=True), encoding="utf-8")
    assert "*id001" in path.read_text(encoding="utf-8")
    result = run(tmp_path, "validate", str(path))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("text", [
    '"' + "[" * 25 + "x" + "]" * 25 + '"', '"' + "{" * 26 + 'x"', "'" + "[" * 40 + "x'",
    "|\n      " + "[" * 40 + "\n", "Hello. # " + "{" * 40,
])
def test_brackets_in_a_text_are_no_nesting(tmp_path, text):
    # The depth guard counted every `[` and `{` of the file, those of a quoted text too.
    path = tmp_path / "083.yaml"
    path.write_text(MINIMAL.replace("en: Hello everyone.", "en: " + text), encoding="utf-8")
    load_issue(path)


@pytest.mark.parametrize("nesting", ["[" * 21 + "]" * 21, "[ " * 30, "{a: [" * 15, "[" * 900_000])
def test_real_nesting_is_still_refused_at_once(tmp_path, nesting):
    path = tmp_path / "083.yaml"
    path.write_text(MINIMAL.replace("en: Hello everyone.", "en: " + nesting), encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(IssueInvalid) as caught:
        load_issue(path)
    assert time.monotonic() - started < 1
    assert str(caught.value) == f"{path}:9: invalid YAML: nested deeper than 20 levels"
