"""The issue editor in a real Chromium: a new issue written from scratch in both languages,
the preview following the typing, saves that `infolettre validate` accepts, versions
compared and restored, two tabs at once, and no editing while the issue is being sent."""

import os
import shutil
import subprocess
import sys

import pytest

from mailer import db
from mailer.console.models import AuditEntry
from mailer.render import render_file
from tests.console.test_access import ROOT, add_staff, sign_in
from tests.support.browser import axe_violations
from tests.support.webapp import WebProcess
from workers import campaigns

SHOTS = os.environ.get("INFOLETTRE_SCREENSHOTS")  # a folder: screenshots to look at


@pytest.fixture
def editing(tmp_path):
    issues = tmp_path / "issues"
    shutil.copytree(ROOT / "issues", issues)
    web = WebProcess(tmp_path / "home", issues_dir=str(issues))
    add_staff(web.env, "editor@example.org", "editor")
    add_staff(web.env, "second@example.org", "editor")
    web.start()
    web.issues = issues
    yield web
    web.stop()


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=False)


def validate(web, path):
    return subprocess.run([sys.executable, "-m", "mailer", "validate", str(path)],
                          env=web.env, capture_output=True, text=True, timeout=60, cwd=ROOT)


def updates(page) -> int:
    return int(page.get_attribute("#preview", "data-updates") or 0)


def wait_preview(page, since: int) -> None:
    page.wait_for_function(
        f"Number(document.querySelector('#preview').dataset.updates || 0) > {since}")


def test_a_new_issue_written_from_scratch_in_both_languages(editing, page):
    page.route("http*://www.reseaucitesdesmetiers.example/**", lambda route: route.abort())
    sign_in(page, editing, "editor@example.org")
    page.click("text=Nouveau numéro (vide)")
    assert axe_violations(page) == []
    page.fill("#file_name", "093.yaml")
    page.fill("[name='number']", "93")
    page.fill("[name='date']", "2027-03-15")
    page.fill("[name='title.fr']", "Infolettre du printemps")
    # One language typed: the other is shown missing at once.
    assert page.locator("[id='f-title'] .missing").count() == 1
    assert "Traduction manquante" in page.inner_text("[id='f-title']")
    page.fill("[name='title.en']", "Spring newsletter")
    assert page.locator("[id='f-title'] .missing").count() == 0
    page.click("text=Ajouter : Rubriques")
    page.select_option("[name='sections.0.kind']", "network")
    page.click("[id='f-sections.0.articles'] >> text=Ajouter : Articles")
    page.fill("[name='sections.0.articles.0.title.fr']", "Un nouveau label")
    page.fill("[name='sections.0.articles.0.title.en']", "A new label")
    body = "[name='sections.0.articles.0.body.fr']"
    page.fill(body, "Trois Cités rejoignent le Réseau.")
    page.focus(body)
    page.locator(body).evaluate("area => area.setSelectionRange(0, 5)")
    page.click("[id='f-sections.0.articles.0.body'] >> text=Gras")
    assert page.input_value(body) == "**Trois** Cités rejoignent le Réseau."
    page.fill("[name='sections.0.articles.0.body.en']", "Three Cités join the Network.")
    page.fill("[name='contact_email']", "info@reseaucitesdesmetiers.example")
    page.fill("[name='site_url']", "https://www.reseaucitesdesmetiers.example")
    # The answer to the last pause shows both languages at 600 and 375 px (an answer to an
    # earlier pause, still without the site's address, may come first).
    page.wait_for_function("document.querySelectorAll('#preview iframe').length === 4")
    assert page.inner_text("#preview-problems") == ""
    assert "Trois" in page.frame_locator("#preview iframe").first.locator("body").inner_text()
    shot(page, "new-issue")
    assert axe_violations(page) == []
    page.click("button:text('Enregistrer')")
    assert page.url.endswith("/console/issues/093.yaml/edit?saved=1")
    saved = editing.issues / "093.yaml"
    result = validate(editing, saved)
    assert result.returncode == 0, result.stdout + result.stderr
    text = saved.read_text(encoding="utf-8")
    assert "**Trois** Cités" in text and "en: Spring newsletter" in text
    with db.session_scope(editing.env["INFOLETTRE_DATABASE_URL"]) as session:
        actions = [e.action for e in session.query(AuditEntry).all()]
    assert "issue created" in actions


