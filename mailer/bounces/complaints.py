"""Complaints: ARF reports (RFC 5965; Yahoo's, AOL's, Microsoft's newer ones) and the
older Microsoft JMRP (a copy of the message from staff@hotmail.com, the complainer in its
X-HmXmrOriginalRecipient header).

The complainer is, in order: the report's Original-Rcpt-To; Microsoft's header; our VERP
address (the report's Original-Mail-From, or the returned copy's Return-Path); the copy's
To. Providers that redact the
address leave only the VERP, which names the subscriber.
"""

from __future__ import annotations

import re
from email.message import Message

from mailer.bounces import reading
from mailer.bounces.notes import COMPLAINT, FEEDBACK_REPORT, note

_JMRP_FROM = re.compile(r"staff@hotmail\.com|@(?:hotmail|outlook|live|msn)\.com", re.I)
_REDACTED = re.compile(r"redacted|x{4,}|\*{3,}|^anonym", re.IGNORECASE)
NOT_COMPLAINTS = ("not-spam", "auth-failure")


def _report_fields(message: Message) -> dict[str, str] | None:
    for part, inside in reading.walk(message):
        if inside or reading.content_type(part) != "message/feedback-report":
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            text = "\n".join(p.as_string() if isinstance(p, Message) else str(p)
                             for p in payload)
        else:
            text = reading.payload_text(part)
        fields: dict[str, str] = {}
        for line in re.sub(r"\r?\n[ \t]+", " ", text).splitlines():
            name, colon, value = line.partition(":")
            if colon:
                fields.setdefault(name.strip().lower(), value.strip())
        return fields
    return None


def _is_jmrp(message: Message, original: Message | None) -> bool:
    return original is not None and bool(
        reading.header(original, "X-HmXmrOriginalRecipient")
        or (_JMRP_FROM.search(reading.header(message, "From"))
            and re.search(r"complaint|junk|abuse", reading.header(message, "Subject"), re.I)))


def _address(value: str) -> str | None:
    found = reading.ADDRESS.findall(value)
    return found[0] if found and not _REDACTED.search(found[0]) else None


def complaint(message: Message) -> tuple[str, str | None, dict] | None:
    """(kind, complainer or None, its note: mailer.bounces.notes) for a complaint report;
    a not-spam or an authentication-failure report is no complaint; None for anything
    else."""
    fields = _report_fields(message)
    original = reading.original_headers(message)
    if fields is None and not _is_jmrp(message, original):
        return None
    feedback = (fields or {}).get("feedback-type", "abuse").lower()
    if feedback in NOT_COMPLAINTS:
        return "not_bounce", None, note(FEEDBACK_REPORT, feedback=feedback)
    candidates = [(fields or {}).get("original-rcpt-to", "")]
    if original is not None:
        candidates += [reading.header(original, "X-HmXmrOriginalRecipient"),
                       reading.header(original, "To")]
    recipient = next((a for a in map(_address, candidates) if a), None)
    source = "JMRP" if fields is None else "ARF"
    return "complaint", recipient, note(COMPLAINT, source=source, feedback=feedback)


def return_paths(message: Message) -> list[str]:
    """The addresses a report gives as its copy's return path: the report's
    Original-Mail-From (RFC 5965 3.2: the copy's envelope sender, kept by providers that
    send headers only or none), then the returned copy's own headers."""
    values = [(_report_fields(message) or {}).get("original-mail-from", "")]
    original = reading.original_headers(message)
    if original is not None:
        values += [reading.header(original, name) for name in
                   ("Return-Path", "X-Original-Return-Path", "Sender", "Errors-To")]
    return [address for value in values for address in reading.ADDRESS.findall(value)]

