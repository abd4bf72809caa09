"""The team's accounts in a real Chromium: an admin adds, promotes, disables and enables a
member, whose open sessions end each time; nobody can remove the last admin; each member
sets their own language and password; the command line resets a forgotten password."""

import subprocess
import sys

from tests.console.test_access import ROOT, sign_in
from tests.support.browser import axe_violations

NEW = "nadia@example.org"
FIRST = "a first password"


def _row(page, email):
    return page.locator(f"#members tr[data-email='{email}']")


def test_admin_manages_the_team_and_sessions_follow(console, page, browser):
    sign_in(page, console, "admin@example.org")
    page.click("nav >> text=Équipe")
    assert axe_violations(page) == []
    page.fill("#new-email", NEW)
    page.select_option("#new-role", "editor")
    page.fill("#new-password", "short")
    page.eval_on_selector("#add", "form => form.noValidate = true")  # the server checks too
    page.click("#add button")
    assert page.inner_text("#error") == "Le mot de passe doit compter 10 caractères au moins."
    assert page.input_value("#new-email") == NEW  # what was typed is kept
    page.fill("#new-password", FIRST)
    page.click("#add button")
    assert _row(page, NEW).count() == 1

    member = browser.new_context().new_page()  # Nadia, in her own browser
    sign_in(member, console, NEW, FIRST)
    assert member.url.endswith("/console/")
    assert member.goto(f"{console.url}/console/staff").status == 403
    assert member.goto(f"{console.url}/console/issues/091.yaml/launch").status == 403

    _row(page, NEW).locator("select").select_option("sender")
    _row(page, NEW).locator("text=Enregistrer").click()
    member.goto(f"{console.url}/console/")
    assert "/console/login" in member.url  # her role changed: she signs in again
    sign_in(member, console, NEW, FIRST)
    assert member.goto(f"{console.url}/console/issues/091.yaml/launch").status == 200

    _row(page, NEW).locator("text=Désactiver").click()
    assert "Désactivé" in _row(page, NEW).inner_text()
    member.goto(f"{console.url}/console/")
    assert "/console/login" in member.url
    sign_in(member, console, NEW, FIRST)
    assert member.locator("[role=alert]").count() == 1  # a disabled account cannot sign in
    _row(page, NEW).locator("text=Réactiver").click()
    sign_in(member, console, NEW, FIRST)
    assert member.url.endswith("/console/")

    # The only admin cannot disable or demote themselves.
    _row(page, "admin@example.org").locator("text=Désactiver").click()
    assert "au moins un compte d'administration" in page.inner_text("#error")
    _row(page, "admin@example.org").locator("select").select_option("editor")
    _row(page, "admin@example.org").locator("text=Enregistrer").click()
    assert page.locator("#error").count() == 1
    page.click("nav >> text=Journal des actions")
    log = page.inner_text("main")
    for action in ("membre ajouté à l'équipe", "rôle d'un membre changé",
                   "compte d'un membre désactivé", "compte d'un membre réactivé"):
        assert action in log
    member.context.close()


def test_a_member_sets_their_language_and_password(console, page, browser):
    other = browser.new_context().new_page()  # the same person, signed in elsewhere
    sign_in(other, console, "editor@example.org")
    sign_in(page, console, "editor@example.org")
    page.click("nav >> text=Mon compte")
    page.select_option("#language", "en")
    page.fill("#current_password", "not my password")
    page.fill("#new_password", "a brand new password")
    page.click("main button[type=submit]")
    assert page.inner_text("#error") == "Adresse ou mot de passe incorrect."
    page.fill("#current_password", "correct horse battery")
    page.fill("#new_password", "a brand new password")
    page.click("main button[type=submit]")
    assert page.inner_text("#saved") == "Saved."
    assert page.inner_text("h1") == "My account"  # the console now speaks English
    assert axe_violations(page) == []
    page.goto(f"{console.url}/console/")
    assert page.url.endswith("/console/")  # this session goes on
    other.goto(f"{console.url}/console/")
    assert "/console/login" in other.url  # the other one ended
    sign_in(other, console, "editor@example.org")
    assert "/console/login" in other.url  # the old password no longer works
    other.context.close()


def _staff(env, *args):
    return subprocess.run([sys.executable, "-m", "mailer", "staff", *args], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_the_command_line_resets_a_forgotten_password(console, page):
    assert _staff(console.env, "password", "nobody@example.org",
                  "--password", "long enough really").returncode == 2
    bad = _staff(console.env, "add", "not an address", "--role", "editor",
                 "--password", "long enough really")
    assert bad.returncode == 2 and "EMAIL:" in bad.stderr and "Traceback" not in bad.stderr
    assert _staff(console.env, "password", "admin@example.org",
                  "--password", "a replacement password").returncode == 0
    sign_in(page, console, "admin@example.org", "a replacement password")
    assert page.url.endswith("/console/")
