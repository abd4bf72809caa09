"""`infolettre render` and `infolettre preview` write what they say, where they say."""

import subprocess
import sys

from tests.render.conftest import FULL_EXAMPLE, ROOT


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "mailer", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120, check=False)


def test_render_writes_three_files_per_language(tmp_path):
    result = run("render", str(FULL_EXAMPLE), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == ["091.en.html", "091.en.txt", "091.en.web.html",
                     "091.fr.html", "091.fr.txt", "091.fr.web.html"]
    only = run("render", str(FULL_EXAMPLE), "--lang", "en", "--out", str(tmp_path / "en"))
    assert only.returncode == 0
    assert sorted(p.name for p in (tmp_path / "en").iterdir()) == [
        "091.en.html", "091.en.txt", "091.en.web.html"]


def test_render_refuses_an_unknown_language_cleanly(tmp_path):
    result = run("render", str(FULL_EXAMPLE), "--lang", "xx", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "'xx' is not a language code" in result.stderr and "Traceback" not in result.stderr


def test_preview_shows_each_language_at_two_widths(tmp_path, page):
    result = run("preview", str(FULL_EXAMPLE), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    page.route("http*://**", lambda route: route.abort())
    page.goto((tmp_path / "091.preview.html").as_uri())
    frames = page.locator("iframe")
    assert frames.count() == 4
    widths = sorted(int(frames.nth(i).get_attribute("width")) for i in range(4))
    assert widths == [375, 375, 600, 600]
    assert "Gmail" in page.inner_text("body")


def test_a_day_the_calendar_lacks_is_a_problem_with_its_line(tmp_path):
    for day in ("2026-02-30", "2026-13-01", "2026-12-16 25:00:00"):
        path = tmp_path / "083.yaml"
        path.write_text(f"number: 83\ndate: {day}\n", encoding="utf-8")
        result = run("validate", str(path))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"083.yaml:2: invalid YAML: '{day}' is not a day of the calendar" in (
            result.stdout + result.stderr)


def test_a_key_given_twice_is_a_problem_with_both_lines(tmp_path):
    # YAML keeps the last: a second `sections:` silently dropped the first one's articles.
    path = tmp_path / "083.yaml"
    path.write_text("number: 83\nsections: []\ndate: 2026-01-15\nsections: []\n",
                    encoding="utf-8")
    result = run("validate", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("083.yaml:4: invalid YAML: 'sections' is given twice here (first on line 2)"
            in result.stderr)


def test_a_language_that_is_a_path_has_no_catalogue(tmp_path):
    # `../../issues/091` found an issue file as its catalogue; rendering raised KeyError.
    path = tmp_path / "083.yaml"
    path.write_text(FULL_EXAMPLE.read_text(encoding="utf-8").replace(
        "number:", 'languages: [fr, en, "../../issues/091"]\nfallbacks: {"../../issues/091": en}'
        "\nnumber:", 1), encoding="utf-8")
    result = run("validate", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "languages: '../../issues/091' is not a language code" in result.stderr
    rendered = run("render", str(FULL_EXAMPLE), "--lang", "../../issues/091",
                   "--out", str(tmp_path))
    assert rendered.returncode == 2 and "Traceback" not in rendered.stderr


def test_an_output_folder_that_cannot_be_made_is_an_error_in_words(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    for command in ("render", "preview"):
        result = run(command, str(FULL_EXAMPLE), "--out", str(blocker / "out"))
        assert result.returncode == 2 and "Traceback" not in result.stderr, command
        assert f"--out {blocker / 'out'}: Not a directory" in result.stderr, command
