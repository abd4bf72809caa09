"""Every message of both example issues and the field's samples, in both languages, within
the RFCs' limits: 76 characters per quoted-printable line (RFC 2045 6.7), 75 per encoded
word (RFC 2047 2), 998 per line (RFC 5322 2.1.1), no line starting with a dot; and each
decodes back to exactly what was rendered."""

import email.policy
import quopri
import re
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from mailer.message import PreparedEdition, Recipient, qp
from mailer.placeholders import Template
from mailer.render import render_file
from mailer.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
ISSUES = [ROOT / "issues" / "091.yaml", ROOT / "issues" / "spring-school-2027.yaml",
          ROOT / "tests" / "data" / "long-accented-emoji-subject.yaml",
          ROOT / "tests" / "data" / "dots-at-line-starts.yaml"]
ENCODED_WORD = re.compile(rb"=\?[^?]+\?[bBqQ]\?[^?]*\?=")


@pytest.fixture(scope="module", params=ISSUES, ids=lambda path: path.stem)
def editions(request):
    return render_file(request.param)


def recipient_values(number: int) -> dict[str, str]:
    """Per-recipient URLs as long as signed tokens make them, with = & % and dots at the
    places a quoted-printable line may start."""
    token = ("." * (number % 3)) + "x" * (60 + number) + "=%2E&." * 3
    return {name: f"https://lettre.example.org/{name}/{token}"
            for name in ("unsubscribe_url", "preferences_url", "view_online_url")}


def check_lines(raw: bytes) -> None:
    head, body = raw.split(b"\r\n\r\n", 1)
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998
        assert not line.startswith(b".")
    for word in ENCODED_WORD.findall(head):
        assert len(word) <= 75, word
    for line in body.split(b"\r\n"):  # both parts are quoted-printable
        assert len(line) <= 76, line


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("test", [False, True])
def test_every_message_within_the_limits(editions, language, test, monkeypatch):
    monkeypatch.setenv("INFOLETTRE_FROM_NAME", "Réseau international des Cités des métiers "
                       "et de l’orientation tout au long de la vie 🎓")
    get_settings.cache_clear()
    edition = editions[language]
    prepared = PreparedEdition(get_settings(), edition.subject, edition.html, edition.text,
                               test=test)
    for number in range(6):
        values = recipient_values(number)
        raw = prepared.assemble(Recipient(
            f"lecteur{number}@example.org", "Zoé « Zed » Lefèvre-Émond de la Côte-d’Ivoire",
            values, {}, prepared.new_message_id()))
        check_lines(raw)
        message = message_from_bytes(raw, policy=email.policy.default)
        subject = str(make_header(decode_header(message["Subject"])))
        assert subject == (f"[TEST] {edition.subject}" if test else edition.subject)
        for kind, rendered in (("html", edition.html), ("plain", edition.text)):
            sent = message.get_body((kind,)).get_content().replace("\r\n", "\n")
            assert sent == Template(rendered).fill(values)
    get_settings.cache_clear()


@pytest.mark.parametrize("text", [
    "." + "x" * 75, "x" * 75 + "\n." + "y" * 80, "a" * 60 + "\t" * 30 + "\nb",
    ". " * 100, "é." * 60, "=" * 50 + "." + "=" * 50,
])
def test_quoted_printable_lines(text):
    for room in (False, True):
        encoded = qp(text, room)
        lines = encoded.split(b"\r\n")
        assert all(len(line) <= 76 and not line.startswith(b".") for line in lines)
        assert not room or len(lines[-1]) <= 75
        assert quopri.decodestring(encoded.replace(b"\r\n", b"\n")).decode() == text
