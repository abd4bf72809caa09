"""Auto-replies, out-of-office and challenge messages: never counted as bounces."""

from __future__ import annotations

import re
from email.message import EmailMessage

_SUBJECT = re.compile(
    r"out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response|antwort)|"
    r"absen(?:t|ce)|away from|on vacation|vacances|réponse automatique|r[ée]ponse auto|"
    r"abwesenheit|assente|ausente|fuera de la oficina|congés|confirm your (?:email|address)|"
    r"verify your (?:email|address)|challenge",
    re.IGNORECASE)
_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "X-Vacation")


def is_auto_reply(message: EmailMessage, text: str) -> bool:
    """RFC 3834's Auto-Submitted, the vacation headers of common servers, or the subject."""
    submitted = str(message.get("Auto-Submitted", "")).lower()
    if submitted and submitted != "no":
        return True
    if any(message.get(header) for header in _HEADERS):
        return True
    if str(message.get("Precedence", "")).lower() in ("auto_reply", "auto-reply"):
        return True
    return bool(_SUBJECT.search(str(message.get("Subject", ""))))
