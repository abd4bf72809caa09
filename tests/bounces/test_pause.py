"""The circuit breaker's reason, kept as a code and values: each reader's language, the
relay's words as they came, within the column's size; a reason stored before as English
text shown as it was."""

from mailer.bounces import advice, pause
from mailer.bounces.pause import PauseReason
from mailer.catalogue import Word

REPLY = "550 5.7.26 This mail has been blocked because the sender is unauthenticated."


def test_a_reason_in_each_language_with_the_relays_words_beside():
    why = PauseReason("share", {"count": 1204, "seen": 3000, "cause": "policy"}, REPLY)
    stored = why.stored()
    assert pause.shown(stored, "fr") == (
        "1\u202f204 messages refusés sur 3\u202f000 : expéditeur non authentifié ou refusé "
        "par politique — vérifier DKIM, SPF et DMARC du domaine d'envoi", REPLY)
    assert str(pause.read(stored)) == (
        "1,204 of 3,000 messages refused: sender not authenticated or refused by policy — "
        f"check DKIM, SPF and DMARC of the sending domain (relay: {REPLY})")
    german, relay = pause.shown(stored, "de")  # no words yet: English, marked as such
    assert isinstance(german, Word) and german.lang == "en" and german.startswith("1,204 of")


def test_a_long_answer_is_cut_to_fit_and_an_old_text_is_shown_as_it_was():
    stored = PauseReason("in_a_row", {"count": 5, "cause": "relay denied"}, "5" * 5000).stored()
    assert len(stored) <= pause.LIMIT and pause.read(stored).words("fr").startswith("5 refus")
    old = "5 refusals in a row: the relay refuses to relay for us (relay: 554 denied)"
    assert pause.shown(old, "fr") == ("", old) and str(pause.read(old)) == old
    assert pause.shown(None, "fr") is None


def test_the_sentences_of_a_language_without_words_are_marked_english():
    line = advice.sentence("gmail.com", 1204, "policy", "de")
    assert isinstance(line, Word) and line.lang == "en"
    assert line.startswith("gmail.com refused 1,204 messages: sender not authenticated")
    assert advice.sentence("gmail.com", 1204, "policy", "fr").startswith(
        "gmail.com a refusé 1\u202f204 messages")
