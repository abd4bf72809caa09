"""Messages assembled from parts prepared once per edition.

Building each message with `email.message.EmailMessage` costs milliseconds; here the
headers that are the same for everyone, the MIME skeleton and the split templates are
made once per edition, and each message only fills the recipient's URLs, encodes the two
bodies (binascii, in C) and joins bytes.
"""

from __future__ import annotations

import binascii
import uuid
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime, formataddr, localtime

from mailer.placeholders import Template
from mailer.settings import Settings

CRLF = b"\r\n"


def clean_header(value: str) -> str:
    """A header value can never carry a line break (header injection)."""
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def _qp(text: str) -> bytes:
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    return encoded.replace(b"\r\n", b"\n").replace(b"\n", CRLF)


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None
    urls: dict[str, str]  # unsubscribe_url, preferences_url, view_online_url
    headers: dict[str, str]  # List-Unsubscribe, List-Unsubscribe-Post
    message_id: str


class PreparedEdition:
    def __init__(self, settings: Settings, subject: str, html: str, text: str,
                 test: bool = False) -> None:
        self.domain = settings.bounce_domain
        self.html = Template(html)
        self.text = Template(text)
        self.boundary = f"=_infolettre_{uuid.uuid4().hex}"
        subject = f"[TEST] {subject}" if test else subject
        common = [
            ("From", formataddr((clean_header(settings.from_name), settings.from_address),
                                "utf-8")),
            ("Reply-To", settings.reply_to),
            ("Subject", Header(clean_header(subject), "utf-8").encode()),
            ("List-Id", f"<{settings.list_id}>"),
            ("Precedence", "bulk"),
            ("MIME-Version", "1.0"),
            ("Content-Type", f'multipart/alternative; boundary="{self.boundary}"'),
        ]
        self.common = b"".join(f"{k}: {v}".encode() + CRLF for k, v in common)
        part = "--{b}\r\nContent-Type: text/{sub}; charset=utf-8\r\n" \
               "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        self.text_head = part.format(b=self.boundary, sub="plain").encode()
        self.html_head = CRLF + part.format(b=self.boundary, sub="html").encode()
        self.end = f"\r\n--{self.boundary}--\r\n".encode()

    def new_message_id(self) -> str:
        return f"<{uuid.uuid4().hex}@{self.domain}>"

    def assemble(self, recipient: Recipient) -> bytes:
        to = formataddr((clean_header(recipient.name or ""), recipient.email), "utf-8")
        own = [("To", to), ("Date", format_datetime(localtime())),
               ("Message-ID", recipient.message_id)]
        own += [(k, clean_header(v)) for k, v in recipient.headers.items()]
        head = b"".join(f"{k}: {v}".encode() + CRLF for k, v in own)
        return b"".join((
            head, self.common, CRLF,
            self.text_head, _qp(self.text.fill(recipient.urls)),
            self.html_head, _qp(self.html.fill(recipient.urls)),
            self.end,
        ))
