"""What a message that came back means, and for whom.

In order: our own VERP address names campaign and subscriber; an ARF report (RFC 5965) is
a complaint; an RFC 3464 delivery-status report gives recipient, action and status code;
an Amazon SES notification carries its JSON; auto-replies (RFC 3834) are never bounces;
for free-form bounces (qmail, old MTAs) flufl.bounce finds the recipient and the wording
and any enhanced status code decide the class.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from flufl.bounce import scan_message

from mailer import verp
from mailer.bounces.autoreply import is_auto_reply

HARD, SOFT, DELAY = "hard", "soft", "delay"
COMPLAINT, NOT_BOUNCE, UNSUBSCRIBE, UNKNOWN = "complaint", "not_bounce", "unsubscribe", "unknown"

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([45])\d\d[ -]")
_EMAIL = re.compile(r"[\w.+'=-]+@[\w-]+(?:\.[\w-]+)+")
# Soft whatever the code says: full mailboxes, quotas, greylisting, rate limits.
_SOFT_WORDS = re.compile(
    r"mailbox (?:is )?full|\bquota\b|exceeded (?:the )?storage|insufficient "
    r"(?:system )?storage|greylist|try again later|temporarily|rate limit|too many|"
    r"blocked using|block ?list|black ?list|spamhaus|listed at|not yet been delivered",
    re.IGNORECASE)
_HARD_WORDS = re.compile(
    r"user unknown|unknown user|no such (?:user|mailbox|recipient)|does not exist|"
    r"mailbox unavailable|invalid (?:recipient|mailbox|address)|recipient (?:address )?"
    r"rejected|address rejected|not found|unrouteable|host or domain name not found|"
    r"domain (?:not found|does not exist)|account (?:has been )?disabled|"
    r"(?:doesn't|does not) have an? \w+ account|no longer (?:active|valid)|"
    r"n'existe pas|inconnu|introuvable|unbekannt",
    re.IGNORECASE)


@dataclass
class Finding:
    kind: str
    recipient: str | None = None
    status: str | None = None  # enhanced status code, e.g. 5.1.1
    reason: str = ""
    campaign_id: int | None = None
    subscriber_id: int | None = None
    detail: dict = field(default_factory=dict)

    @property
    def domain(self) -> str | None:
        return self.recipient.rpartition("@")[2].lower() if self.recipient else None


def _class_of(status: str | None, text: str, action: str = "failed") -> str:
    if action == "delayed":
        return DELAY
    if _SOFT_WORDS.search(text) or (status and status.startswith("5.2.2")):
        return SOFT
    if status and status.startswith("4"):
        return SOFT
    if status and status.startswith("5"):
        return HARD
    if _HARD_WORDS.search(text):
        return HARD
    basic = _SMTP_CODE.search(text)  # no enhanced code: the plain SMTP reply decides
    return HARD if basic and basic[1] == "5" else SOFT


def _addresses_to_us(message: EmailMessage) -> list[str]:
    found = []
    for header in ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"):
        for value in message.get_all(header, []):
            found += _EMAIL.findall(str(value))
    return found


def _text_of(message: EmailMessage) -> str:
    parts = []
    for part in message.walk():
        if part.get_content_maintype() == "text" or part.get_content_type() in (
                "message/delivery-status", "message/feedback-report"):
            payload = part.get_payload(decode=True)
            if payload:
                parts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(parts)


def _dsn(message: EmailMessage) -> Finding | None:
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        raw = part.get_payload(decode=True)
        if raw is None:  # parsed as sub-messages: each block of fields is one
            blocks = [str(sub) for sub in part.get_payload()]
        else:
            blocks = re.split(r"\r?\n\r?\n", raw.decode("utf-8", "replace"))
        for block in blocks:
            fields = dict(
                (name.strip().lower(), value.strip())
                for name, _, value in (
                    line.partition(":") for line in re.sub(r"\r?\n[ \t]+", " ", block).splitlines())
                if value
            )
            recipient = _dsn_recipient(fields)
            if not recipient:
                continue
            action = fields.get("action", "failed").lower()
            if action in ("delivered", "relayed", "expanded"):
                continue
            code = _STATUS.search(fields.get("status", ""))
            status = code[0] if code else None
            diagnostic = fields.get("diagnostic-code", "")
            return Finding(_class_of(status, diagnostic, action), recipient, status,
                           diagnostic[:300])
    return None


def _dsn_recipient(fields: dict[str, str]) -> str | None:
    """The address we sent to: Original-Recipient when it is an Internet address (a
    forwarder's Final-Recipient is another), else Final-Recipient."""
    for name in ("original-recipient", "final-recipient"):
        kind, _, address = fields.get(name, "").partition(";")
        address = address.strip().strip("<>")
        if kind.strip().lower() == "rfc822" and _EMAIL.fullmatch(address):
            return address
    final = fields.get("final-recipient")
    return final.split(";")[-1].strip().strip("<>") if final else None


def _ses(text: str) -> Finding | None:
    start = text.find("{")
    if start < 0 or "notificationType" not in text:
        return None
    return ses_notification(text[start:text.rfind("}") + 1])


def ses_notification(text: str) -> Finding | None:
    """An Amazon SES bounce or complaint notification (JSON), or None for anything else."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if data.get("notificationType") == "Complaint":
        people = data.get("complaint", {}).get("complainedRecipients", [{}])
        return Finding(COMPLAINT, people[0].get("emailAddress"), reason="SES complaint")
    if data.get("notificationType") == "Bounce":
        bounce = data.get("bounce", {})
        person = bounce.get("bouncedRecipients", [{}])[0]
        status = person.get("status")
        kind = HARD if bounce.get("bounceType") == "Permanent" else SOFT
        return Finding(kind, person.get("emailAddress"), status,
                       person.get("diagnosticCode", bounce.get("bounceSubType", ""))[:300])
    return None


def _complaint(message: EmailMessage) -> Finding | None:
    if "feedback-report" not in message.get("Content-Type", "").lower():
        return None
    recipient = None
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            text = _text_of(part) or str(part.get_payload()[0] if part.is_multipart() else "")
            match = re.search(r"Original-Rcpt-To:\s*<?([^>\s]+)", text, re.IGNORECASE)
            recipient = match[1] if match else None
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers") and not recipient:
            found = _EMAIL.findall(re.search(r"^To:.*$", _text_of(part) or str(part),
                                             re.MULTILINE | re.IGNORECASE)[0] or "")
            recipient = found[0] if found else None
    return Finding(COMPLAINT, recipient, reason="abuse report (ARF)")


def _scan(message: EmailMessage) -> list[str]:
    """flufl.bounce's detectors; some of them raise on odd messages (no From, say)."""
    try:
        found = scan_message(message)
    except Exception:  # noqa: BLE001 - one broken detector must not stop the mailbox
        return []
    return [str(r, "utf-8", "replace") if isinstance(r, bytes) else str(r) for r in found]


_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (?:status|failure|has failed)|returned mail|failure notice|"
    r"mail delivery failed|could not be delivered|delayed|non remis|non distribu|échec|"
    r"unzustellbar|nicht zugestellt", re.IGNORECASE)
