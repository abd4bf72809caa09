"""Why a bounce was held, weakened, reviewed or a score suppressed (mailer.bounces.notes):
each code in the member's words with its values filled in (mailer.console.note_words), an
older row's English as it was stored, the command line in English."""

import pytest

from mailer.bounces import notes
from mailer.bounces.notes import note
from mailer.catalogue import Word
from mailer.console.base import labels
from mailer.console.note_words import in_english, one, said, tied

HELD = note(notes.HELD_NOT_SENT, kind="hard", status="5.1.1", days=30)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_code_has_its_own_words_in_each_language(language):
    words = labels(language)
    for code in notes.CODES:
        assert f"note_{code}" in words and not isinstance(words[f"note_{code}"], Word), code


@pytest.mark.parametrize(("item", "english", "french"), [
    (HELD, "held (hard bounce 5.1.1): no message was sent to this address in the last 30 days",
     "retenu (rebond définitif 5.1.1) : aucun message n'a été envoyé à cette adresse ces 30 "
     "derniers jours"),
    (note(notes.HELD_NO_VERP_COMPLAINT, kind="complaint", status=""),
     "held (complaint): its copy of our message does not carry our signed return path (VERP); "
     "a real feedback loop report does",
     "retenu (plainte) : sa copie de notre message ne porte pas notre adresse de retour signée "
     "(VERP) ; celle d'une vraie boucle de rétroaction la porte"),
    (note(notes.HELD_NOT_OUR_VERP, kind="soft", status="4.2.2", address="b+1.2.x@example.org"),
     "held (soft bounce 4.2.2): a VERP address that is not ours (b+1.2.x@example.org): its "
     "signature does not verify", "retenu (rebond temporaire 4.2.2) : une adresse VERP qui "
     "n'est pas la nôtre (b+1.2.x@example.org) : sa signature n'est pas vérifiée"),
    (note(notes.HELD_SEVERAL, kind="hard", status="", count=5,
          shown="a@x.org, b@x.org, c@x.org, …", subscribers=2, ours="b@x.org, e@x.org"),
     "held (hard bounce): names 5 addresses (a@x.org, b@x.org, c@x.org, …); subscribers "
     "among them (2): b@x.org, e@x.org;", "retenu (rebond définitif) : nomme 5 adresses "
     "(a@x.org, b@x.org, c@x.org, …) ; abonné·es parmi elles (2) : b@x.org, e@x.org ;"),
    # A row written before: its `shown` is the first addresses named, subscribers' or not.
    ({"code": "held_several", "values": {"kind": "hard", "status": "", "count": 1204,
                                         "subscribers": 3, "shown": "a@x.org, b@x.org, …"}},
     "held (hard bounce): names 1,204 addresses (a@x.org, b@x.org, …); subscribers among "
     "them: 3;", "retenu (rebond définitif) : nomme 1\u202f204 adresses (a@x.org, b@x.org, "
     "…) ; abonné·es parmi elles : 3 ;"),
    (note(notes.AS_SOFT), "counted as a soft bounce: the report did not come back to our "
     "signed return path (VERP)", "compté comme rebond temporaire : le rapport n'est pas "
     "revenu à notre adresse de retour signée (VERP)"),
    (note(notes.REVIEWED, by="ed@example.org"), "reviewed by ed@example.org",
     "examiné par ed@example.org"),
    (note(notes.SCORE_REACHED, score=3.0), "soft bounce score reached (3)",
     "score de rebonds temporaires atteint (3)"),
    (note(notes.UNREADABLE, error="bad header"), "unreadable: bad header",
     "illisible : bad header"),
    (note(notes.AUTO_REPLY), "auto-reply", "réponse automatique"),
    (note(notes.AUTO_REPLY_UNREAD), "mailbox no longer read (auto-reply)",
     "boîte plus relevée (réponse automatique)"),
    (note(notes.DSN_SUCCESS), "success notification (DSN)", "avis de remise réussie (DSN)"),
    (note(notes.COMPLAINT, source="ARF", feedback="abuse"), "complaint (ARF, abuse)",
     "plainte (ARF, abuse)"),
    (note(notes.FEEDBACK_REPORT, feedback="not-spam"), "feedback report: not-spam",
     "rapport de retour : not-spam"),
])
def test_a_code_in_each_languages_words(item, english, french):
    assert one(labels("en"), item).startswith(english)
    assert one(labels("fr"), item).startswith(french)


def test_notes_come_before_the_servers_words_which_stay_as_they_came():
    assert said(labels("fr"), [HELD], "550 5.1.1 <x@y>: User unknown") == (
        "retenu (rebond définitif 5.1.1) : aucun message n'a été envoyé à cette adresse ces 30 "
        "derniers jours · 550 5.1.1 <x@y>: User unknown")
    assert in_english([HELD], "550 5.1.1").startswith("held (hard bounce 5.1.1): no message")


def test_a_row_written_before_notes_is_shown_as_stored():
    stored = "held (hard 5.1.1): no message was sent to this address in the last 30 days"
    assert said(labels("fr"), None, stored) == stored
    assert said(labels("fr"), [], None) == ""


@pytest.mark.parametrize(("item", "french"), [
    (note("from_a_later_version", n=1), "une raison que cette version ne connaît pas "
     "(from_a_later_version)"),
    ({"code": notes.HELD_NOT_SENT, "values": {"kind": "hard"}},  # a value missing
     "une raison que cette version ne connaît pas (held_not_sent)"),
])
def test_a_code_or_value_this_version_does_not_know_is_named(item, french):
    assert one(labels("fr"), item) == french


def test_a_language_without_these_words_gets_the_fallbacks_marked():
    german = one(labels("de"), note(notes.AS_SOFT))
    assert german.startswith("counted as a soft bounce") and isinstance(german, Word)


@pytest.mark.parametrize(("stored", "english", "french"), [
    ("VERP", "our signed return path (VERP)", "notre adresse de retour signée (VERP)"),
    ("delivery 12045 (campaign 7)", "send 7, message 12,045", "envoi 7, message 12\u202f045"),
    ("something else", "something else", "something else"),  # as it was stored
])
def test_what_tied_a_report_to_us_in_each_language(stored, english, french):
    assert (tied(labels("en"), stored), tied(labels("fr"), stored)) == (english, french)