def test_an_edit_keeps_comments_two_tabs_and_versions(editing, page, browser):
    page.route("http*://www.reseaucitesdesmetiers.example/**", lambda route: route.abort())
    sign_in(page, editing, "editor@example.org")
    path = editing.issues / "091.yaml"
    original = path.read_text(encoding="utf-8")
    comments = [line.strip() for line in original.splitlines() if line.strip().startswith("#")]
    page.goto(editing.url + "/console/issues/091.yaml/edit")
    # A second person opens the same issue in another browser.
    other = browser.new_context().new_page()
    other.route("http*://www.reseaucitesdesmetiers.example/**", lambda route: route.abort())
    sign_in(other, editing, "second@example.org")
    other.goto(editing.url + "/console/issues/091.yaml/edit")
    assert axe_violations(page) == []
    before = updates(page)
    page.fill("[name='title.fr']", "Infolettre de l'hiver, édition revue")
    wait_preview(page, before)
    assert "édition revue" in page.inner_text("#preview-body")  # the preview follows the typing
    latency = int(page.get_attribute("#preview", "data-latency"))
    assert latency < 5000
    page.click("button:text('Enregistrer')")
    page.locator("#saved").wait_for()  # the answer to the save has loaded, not only begun
    saved = path.read_text(encoding="utf-8")
    assert "édition revue" in saved
    assert [line.strip() for line in saved.splitlines() if line.strip().startswith("#")] == comments
    assert validate(editing, path).returncode == 0
    # The second to save is told, and what they typed is still in the form.
    other.fill("[name='title.en']", "Winter newsletter, second reading")
    other.click("button:text('Enregistrer')")
    other.locator("#conflict").wait_for()  # the answer to the save has loaded, not only begun
    assert other.input_value("[name='title.en']") == "Winter newsletter, second reading"
    assert "édition revue" in path.read_text(encoding="utf-8")  # the first save stays
    shot(other, "conflict")
    other.click("button:text('Enregistrer')")  # once told: saved over, knowingly
    other.locator("#saved").wait_for()  # the answer to the save has loaded, not only begun
    final = path.read_text(encoding="utf-8")
    assert "second reading" in final
    # Versions: the file before the editor, then each save; compared word by word; restored.
    page.goto(editing.url + "/console/issues/091.yaml/versions")
    assert page.locator("tbody tr").count() == 3
    page.click("button:text('Comparer')")
    assert "second reading" in " ".join(page.locator("ins").all_inner_texts())
    shot(page, "versions")
    assert axe_violations(page) == []
    oldest = page.locator("tbody tr").last.locator("td").first.inner_text()
    page.click(f"button:text('Restaurer cette version {oldest}')")
    assert page.url.endswith("/edit?saved=1")
    assert path.read_text(encoding="utf-8") == original
    other.context.close()


def test_nobody_edits_an_issue_being_sent(editing, page):
    with db.session_scope(editing.env["INFOLETTRE_DATABASE_URL"]) as session:
        campaigns.create(session, render_file(editing.issues / "092.yaml"))
    sign_in(page, editing, "editor@example.org")
    response = page.goto(editing.url + "/console/issues/092.yaml/edit")
    assert response.status == 409
    assert "en cours d'envoi" in page.inner_text("main")
    assert axe_violations(page) == []
    # Another issue stays editable.
    assert page.goto(editing.url + "/console/issues/091.yaml/edit").status == 200


