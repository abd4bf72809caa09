"""Failures in words staff can act on: what each reason means and what to check.

`summary` turns counts of (receiving domain, reason) into sentences such as
"gmail.com refused 1,204 messages: sender not authenticated — check DKIM and SPF".
"""

from __future__ import annotations

from babel.core import UnknownLocaleError
from babel.numbers import format_decimal

from mailer.bounces.reasons import FAULT, Fault, Reason
from mailer.catalogue import Word

WORDS: dict[str, dict[Reason, tuple[str, str]]] = {
    # reason: (what happened, what to do)
    "en": {
        Reason.USER_UNKNOWN: ("address does not exist", "nothing: the address was removed"),
        Reason.HOST_UNKNOWN: ("domain does not exist", "nothing: the address was removed"),
        Reason.MAILBOX_FULL: ("mailbox full", "nothing: counted as a soft bounce"),
        Reason.ACCOUNT_DISABLED: ("account disabled", "nothing: the address was removed"),
        Reason.BLOCKED: ("our sending IP or domain is blocked",
                         "check block lists and the relay's reputation"),
        Reason.POLICY: ("sender not authenticated or refused by policy",
                        "check DKIM, SPF and DMARC of the sending domain"),
        Reason.SPAM: ("taken for spam", "review the content and links of the issue"),
        Reason.VIRUS: ("taken for a virus", "review the attachments and links"),
        Reason.TOO_BIG: ("message too big", "make the issue lighter (images)"),
        Reason.RATE_LIMITED: ("too much mail at once", "lower the sending rate"),
        Reason.RELAY_DENIED: ("the relay refuses to relay for us",
                              "check the relay address, its login and the sending address"),
        Reason.EXPIRED: ("gave up after retrying", "nothing: counted against the campaign"),
        Reason.SYSTEM_ERROR: ("a server or network error", "nothing unless it persists"),
        Reason.ON_HOLD: ("held for later (greylisting)", "nothing: it will be retried"),
        Reason.UNKNOWN: ("refused for a reason not stated", "read the server's answer"),
    },
    "fr": {
        Reason.USER_UNKNOWN: ("adresse inexistante", "rien : l'adresse a été retirée"),
        Reason.HOST_UNKNOWN: ("domaine inexistant", "rien : l'adresse a été retirée"),
        Reason.MAILBOX_FULL: ("boîte pleine", "rien : compté comme rebond temporaire"),
        Reason.ACCOUNT_DISABLED: ("compte désactivé", "rien : l'adresse a été retirée"),
        Reason.BLOCKED: ("notre IP ou domaine d'envoi est bloqué",
                         "vérifier les listes de blocage et la réputation du relais"),
        Reason.POLICY: ("expéditeur non authentifié ou refusé par politique",
                        "vérifier DKIM, SPF et DMARC du domaine d'envoi"),
        Reason.SPAM: ("pris pour du spam", "revoir le contenu et les liens du numéro"),
        Reason.VIRUS: ("pris pour un virus", "revoir les pièces jointes et les liens"),
        Reason.TOO_BIG: ("message trop lourd", "alléger le numéro (images)"),
        Reason.RATE_LIMITED: ("trop de messages à la fois", "baisser la cadence d'envoi"),
        Reason.RELAY_DENIED: ("le relais refuse de relayer pour nous",
                              "vérifier l'adresse du relais, son identifiant et l'adresse "
                              "d'envoi"),
        Reason.EXPIRED: ("abandon après plusieurs essais", "rien : compté pour l'envoi"),
        Reason.SYSTEM_ERROR: ("erreur d'un serveur ou du réseau", "rien, sauf si cela dure"),
        Reason.ON_HOLD: ("mis en attente (greylisting)", "rien : il sera réessayé"),
        Reason.UNKNOWN: ("refus sans motif reconnu", "lire la réponse du serveur"),
    },
}
REFUSED = {"en": "{who} refused {n} {messages}: {what}",
           "fr": "{who} a refusé {n} {messages} : {what}"}
MESSAGES = {"en": ("message", "messages"), "fr": ("message", "messages")}


def _reason(value: str | None) -> Reason:
    try:
        return Reason(value or Reason.UNKNOWN)
    except ValueError:
        return Reason.UNKNOWN


def what(reason: str | None, language: str = "en") -> str:
    """The reason in words: "sender not authenticated or refused by policy"."""
    return WORDS.get(language, WORDS["en"])[_reason(reason)][0]


def todo(reason: str | None, language: str = "en") -> str:
    return WORDS.get(language, WORDS["en"])[_reason(reason)][1]


def is_senders(reason: str | None) -> bool:
    return FAULT[_reason(reason)] in (Fault.SENDER, Fault.PATH)


def sentence(who: str, count: int, reason: str | None, language: str = "en") -> str:
    """"gmail.com refused 1,204 messages: sender not authenticated — check DKIM and SPF";
    for the address's own reasons, without the advice."""
    own = language if language in WORDS else "en"
    try:
        number = format_decimal(count, locale=own)
    except (ValueError, UnknownLocaleError):
        number = str(count)
    one, many = MESSAGES[own]
    text = REFUSED[own].format(who=who, n=number, messages=one if count == 1 else many,
                               what=WORDS[own][_reason(reason)][0])
    if is_senders(reason):
        text += f" — {todo(reason, own)}"
    # In a language without words here, the English ones, marked as English in HTML.
    return text if language in WORDS else Word(text, "en")
