"""What a message that came back means, and for whom: one Finding per failed recipient.

In order: our own VERP address names campaign and subscriber; a mailto unsubscribe; an
ARF report (RFC 5965) or Microsoft's JMRP is a complaint; an Amazon SES notification
(JSON, inside an SNS envelope or not); a challenge-response or whitelist notice is no
bounce, even shaped like a DSN; an RFC 3464 report gives each recipient its own action,
status and diagnostic; else the MTA's prose: each failed recipient named where MTAs name
them (mailbox.py), its own lines read for the reason. Auto-replies (RFC 3834) are never
bounces; a "this mailbox is no longer read" reply is a soft signal at most.

Reason, permanence and whose fault come from mailer.bounces.reasons; `kind` sums them up
for the policy: hard only for a permanent failure of the address itself.
"""

from __future__ import annotations

import re
from email.message import Message

from mailer import verp
from mailer.bounces import complaints, mailbox, notes, reading, ses
from mailer.bounces.autoreply import is_auto_reply
from mailer.bounces.finding import (
    BOUNCES,
    COMPLAINT,
    DELAY,
    HARD,
    HELD,
    MOST_RECIPIENTS,
    NOT_BOUNCE,
    SOFT,
    UNKNOWN,
    UNSUBSCRIBE,
    WAITING,
    Finding,
    failure,
    from_reply,
)
from mailer.bounces.notes import note
from mailer.bounces.reasons import Fault, Reason
from mailer.bounces.ses import ses_notification

__all__ = ["BOUNCES", "COMPLAINT", "DELAY", "HARD", "HELD", "NOT_BOUNCE", "SOFT", "UNKNOWN",
           "UNSUBSCRIBE", "WAITING", "Finding", "analyse", "analyse_all", "failure", "from_reply",
           "ses_notification"]


# Challenge-response and whitelist systems: the subject says it, or the body asks the sender
# to prove itself (a real refusal may mention a whitelist in passing: not enough).
_CHALLENGE_SUBJECT = re.compile(
    r"challenge|verif(?:y|ication)|confirm|white-?list|approv|authori[sz]ation request|"
    r"spam ?(?:protection|arrest)|anti-?spam", re.IGNORECASE)
_CHALLENGE = re.compile(
    r"verify (?:that )?you are (?:a )?(?:human|real|not a robot)|(?:confirm|verify) (?:that )?"
    r"you (?:are|sent)|(?:add|put) .{0,40}(?:to|on) (?:my|the|your) (?:white-?list|approved)|"
    r"approved senders? list|sender verification|spam ?arrest|boxbe|mailbox is protected|"
    r"i only accept|awaiting (?:your )?(?:verification|confirmation)|(?:needs|requires) "
    r"(?:your )?(?:verification|approval)|confirm your (?:e-?mail|address|identity|message)|"
    r"please (?:click|reply) .{0,60}(?:deliver|verif|confirm)", re.IGNORECASE)
_NOT_READ = re.compile(
    r"no longer (?:read|monitored|checked|in use|used|active)|(?:not|n'est plus|ne sont plus)"
    r" (?:monitored|consult|lue?s?|relevée?)|wird nicht mehr (?:gelesen|abgerufen)|"
    r"(?:has|have) (?:left|moved)|please (?:write|send|contact|use) .{0,40}(?:instead|new)|"
    r"nouvelle adresse|new (?:e-?mail )?address", re.IGNORECASE)
_DELAY = re.compile(
    r"delayed|delay(?:ed)? (?:warning|notification)|not (?:yet )?been delivered|will "
    r"(?:continue|keep) (?:trying|to try|retrying)|still (?:trying|undelivered)|will retry|"
    r"warning: message .* still|retardée?|en attente|verzögert", re.IGNORECASE)
_FAILED = re.compile(r"could not be delivered|undeliverable|delivery (?:has )?failed|"
                     r"permanent(?:ly)? (?:error|fail)|not (?:been )?delivered|unable to "
                     r"deliver|failed to deliver|did not reach", re.IGNORECASE)
