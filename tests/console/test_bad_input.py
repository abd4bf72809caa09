"""Each bad input the console handles, fed to the running web app (real gunicorn, real
database) by a signed-in admin: a clear message, the right status, nothing changed."""

import html
import re

import requests

from mailer import db
from mailer.bounces import classify
from mailer.bounces.process import record
from mailer.console import editor_form, issue_yaml
from mailer.render import render_file
from subscribers.models import Status, Subscriber
from tests.console.test_access import ROOT, add_staff
from tests.support.webapp import WebProcess
from workers import campaigns
from workers.models import Campaign, CampaignState


def _signed_in(console) -> tuple[requests.Session, str]:
    http = requests.Session()
    form = http.get(f"{console.url}/console/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
    http.post(f"{console.url}/console/login", timeout=10, data={
        "email": "admin@example.org", "password": "correct horse battery", "csrf_token": token})
    page = http.get(f"{console.url}/console/account", timeout=10).text  # a new session's token
    return http, re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def _post(http, token, url, status, message, **fields):
    answer = http.post(url, data={"csrf_token": token, **fields}, timeout=30)
    assert answer.status_code == status, (url, answer.status_code)
    assert message in html.unescape(answer.text), url


def test_each_bad_input_gets_its_message(console):
    http, token = _signed_in(console)
    base = f"{console.url}/console"
    db_url = console.env["INFOLETTRE_DATABASE_URL"]

    # Team and account
    _post(http, token, f"{base}/staff", 400, "Cette adresse a déjà un compte.",
          email="editor@example.org", role="editor", language="fr", password="long enough!")
    _post(http, token, f"{base}/staff", 400, "Choisissez un des rôles proposés.",
          email="new@example.org", role="owner", language="fr", password="long enough!")
    _post(http, token, f"{base}/staff", 400, "Cette adresse électronique n'est pas valide.",
          email="nobody", role="editor", language="fr", password="long enough!")
    _post(http, token, f"{base}/staff", 400, "Cette adresse électronique est trop longue "
          "avant le @ (64 octets au plus) : vérifiez-la.", email="a" * 65 + "@example.org",
          role="editor", language="fr", password="long enough!")
    _post(http, token, f"{base}/issues/091.yaml/draft", 400, "fields: a JSON list",
          fields="[" * 20_000)
    _post(http, token, f"{base}/account", 400, "10 caractères au moins.", language="fr",
          current_password="correct horse battery", new_password="short")
    _post(http, token, f"{base}/account", 400, "Choisissez une des langues proposées.",
          language="xx")

    # Issue upload without a file; a launch at an unreadable time
    _post(http, token, f"{base}/issues", 400, "Choisissez d'abord un fichier.")
    _post(http, token, f"{base}/subscribers/import", 400, "Choisissez d'abord un fichier.")
    _post(http, token, f"{base}/issues/091.yaml/launch", 400, "Heure d'envoi illisible",
          at="next tuesday")

    # A control that does not apply; a bounce verdict that is not one
    with db.session_scope(db_url) as session:
        done = campaigns.create(session, render_file(ROOT / "issues" / "091.yaml"))
        done.state = CampaignState.DONE
        event = record(session, "<odd@mx.example>", classify.Finding(classify.UNKNOWN),
                       "imap", "?")
        campaign_id, event_id = done.id, event.id
    _post(http, token, f"{base}/campaigns/{campaign_id}/resume", 409,
          "ne s'applique pas à l'envoi dans son état actuel")
    _post(http, token, f"{base}/bounces/{event_id}", 400, "Choisissez un verdict.",
          verdict="maybe")
    _post(http, token, f"{base}/bounces/{event_id}", 400,
          "Cette adresse électronique n'est pas valide.", verdict="hard", recipient="nope")

    # A subscriber's name with a line break, or a character that reverses the text: said in
    # the console's words (the heading was empty, the reason the public form's English)
    with db.session_scope(db_url) as session:
        person = Subscriber(email="alice@example.org", language="fr", name="Alice",
                            status=Status.SUBSCRIBED)
        session.add(person)
        session.flush()
        person_id = person.id
    edit = f"{base}/subscribers/{person_id}/edit"
    refused = "Nom refusé : ni saut de ligne, ni caractère de contrôle ou invisible"
    _post(http, token, edit, 400, refused, name="Al\nice", language="fr")
    _post(http, token, edit, 400, "<strong>U+202E, caractère 3.</strong>",
          name="Al\u202eice", language="fr")
    answer = http.post(edit, data={"csrf_token": token, "name": "Al\nice", "language": "fr"},
                       timeout=30)
    assert "<title>Nom refusé" in answer.text and "line break" not in answer.text
    with db.session_scope(db_url) as session:
        assert session.get(Subscriber, person_id).name == "Alice"


def test_a_new_issue_saved_where_the_issues_folder_is_not_yet(tmp_path):
    # FileNotFoundError 'issues/.editor.lock' on every save: a 500.
    issues = tmp_path / "issues"
    web = WebProcess(tmp_path / "home", issues_dir=str(issues))
    add_staff(web.env, "admin@example.org", "admin")
    web.start()
    try:
        http, token = _signed_in(web)
        text = (ROOT / "issues" / "091.yaml").read_text(encoding="utf-8")
        fields = dict(editor_form.flatten(issue_yaml.read(text)))
        answer = http.post(f"{web.url}/console/issues/new.yaml/edit", timeout=30, data={
            "csrf_token": token, "new": "1", "file_name": "091.yaml", **fields})
        assert answer.status_code == 200 and "saved=1" in answer.url, answer.status_code
    finally:
        web.stop()
    assert issue_yaml.read((issues / "091.yaml").read_text(encoding="utf-8"))["number"] == 91


def test_resume_is_refused_while_the_dkim_key_cannot_sign(tmp_path):
    # The campaign said "sending", and its first batch paused it again at once.
    web = WebProcess(tmp_path / "home", dkim_key_file=str(tmp_path / "nowhere.pem"))
    add_staff(web.env, "admin@example.org", "admin")
    db_url = web.env["INFOLETTRE_DATABASE_URL"]
    db.upgrade(db_url)
    with db.session_scope(db_url) as session:
        paused = campaigns.create(session, render_file(ROOT / "issues" / "091.yaml"))
        paused.state = CampaignState.PAUSED
        session.flush()
        campaign_id = paused.id
    web.start()
    try:
        http, token = _signed_in(web)
        _post(http, token, f"{web.url}/console/campaigns/{campaign_id}/resume", 409,
              "La clé DKIM ne peut pas signer : l'envoi reste tel quel")
    finally:
        web.stop()
    with db.session_scope(db_url) as session:
        assert session.get(Campaign, campaign_id).state == CampaignState.PAUSED


def test_ids_too_large_for_the_database_are_unknown_pages(console):
    # 2**64 and more raised OverflowError (Python int too large for SQLite INTEGER): 500.
    http, _token = _signed_in(console)
    base = f"{console.url}/console"
    for path in ("campaigns/99999999999999999999", "subscribers/99999999999999999999",
                 f"campaigns/{2**63}/progress", "bounces/99999999999999999999",
                 "issues/091.yaml/versions?a=99999999999999999999&b=1"):
        assert http.get(f"{base}/{path}", timeout=10).status_code == 404, path
    assert http.get(f"{base}/campaigns/{2**63 - 1}", timeout=10).status_code == 404


def test_crafted_editor_field_names_are_named_in_a_400(console):
    # A name that is no path of the format met a value where it needed an object (or the
    # other way round): AttributeError, a 500.
    http, token = _signed_in(console)
    for fields, named in (
            ({"sections.0": "1", "sections.0.kind": "news"}, "sections.0"),
            ({"sections.0.kind": "news", "sections.0": "1"}, "sections.0"),
            ({"sections.0.articles.0.title.fr.x.y": "1"}, "sections.0.articles.0.title.fr.x.y"),
            ({"sections.zero.kind": "news"}, "sections.zero.kind"),
            ({"sections.0.odd": "1", "sections.0.odd.x": "2"}, "sections.0.odd.x")):
        for action in ("edit", "preview"):
            _post(http, token, f"{console.url}/console/issues/091.yaml/{action}", 400,
                  f"retapez la modification. Le champ : <strong>{named}</strong>",
                  **fields)
