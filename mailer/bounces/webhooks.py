"""POST /webhooks/<provider>: bounces and complaints reported by the relay's API.

Each provider's own proof is checked first (SNS signature, Postmark's Basic credentials,
Mailgun's HMAC); an unsigned or forged call gets 403 and changes nothing. Then, for every
provider: a call outside the provider's time window is refused, a one-time proof seen
before is refused (a replay), and an event already recorded under the provider's own id
is acknowledged and not applied again (mailer/bounces/replay.py). A body that is not what
the provider sends (not JSON, wrong types, missing fields) gets 400, never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime

from flask import Blueprint, abort, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mailer import db
from mailer.bounces import classify, provenance, replay, sns
from mailer.bounces.classify import Finding
from mailer.bounces.finding import provider_failure
from mailer.bounces.models import BounceEvent
from mailer.bounces.process import record
from mailer.bounces.ses import findings_of
from mailer.settings import get_settings

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


class Malformed(Exception):
    """A body that is not what the provider sends."""


@bp.errorhandler(Malformed)
def malformed(error: Malformed):
    return f"malformed webhook body: {error}\n", 400, {"Content-Type": "text/plain"}


def _json_object() -> dict:
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:  # [[[[… thousands deep: silent=True lets it through (a 500)
        raise Malformed("JSON nested too deep") from None
    if not isinstance(body, dict):
        raise Malformed("expected a JSON object")
    return body


def _text(data: dict, name: str, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise Malformed(f"{name}: expected a string")
    return str(value)


def _object(data: dict, name: str) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise Malformed(f"{name}: expected an object")
    return value


def _moment(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Malformed(f"{name}: expected an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _accept(provider: str, event_id: str, moment: datetime, proof: str | None,
            findings: list[Finding]) -> tuple[str, int]:
    """The checks every provider shares, then the findings recorded once under the event's
    id (one per recipient of the event: `id`, `id#2`, ...)."""
    if not replay.fresh(provider, moment):
        abort(403)  # stale (or from the future): a replay of an old call
    key = f"{provider}:{event_id}"[:300]
    try:
        with db.session_scope() as session:
            if session.scalar(select(BounceEvent.id).where(BounceEvent.key == key)):
                return "", 204  # the provider's retry of an event we have: nothing more
            if proof is not None and not replay.first_use(session, provider, proof):
                abort(403)
            # Authenticated, but only what we sent through the provider can be about us.
            findings = provenance.screen(session, findings, authenticated=True)
            for number, finding in enumerate(findings):
                suffix = f"#{number + 1}" if number else ""
                record(session, f"{key}{suffix}"[:300], finding, provider,
                       request.get_data(as_text=True))
    except IntegrityError:  # the same call twice at the same instant: the other one counts
        abort(409)
    return "", 204


def _sns(call, message: dict) -> None:
    """`call(message)` (verify, confirm), its refusals as 4xx answers."""
    try:
        call(message)
    except sns.Forged:
        abort(403)
    except sns.Unverifiable:
        abort(400)  # its certificate cannot be had: nothing can be believed


@bp.post("/ses")
def ses():
    message = _json_object()
    for name in ("Type", "MessageId", "Timestamp", "TopicArn", "Signature", "SigningCertURL"):
        _text(message, name)
    # Only our topics: anyone can make an SNS topic, have it signed by Amazon and subscribe
    # this endpoint to it. No topic configured: SES is off, like a provider with no secret.
    if message["TopicArn"] not in get_settings().sns_topic_arns:
        abort(403)
    _sns(sns.verify, message)
    moment = _moment(message["Timestamp"], "Timestamp")
    findings: list[Finding] = []
    if message["Type"] == "SubscriptionConfirmation":
        if not replay.fresh("ses", moment):
            abort(403)
        _sns(sns.confirm, message)
        return "", 204
    if message["Type"] == "Notification":  # every recipient of it; none for a delivery
        try:
            findings = findings_of(_text(message, "Message"))
        except (AttributeError, IndexError, KeyError, TypeError):
            raise Malformed("Message: not an SES notification") from None
        if not all(isinstance(found.recipient, str | None) for found in findings):
            raise Malformed("Message: recipient is not an address")
    return _accept("ses", message["MessageId"], moment, message["Signature"], findings)


POSTMARK_KINDS = {"HardBounce": classify.HARD, "SoftBounce": classify.SOFT,
                  "Transient": classify.DELAY, "SpamComplaint": classify.COMPLAINT,
                  "BadEmailAddress": classify.HARD, "SpamNotification": classify.COMPLAINT}


@bp.post("/postmark")
def postmark():
    expected = get_settings().postmark_webhook_password
    auth = request.authorization
    if not expected or auth is None or not hmac.compare_digest(auth.password or "", expected):
        abort(403)
    event = _json_object()
    record_type = _text(event, "RecordType")
    event_id = _text(event, "ID")
    moment = _moment(_text(event, "BouncedAt"), "BouncedAt")
    if record_type == "SpamComplaint":
        found = classify.COMPLAINT
    else:
        found = POSTMARK_KINDS.get(_text(event, "Type", required=False), classify.UNKNOWN)
    email = _text(event, "Email")
    words = f"{_text(event, 'Details', required=False)} " \
            f"{_text(event, 'Description', required=False)}".strip()
    if found in (classify.HARD, classify.SOFT):  # its words decide whose fault it is
        finding = provider_failure(email, words, found == classify.HARD)
    else:
        finding = Finding(found, email, reason=words[:300])
    # Postmark's proof is the Basic password, the same on every call: nothing to use once.
    return _accept("postmark", event_id, moment, None, [finding])


_MAILGUN_TIMESTAMP = re.compile(r"[0-9]{1,12}")


@bp.post("/mailgun")
def mailgun():
    key = get_settings().mailgun_signing_key
    body = _json_object()
    signature = _object(body, "signature")
    timestamp, token = _text(signature, "timestamp"), _text(signature, "token")
    if not _MAILGUN_TIMESTAMP.fullmatch(timestamp):
        raise Malformed("signature.timestamp: expected seconds since 1970")
    digest = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    if not key or not hmac.compare_digest(digest, _text(signature, "signature")):
        abort(403)
    moment = datetime.fromtimestamp(int(timestamp), UTC)
    event = _object(body, "event-data")
    status = _object(event, "delivery-status")
    kind = event.get("event")
    findings: list[Finding] = []
    if kind == "complained":
        findings = [Finding(classify.COMPLAINT, _text(event, "recipient"))]
    elif kind == "failed":  # its words decide whose fault it is
        words = f"{_text(status, 'code', required=False)} " \
                f"{status.get('message') or ''} {status.get('description') or ''}".strip()
        findings = [provider_failure(_text(event, "recipient"), words,
                                     event.get("severity") == "permanent")]
    # The signature covers only the timestamp and token, not the body: the token is used
    # once, or a captured call could carry any other event.
    return _accept("mailgun", _text(event, "id"), moment, token, findings)
