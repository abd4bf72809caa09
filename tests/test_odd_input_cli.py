"""What the `infolettre` command is given that it cannot use is said (which file or variable,
what is wrong, how to write it) with a non-zero exit, never a traceback: an issue file whose
name is not UTF-8, a setting whose value cannot be read."""

import shutil
import subprocess
import sys

import pytest

from tests.console.test_access import ROOT
from tests.support.webapp import infolettre_env


def _run(env, *args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mailer", *args], env=env, cwd=cwd,
                          capture_output=True, timeout=120, check=False)


@pytest.mark.parametrize("command", [["validate"], ["render", "--out", "out"], ["preview"],
                                     ["send", "--yes"]])
def test_an_issue_file_named_in_bytes_not_utf8_is_said(tmp_path, command):
    # UnicodeEncodeError 'utf-8' codec can't encode character '\udce9': a traceback.
    shutil.copy(ROOT / "issues" / "091.yaml", tmp_path / "n\udce9.yaml")
    result = _run(infolettre_env(tmp_path / "home"), *command, b"n\xe9.yaml", cwd=tmp_path)
    said = result.stderr.decode()
    assert result.returncode != 0, said
    assert "n\ufffd.yaml: the file name is not UTF-8: rename it" in said
    assert "Traceback" not in said


@pytest.mark.parametrize(("setting", "value", "said"), [
    ("languages", "fr,en",
     "INFOLETTRE_LANGUAGES is a list, written in JSON: INFOLETTRE_LANGUAGES='[\"fr\",\"en\"]'"),
    ("send_rate_per_second", "abc",
     "INFOLETTRE_SEND_RATE_PER_SECOND (it is 'abc'): Input should be a valid integer"),
    ("languages", "[]", "INFOLETTRE_LANGUAGES: give at least one language"),
    ("languages", '["FR","en"]', "INFOLETTRE_LANGUAGES: write language codes in small letters: fr"),
    ("default_language", "de", "INFOLETTRE_DEFAULT_LANGUAGE (it is 'de'): not one of "
     "INFOLETTRE_LANGUAGES (fr, en): write one of them, e.g. INFOLETTRE_DEFAULT_LANGUAGE=fr"),
])
@pytest.mark.parametrize("command", [["validate", "x.yaml"], ["web"], ["worker"], ["schema"]])
def test_a_setting_that_cannot_be_read_is_said(tmp_path, setting, value, said, command):
    # pydantic_settings' SettingsError, pydantic's ValidationError: a traceback.
    result = _run(infolettre_env(tmp_path / "home", **{setting: value}), *command)
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert stderr.startswith(said), stderr
    assert "Traceback" not in stderr


def test_a_list_in_one_language_keeps_the_default_fallback(tmp_path):
    # The fallback's catalogues fill in whatever a language lacks: it need not be offered.
    result = _run(infolettre_env(tmp_path / "home", languages='["fr"]'), "schema")
    assert result.returncode == 0, result.stderr.decode()
