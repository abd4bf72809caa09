"""Reading a message that came back, whatever state it is in.

Bounces are the least standard mail there is: unknown charsets, a declared MIME boundary
that never appears, cut in the middle, binary. Every reader here returns what it can and
never raises; the classifier decides on what is left.
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import Message

from mailer.bounces.charsets import decode

# Combining marks (U+0300-U+036F) are no `\w`: `i̇lker@…` (i + U+0307) read as `lker@…`.
ADDRESS = re.compile(r"[\w\u0300-\u036f.!#$%&'*+/=?^`{|}~-]+@[\w\u0300-\u036f-]+"
                     r"(?:\.[\w\u0300-\u036f-]+)+")
# Where the copy of the returned message starts in a bounce's prose: nothing after it
# names a failed recipient (its To and From are the original's).
# Horizontal space only around the optional "|": a `\s*` there crossed line ends, and a
# report of blank lines took cubic time (3.7 KB of " \n" stalled the poller).
QUOTED = re.compile(
    r"^[ \t]*\|?[ \t]*(?:-{2,}.*(?:original message|returned message|"
    r"message (?:header|text|body)|"
    r"copy of (?:the|your) message|message follows|headers? follow|undelivered message|"
    r"original text|message text follows|start of returned message)|"
    r"(?:original message|returned message|the (?:original|returned) "
    r"message (?:headers )?follows?)|-+ ?below this line is a copy|"
    r"-{3,} (?:original|forwarded) )", re.IGNORECASE | re.MULTILINE)
ORIGINAL = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")


def parse(raw: bytes) -> Message:
    """The message, parsed leniently (compat32 keeps headers as they came)."""
    return message_from_bytes(raw, policy=policy.compat32)


def header(message: Message, name: str) -> str:
    """A header's value decoded (RFC 2047) as well as it can be; "" when absent."""
    try:
        value = message.get(name)
        if value is None:
            return ""
        try:
            return str(make_header(decode_header(str(value))))
        except (LookupError, ValueError, UnicodeError, TypeError):
            return str(value)
    except Exception:  # noqa: BLE001 - a broken header reads as absent
        return ""


def payload_text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if isinstance(payload, bytes):
        try:
            charset = part.get_content_charset()
        except Exception:  # noqa: BLE001
            charset = None
        return decode(payload, charset)
    raw = part.get_payload()
    return raw if isinstance(raw, str) else ""


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "text/plain"


def walk(message: Message, inside_original: bool = False):
    """(part, inside the returned original) for every part, depth first."""
    yield message, inside_original
    if not message.is_multipart():
        return
    payload = message.get_payload()
    if not isinstance(payload, list):
        return
    nested = inside_original or content_type(message) in ORIGINAL
    for part in payload:
        if isinstance(part, Message):
            yield from walk(part, nested)


# An HTML tag, not an <address>: no "@", or a name followed by attributes.
_TAG = re.compile(r"<(?:[^>@]*|[a-zA-Z]+\s[^>]*)>")


def report_text(message: Message) -> str:
    """The human-readable text the reporting system wrote, the returned copy left out."""
    texts = []
    for part, inside in walk(message):
        kind = content_type(part)
        broken = kind.startswith("multipart/") and not part.is_multipart()  # no boundary
        if inside or part.is_multipart() or kind in ORIGINAL or not (
                kind.startswith("text/") or broken):
            continue
        text = payload_text(part)
        if kind == "text/html":
            text = _TAG.sub(" ", re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", text))
        texts.append(text)
    return "\n".join(texts)


def before_quoted(text: str) -> str:
    found = QUOTED.search(text)
    return text[:found.start()] if found else text


def original_headers(message: Message) -> Message | None:
    """The returned message's headers (message/rfc822 or text/rfc822-headers), if any."""
    for part, _ in walk(message):
        kind = content_type(part)
        if kind not in ORIGINAL:
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return payload[0]
        text = payload_text(part)
        if text:
            return parse(text.encode("utf-8", "replace"))
    return None
