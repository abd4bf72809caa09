"""The pages behind the signed links of emails: confirm, unsubscribe, preferences.

A GET or HEAD never changes anything: confirming and unsubscribing each need a POST from
the page's one button, so that the link scanners of mail services, which open every URL of
a message, neither subscribe someone who did not ask (double opt-in proves a person) nor
unsubscribe anyone. Those POSTs need no cookie or CSRF token: the signed token, bound to its
person, is the proof; the one to the unsubscribe URL is also RFC 8058's one-click.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import Session

from mailer import db
from mailer.catalogue import language_name
from mailer.webapp import csrf
from subscribers import tokens
from subscribers.i18n import labels
from subscribers.links import unsubscribe_url
from subscribers.models import ErasedLink, Status, Subscriber
from subscribers.optout import change_language, resubscribe, unsubscribe
from subscribers.signup import Consent, confirm
from subscribers.validation import InvalidInput, check_language, check_once
from subscribers.web import csrf_failed, message, next_steps, page, page_language, settings

bp = Blueprint("links", __name__, template_folder="templates")


class Erased(Exception):
    """The link is one we sent to a person since erased."""


def _holder(session: Session, subscriber_id: int) -> Subscriber | ErasedLink | None:
    return session.get(Subscriber, subscriber_id) or session.get(ErasedLink, subscriber_id)


def _subscriber(session: Session, purpose: str, token: str) -> tuple[Subscriber, int | None]:
    """The token's subscriber, and the campaign whose email held the link (if any).
    Raises tokens.InvalidToken, or Erased for a link signed with an erased person's key."""
    signed, holder = tokens.read(purpose, token, partial(_holder, session))
    if isinstance(holder, ErasedLink):
        raise Erased
    return holder, signed.campaign_id


@bp.errorhandler(tokens.InvalidToken)
def bad_token(error: tokens.InvalidToken):
    # Expired: 410 Gone; tampered, for another purpose or another person: 400. Nothing was
    # changed. A token whose id is nobody's (never given, or erased before erasures kept
    # the key) is answered as a tampered one: its signature cannot be checked without the
    # person's key, and a different answer would tell anyone which ids are on the list.
    if error.reason == "expired":
        return message("token_expired", page_language(), 410)
    return message("token_invalid", page_language(), 400)


@bp.errorhandler(Erased)
def erased(_error: Erased):
    # Their own link, its signature checked: that the address is no longer on the list is
    # all it says (the language too went with the row: the reader's browser chooses).
    return message("erased", page_language())


bp.register_error_handler(CSRFError, csrf_failed)


@bp.get("/confirm/<token>")
def confirm_page(token: str):
    """One button in the subscriber's language; HEAD is answered by this too."""
    with db.session_scope(settings().db_url) as session:
        subscriber, _campaign = _subscriber(session, tokens.CONFIRM, token)
        if subscriber.status == Status.SUBSCRIBED:
            return message("confirmed", subscriber.language)
        if subscriber.status != Status.PENDING:  # left, bounced or complained since
            return message("not_found", subscriber.language, 409)
        return page("confirm", subscriber.language, token=token)


@bp.post("/confirm/<token>")
@csrf.exempt
def confirm_now(token: str):
    with db.session_scope(settings().db_url) as session:
        subscriber, _campaign = _subscriber(session, tokens.CONFIRM, token)
        confirm(session, subscriber.id)
        language, status = subscriber.language, subscriber.status
    if status != Status.SUBSCRIBED:  # left, bounced or complained since: not ours to undo
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
                check_once(request.form, ("language",))  # as the signup form does
                chosen = request.form.get("language")
                if not chosen:  # check_language reads "none" as the default language
                    raise InvalidInput("language", "language_invalid", "no language chosen")
                change_language(session, subscriber, check_language(chosen))
                saved = True
            except InvalidInput as invalid:
                error = invalid
        unsubscribe_action = unsubscribe_url(subscriber.id, subscriber.link_key, campaign_id)
        return page(
            "preferences", subscriber.language, 400 if error else 200,
            subscriber=subscriber, saved=saved, error=error,
            unsubscribe_action=unsubscribe_action,
            resubscribe_action=unsubscribe_action + "/resubscribe",
            contact=settings().reply_to,  # where a bounced or complaining reader writes
        )
