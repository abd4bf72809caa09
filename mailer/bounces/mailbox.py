"""Where a report names the failed recipient, and which of its lines are that recipient's.

Only the places made for it: the DSN's per-recipient fields (RFC 3464), the MTA's own
failed-recipient lines (Postfix `<a@b>: host … said`, Exim's indented address, qmail's
`<a@b>:`, Sendmail's `a@b... User unknown` and RCPT transcript, Exchange's `a@b on <date>`,
Domino's and IMail's `… to: a@b`), never an address in the prose (a help desk), the
returned copy's headers, or the headers the receiving side added.
"""

from __future__ import annotations

import base64
import quopri
import re
from email import errors
from email.header import Header, decode_header
from email.message import Message

from mailer.bounces import charsets, reading, xtext

_A = reading.ADDRESS.pattern
# Delivery status notifications: RFC 3464's, and RFC 6533's for UTF-8 addresses.
REPORTS = ("message/delivery-status", "message/global-delivery-status")
# A line that is an address alone, or starts with one (Postfix, qmail, Exim, Gmail).
# Sendmail's transcript puts the SMTP reply first: `550 5.1.1 <a@b>... User unknown`.
_ALONE = re.compile(rf"^[\s>*-]*(?:[45]\d\d[ -](?:[45]\.\d{{1,3}}\.\d{{1,3}}\s+)?)?"
                    rf"<?(?:mailto:)?({_A})>?(?::|\s*\.\.\.|\s*[(\[,<]|\s+\w|\s*$)",
                    re.IGNORECASE | re.MULTILINE)
# An address the MTA introduces as the recipient that failed.
_INTRODUCED = re.compile(
    rf"\b(?:rcpt to|recipient|deliver(?:ed|y)? to|sent to|reach|addressed to|unknown user|"
    rf"user unknown|no such user|mailbox|failed|address(?:es)?|destinataire|empfänger|for|"
    rf"to|remis à|à|an|errors?)\s*(?:address|\(s\))?\s*[:=]?\s*<?(?:rfc822;\s*)?"
    rf"(?<![\w.+-])({_A})>?",
    re.IGNORECASE)
# "(expanded from: a@b)", "(generated from a@b)": the address we sent to, before an alias.
_EXPANDED = re.compile(rf"\((?:expanded|generated) from:?\s*<?({_A})>?\)", re.IGNORECASE)
# Lines whose addresses are never the failed recipient: headers (the returned copy's, or
# continuation lines of its Received), and prose pointing to a help desk.
_NOT_HERE = re.compile(
    r"^\s*(?:from|to|subject|date|sent|sender|reply-to|return-path|message-id|in-reply-to|"
    r"references|received|delivered-to|x-[\w-]+|dkim-signature|list-[\w-]+|cc|"
    r"resent-[\w-]+|reporting-mta|arrival-date|by|with|id)\s*:|^\s+(?:for|by|with|id|from)\s",
    re.IGNORECASE)
_PROSE = re.compile(r"please (?:send|write|mail|e-?mail)|write to|administrator at|"
                    r"\b(?:contact|help ?desk|support)\b(?![\w.+-]*@)|"
                    r"\bsend (?:mail|an e-?mail) to", re.IGNORECASE)
_ROLE = re.compile(r"^(?:mailer-daemon|postmaster|abuse|noreply|no-reply|bounces?(?:\+|$)|"
                   r"double-bounce|root|hostmaster|webmaster|mail-daemon)", re.IGNORECASE)


def usable(address: str, ours: set[str]) -> bool:
    return address.lower() not in ours and not _ROLE.match(address)


