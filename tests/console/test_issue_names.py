"""An issue file whose name is not UTF-8 in the issues folder: the console's list shows the
other files and names this one (with U+FFFD where its bytes are not UTF-8) saying to rename
it. It was a 500 for every staff member (url_for could not encode the name)."""

import shutil

from tests.console.test_access import ROOT, add_staff
from tests.console.test_bad_input import _signed_in
from tests.support.webapp import WebProcess


def test_a_file_name_not_utf8_is_listed_to_rename(tmp_path):
    issues = tmp_path / "issues"
    issues.mkdir()
    shutil.copy(ROOT / "issues" / "091.yaml", issues)
    shutil.copy(ROOT / "issues" / "091.yaml", issues / "n\udce9.yaml")
    web = WebProcess(tmp_path / "home", issues_dir=str(issues))
    add_staff(web.env, "admin@example.org", "admin")
    web.start()
    try:
        http, _ = _signed_in(web)
        answer = http.get(f"{web.url}/console/", timeout=30)
    finally:
        web.stop()
    assert answer.status_code == 200, answer.status_code
    assert 'href="/console/issues/091.yaml"' in answer.text
    assert "n\ufffd.yaml: le nom du fichier n&#39;est pas en UTF-8" in answer.text
    assert "renommez-le" in answer.text
