"""Attack 8: a huge issue file. The console refuses an upload above the CLI's limit (the
loader's MAX_BYTES) before reading it, and no page reads a file above it (issue 12)."""

from __future__ import annotations

import io
import time
from pathlib import Path

from mailer.issue.loader import MAX_BYTES
from mailer.settings import get_settings
from tests.security.conftest import csrf_token, sign_in


def _upload(client, name: str, data: bytes):
    return client.post("/console/issues", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/console/"), "file": (io.BytesIO(data), name)})


def test_an_upload_over_the_limit_is_refused_and_not_kept(site):
    client = site().test_client()
    sign_in(client, "editor@example.org")
    limit = MAX_BYTES
    folder = Path(get_settings().issues_dir)
    just_over = b"# padding\n" * (limit // 10 + 1)
    huge = b"a: b\n" * (19 * 1024 * 1024 // 5)  # the 19 MB of the report
    for name, data in (("just-over.yaml", just_over), ("huge.yaml", huge)):
        answer = _upload(client, name, data)
        assert answer.status_code == 413, name
        assert ("1 MB" in answer.text or "1 Mo" in answer.text) and not (folder / name).exists()


def test_a_huge_file_in_the_folder_does_not_hold_the_home_page(site):
    client = site().test_client()
    sign_in(client, "editor@example.org")
    folder = Path(get_settings().issues_dir)
    (folder / "huge.yaml").write_bytes(b"- [" * (19 * 1024 * 1024 // 3))
    started = time.monotonic()
    home = client.get("/console/")
    assert home.status_code == 200 and "too large" in home.text
    assert time.monotonic() - started < 5  # the report: 6.3 s; unread, it is far less
    issue = client.get("/console/issues/huge.yaml")
    assert issue.status_code == 200 and "too large" in issue.text
