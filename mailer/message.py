"""Messages assembled from parts prepared once per edition.

Building each message with `email.message.EmailMessage` costs milliseconds; here the
headers that are the same for everyone, the MIME skeleton and the bodies are prepared
once per edition, already in quoted-printable: the static pieces between the per-recipient
markers are encoded once, each followed by a soft line break, so that a recipient's URL
only needs its own short encoding. Each message is then a join of bytes.

No line of an assembled message starts with a dot (a leading dot is written =2E), so it
can go on the wire after DATA as it is, without dot-stuffing.
"""

from __future__ import annotations

import binascii
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime, formataddr, localtime

from mailer.placeholders import Template, bind
from mailer.settings import Settings

CRLF = b"\r\n"
SOFT_BREAK = b"=\r\n"


def clean_header(value: str) -> str:
    """A header value can never carry a line break (header injection)."""
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def qp(text: str) -> bytes:
    """Quoted-printable with CRLF line ends and no line starting with a dot."""
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True).replace(b"\r\n", b"\n")
    if encoded.startswith(b"."):
        encoded = b"=2E" + encoded[1:]
    return encoded.replace(b"\n.", b"\n=2E").replace(b"\n", CRLF)


class EncodedTemplate:
    """A body's static pieces in quoted-printable, ready to take the recipient's values."""

    def __init__(self, text: str) -> None:
        template = Template(text)
        self.names = template.names
        self.pieces = [qp(piece) + SOFT_BREAK for piece in template.pieces[:-1]]
        self.last = qp(template.pieces[-1])

    def fill(self, values: dict[str, str]) -> bytes:
        out = []
        for piece, name in zip(self.pieces, self.names, strict=True):
            out.append(piece)
            out.append(qp(values[name]) + SOFT_BREAK)
        out.append(self.last)
        return b"".join(out)


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None
    urls: dict[str, str]  # the markers the edition left per recipient
    headers: dict[str, str]  # List-Unsubscribe, List-Unsubscribe-Post
    message_id: str


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
        sender = formataddr((clean_header(settings.from_name), settings.from_address), "utf-8")
        self.common = _header_lines([
            ("From", sender),
            ("Reply-To", settings.reply_to),
            ("Subject", Header(clean_header(subject), "utf-8").encode(linesep="\r\n")),
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

    def assemble(self, recipient: Recipient) -> bytes:
        to = formataddr((clean_header(recipient.name or ""), recipient.email), "utf-8")
        own = [("To", to), ("Date", format_datetime(localtime())),
               ("Message-ID", recipient.message_id)]
        own += [(name, clean_header(value)) for name, value in recipient.headers.items()]
        return b"".join((
            _header_lines(own), self.common,
            self.text_head, self.text.fill(recipient.urls),
            self.html_head, self.html.fill(recipient.urls),
            self.end,
        ))
