"""The copy of a report kept for the person who reviews it (bounce_event.raw), on SQLite
and PostgreSQL: it reads as the report was written. A Windows-1252 or Latin-1 report was
kept as `raw.decode("utf-8", "replace")`, every accent a U+FFFD in the console; a report
mixing a UTF-8 part and a Windows-1252 one reads right in both; a NUL, which PostgreSQL
refuses in text, is kept visible as ␀ instead of stopping the mailbox."""

from __future__ import annotations

import pytest

from mailer import db
from mailer.bounces import process
from mailer.bounces.models import BounceEvent


def report(first: bytes, second: bytes, charset: str = "", tag: str = "raw") -> bytes:
    """A delivery-status report (RFC 3464) for a stranger, its human-readable part `first`
    (sent 8-bit, its charset `charset` when given), then `second` in a part of its own
    that declares none."""
    declared = f"; charset={charset}" if charset else ""
    return (b"From: MAILER-DAEMON@mx.example.fr\r\nTo: bounces@reseaucitesdesmetiers.example"
            b"\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <" + tag.encode()
            + b"@mx.example.fr>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; "
            b'report-type=delivery-status; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain'
            + declared.encode() + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + first
            + b"\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; "
            b"mx.example.fr\r\n\r\nFinal-Recipient: rfc822; personne@example.fr\r\nAction: "
            b"failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 Utilisateur inconnu"
            b"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n" + second + b"\r\n--B--\r\n")


def kept(url, raw: bytes) -> str:
    with db.session_scope(url) as session:
        process.handle(session, raw)
    with db.session_scope(url) as session:
        [event] = session.query(BounceEvent).all()
        return event.raw


FRENCH = "Votre message n'a pas pu être délivré à personne@example.fr — adresse inconnue."
GERMAN = "Die Nachricht konnte nicht zugestellt werden: Empfänger unbekannt, Größe überschritten."


@pytest.mark.parametrize("charset", ["", "windows-1252", "iso-8859-1"])
def test_a_windows_1252_or_latin_1_report_reads_right(database_url, charset):
    latin = FRENCH.replace("—", "-")  # Latin-1 has no dash; Windows-1252 has (0x97)
    text = FRENCH if charset != "iso-8859-1" else latin
    raw = report(text.encode("cp1252"), GERMAN.encode("cp1252"), charset)
    assert b"\xe9" in raw
    stored = kept(database_url, raw)
    assert text in stored and GERMAN in stored and "\ufffd" not in stored


def test_a_utf_8_report_is_kept_unchanged(database_url):
    raw = report(FRENCH.encode(), GERMAN.encode(), "utf-8")
    assert kept(database_url, raw) == raw.decode("utf-8")


def test_a_report_mixing_utf_8_and_windows_1252_reads_right_in_both(database_url):
    raw = report(FRENCH.encode(), GERMAN.encode("cp1252"), "utf-8")
    stored = kept(database_url, raw)
    assert FRENCH in stored and GERMAN in stored and "\ufffd" not in stored
    assert stored.replace(GERMAN, "") == raw.replace(GERMAN.encode("cp1252"), b"").decode()


def test_a_nul_is_kept_visible_not_refused(database_url):
    raw = report(FRENCH.encode("cp1252").replace(b"pu", b"p\x00u"), b"ok\x00", "windows-1252")
    stored = kept(database_url, raw)
    assert "\x00" not in stored and "n'a pas p\u2400u être délivré" in stored
    assert "ok\u2400" in stored