_DAEMON = re.compile(r"mailer-daemon|postmaster|mail delivery|delivery subsystem",
                     re.IGNORECASE)
_DELAYED = re.compile(r"delayed|not yet been delivered|will (?:continue|keep) trying|"
                      r"retr(?:y|ying)", re.IGNORECASE)


def _from_daemon(message: EmailMessage) -> bool:
    return bool(_DAEMON.search(str(message.get("From", "")))
                or _BOUNCE_SUBJECT.search(str(message.get("Subject", ""))))


def _free_form(message: EmailMessage, text: str) -> Finding | None:
    """A bounce in prose: from a mailer daemon or with a bounce's subject, the first
    address in its text that is not the sender's or the daemon's."""
    if not _from_daemon(message):
        return None
    ours = {address.lower() for address in _addresses_to_us(message)}
    plain = re.sub(r"<(?![^>]*@)[^>]+>", " ", text)  # HTML tags, not <addresses>
    candidates = [a for a in _EMAIL.findall(plain) if a.lower() not in ours
                  and not _DAEMON.search(a) and not a.lower().startswith("bounces")]
    if not candidates:
        return None
    code = _STATUS.search(plain)
    status = code[0] if code else None
    subject = str(message.get("Subject", ""))
    delayed = _DELAYED.search(subject + " " + plain) and not (status or "").startswith("5")
    kind = DELAY if delayed else _class_of(status, plain)
    return Finding(kind, candidates[0], status, plain.strip()[:300])


def _failed_recipients(message: EmailMessage, text: str) -> Finding | None:
    """Exim's plain-text bounces name the recipient in a header of their own."""
    failed = _EMAIL.findall(str(message.get("X-Failed-Recipients", "")))
    if not failed:
        return None
    code = _STATUS.search(text)
    return Finding(_class_of(code[0] if code else None, text), failed[0],
                   code[0] if code else None, text.strip()[:300])


def analyse(raw: bytes, secret: str) -> Finding:
    message = message_from_bytes(raw, policy=policy.default)
    ours = None
    for address in _addresses_to_us(message):
        if address.lower().startswith("unsubscribe+"):
            return Finding(UNSUBSCRIBE, address, reason="List-Unsubscribe mailto")
        ours = ours or verp.decode(secret, address)
    finding = _complaint(message) or _dsn(message)
    text = _text_of(message)
    finding = finding or _ses(text) or _failed_recipients(message, text)
    # Mail from a mailer daemon is a bounce even when marked Auto-Submitted (RFC 3834 has
    # delivery reports say "auto-generated"); an out-of-office comes from a person.
    if finding is None and not _from_daemon(message) and is_auto_reply(message, text):
        return Finding(NOT_BOUNCE, reason="auto-reply")
    if finding is None:
        recipients = _scan(message)
        recipients = [r for r in recipients if _EMAIL.fullmatch(r)]
        if not recipients:
            finding = _free_form(message, text)
        if finding is None and (recipients or (ours and _SMTP_CODE.search(text))):
            code = _STATUS.search(text)
            finding = Finding(_class_of(code[0] if code else None, text),
                              recipients[0] if recipients else None,
                              code[0] if code else None, text.strip()[:300])
    if finding is None:
        return Finding(UNKNOWN)
    if ours:
        finding.campaign_id, finding.subscriber_id = ours
    return finding
