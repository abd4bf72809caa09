"""The pages behind the signed links of emails: confirm, unsubscribe, preferences.

A GET never changes anything but confirming; unsubscribing needs a POST, so that link
scanners opening every URL of a message unsubscribe nobody. The POST to the unsubscribe
URL is also RFC 8058's one-click: no cookie, no CSRF token, the signed token is the proof.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import Session

from mailer import db
from mailer.catalogue import language_name
from mailer.webapp import csrf
from subscribers import tokens
from subscribers.i18n import labels
from subscribers.links import unsubscribe_url
from subscribers.models import Subscriber
from subscribers.optout import change_language, resubscribe, unsubscribe
from subscribers.signup import Consent, confirm
from subscribers.validation import InvalidInput, check_language
from subscribers.web import csrf_failed, message, next_steps, page, page_language, settings

bp = Blueprint("links", __name__, template_folder="templates")


class GoneSubscriber(Exception):
    """The token is valid but its subscriber was erased."""


def _subscriber(session: Session, purpose: str, token: str) -> tuple[Subscriber, int | None]:
    """The token's subscriber, and the campaign whose email held the link (if any)."""
    signed = tokens.read(purpose, token)
    subscriber = session.get(Subscriber, signed.subscriber_id)
    if subscriber is None:
        raise GoneSubscriber
    return subscriber, signed.campaign_id


@bp.errorhandler(tokens.InvalidToken)
def bad_token(error: tokens.InvalidToken):
    # Expired: 410 Gone; tampered or for another purpose: 400. Nothing was changed.
    status = 410 if error.reason == "expired" else 400
    return message(f"token_{error.reason}", page_language(), status)


bp.register_error_handler(CSRFError, csrf_failed)


@bp.errorhandler(GoneSubscriber)
def gone(_error):
    return message("not_found", page_language(), 404)


@bp.get("/confirm/<token>")
def confirm_page(token: str):
    with db.session_scope(settings().db_url) as session:
        subscriber = confirm(session, tokens.read(tokens.CONFIRM, token).subscriber_id)
        if subscriber is None:
            raise GoneSubscriber
        language, status = subscriber.language, subscriber.status
    if status != "subscribed":
        return message("not_found", language, 409)
    named = language_name(language, labels(language).language)  # "Deutsch", "allemand"
    return message("confirmed", language, fields={"language": named})


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    with db.session_scope(settings().db_url) as session:
        subscriber, _campaign = _subscriber(session, tokens.UNSUBSCRIBE, token)
        if subscriber.status == "unsubscribed":  # left already: say so, offer the way back
            return page("unsubscribed", subscriber.language, token=token, already=True,
                        next=next_steps(subscriber.language))
        return page("unsubscribe", subscriber.language, subscriber=subscriber, token=token)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token: str):
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    with db.session_scope(settings().db_url) as session:
        subscriber, campaign_id = _subscriber(session, tokens.UNSUBSCRIBE, token)
        source = "one-click" if one_click else "page"
        unsubscribe(session, subscriber, source=source, campaign_id=campaign_id)
        language = subscriber.language
    return page("unsubscribed", language, token=token, next=next_steps(language))


@bp.post("/unsubscribe/<token>/resubscribe")
def resubscribe_now(token: str):
    with db.session_scope(settings().db_url) as session:
        subscriber, _campaign = _subscriber(session, tokens.UNSUBSCRIBE, token)
        language = subscriber.language
        consent = Consent("web:resubscribe", str(labels(language)["consent"]), request.remote_addr)
        resubscribe(session, subscriber, consent)
    return message("resubscribed", language)


@bp.get("/demo/<kind>")
def demo(kind: str):
    """Where a test email's opt-out links lead: what the reader would find, nothing done."""
    if kind not in ("unsubscribe", "preferences"):
        return message("not_found", page_language(), 404)
    return message(f"demo_{kind}", page_language())


@bp.route("/preferences/<token>", methods=["GET", "POST"])
def preferences(token: str):
    with db.session_scope(settings().db_url) as session:
        subscriber, campaign_id = _subscriber(session, tokens.PREFERENCES, token)
        saved, error = False, None
        if request.method == "POST":
            try:
                change_language(session, subscriber, check_language(request.form.get("language")))
                saved = True
            except InvalidInput as invalid:
                error = invalid
        unsubscribe_action = unsubscribe_url(subscriber.id, campaign_id)
        return page(
            "preferences", subscriber.language, 400 if error else 200,
            subscriber=subscriber, saved=saved, error=error,
            unsubscribe_action=unsubscribe_action,
            resubscribe_action=unsubscribe_action + "/resubscribe",
        )
