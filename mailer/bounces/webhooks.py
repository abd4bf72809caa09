"""POST /webhooks/<provider>: bounces and complaints reported by the relay's API.

Each provider's own proof is checked first (SNS signature, Postmark's Basic credentials,
Mailgun's HMAC); an unsigned or forged call gets 403 and changes nothing. Each event is
recorded once, by the provider's own id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from flask import Blueprint, abort, request

from mailer import db
from mailer.bounces import classify, sns
from mailer.bounces.classify import Finding
from mailer.bounces.finding import provider_failure
from mailer.bounces.process import record
from mailer.bounces.ses import findings_of
from mailer.settings import get_settings

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def _save(key: str, finding: Finding, source: str) -> tuple[str, int]:
    with db.session_scope() as session:
        record(session, f"{source}:{key}", finding, source, request.get_data(as_text=True))
    return "", 204


@bp.post("/ses")
def ses():
    message = request.get_json(force=True, silent=True) or {}
    try:
        sns.verify(message)
    except sns.Forged:
        abort(403)
    topics = get_settings().sns_topic_arns
    if topics and message.get("TopicArn") not in topics:
        abort(403)
    if message.get("Type") == "SubscriptionConfirmation":
        sns.confirm(message)
        return "", 204
    if message.get("Type") != "Notification":
        return "", 204
    findings = findings_of(message.get("Message", ""))
    if not findings:
        return "", 204  # deliveries and other notifications: nothing to do
    for number, finding in enumerate(findings):  # each recipient of the notification
        suffix = f"#{number + 1}" if number else ""
        _save(f"{message['MessageId']}{suffix}", finding, "ses")
    return "", 204


@bp.post("/postmark")
def postmark():
    expected = get_settings().postmark_webhook_password
    auth = request.authorization
    if not expected or auth is None or not hmac.compare_digest(auth.password or "", expected):
        abort(403)
    event = request.get_json(force=True, silent=True) or {}
    kind = {"HardBounce": classify.HARD, "SoftBounce": classify.SOFT,
            "Transient": classify.DELAY, "SpamComplaint": classify.COMPLAINT,
            "BadEmailAddress": classify.HARD, "SpamNotification": classify.COMPLAINT}
    if event.get("RecordType") == "SpamComplaint":
        found = classify.COMPLAINT
    else:
        found = kind.get(event.get("Type"), classify.UNKNOWN)
    words = f"{event.get('Details', '')} {event.get('Description', '')}".strip()
    if found in (classify.HARD, classify.SOFT):  # its words decide whose fault it is
        finding = provider_failure(event.get("Email"), words, found == classify.HARD)
    else:
        finding = Finding(found, event.get("Email"), reason=words[:300])
    return _save(str(event.get("ID", "")), finding, "postmark")


@bp.post("/mailgun")
def mailgun():
    key = get_settings().mailgun_signing_key
    body = request.get_json(force=True, silent=True) or {}
    signature = body.get("signature", {})
    digest = hmac.new(key.encode(), f"{signature.get('timestamp', '')}"
                      f"{signature.get('token', '')}".encode(), hashlib.sha256).hexdigest()
    fresh = abs(time.time() - float(signature.get("timestamp") or 0)) < 900
    if not key or not fresh or not hmac.compare_digest(digest, signature.get("signature", "")):
        abort(403)
    event = body.get("event-data", {})
    status = event.get("delivery-status", {})
    if event.get("event") == "complained":
        found = classify.COMPLAINT
    elif event.get("event") == "failed":
        words = f"{status.get('code', '')} {status.get('message') or ''} " \
                f"{status.get('description') or ''}".strip()
        finding = provider_failure(event.get("recipient"), words,
                                   event.get("severity") == "permanent")
        return _save(str(event.get("id", json.dumps(signature))), finding, "mailgun")
    else:
        return "", 204
    finding = Finding(found, event.get("recipient"), str(status.get("code", "")) or None,
                      str(status.get("message") or status.get("description") or "")[:300])
    return _save(str(event.get("id", json.dumps(signature))), finding, "mailgun")