def recipients(body: str, ours: set[str]) -> list[str]:
    """The failed recipients the MTA's own lines name, in order, each once."""
    lines = [line for line in body.splitlines() if not _NOT_HERE.search(line)]
    # The MTA's own recipient lines first; an address it introduces in a sentence only
    # when there are none. An alias's target gives way to the address it was expanded from.
    for pattern in (_ALONE, _INTRODUCED):
        found: list[str] = []
        seen: set[str] = set()  # found, in lower case: one look-up, not a scan each
        for number, line in enumerate(lines):
            if pattern is _INTRODUCED and _PROSE.search(line):
                continue
            for match in pattern.finditer(line):
                after = _EXPANDED.search(" ".join(lines[number:number + 2]))
                address = (after[1] if after else match[1]).strip("'\"").rstrip(".")
                if usable(address, ours) and address.lower() not in seen:
                    found.append(address)
                    seen.add(address.lower())
        if not found:
            found = [m[1] for line in lines for m in _EXPANDED.finditer(line)
                     if usable(m[1], ours)][:1]
        if found:
            return found
    return []


def context(body: str, recipient: str, everyone: list[str]) -> str:
    """The lines about `recipient`: from where it is first named to where another is,
    and any later line that names it (a Sendmail transcript)."""
    lines = body.splitlines()
    low = recipient.lower()
    others = [o.lower() for o in everyone if o.lower() != low]
    start = next((i for i, line in enumerate(lines) if low in line.lower()), None)
    if start is None:
        return ""
    own = []
    for line in lines[start:]:
        lowered = line.lower()
        if own and any(o in lowered for o in others) and low not in lowered:
            break
        own.append(line)
    own += [line for line in lines[start + len(own):] if low in line.lower()]
    return "\n".join(own)


def lines_about(text: str, recipient: str, everyone: list[str]) -> str:
    """A DSN's human-readable lines about `recipient`: a few from where it is named, up to
    where another recipient is."""
    body = "\n".join(line for line in reading.before_quoted(text).splitlines() if line.strip())
    return "\n".join(context(body, recipient, everyone).splitlines()[:5])


def dsn_blocks(message: Message) -> list[dict[str, str]] | None:
    """The per-recipient field blocks of every message/delivery-status part (or of the
    text, when a broken MIME structure left the report as plain text); None if none."""
    texts = [_report_text(part) for part, inside in reading.walk(message)
             if not inside and reading.content_type(part) in REPORTS]
    if not texts:
        whole = reading.payload_text(message) if not message.is_multipart() else ""
        if not re.search(r"^(?:final|original)-recipient:", whole, re.I | re.M):
            return None
        texts = [reading.before_quoted(whole)]
    blocks: list[dict[str, str]] = []
    for text in texts:
        blocks += _split(text)
    return blocks


