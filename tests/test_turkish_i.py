"""The Turkish İ (U+0130), the one letter whose lower case is longer ('İ'.lower() is 'i' +
U+0307 COMBINING DOT ABOVE), through signup, import, send, suppression and bounce
matching. It was lowered: `İlker@example.com` was stored, mailed (RCPT TO and To:) and
reported as `i̇lker@example.com`, another address than the person gave; a report naming
that form was read as `lker@example.com` (the dot is no word character) and lost them."""

import hashlib
from functools import partial

from sqlalchemy import select

from mailer import db
from mailer.address import wire_form
from mailer.bounces.models import BounceEvent
from mailer.db import utcnow
from subscribers.csv_import import import_csv
from subscribers.models import Status, Subscriber, Suppression, email_hash, normalise_email
from subscribers.service import is_suppressed
from subscribers.signup import Consent, sign_up
from subscribers.validation import Applicant, check_email
from tests.bounces.sent import sent_to
from tests.bounces.test_provenance import dsn, handle

ILKER, LOWERED = "İlker@example.com", "i\u0307lker@example.com"
ILKAY = "ilkay@İstanbul.example"


def _old_hash(email: str) -> str:
    """The hash before: of the address lowered whole."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def test_the_address_given_is_the_one_kept_and_mailed():
    assert check_email(ILKER) == ILKER
    assert {check_email(a) for a in ("İLKER@EXAMPLE.COM", LOWERED, " İlker@Example.COM")} \
        == {ILKER}
    assert wire_form(check_email(ILKER), utf8=True) == ILKER
    # The domain is IDNA's (UTS 46 maps İ to i + U+0307): the name a resolver looks up.
    assert check_email(ILKAY) == "ilkay@i\u0307stanbul.example"
    assert wire_form(check_email(ILKAY), utf8=False) == "ilkay@xn--istanbul-o0e.example"


def test_no_hash_changes_so_a_suppression_recorded_before_holds():
    for address in (ILKER, "Léa@Bücher.example", "bob@example.org", ILKAY, "ẞtraße@x.de"):
        assert email_hash(address) == _old_hash(normalise_email(address))
    assert email_hash(ILKER) == email_hash(LOWERED) == _old_hash(LOWERED)


def test_signup_import_and_suppression(sqlite_url, tmp_path):
    with db.session_scope(sqlite_url) as session:
        consent = Consent("form", "oui")
        first = sign_up(session, Applicant(check_email(ILKER), "fr", None), consent)
        again = sign_up(session, Applicant(check_email("İLKER@example.com"), "fr", None),
                        consent)
        assert first == again  # one person
        # Suppressed before the İ kept its capital (the hash of the lowered form).
        session.add(Suppression(email_hash=_old_hash("i\u0307pek@example.com"),
                                reason="complained", at=utcnow()))
    with db.session_scope(sqlite_url) as session:
        assert is_suppressed(session, "İpek@example.com")
        assert sign_up(session, Applicant(check_email("İPEK@example.com"), "fr", None),
                       Consent("form", "oui")) is None
    path = tmp_path / "liste.csv"
    path.write_text("email,consent_date\nİlker@example.com,2025-11-15\n"
                    "İpek@example.com,2025-11-15\nİnci@example.com,2025-11-15\n"
                    "İNCI@EXAMPLE.COM,2025-11-15\nilkay@İstanbul.example,2025-11-15\n",
                    encoding="utf-8")
    report = import_csv(partial(db.session_scope, sqlite_url), path)
    assert [(p.line, p.code) for p in report.errors] == [(5, "duplicate")]
    with db.session_scope(sqlite_url) as session:
        assert set(session.scalars(select(Subscriber.email))) == {
            ILKER, "İnci@example.com", "ilkay@i\u0307stanbul.example"}  # İpek stays out


def test_a_bounce_naming_either_form_finds_the_person(database_url):
    with db.session_scope(database_url) as session:
        session.add(Subscriber(email=check_email(ILKER), language="fr",
                               status=Status.SUBSCRIBED, confirmed_at=utcnow()))
    sent_to(database_url, ILKER)
    handle(database_url, dsn([ILKER], tag="as-sent"))
    [*_, event] = handle(database_url, dsn([LOWERED], tag="casefolded"))
    # RFC 6533, as an SMTPUTF8 relay reports: message/global-delivery-status, the address
    # typed utf-8 with its İ escaped.
    handle(database_url, dsn([ILKER], tag="global").replace(
        b"message/delivery-status", b"message/global-delivery-status").replace(
        f"rfc822; {ILKER}".encode(), b"utf-8; \\x{130}lker@example.com"))
    with db.session_scope(database_url) as session:
        events = session.scalars(select(BounceEvent).order_by(BounceEvent.id)).all()
        assert [(e.kind, e.subscriber_id) for e in events] == [("soft", 1)] * 3
        assert event.recipient == LOWERED and events[2].recipient == ILKER


def test_addresses_stored_lowered_get_their_capital_back(database_url):
    import sqlalchemy as sa
    from alembic import command

    from tests.test_migrations import alembic_config, sent_to_subscriber_1

    config = alembic_config(database_url)
    command.downgrade(config, "d2f7b4c81e36")
    engine = db.get_engine(database_url)
    with engine.begin() as conn:
        for sid, email in ((1, LOWERED), (2, "ilkay@i\u0307stanbul.example")):
            conn.execute(sa.text(
                "INSERT INTO subscriber (id, email, language, status, created_at, updated_at, "
                "bounce_score, link_key, legacy_links) VALUES (:id, :email, 'fr', "
                "'subscribed', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0, :key, false)"),
                {"id": sid, "email": email, "key": f"k{sid}"})
        sent_to_subscriber_1(conn, LOWERED)
    command.upgrade(config, "head")
    with engine.connect() as conn:
        stored = set(conn.execute(sa.text("SELECT email FROM subscriber")).scalars())
        sent = conn.execute(sa.text("SELECT email FROM delivery")).scalars().all()
    # The domain keeps IDNA's form; only the local part's İ comes back.
    assert stored == {ILKER, "ilkay@i\u0307stanbul.example"} and sent == [ILKER]
    command.downgrade(config, "d2f7b4c81e36")
    with engine.connect() as conn:
        assert LOWERED in set(conn.execute(sa.text("SELECT email FROM subscriber")).scalars())
    command.upgrade(config, "head")
