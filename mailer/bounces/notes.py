"""Why a bounce event (or a subscriber's bounce) was held, weakened or reviewed, kept as
codes and their values only: the console says them in each member's language
(mailer.console.note_words, words in its catalogue under `note_<code>`), the command line in
English. The server's own words stay in the event's `reason`, as they came.

A note is a dict {"code": …, "values": {…}}, kept in `BounceEvent.notes` and in a
subscriber event's detail (`notes`), both JSON. Rows written before notes existed hold
their English text in `reason` and no notes: they are shown as stored.
"""

from __future__ import annotations

# Held: a report tied to no message of ours (mailer.bounces.provenance); values `kind`
# (hard, soft, complaint) and `status` (RFC 3463 code or "") with the ones named.
HELD_NOT_OUR_VERP = "held_not_our_verp"  # address: the VERP address whose MAC fails
HELD_NOT_SENT = "held_not_sent"  # days: bounce_sent_days
# count, shown: the first addresses named; subscribers, ours: how many of them are
# subscribers' and the first of those (whom staff must look at).
HELD_SEVERAL = "held_several_subscribers"
# Rows written before HELD_SEVERAL, read only: count, subscribers, shown (the first addresses
# named, subscribers' or not).
HELD_SEVERAL_BEFORE = "held_several"
HELD_TOO_MANY = "held_too_many"  # count, most (finding.MOST_RECIPIENTS), shown
HELD_NO_VERP_COMPLAINT = "held_no_verp_complaint"
AS_SOFT = "as_soft"  # a hard bounce tied by a delivery only, counted as soft
REVIEWED = "reviewed"  # by: the member who gave the verdict
SCORE_REACHED = "score_reached"  # score: the soft bounce score that suppressed
# What the classifier says of a message that is no bounce (mailer.bounces.classify).
UNREADABLE = "unreadable"  # error: the parser's words
LIST_UNSUBSCRIBE = "list_unsubscribe"
# A mailto unsubscribe that changed nobody (mailer.bounces.process): its token is not ours
# (forged, altered, an erased person's), or its person was off the list already.
UNSUBSCRIBE_NOT_OURS = "unsubscribe_not_ours"
UNSUBSCRIBE_ALREADY_OFF = "unsubscribe_already_off"
SES_DELIVERY = "ses_delivery"
CHALLENGE = "challenge"
DSN_SUCCESS = "dsn_success"
AUTO_REPLY = "auto_reply"
AUTO_REPLY_UNREAD = "auto_reply_unread"
COMPLAINT = "complaint"  # source (ARF, JMRP, SES), feedback: its Feedback-Type (RFC 5965)
FEEDBACK_REPORT = "feedback_report"  # feedback: a report that is no complaint (not-spam…)

CODES = (HELD_NOT_OUR_VERP, HELD_NOT_SENT, HELD_SEVERAL, HELD_SEVERAL_BEFORE, HELD_TOO_MANY,
         HELD_NO_VERP_COMPLAINT, AS_SOFT, REVIEWED, SCORE_REACHED, UNREADABLE,
         LIST_UNSUBSCRIBE, UNSUBSCRIBE_NOT_OURS, UNSUBSCRIBE_ALREADY_OFF, SES_DELIVERY,
         CHALLENGE, DSN_SUCCESS, AUTO_REPLY, AUTO_REPLY_UNREAD, COMPLAINT, FEEDBACK_REPORT)


def note(code: str, **values: object) -> dict:
    """A note of `code` (one of CODES) with its values (str or int: JSON)."""
    return {"code": code, "values": values}


def is_held(notes: list[dict] | None) -> bool:
    """Whether one of `notes` says why a report was held."""
    return any(str(item.get("code", "")).startswith("held_") for item in notes or ())
