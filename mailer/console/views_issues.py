"""The issues: their list with validation state, a preview page per issue, test sends."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for

from mailer import db
from mailer.console import staff as accounts
from mailer.console.issues import GMAIL_CLIP_BYTES, examine, find, issue_files
from mailer.console.models import Role
from mailer.console.web import blueprint, page, requires, settings

bp = blueprint("console_issues")


def _issue(slug: str):
    path = find(settings().issues_dir, slug)
    if path is None:
        abort(404)
    return examine(path)


@bp.get("/issues")
@requires(Role.EDITOR)
def index():
    states = [examine(path) for path in issue_files(settings().issues_dir)]
    return page("issues", issues=states)


@bp.get("/issues/<slug>")
@requires(Role.EDITOR)
def show(slug: str):
    state = _issue(slug)
    with db.session_scope(settings().db_url) as s:
        accounts.audit(s, g.staff, "preview", slug)
    return page("issue", issue=state, limit=GMAIL_CLIP_BYTES)


def _recipients(raw: str) -> list[str] | None:
    from email_validator import EmailNotValidError, validate_email

    out = []
    for item in filter(None, (part.strip() for part in raw.replace("\n", ",").split(","))):
        try:
            out.append(validate_email(item, check_deliverability=False).normalized.lower())
        except EmailNotValidError:
            return None
    return out or [g.staff.email]


@bp.post("/issues/<slug>/test")
@requires(Role.EDITOR)
def test_send(slug: str):
    from workers import campaigns
    from workers.tasks import start_campaign

    state = _issue(slug)
    recipients = _recipients(request.form.get("recipients", ""))
    language = request.form.get("language", "all")
    if not state.valid or recipients is None:
        return page("issue", 400, issue=state, limit=GMAIL_CLIP_BYTES, bad_recipients=True)
    editions = state.editions
    if language in editions:
        editions = {language: editions[language]}
    with db.session_scope(settings().db_url) as s:
        campaign = campaigns.create(s, editions, recipients, None)
        accounts.audit(s, g.staff, "test_send", slug, to=recipients, languages=list(editions))
        s.commit()
        campaign_id = campaign.id
    start_campaign.delay(campaign_id)
    flash(f"test:{campaign_id}:{', '.join(recipients)}")
    return redirect(url_for("console_issues.show", slug=slug))