_DAEMON = re.compile(r"mailer-daemon|postmaster|mail ?delivery|delivery subsystem|"
                     r"mail administrator|mdaemon|mail system|daemon", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (?:status|failure|has failed|failed|problem|"
    r"notification)|returned mail|failure notice|mail delivery failed|could not be "
    r"delivered|not delivered|non-?delivery|delayed|non remis|non distribu|échec|"
    r"unzustellbar|nicht "
    r"zugestellt|rejected|returned to sender|nondeliverable|mail system error", re.IGNORECASE)


def _to_us(message: Message) -> list[str]:
    found = []
    for name in ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"):
        found += reading.ADDRESS.findall(reading.header(message, name))
    return found


def from_daemon(message: Message) -> bool:
    return bool(_DAEMON.search(reading.header(message, "From"))
                or _BOUNCE_SUBJECT.search(reading.header(message, "Subject")))


def _dsn(message: Message, text: str) -> list[Finding] | None:
    """Every recipient block of an RFC 3464 report; [] when all were delivered (success);
    None when the message holds no report."""
    blocks = [b for b in mailbox.dsn_blocks(message) or [] if mailbox.dsn_recipient(b)]
    if not blocks:  # no report, or none that names an address: read the prose
        return None
    findings = []
    everyone = [mailbox.dsn_recipient(fields) for fields in blocks]
    for fields in blocks:
        recipient = mailbox.dsn_recipient(fields)
        action = fields.get("action", "").lower().split()[0] if fields.get("action") else ""
        status = fields.get("status", "")
        if action in ("delivered", "relayed", "expanded") or status.startswith("2"):
            continue
        words = fields.get("diagnostic-code", "").partition(";")[2] or \
            fields.get("diagnostic-code", "")
        finding = failure(recipient, status or None, words, action or "failed",
                          failed=action != "delayed")
        # The report's own words say more; read for the first recipients only: a report
        # naming more is held whole by its first (mailer.bounces.provenance), and reading
        # them for each of thousands took minutes.
        if finding.cause == Reason.UNKNOWN and len(findings) < MOST_RECIPIENTS:
            own = mailbox.lines_about(text, recipient, everyone)
            finding = failure(recipient, status or None, f"{words}\n{own}",
                              action or "failed", failed=action != "delayed")
        findings.append(finding)
    return findings


def _free_form(message: Message, text: str) -> list[Finding]:
    """A bounce in prose: each recipient where the MTA names it, with its own lines."""
    ours = {a.lower() for a in reading.ADDRESS.findall(reading.header(message, "To"))}
    failed = reading.ADDRESS.findall(reading.header(message, "X-Failed-Recipients"))
    body = reading.before_quoted(text)
    named = mailbox.recipients(body, ours)
    listed = {f.lower() for f in failed}
    recipients = list(dict.fromkeys(failed + [r for r in named if r.lower() not in listed]))
    if not recipients:
        recipients = mailbox.flufl(message, ours)
    delayed = bool(_DELAY.search(reading.header(message, "Subject"))
                   or _DELAY.search(body[:1500]))
    findings = []
    for recipient in recipients:
        # Its own lines for the first recipients only, as in _dsn.
        own = mailbox.context(body, recipient, recipients) \
            if len(findings) < MOST_RECIPIENTS else ""
        finding = failure(recipient, None, own)
        if finding.cause == Reason.UNKNOWN and len(recipients) == 1:
            finding = failure(recipient, None, body)  # one recipient: all of it is about it
        if delayed and not finding.permanent:
            finding.kind = DELAY
        findings.append(finding)
    return findings


# What a report says comes first (its human part, its delivery-status part); the returned
# message follows. Past this many bytes nothing more is read: reports of a few megabytes of
# blank lines, bare carriage returns or addresses held the poller for up to a minute each.
# One that the part read cannot tie to a message of ours is held for a person: the list
# is safe either way.
READ_BYTES = 512 * 1024


def analyse_all(raw: bytes, secret: str) -> list[Finding]:
    """Every Finding of one message (a multi-recipient report has one per recipient;
    never empty), from its first READ_BYTES. Never raises: what cannot be read is UNKNOWN,
    for a person to review."""
    if len(raw) > READ_BYTES:
        raw = raw[:raw.rfind(b"\n", 0, READ_BYTES) + 1 or READ_BYTES]  # whole lines
    try:
        message = reading.parse(raw)
    except Exception as error:  # noqa: BLE001 - no input may stop the mailbox
        return [Finding(UNKNOWN, notes=[note(notes.UNREADABLE, error=str(error)[:200])])]
    try:
        findings = _analyse(message)
    except Exception as error:  # noqa: BLE001
        findings = [Finding(UNKNOWN, notes=[note(notes.UNREADABLE, error=str(error)[:200])])]
    paths = _to_us(message)
    for address in paths:
        if address.lower().startswith("unsubscribe+"):
            return [Finding(UNSUBSCRIBE, address, notes=[note(notes.LIST_UNSUBSCRIBE)])]
    if findings[0].kind == COMPLAINT:  # the returned copy's return path, after ours
        paths += complaints.return_paths(message)
    ours = next(filter(None, (verp.decode(secret, address) for address in paths)), None)
    if ours:
        for finding in findings:
            finding.campaign_id, finding.subscriber_id = ours
            finding.detail["tied_to"] = "VERP"
        if len(findings) > 1:  # the VERP names one person: the others are someone else's
            findings = findings[:1]
        return findings
    # Shaped like our VERP, its MAC wrong: forged or damaged. Never matched by the address
    # it names instead (mailer.bounces.provenance holds it).
    forged = next((a for a in paths if verp.shaped(a)), None)
    for finding in findings if forged else ():
        finding.detail["verp_not_ours"] = forged
    return findings


def analyse(raw: bytes, secret: str) -> Finding:
    """The first Finding of `raw` (see analyse_all)."""
    return analyse_all(raw, secret)[0]


def _analyse(message: Message, depth: int = 0) -> list[Finding]:
    complaint = complaints.complaint(message)
    if complaint is not None:
        kind, recipient, why = complaint
        return [Finding(kind, recipient, notes=[why])]
    text = reading.report_text(message)
    notified = ses.findings(message, text)
    if notified is not None:
        return notified or [Finding(NOT_BOUNCE, notes=[note(notes.SES_DELIVERY)])]
    subject = reading.header(message, "Subject")
    if _CHALLENGE.search(reading.before_quoted(text)[:2000]) or (
            _CHALLENGE_SUBJECT.search(subject) and not _BOUNCE_SUBJECT.search(subject)):
        return [Finding(NOT_BOUNCE, notes=[note(notes.CHALLENGE)])]
    reported = _dsn(message, text)
    if reported is not None:
        return reported or [Finding(NOT_BOUNCE, notes=[note(notes.DSN_SUCCESS)])]
    daemon = from_daemon(message)
    if not daemon and is_auto_reply(message, text):
        return [_auto_reply(message, text)]
    reported = reading.content_type(message) == "multipart/report"
    if daemon or reported or reading.header(message, "X-Failed-Recipients") or (
            reading.original_headers(message) is not None and _FAILED.search(text)):
        findings = _free_form(message, text)
        if findings:
            return findings
        inner = reading.original_headers(message)  # a report forwarded whole, as the copy
        if depth == 0 and inner is not None and inner.is_multipart():
            return _analyse(inner, depth + 1)
    return [Finding(UNKNOWN)]


def _auto_reply(message: Message, text: str) -> Finding:
    """Out of office: no bounce. "No longer read, write to …": a soft point for the
    person who answered, at most."""
    if _NOT_READ.search(reading.header(message, "Subject") + "\n" + text[:2000]):
        sender = reading.ADDRESS.findall(reading.header(message, "From"))
        if sender:
            return Finding(SOFT, sender[0], notes=[note(notes.AUTO_REPLY_UNREAD)],
                           cause=Reason.ACCOUNT_DISABLED, fault=Fault.RECIPIENT)
    return Finding(NOT_BOUNCE, notes=[note(notes.AUTO_REPLY)])
