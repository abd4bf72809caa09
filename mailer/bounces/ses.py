"""Amazon SES notifications (bounce, complaint, delivery), by webhook or by e-mail.

By e-mail the JSON comes as the body, often inside the SNS envelope (its `Message` a JSON
string), and mail systems fold its long lines at 998 characters (RFC 5322), sometimes in
the middle of a string: the line breaks are taken out before reading it. Each bounced
recipient is its own Finding; SES's `Permanent` is believed only for the address's own
reasons (a `ContentRejected` or a DMARC refusal is the sender's).
"""

from __future__ import annotations

import json
from email.message import Message

from mailer.bounces import notes
from mailer.bounces.finding import COMPLAINT, NOT_BOUNCE, Finding, failure
from mailer.bounces.notes import SES_DELIVERY, note

_SUBTYPES = {"NoEmail": "user unknown", "MailboxFull": "mailbox full quota",
             "MessageTooLarge": "message too big", "ContentRejected": "content rejected spam",
             "AttachmentRejected": "attachment not allowed", "Suppressed": "",
             "OnAccountSuppressionList": ""}


def _json(text: str) -> dict | None:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    body = text[start:end + 1]
    for attempt in (body, body.replace("\r", "").replace("\n", ""),
                    body.replace("\r", "").replace("\n ", "").replace("\n", "")):
        try:
            data = json.loads(attempt)
        except ValueError:
            continue
        return data if isinstance(data, dict) else None
    return None


def ses_notification(text: str) -> Finding | None:
    """The first Finding of an SES notification (JSON), or None for anything else."""
    found = findings_of(text)
    return found[0] if found else None


def findings_of(text: str) -> list[Finding]:
    """Every Finding of an SES notification (JSON text); [] for anything else."""
    return notification(_json(text) or {}) or []


def notification(data: dict) -> list[Finding] | None:
    """Findings of an SES notification (dict), [] for a delivery, None if it is not one."""
    if data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
        data = _json(data["Message"]) or {}
    kind = data.get("notificationType") or data.get("eventType")
    if kind == "Complaint":
        complaint = data.get("complaint") or {}
        people = complaint.get("complainedRecipients") or [{}]
        why = note(notes.COMPLAINT, source="SES",
                   feedback=str(complaint.get("complaintFeedbackType", "abuse")))
        return [Finding(COMPLAINT, _address(p), notes=[why]) for p in people]
    if kind == "Delivery":
        return []
    if kind != "Bounce":
        return None
    bounce = data.get("bounce") or {}
    permanent = bounce.get("bounceType") == "Permanent"
    subtype = bounce.get("bounceSubType", "")
    hint = _SUBTYPES.get(subtype, "")
    findings = []
    for person in bounce.get("bouncedRecipients") or [{}]:
        if not isinstance(person, dict):
            continue
        words = f"{person.get('diagnosticCode', '')} {hint}".strip()
        if not words and permanent and subtype in ("General", "Suppressed",
                                                   "OnAccountSuppressionList"):
            words = "unknown user (SES: permanent, no diagnostic)"  # SES's own hard bounce
        status = person.get("status") or ("5.0.0" if permanent else "4.0.0")
        findings.append(failure(_address(person), str(status), words))
    return findings


def _address(person) -> str | None:
    address = person.get("emailAddress") if isinstance(person, dict) else None
    return address if isinstance(address, str) else None


def findings(message: Message, text: str) -> list[Finding] | None:
    """An SES notification that came by e-mail; None if the message is not one."""
    if "notificationType" not in text and "eventType" not in text:
        return None
    found = notification(_json(text) or {})
    if found is None:
        return None
    return found or [Finding(NOT_BOUNCE, notes=[note(SES_DELIVERY)])]