def test_an_image_uploaded_is_resized_served_and_shown_in_the_preview(editing, page, tmp_path):
    import io

    import requests
    from PIL import Image

    photo = tmp_path / "photo.webp"  # WebP: kept as JPEG for Outlook
    buffer = io.BytesIO()
    Image.new("RGB", (1800, 1200), (30, 90, 160)).save(buffer, "WEBP")
    photo.write_bytes(buffer.getvalue())
    fake = tmp_path / "fake.png"
    fake.write_text("<svg onload=alert(1)>")
    page.route("http*://www.reseaucitesdesmetiers.example/**", lambda route: route.abort())
    sign_in(page, editing, "editor@example.org")
    page.goto(editing.url + "/console/issues/091.yaml/edit")
    images = page.locator("[id='f-sections.0.articles.0.images']")
    images.locator("button.add").click()
    item = images.locator(".items > .item").last
    item.locator(".image-file").set_input_files(str(fake))
    page.wait_for_function("[...document.querySelectorAll('.upload .status')]"
                           ".some(p => p.textContent.includes('JPEG'))")
    item.locator(".image-file").set_input_files(str(photo))
    url = item.locator("[data-key='url']")
    page.wait_for_function("el => el.value.includes('/images/')", arg=url.element_handle())
    public = url.input_value()
    assert public.startswith(editing.url + "/images/") and public.endswith(".jpg")
    answer = requests.get(public, timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/jpeg"
    assert "immutable" in answer.headers["Cache-Control"]
    assert Image.open(io.BytesIO(answer.content)).size == (600, 400)
    # The alt text is required in every language: the preview says so until both are there.
    before = updates(page)
    item.locator("textarea[data-key='fr']").first.fill("Un ciel bleu")
    wait_preview(page, before)
    assert "alt.en" in page.inner_text("#preview-problems")
    before = updates(page)
    item.locator("textarea[data-key='en']").first.fill("A blue sky")
    wait_preview(page, before)
    assert page.inner_text("#preview-problems") == ""
    frame = page.frame_locator("#preview iframe").first
    # The email shows the 1,200 px file at the 600 px box's width (see mailer.images).
    sharp = frame.locator(f"img[src='{public.replace('.jpg', '@2x.jpg')}']")
    assert sharp.count() == 1 and sharp.get_attribute("width") == "552"
    assert requests.get(sharp.get_attribute("src"), timeout=10).status_code == 200
    shot(page, "image")
    page.click("button:text('Enregistrer')")
    page.locator("#saved").wait_for()  # the answer to the save has loaded, not only begun
    assert public in (editing.issues / "091.yaml").read_text(encoding="utf-8")


def drafts_of(web, who: str) -> list:
    from mailer.console.models import IssueDraft

    with db.session_scope(web.env["INFOLETTRE_DATABASE_URL"]) as session:
        return [(d.issue, d.fields) for d in session.query(IssueDraft)
                .filter_by(staff_email=who)]


def wait_until(condition, seconds: float = 10.0):
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


def test_a_draft_survives_a_closed_tab_and_is_taken_up_in_another_browser(editing, browser):
    path = editing.issues / "091.yaml"
    original = path.read_text(encoding="utf-8")

    def opened():
        page = browser.new_context().new_page()
        page.route("http*://www.reseaucitesdesmetiers.example/**", lambda route: route.abort())
        sign_in(page, editing, "editor@example.org")
        page.goto(editing.url + "/console/issues/091.yaml/edit")
        return page

    first = opened()
    assert first.locator("#draft").is_hidden()  # nothing left yet
    # Typed, paused: kept on the server (not a version, not in the file).
    first.fill("[name='title.fr']", "Infolettre, premier jet")
    first.wait_for_function("document.getElementById('autosaved').textContent.includes('conservé')")
    assert path.read_text(encoding="utf-8") == original
    # Typed again, and the tab closed at once, before any pause: nothing is lost.
    first.locator("[name='editorial.body.fr']").press("Control+End")
    first.keyboard.type(" Dernier mot avant de fermer.")
    first.close(run_before_unload=True)  # as a person closes a tab (pagehide)
    wait_until(lambda: any("Dernier mot avant de fermer." in value
                           for _, fields in drafts_of(editing, "editor@example.org")
                           for _, value in fields))
    first.context.close()
    # Another browser, another day: the draft is offered, and taken up.
    second = opened()
    assert second.locator("#draft").is_visible()
    assert axe_violations(second) == []
    shot(second, "draft-offered")
    second.click("#draft-restore")
    assert second.input_value("[name='title.fr']") == "Infolettre, premier jet"
    assert second.input_value("[name='editorial.body.fr']").endswith("Dernier mot avant de fermer.")
    assert path.read_text(encoding="utf-8") == original
    # Saved: the file has it, the draft is gone, and nothing is offered any more.
    second.click("button:text('Enregistrer')")
    second.locator("#saved").wait_for()  # the answer to the save has loaded, not only begun
    assert "premier jet" in path.read_text(encoding="utf-8")
    assert drafts_of(editing, "editor@example.org") == []
    assert second.locator("#draft").is_hidden()
    # A draft discarded is gone too.
    second.fill("[name='title.en']", "A first go")
    second.wait_for_function("document.getElementById('autosaved').textContent.includes('conservé')")
    second.context.close()
    third = opened()
    assert third.locator("#draft").is_visible()
    third.click("#draft-discard")
    wait_until(lambda: drafts_of(editing, "editor@example.org") == [])
    third.reload()
    assert third.locator("#draft").is_hidden()
    third.context.close()


def test_the_keyboard_writes_the_same_markup_as_the_toolbar(editing, page):
    page.route("http*://www.reseaucitesdesmetiers.example/**", lambda route: route.abort())
    sign_in(page, editing, "editor@example.org")
    page.goto(editing.url + "/console/issues/new")
    body = page.locator("[name='editorial.body.fr']")
    body.fill("Trois Cités rejoignent le Réseau.")
    body.evaluate("area => area.setSelectionRange(0, 5)")
    page.keyboard.press("Control+b")
    assert body.input_value() == "**Trois** Cités rejoignent le Réseau."
    body.evaluate("area => area.setSelectionRange(area.value.length - 7, area.value.length - 1)")
    page.keyboard.press("Control+i")
    assert body.input_value() == "**Trois** Cités rejoignent le *Réseau*."
    page.keyboard.press("Control+z")  # undone as if typed
    assert body.input_value() == "**Trois** Cités rejoignent le Réseau."
    body.evaluate("area => area.setSelectionRange(area.value.length - 7, area.value.length - 1)")
    page.keyboard.press("Control+i")
    body.evaluate("area => area.setSelectionRange(10, 15)")
    page.keyboard.press("Control+k")
    # The address is selected: what is typed (or pasted) replaces it.
    page.keyboard.type("https://cites.example.org")
    assert body.input_value() == \
        "**Trois** [Cités](https://cites.example.org) rejoignent le *Réseau*."
    # Nothing selected: the markup with its text to type, selected.
    body.fill("")
    page.keyboard.press("Control+b")
    page.keyboard.type("fort")
    assert body.input_value() == "**fort**"
    # The toolbar: one stop in the tab order, named, the arrows move along it.
    toolbar = page.locator("[id='f-editorial.body'] [role=toolbar]")
    assert toolbar.get_attribute("aria-label") == "Mise en forme — Texte"
    body.focus()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "Gras"
    assert page.evaluate("document.activeElement.getAttribute('aria-keyshortcuts')") \
        == "Control+B Meta+B"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.textContent") == "Lien"
    body.focus()
    body.evaluate("area => area.setSelectionRange(2, 6)")
    page.keyboard.press("Shift+Tab")  # back to the toolbar: on the button last used
    assert page.evaluate("document.activeElement.textContent") == "Lien"
    page.keyboard.press("Enter")
    assert body.input_value() == "**[fort](https://)**"
    assert axe_violations(page) == []
