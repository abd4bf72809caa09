"""Console access in a real Chromium against the web app served by gunicorn: sign in, roles,
the audit log, refusals (logged out, wrong password, forged CSRF, too many attempts)."""

import re
import subprocess
import sys

import pytest
import requests

from mailer import db
from mailer.console.access import audit
from tests.support.browser import axe_violations
from tests.support.webapp import WebProcess

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def add_staff(env, email, role, password="correct horse battery"):
    result = subprocess.run(
        [sys.executable, "-m", "mailer", "staff", "add", email, "--role", role,
         "--password", password], env=env, capture_output=True, text=True, timeout=60,
        cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def console(tmp_path):
    web = WebProcess(tmp_path / "home", issues_dir=str(ROOT / "issues"))
    add_staff(web.env, "admin@example.org", "admin")
    add_staff(web.env, "editor@example.org", "editor")
    web.start()
    yield web
    web.stop()


def sign_in(page, web, email, password="correct horse battery"):
    page.goto(f"{web.url}/console/")
    assert "/console/login" in page.url  # logged out: the login page, nothing else
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_admin_signs_in_sees_issues_and_the_audit_log(console, page):
    sign_in(page, console, "admin@example.org")
    assert page.url.endswith("/console/")
    body = page.inner_text("main")
    # By number, newest first, titled in the member's language, with their state.
    assert re.search(r"93\tSpring School 2027 — le programme · Modifier dans le navigateur"
                     r"\t15\u00a0avril 2027\tbrouillon", body)
    assert re.search(r"91\tL'infolettre du Réseau — automne 2026 · Modifier dans le navigateur"
                     r"\t20\u00a0novembre 2026\t", body)
    assert axe_violations(page) == []
    page.route("http*://www.reseaucitesdesmetiers.example/**", lambda route: route.abort())
    page.click("text=L'infolettre du Réseau — automne 2026")
    assert page.locator("iframe").count() == 4  # two languages at 600 px and 375 px
    page.set_viewport_size({"width": 1280, "height": 900})
    for frame in page.locator("iframe").all():  # each preview whole, none cut off
        box = frame.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
    main = page.inner_text("main")
    assert "%%" not in main and "/demo/unsubscribe?lang=fr" in main  # no markers in the text
    assert re.search(r"HTML \d+,\d Ko", main)  # French decimals (Babel)
    assert page.locator("h1").inner_text() == "N° 91 — L'infolettre du Réseau — automne 2026"
    assert "(Administration)" in page.inner_text("header")  # the role named in French
    assert "Ko sur les 102 Ko que Gmail" in page.inner_text("main")  # in the staff's language
    assert "NOUVELLES DES CITÉS DES MÉTIERS" in page.inner_text("main")  # the text part
    assert page.goto(f"{console.url}/console/issues/..%2Fpyproject.toml").status == 404
    page.goto(f"{console.url}/console/")
    page.click("text=Journal des actions")
    log = page.inner_text("main")
    # In the member's words: "connexion", not the code "login".
    assert "connexion" in log and "membre ajouté à l'équipe" in log and "aperçu d'un numéro" in log
    assert "staff added" not in log and "numéro\u00a0: 091.yaml" in log
    assert page.locator("text=Plus anciennes").count() == 0  # one page so far
    with db.session_scope(console.env["INFOLETTRE_DATABASE_URL"]) as session:
        for n in range(150):
            audit(session, "robot@example.org", "export", n=n)
    page.reload()
    assert page.locator("main tbody tr").count() == 100
    page.click("text=Plus anciennes")
    older = page.inner_text("main")
    assert "connexion" in older and "n\u00a0: 49" in older and "n\u00a0: 50" not in older
    page.click("text=Se déconnecter")
    assert "/console/login" in page.url
    page.goto(f"{console.url}/console/audit")
    assert "/console/login" in page.url


def test_editor_cannot_see_admin_pages_and_wrong_password_is_refused(console, page):
    page.goto(f"{console.url}/console/audit")
    page.click("text=English")  # the sign-in page in English, still leading to the audit log
    assert page.inner_text("h1") == "Sign in" and "next=/console/audit" in page.url
    page.fill("#email", "editor@example.org")
    page.fill("#password", "correct horse battery")
    page.click("main button[type=submit]")
    assert page.url.endswith("/console/audit")  # where she was going: refused, she is an editor
    assert "Votre rôle ne permet pas" in page.inner_text("main")
    page.click("text=Se déconnecter")
    sign_in(page, console, "editor@example.org", password="wrong password!")
    assert page.locator("[role=alert]").inner_text() == "Adresse ou mot de passe incorrect."
    sign_in(page, console, "editor@example.org")
    assert page.url.endswith("/console/")
    response = page.goto(f"{console.url}/console/audit")
    assert response.status == 403


def test_forged_csrf_and_too_many_attempts_are_refused(console):
    http = requests.Session()
    forged = http.post(f"{console.url}/console/login", timeout=10,
                       data={"email": "admin@example.org", "password": "correct horse battery",
                             "csrf_token": "forged"})
    assert forged.status_code == 400
    form = http.get(f"{console.url}/console/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
    statuses = [http.post(f"{console.url}/console/login", timeout=10,
                          data={"email": "admin@example.org", "password": f"guess {n}",
                                "csrf_token": token}).status_code for n in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[-1] == 429


def test_staff_add_refuses_short_passwords_and_duplicates(tmp_path):
    web = WebProcess(tmp_path / "home")
    short = subprocess.run([sys.executable, "-m", "mailer", "staff", "add", "a@example.org",
                            "--role", "editor", "--password", "short"], env=web.env,
                           capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert short.returncode == 2 and "10 characters" in short.stderr
    add_staff(web.env, "a@example.org", "editor")
    again = subprocess.run([sys.executable, "-m", "mailer", "staff", "add", "a@example.org",
                            "--role", "admin", "--password", "another long one"], env=web.env,
                           capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert again.returncode == 2 and "already a staff member" in again.stderr
    # The address is checked before the password is asked for (it was asked twice first).
    typo = subprocess.run([sys.executable, "-m", "mailer", "staff", "add", "notanemail",
                           "--role", "admin"], env=web.env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert typo.returncode == 2 and "Password" not in typo.stdout + typo.stderr
    assert typo.stderr.startswith("EMAIL: An email address must have an @-sign")


def test_staff_password_names_an_unknown_member_before_asking_for_a_password(tmp_path):
    # It asked for the new password twice, then said "no such staff member".
    web = WebProcess(tmp_path / "home")
    unknown = subprocess.run([sys.executable, "-m", "mailer", "staff", "password",
                              "nobody@example.org"], env=web.env, input="", cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2, unknown.stderr
    assert unknown.stderr == "nobody@example.org: no such staff member\n"
    assert "Password" not in unknown.stdout + unknown.stderr
    add_staff(web.env, "a@example.org", "editor")
    known = subprocess.run([sys.executable, "-m", "mailer", "staff", "password",
                            "A@example.org"], env=web.env, cwd=ROOT,
                           input="another long one\nanother long one\n",
                           capture_output=True, text=True, timeout=60)
    assert known.returncode == 0 and "password set" in known.stdout, known.stderr


def test_over_https_the_session_cookie_is_host_only_secure_and_http_only():
    from mailer.settings import Settings
    from mailer.webapp import create_app

    app = create_app(Settings(base_url="https://news.example.org", secret_key="k" * 32))
    answer = app.test_client().get("/console/login", base_url="https://news.example.org")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for attribute in ("Secure", "HttpOnly", "Path=/", "SameSite=Lax"):
        assert attribute in cookie
    assert "Domain" not in cookie
