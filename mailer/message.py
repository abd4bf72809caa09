"""Messages assembled from parts prepared once per edition.

Building each message with `email.message.EmailMessage` costs milliseconds; here the
headers that are the same for everyone, the MIME skeleton and the bodies are prepared
once per edition, already in quoted-printable: the static pieces between the per-recipient
markers are encoded once, each followed by a soft line break, so that a recipient's URL
only needs its own short encoding. Each message is then a join of bytes.

No line of an assembled message starts with a dot (a leading dot is written =2E), so it
can go on the wire after DATA as it is, without dot-stuffing; no quoted-printable line is
longer than 76 characters (RFC 2045), whatever a recipient's values are.
"""

from __future__ import annotations

import binascii
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, localtime
from functools import lru_cache

from mailer.headers import clean_header, encode_text, mailbox
from mailer.placeholders import Template, bind
from mailer.settings import Settings

CRLF = b"\r\n"
SOFT_BREAK = b"=\r\n"


QP_MAX = 76  # RFC 2045 section 6.7: characters per encoded line, the soft break's = included


def _safe_cut(line: bytes, at: int) -> int:
    """The last cut at or before `at` that does not split an =XX escape."""
    if line[at - 1:at] == b"=":
        return at - 1
    if line[at - 2:at - 1] == b"=":
        return at - 2
    return at


def _rewrap(line: bytes, width: int) -> list[bytes]:
    """One encoded line (no soft breaks) as lines of at most `width`, none starting with a
    dot (written =2E, so the message can follow DATA without dot-stuffing)."""
    out = []
    while True:
        if line[:1] == b".":
            line = b"=2E" + line[1:]
        if len(line) <= width:
            out.append(line)
            return out
        cut = _safe_cut(line, width - 1)
        out.append(line[:cut] + b"=")
        line = line[cut:]


def qp(text: str, room: bool = False) -> bytes:
    """Quoted-printable with CRLF line ends, lines of at most 76 and none starting with a
    dot; `room`: the last line keeps one character free for a soft break after it."""
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True).replace(b"\r\n", b"\n")
    # binascii lets a line reach 78 when it ends in encoded white space, and starts lines
    # with dots: the rare text that needs it is wrapped again.
    lines = encoded.split(b"\n")
    if (room and len(lines[-1]) >= QP_MAX) or any(
            len(line) > QP_MAX or line[:1] == b"." for line in lines):
        lines = encoded.replace(b"=\n", b"").split(b"\n")
        widths = [QP_MAX] * (len(lines) - 1) + [QP_MAX - room]
        encoded = b"\n".join(part for line, width in zip(lines, widths, strict=True)
                             for part in _rewrap(line, width))
    return encoded.replace(b"\n", CRLF)


class EncodedTemplate:
    """A body's static pieces in quoted-printable, ready to take the recipient's values."""

    def __init__(self, text: str) -> None:
        template = Template(text)
        self.names = template.names
        self.pieces = [qp(piece, room=True) + SOFT_BREAK for piece in template.pieces[:-1]]
        self.last = qp(template.pieces[-1])

    def fill(self, out: list[bytes], encoded: Mapping[str, bytes]) -> None:
        """Append the body's pieces to `out`, each marker given its value from `encoded`
        (`encode_values`: a recipient's values are encoded once for both bodies)."""
        for piece, name in zip(self.pieces, self.names, strict=True):
            out.append(piece)
            out.append(encoded[name])
        out.append(self.last)


def encode_values(values: Mapping[str, str]) -> dict[str, bytes]:
    """A recipient's values in quoted-printable, each followed by a soft line break, ready
    for `EncodedTemplate.fill`."""
    return {name: qp(value, room=True) + SOFT_BREAK for name, value in values.items()}


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None
    urls: dict[str, str]  # the markers the edition left per recipient
    headers: dict[str, str]  # List-Unsubscribe, List-Unsubscribe-Post
    message_id: str


@lru_cache(maxsize=1)
def _date(second: int) -> str:
    """The Date header (RFC 5322 3.3) of this second, written once per second, not per
    message (the same for the thousand messages of that second)."""
    return format_datetime(localtime(datetime.fromtimestamp(second, UTC)))


def _header_lines(pairs) -> bytes:
    return b"".join(f"{name}: {value}".encode() + CRLF for name, value in pairs)


class PreparedEdition:
    """`shared` fills the markers whose value is the same for every recipient (the
    view-online URL) once, here, rather than in each message."""

    def __init__(self, settings: Settings, subject: str, html: str, text: str,
                 test: bool = False, shared: Mapping[str, str] | None = None) -> None:
        self.domain = settings.bounce_domain
        self.html = EncodedTemplate(bind(html, shared or {}))
        self.text = EncodedTemplate(bind(text, shared or {}))
        boundary = f"=_infolettre_{uuid.uuid4().hex}"
        subject = f"[TEST] {subject}" if test else subject
        sender = mailbox(settings.from_name, settings.from_address)
        self.common = _header_lines([
            ("From", sender),
            ("Reply-To", settings.reply_to),
            ("Subject", encode_text("Subject", subject)),
            ("List-Id", f"<{settings.list_id}>"),
            ("Precedence", "bulk"),
            ("MIME-Version", "1.0"),
            ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
        ]) + CRLF
        part = ("--{b}\r\nContent-Type: text/{sub}; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n")
        self.text_head = part.format(b=boundary, sub="plain").encode()
        self.html_head = CRLF + part.format(b=boundary, sub="html").encode()
        self.end = f"\r\n--{boundary}--\r\n".encode()

    def new_message_id(self) -> str:
        return f"<{uuid.uuid4().hex}@{self.domain}>"

    def assemble(self, recipient: Recipient, address: str | None = None) -> bytes:
        """The message for `recipient`; `address` is the wire form of their address the
        transport gave (mailer.transport.Sender.address), their address as it is if None."""
        own = [("To", mailbox(recipient.name, address or recipient.email)),
               ("Date", _date(int(time.time()))), ("Message-ID", recipient.message_id)]
        own += [(name, clean_header(value)) for name, value in recipient.headers.items()]
        encoded = encode_values(recipient.urls)
        out = [_header_lines(own), self.common, self.text_head]
        self.text.fill(out, encoded)
        out.append(self.html_head)
        self.html.fill(out, encoded)
        out.append(self.end)
        return b"".join(out)
