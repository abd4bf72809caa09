"""A report's recipient and words as the MTA meant them: the xtext of an Original-Recipient
(RFC 3461 4) decoded where real MTAs put it and nowhere else, RFC 6533's utf-8 addresses,
and raw 8-bit diagnostics (UTF-8, or a legacy charset) readable, never U+FFFD. The samples
(tests/data/bounces/kinds/dsn-*orcpt*, dsn-*8bit*, dsn-global-utf8-diagnostic) carry no
VERP: the address the report names is all that finds the person."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailer import db
from mailer.bounces import charsets, classify, mailbox, process, reading, xtext
from mailer.bounces.models import BounceEvent
from mailer.db import utcnow
from subscribers.models import Status, Subscriber
from tests.bounces.sent import sent_to

KINDS = Path(__file__).resolve().parents[1] / "data" / "bounces" / "kinds"


@pytest.mark.parametrize(("original", "final", "named"), [
    # Sendmail, Exim, OpenSMTPD: the ORCPT as it came, xtext.
    ("rfc822;jean+2Bnews@cdm-lyon.example", "RFC822; jean+news@cdm-lyon.example",
     "jean+news@cdm-lyon.example"),
    ("rfc822;veille+3Demploi@cdm-lille.example", "rfc822;paul@fournisseur.example",
     "veille=emploi@cdm-lille.example"),
    ("rfc822;l+C3+A9a@cdm-lyon.example", "", "léa@cdm-lyon.example"),  # UTF-8 octets
    # Postfix writes it decoded: the Final-Recipient as written, or no address once decoded.
    ("rfc822;promo+2Bete@cdm-lyon.example", "rfc822; promo+2Bete@cdm-lyon.example",
     "promo+2Bete@cdm-lyon.example"),
    ("rfc822;lea+2024@cdm-nantes.example", "rfc822;lea@ailleurs.example",
     "lea+2024@cdm-nantes.example"),  # +20 would be a space
    ("rfc822;a+40b@cdm-lyon.example", "", "a+40b@cdm-lyon.example"),  # +40 a second @
    # A printable hexchar is the address's own text (Postfix, through an alias): decoded,
    # paul+42 would name paulB, another subscriber.
    ("rfc822;paul+42@cdm-lyon.example", "rfc822;paul@ailleurs.example",
     "paul+42@cdm-lyon.example"),
    ("rfc822;jean+2Ework@cdm-lyon.example", "rfc822;j@ailleurs.example",
     "jean+2Ework@cdm-lyon.example"),
    ("rfc822;jean+2bike@cdm-lyon.example", "", "jean+2bike@cdm-lyon.example"),  # lower case
    ("rfc822;n=1+2Bx@cdm-lyon.example", "", "n=1+2Bx@cdm-lyon.example"),  # "=" is no xtext
    ("rfc822;l+E9a@cdm-lyon.example", "", "l+E9a@cdm-lyon.example"),  # octets no UTF-8
    # Final-Recipient is never xtext.
    ("", "rfc822; jean+2Bnews@cdm-lyon.example", "jean+2Bnews@cdm-lyon.example"),
    # RFC 6533: a utf-8 address writes "+" as \x{2B}, never +2B.
    ("utf-8; jean\\x{2B}news@cdm-lyon.example", "", "jean+news@cdm-lyon.example"),
    ("utf-8; l\\x{E9}a+2B@cdm-lyon.example", "", "léa+2B@cdm-lyon.example"),
    ("utf-8; x\\x{FFFFFF}@cdm-lyon.example", "utf-8; y@cdm-lyon.example", "y@cdm-lyon.example"),
])
def test_the_original_recipient_is_decoded_only_where_it_is_xtext(original, final, named):
    fields = {"original-recipient": original, "final-recipient": final}
    assert mailbox.dsn_recipient({k: v for k, v in fields.items() if v}) == named


def test_unxtext_reads_hexchars_and_refuses_what_is_no_xtext():
    assert xtext.unxtext("a+2Bb+3Dc+20d") == "a+b=c d"
    assert xtext.unxtext("paul+42") is None and xtext.unxtext("a+2Eb") is None
    assert xtext.unxtext("plain@cdm-lyon.example") is None  # nothing encoded
    assert xtext.unxtext("a+2") is None and xtext.unxtext("a b+2B") is None


# (sample, recipient, its diagnostic as shown to staff and stored with the event)
SAMPLES = [
    ("dsn-sendmail-orcpt-xtext.eml", "jean+news@cdm-lyon.example",
     "550 5.1.1 <jean+news@cdm-lyon.example>... User unknown"),
    ("dsn-exim-orcpt-forwarded.eml", "veille=emploi+lettre@cdm-lille.example",
     "550 5.1.1 <paul.martin@fournisseur.example>: Recipient address rejected: User unknown"),
    ("dsn-postfix-orcpt-plus-digits.eml", "lea+2024@cdm-nantes.example",
     "550 5.1.1 <lea+2024@cdm-nantes.example>: Recipient address rejected: User unknown in "
     "virtual mailbox table"),
    ("dsn-global-utf8-diagnostic.eml", "léa.müller@cdm-zürich.example",
     "552 5.2.2 <léa.müller@cdm-zürich.example>: boîte aux lettres pleine, quota dépassé"),
    ("dsn-8bit-utf8-diagnostic.eml", "chloe.favre@cdm-geneve.example",
     "550 5.2.1 Compte désactivé : l’utilisatrice a quitté l’organisation"),
    ("dsn-8bit-cp1252-diagnostic.eml", "juergen.schaefer@cdm-koeln.example",
     "550 5.1.1 Empfänger unbekannt – Postfach für »juergen.schaefer« existiert nicht"),
]


@pytest.mark.parametrize(("sample", "recipient", "words"), SAMPLES,
                         ids=[s for s, _, _ in SAMPLES])
def test_the_report_names_its_recipient_in_its_own_words(sample, recipient, words):
    [finding] = classify.analyse_all((KINDS / sample).read_bytes(), "dsn-text-secret")
    assert (finding.recipient, finding.reason) == (recipient, words)


@pytest.mark.parametrize(("sample", "recipient", "words"), SAMPLES,
                         ids=[s for s, _, _ in SAMPLES])
def test_without_verp_the_report_finds_its_subscriber(database_url, sample, recipient, words):
    # The address in its xtext form is someone else's: the report is not theirs.
    encoded = {"jean+news@cdm-lyon.example": "jean+2Bnews@cdm-lyon.example",
               "veille=emploi+lettre@cdm-lille.example":
                   "veille+3Demploi+2Blettre@cdm-lille.example"}.get(recipient)
    ids = {}
    with db.session_scope(database_url) as session:
        for email in filter(None, (recipient, encoded)):
            person = Subscriber(email=email, language="fr", status=Status.SUBSCRIBED,
                                confirmed_at=utcnow())
            session.add(person)
            session.flush()
            ids[email] = person.id
    for email in ids:
        sent_to(database_url, email)
    with db.session_scope(database_url) as session:
        process.handle(session, (KINDS / sample).read_bytes())
    with db.session_scope(database_url) as session:
        [event] = session.query(BounceEvent).all()
        assert event.subscriber_id == ids[recipient] and event.kind == "soft"
        assert event.reason.endswith(words) and "\ufffd" not in event.reason
        person = session.get(Subscriber, ids[recipient])
        assert person.bounce_score == 1.0 and person.events[-1].detail["reason"].endswith(
            words[-40:])
        if encoded:
            assert session.get(Subscriber, ids[encoded]).bounce_score == 0.0


@pytest.mark.parametrize(("raw", "charset", "text"), [
    ("Boîte pleine".encode(), None, "Boîte pleine"),
    ("Boîte pleine".encode(), "us-ascii", "Boîte pleine"),  # 8-bit in a US-ASCII part
    ("Boîte pleine".encode(), "iso-8859-1", "Boîte pleine"),  # mislabelled UTF-8
    ("Boîte pleine – quota".encode("cp1252"), None, "Boîte pleine – quota"),
    ("Boîte pleine".encode("latin-1"), "utf-8", "Boîte pleine"),  # lying UTF-8 label
    ("Ящик переполнен, отказано".encode("cp1251"), None, "Ящик переполнен, отказано"),
    ("宛先不明".encode("shift_jis"), "shift_jis", "宛先不明"),  # multibyte: as declared
    ("Boîte".encode("latin-1"), "x-no-such-charset", "Boîte"),
    (b"\x1b$B08@hITL@\x1b(B", "iso-2022-jp", "宛先不明"),  # 7-bit, its own charset
])
def test_bytes_are_read_utf8_first_then_as_declared_then_legacy(raw, charset, text):
    assert charsets.decode(raw, charset) == text


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(
    [None, "", "utf-8", "us-ascii", "iso-8859-1", "cp1252", "shift_jis", "utf-16",
     "base64", "x-unknown", "iso-2022-jp", " latin1 "]))
def test_no_byte_and_no_charset_makes_decoding_raise(raw, charset):
    assert isinstance(charsets.decode(raw, charset), str)


def test_a_report_of_blank_lines_is_read_at_once():
    """The quoted-part marker's pattern once crossed line ends: 3.7 KB of " \\n" stalled
    the poller (cubic time). Forty thousand such lines would take days that way."""
    text = "x\n" + " \n" * 40_000 + "--- Original message ---\nquoted"
    started = time.perf_counter()
    assert reading.before_quoted(text).startswith("x\n")
    assert "quoted" not in reading.before_quoted(text)
    assert time.perf_counter() - started < 5  # a runaway match takes hours, not seconds
