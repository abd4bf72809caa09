"""Attack 1: an open redirect through the login's `next` (issue 12)."""

from __future__ import annotations

import pytest

from mailer.redirects import is_local_path, local_target
from tests.security.conftest import sign_in

# Known ways around "starts with / and not //": the bug reports of Django
# (CVE-2011-4139's backslashes, CVE-2015-2317's leading whitespace, the control characters
# of CVE-2021-33203 and CVE-2023-36053), Flask-Login's `is_safe_url` recipes, and the issue's
# own `/%09/evil.example/`. A browser drops tabs and newlines and reads `\` as `/`.
BYPASSES = [
    "//evil.example", "///evil.example", "////evil.example/", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "/\t/evil.example/", "/%09/evil.example/",
    "/%0a/evil.example", "/%0d/evil.example", "/\n/evil.example", "/\r/evil.example",
    " //evil.example", "\t//evil.example", "%2F%2Fevil.example", "/%2F/evil.example",
    "/%5Cevil.example", "/%252F%252Fevil.example", "https://evil.example",
    "http:evil.example", "https:/evil.example", "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "evil.example", "@evil.example",
    "/console/\r\nSet-Cookie: x=1", "/\x00/evil.example", "/\u3000/evil.example",
    "\u2028//evil.example", "/ /evil.example", "", "#//evil.example", "?//evil.example",
    "/a/../\\evil.example", "/a/../%5cevil.example", "/%01/evil.example", "/%00/evil.example",
    "https:\\\\evil.example", "/\x7f/evil.example",
]


@pytest.mark.parametrize("target", BYPASSES)
def test_the_known_bypasses_are_refused(target):
    assert not is_local_path(target)
    assert local_target(target, "/console/") == "/console/"


@pytest.mark.parametrize("target", ["/console/", "/console/issues/091.yaml",
                                    "/console/subscribers?q=ana&status=pending"])
def test_a_path_of_this_site_is_kept(target):
    assert local_target(target, "/console/") == target


def test_login_with_a_hostile_next_lands_on_the_console(site):
    client = site().test_client()
    answer = sign_in(client, "editor@example.org", "/%09/evil.example/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/"
    client = site().test_client()
    answer = sign_in(client, "editor@example.org", "/console/audit")
    assert answer.headers["Location"] == "/console/audit"
