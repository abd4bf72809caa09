"""The circuit breaker's reason, kept as a code and values (the bounces package holds no
words): said from the console's catalogue in each reader's language, the relay's words as
they came, within the column's size; a reason stored before as English text shown as it
was."""

from mailer.bounces import pause
from mailer.bounces.counts import Refusals
from mailer.bounces.pause import PauseReason
from mailer.catalogue import Word
from mailer.console.base import labels
from mailer.console.bounce_words import pause_reason, refused, said_on_the_command_line

REPLY = "550 5.7.26 This mail has been blocked because the sender is unauthenticated."


def test_a_reason_in_each_language_with_the_relays_words_beside():
    why = PauseReason("share", {"count": 1204, "seen": 3000, "cause": "policy"}, REPLY)
    stored = why.stored()
    assert pause_reason(labels("fr"), stored) == (
        "1\u202f204 messages refusés sur 3\u202f000 : expéditeur non authentifié ou refusé "
        "par politique — vérifier DKIM, SPF et DMARC du domaine d'envoi", REPLY)
    assert said_on_the_command_line(stored) == (
        "1,204 of 3,000 messages refused: sender not authenticated or refused by policy — "
        f"check DKIM, SPF and DMARC of the sending domain (relay: {REPLY})")
    german, relay = pause_reason(labels("de"), stored)  # no words yet: English, marked
    assert isinstance(german, Word) and german.lang == "en" and german.startswith("1,204 of")
    # The logs get the code and its values, not words.
    assert str(pause.read(stored)).startswith("share count=1204 seen=3000 cause=policy")


def test_a_long_answer_is_cut_to_fit_and_an_old_text_is_shown_as_it_was():
    stored = PauseReason("in_a_row", {"count": 5, "cause": "relay denied"}, "5" * 5000).stored()
    assert len(stored) <= pause.LIMIT
    assert pause_reason(labels("fr"), stored)[0].startswith("5 refus de suite : le relais")
    old = "5 refusals in a row: the relay refuses to relay for us (relay: 554 denied)"
    assert pause_reason(labels("fr"), old) == ("", old)
    assert said_on_the_command_line(old) == old == str(pause.read(old))
    assert pause_reason(labels("fr"), None) is None


def test_a_code_or_a_cause_this_version_does_not_know_is_still_said():
    later = PauseReason("quota", {"count": 3}, "452 quota").stored()
    assert pause_reason(labels("en"), later) == (
        "paused for a reason this version does not know (quota)", "452 quota")
    strange = PauseReason("in_a_row", {"count": 5, "cause": "cosmic rays"}).stored()
    assert pause_reason(labels("en"), strange)[0] == (
        "5 refusals in a row: refused for a reason not stated — read the server's answer")
    missing = PauseReason("share", {"count": 5}).stored()  # `seen` lost: no KeyError
    assert "(share)" in pause_reason(labels("en"), missing)[0]


def test_every_code_and_every_reason_has_words_in_each_shipped_language():
    from mailer.bounces.reasons import Reason

    for language in ("en", "fr"):
        words = labels(language)
        for code in pause.CODES:
            assert not isinstance(words[f"pause_{code}"], Word), (language, code)
        for reason in Reason:
            key = "cause_" + reason.value.replace(" ", "_")
            assert not isinstance(words[key], Word) and not isinstance(
                words[key + "_todo"], Word), (language, key)


def test_the_sentences_of_a_language_without_words_are_marked_english():
    line = refused(labels("de"), Refusals("gmail.com", "policy", 1204))
    assert isinstance(line, Word) and line.lang == "en"
    assert line.startswith("gmail.com refused 1,204 messages: sender not authenticated")
    assert refused(labels("fr"), Refusals("gmail.com", "policy", 1204)).startswith(
        "gmail.com a refusé 1\u202f204 messages")
    # One message is one; a refusal of the address's own (no advice); no domain known.
    assert refused(labels("en"), Refusals(None, "mailbox full", 1)) == (
        "the relay refused 1 message: mailbox full")
