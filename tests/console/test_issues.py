"""The issues pages: validation state, previews per language, sizes, errors, test sends."""

from __future__ import annotations

from tests.console.conftest import csrf_token, log_in


def test_issue_list_shows_validation_state(client, console_settings):
    (console_settings.issues_dir / "broken.yaml").write_text("slug: x\nlanguages: [fr]\n")
    log_in(client, "editor")
    page = client.get("/console/issues").get_data(as_text=True)
    assert "091" in page and "spring-school-2027" in page
    assert "To fix" in page and "Valid" in page


def test_issue_page_shows_each_language(client):
    log_in(client, "editor")
    page = client.get("/console/issues/091").get_data(as_text=True)
    for language in ("fr", "en"):
        assert f'data-language="{language}"' in page
    assert page.count('class="desktop"') == 2 and page.count('width="375"') == 2
    assert "KB / 102 KB" in page and "Plain-text part" in page


def test_invalid_issue_shows_errors_with_lines(client, console_settings):
    (console_settings.issues_dir / "broken.yaml").write_text("slug: x\nlanguages: [fr]\n")
    log_in(client, "editor")
    page = client.get("/console/issues/broken").get_data(as_text=True)
    assert "line " in page and 'class="problems"' in page


def test_unknown_or_escaping_slug_is_404(client):
    log_in(client, "editor")
    assert client.get("/console/issues/nope").status_code == 404
    assert client.get("/console/issues/..%2Fpyproject").status_code == 404


def test_test_send_refuses_a_bad_address(client):
    log_in(client, "editor")
    response = client.post("/console/issues/091/test", data={
        "recipients": "someone@example.org, not an address", "language": "all",
        "csrf_token": csrf_token(client, "/console/issues/091"),
    })
    assert response.status_code == 400
    assert "A recipient address is not valid" in response.get_data(as_text=True)