def _report_text(part: Message) -> str:
    """The text of a report part. Python's parser reads its body as field blocks (one
    message each; RFC 6533's global report as one message whose body is the rest), even
    when the body is base64 or quoted-printable, as some MTAs send it: the blocks are put
    back together, then decoded (its charset, else UTF-8 as RFC 6533 says)."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return reading.payload_text(part)
    text = "\n\n".join(_block(p) if isinstance(p, Message) else str(p) for p in payload)
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    raw = text.encode("utf-8", "surrogateescape")
    if encoding == "base64":  # as much as was whole: a cut report still names someone
        data = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
        raw = base64.b64decode(data[:len(data) - len(data) % 4])
    elif encoding == "quoted-printable":
        raw = quopri.decodestring(raw)
    return charsets.decode(raw, part.get_param("charset") or "utf-8")


def _block(block: Message) -> str:
    """A parsed block as written: its fields, then its body (after the blank line that
    was there, or none: an encoded line that the parser took for the body's start).
    Its raw 8-bit bytes (all of RFC 6533's recipient blocks, in the global report's
    body) go back as surrogate escapes, like _raw's: compat32's get_payload() would put
    U+FFFD for each (get_payload(decode=True) returns them as they came; a block has no
    Content-Transfer-Encoding field to decode by, and one that says it is read as text)."""
    body = block.get_payload(decode="content-transfer-encoding" not in block)
    if isinstance(body, bytes):
        body = body.decode("ascii", "surrogateescape")
    body = body if isinstance(body, str) else ""
    if not body.strip():
        return _fields(block)
    blank = not any(isinstance(d, errors.MissingHeaderBodySeparatorDefect)
                    for d in block.defects)
    return _fields(block) + ("\n\n" if blank else "\n") + body


def _fields(block: Message) -> str:
    """A field block as it came. Not as_string(): that re-folds each value and raises
    when a value holds a line break other than CRLF (a vertical tab, a form feed) that
    str.splitlines() honours and the header folder then takes for an embedded header."""
    return "\n".join(f"{name}: {_raw(value)}" for name, value in block.items())


def _raw(value) -> str:
    """A field value as it came: compat32 wraps one with raw 8-bit bytes (an SMTPUTF8
    report's `léa@…`, RFC 6532) in an unknown-8bit Header whose str() is U+FFFD; its
    bytes go back as surrogate escapes, which _report_text decodes with the rest."""
    if not isinstance(value, Header):
        return str(value)
    return "".join(part.decode("ascii", "surrogateescape") if isinstance(part, bytes)
                   else part for part, _charset in decode_header(value))


def _split(text: str) -> list[dict[str, str]]:
    """Field blocks: a blank line, or a field seen already in the block, starts the next
    (some MTAs leave no blank line between recipients)."""
    blocks, block = [], {}
    for line in re.sub(r"\r?\n[ \t]+", " ", text.replace("\r\n", "\n")).split("\n"):
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not line.strip() or (colon and name in block):
            if _names_recipient(block):
                blocks.append(block)
            block = {}
        if colon and value.strip() and " " not in name:
            block[name] = value.strip()
    if _names_recipient(block):
        blocks.append(block)
    return blocks


def _names_recipient(block: dict) -> bool:
    return "final-recipient" in block or "original-recipient" in block


def dsn_recipient(fields: dict[str, str]) -> str | None:
    """The address we sent to: Original-Recipient when it is an Internet address (a
    forwarder's Final-Recipient is another), else Final-Recipient; a Final-Recipient that
    is a pipe or a file is none. Each as its type writes it (mailer.bounces.xtext): an
    rfc822 Original-Recipient may be xtext (RFC 3461 4), a utf-8 one has RFC 6533's
    escapes; a Final-Recipient is taken as written."""
    _, final = _typed(fields.get("final-recipient", ""))
    for name in ("original-recipient", "final-recipient"):
        kind, address = _typed(fields.get(name, ""))
        if kind == "utf-8":
            address = xtext.unescape_utf8(address)
        elif name == "original-recipient" and kind == "rfc822":
            address = xtext.orcpt_address(address, final)
        if kind in ("rfc822", "utf-8", "x-unknown", "") and \
                reading.ADDRESS.fullmatch(address):
            return address
    return None


def _typed(value: str) -> tuple[str, str]:
    """(address type in lower case, address) of a recipient field; rfc822 when untyped."""
    kind, semicolon, address = value.partition(";")
    if not semicolon:
        address, kind = kind, "rfc822"
    return kind.strip().lower(), address.strip().strip("<>").strip()


def flufl(message: Message, ours: set[str]) -> list[str]:
    """flufl.bounce's detectors, the last resort for prose it knows; some of them raise on
    odd messages (no From, say), which must not stop the mailbox."""
    from email import message_from_bytes, policy

    from flufl.bounce import scan_message

    try:
        modern = message_from_bytes(message.as_bytes(), policy=policy.default)
        found = scan_message(modern)
    except Exception:  # noqa: BLE001
        return []
    addresses = [str(r, "utf-8", "replace") if isinstance(r, bytes) else str(r)
                 for r in found]
    # Only what the notice itself names, on a line that may name a recipient.
    lines = [line.lower() for line in reading.report_text(message).splitlines()
             if not _NOT_HERE.search(line)]
    return [a for a in addresses if reading.ADDRESS.fullmatch(a) and usable(a, ours)
            and any(a.lower() in line for line in lines)]
