"""Why a message was refused: one vocabulary for relay replies and bounce reports alike.

The reasons are the field's usual names (sisimai's, fewer of them). A reason comes from the
diagnostic words and the enhanced status code (RFC 3463) read together: the words first,
because the code's class only says how final a refusal is (a `5.7.1` is as often a DMARC
policy as a blocked recipient); the code's subject decides when the words say nothing we
know (`5.1.1` user unknown, `5.2.2` mailbox full); `5.0.0` and `5.7.x` alone decide nothing.

How each reason counts (mailer.bounces.policy applies it):
- user unknown, host unknown, account disabled, when permanent: the address's; the one
  kind that suppresses at once (a hard bounce).
- mailbox full, and expired: the recipient's, a soft bounce, one point per campaign; only
  the score (`bounce_score_threshold` issues within `bounce_window_days`) suppresses, never
  one of them alone. Expired (`4.4.7`/`5.4.7` "delivery time expired", "retry timeout
  exceeded", "too long in the queue") means the sending side tried the recipient's servers
  for days and gave up: a dead or broken domain, so the address's side, as sisimai (a soft
  bounce) and Mailman 3 (a final DSN scores) both count it. Many recipients of one domain
  expiring in one campaign (`bounce_domain_outage`) are the path's instead: the network or
  our IP's standing with that provider, not each mailbox.
- system error (the remote server's own trouble: an internal or configuration error, a
  loop, a full queue disk, a name server that did not answer) and on hold (greylisting,
  deferral): the path's; counted against the campaign and shown to staff, never against
  the subscriber. sisimai calls a system error soft, but it says nothing of the address
  and a relay's own "internal error" during our send must never cost a reader a point.
- blocked, policy, spam, virus, message too big, rate limited, relay denied: the sender's;
  against the campaign, and the circuit breaker's concern during a send.
- unknown: words we do not know; a soft bounce at most, never a suppression on its own.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Reason(enum.StrEnum):
    USER_UNKNOWN = "user unknown"
    HOST_UNKNOWN = "host unknown"
    MAILBOX_FULL = "mailbox full"
    ACCOUNT_DISABLED = "account disabled"
    BLOCKED = "blocked"  # the sending IP's or domain's reputation, a block list
    POLICY = "policy"  # SPF, DKIM, DMARC, sender authentication, local policy
    SPAM = "spam"  # the content was taken for spam
    VIRUS = "virus"
    TOO_BIG = "message too big"
    RATE_LIMITED = "rate limited"
    RELAY_DENIED = "relay denied"
    EXPIRED = "expired"  # the sending side gave up retrying
    SYSTEM_ERROR = "system error"
    ON_HOLD = "on hold"  # held for later: greylisting, deferral
    UNKNOWN = "unknown"


class Fault(enum.StrEnum):
    RECIPIENT = "recipient"  # the address or the mailbox
    SENDER = "sender"  # our IP, our domain, our content, our relay
    PATH = "path"  # the network or a server between: nobody's list fault
    UNKNOWN = "unknown"


FAULT = {
    Reason.USER_UNKNOWN: Fault.RECIPIENT, Reason.HOST_UNKNOWN: Fault.RECIPIENT,
    Reason.MAILBOX_FULL: Fault.RECIPIENT, Reason.ACCOUNT_DISABLED: Fault.RECIPIENT,
    Reason.BLOCKED: Fault.SENDER, Reason.POLICY: Fault.SENDER, Reason.SPAM: Fault.SENDER,
    Reason.VIRUS: Fault.SENDER, Reason.TOO_BIG: Fault.SENDER, Reason.RATE_LIMITED: Fault.SENDER,
    Reason.RELAY_DENIED: Fault.SENDER, Reason.EXPIRED: Fault.RECIPIENT,
    Reason.SYSTEM_ERROR: Fault.PATH, Reason.ON_HOLD: Fault.PATH, Reason.UNKNOWN: Fault.UNKNOWN,
}
# The only reasons that make a permanent failure a hard bounce (suppress at once).
HARD_REASONS = frozenset({Reason.USER_UNKNOWN, Reason.HOST_UNKNOWN, Reason.ACCOUNT_DISABLED})
# Conditions of a mailbox that pass: a 5xx for them is still only a soft bounce.
PASSING = frozenset({Reason.MAILBOX_FULL})


def _words(*patterns: str) -> re.Pattern:
    return re.compile("|".join(patterns), re.IGNORECASE)


# In this order: the sender's kinds before the recipient's, because a refusal that names
# the address ("<x@y>: Relay access denied") is about the sender when its words say so.
WORDS: tuple[tuple[Reason, re.Pattern], ...] = (
    (Reason.RELAY_DENIED, _words(
        r"relay(?:ing)? (?:access )?(?:denied|not (?:permitted|allowed|authori[sz]ed))",
        r"(?:unable|not (?:permitted|allowed|authori[sz]ed)) to relay", r"we do not relay",
        r"no relaying", r"isn't in my list of allowed rcpthosts", r"relay prohibited",
        r"not (?:an open |a )?(?:relay|gateway)\b", r"not configured to relay", r"as a relay",
        r"relay .{0,30}without authentication", r"we don'?t handle mail for")),
    (Reason.VIRUS, _words(r"\bvirus", r"malware", r"infected", r"trojan")),
    (Reason.POLICY, _words(
        r"\bspf\b", r"\bdkim\b", r"\bdmarc\b", r"unauthenticated", r"not authenticated",
        r"authenticat(?:e|ion) (?:with|is required|required|failed|failure)",
        r"sender policy framework", r"does not designate", r"sender (?:address )?"
        r"(?:is )?not (?:authori[sz]ed|allowed)", r"sender (?:address )?rejected",
        r"domain of sender .* does not (?:resolve|exist)", r"5\.7\.2[3-7]\b", r"5\.7\.509",
        r"reverse dns|\bptr\b|rdns|no reverse", r"policy reasons?|policy violation",
        r"not accepted for policy", r"denied by policy",
        r"organi[sz]ation(?:al)? (?:policy|settings)",
        r"administrative prohibition", r"delivery not authori[sz]ed", r"starttls is required",
        r"authentication (?:required|credentials invalid)", r"members-only|closed mailing list",
        r"invalid sender|unroutable sender")),
    (Reason.BLOCKED, _words(
        r"block ?list|black ?list|blocked using|spamhaus|spamcop|barracuda|\bdnsbl\b|\brbl\b",
        r"(?<!not )listed (?:at|in|on|by) (?!(?:public |domino|name|address))",
        r"(?:poor|bad|low) (?:sender |ip )?reputation|reputation",
        r"not accepted from (?:this|your) ip|(?:your|sending|client|sender|connecting) ip",
        r"client host .*(?:blocked|rejected|refused)|access denied.*\bip\b|banned",
        r"5\.7\.(?:6\d\d|7\d\d|512)\b", r"bad sender ip|sender ip address rejected|dynamic ip",
        r"zombie|looks (?:suspiciously )?like (?:a )?spammer|you are sending spam|user complaints",
        r"not allowed to send mail from|host network not allowed|smtp server of your isp",
        r"refused to talk to me|based on (?:a )?blacklist|\brbl\b")),
    (Reason.SPAM, _words(
        r"\bspam\b|\bjunk\b|unsolicited|\buce\b|bulk (?:e-?)?mail|phishing|suspicious",
        r"(?:unacceptable|prohibited|illegal|forbidden) (?:content|attachment)",
        r"content (?:rejected|filter|policy)|rejected (?:because of|due to) .*content",
        r"message (?:content )?(?:rejected|refused|filtered) (?:as|by|for)",
        r"attachment .*not allowed", r"message filtered|banned content|spamassassin")),
    (Reason.TOO_BIG, _words(
        r"message (?:size|length|file) (?:exceeds|too)|too (?:big|large)|size (?:limit )?exceed",
        r"exceeds? (?:the )?(?:fixed |maximum |max |message )+(?:message )?size",
        r"message is larger than")),
    (Reason.RATE_LIMITED, _words(
        r"rate[- ]?limit|too many (?:messages|connections|mails|emails|recipients|sessions)"
        r"(?! on the server)|try again slower",
        r"throttl|(?:sending|receiving) (?:mail )?at a rate|unusual rate|exceeded .* limit"
        r"(?! of the mailbox)", r"try (?:again )?(?:later|in \d+)(?=.*(?:rate|volume|many))",
        r"too much mail|over (?:the )?(?:sending )?limit|limit exceeded")),
    (Reason.SYSTEM_ERROR, _words(  # a name server's hiccup is no verdict on the domain
        r"name server reply|host not found,\s+try again|try again later.{0,40}locked|"
        r"temporar(?:y|ily) (?:locked|failure|error|unavailable)",
        # the remote system's own trouble, whatever the code: no verdict on the address
        r"(?:local|server|system|mail system) config(?:uration)? error|misconfigured|"
        r"temporary local problem|local error in processing|queue file write error|"
        r"error while (?:being )?process|interrupted system call|can'?t create (?:user )?"
        r"output file|(?:forwarding|mail) loop|loop (?:was )?(?:found|detected)")),
    (Reason.ACCOUNT_DISABLED, _words(
        r"(?:account|mailbox|user|address)(?: \S+)? (?:has been |is |was )?(?:disabled|"
        r"deactivated|inactive|suspended|locked|frozen|closed|discontinued|expired|blocked)",
        r"(?:disabled|inactive|suspended|deactivated|closed) (?:account|mailbox|user)",
        r"no longer (?:active|in (?:use|service)|available|valid|exists?)",
        r"compte (?:désactivé|bloqué|suspendu|inactif)", r"gesperrt|deaktiviert",
        r"archived recipient|destinataire archiv|user is terminated|temporarily inactive",
        r"no longer accepts mail")),
    (Reason.MAILBOX_FULL, _words(
        r"mail ?box (?:is )?(?:full|over|exceeded)|over ?quota|quota|storage (?:allocation|"
        r"limit|space)|insufficient (?:system )?storage|mailbox size limit|(?:disk|mailbox) "
        r"(?:space )?(?:is )?full|out of storage|boîte .*pleine|voll\b|exceeded storage",
        r"exceeds? (?:the |its )?(?:mailbox|storage)", r"space left|enough (?:storage )?space|"
        r"used up|mail ?folder is full|exceeded the local limit|too many messages on the server",
        r"destinataire pleine")),
    (Reason.HOST_UNKNOWN, _words(
        r"host (?:or domain name )?(?:not found|unknown)|unknown (?:host|domain)|"
        r"domain (?:not found|does not exist|doesn't exist|name not found)|no such domain",
        r"unrouteable (?:mail )?domain|name service error|couldn't find any host|"
        r"no (?:mx|mail exchanger)|nxdomain|null mx|host not found|couldn't find a mail exchanger|"
        r"illegal host|does not accept mail|domain is not reachable|unr[o]?ut[e]?able address|"
        r"domain must exist|name or service not known|"
        r"domain (?:is )?(?:unknown|not (?:valid|exist))|domaine inexistant")),
    (Reason.USER_UNKNOWN, _words(
        r"user(?:name)? (?:is )?(?:unknown|not (?:found|known|exist|listed|local))|"
        r"unknown (?:user|recipient|mailbox|local[- ]part|address|account)",
        r"no such (?:user|mailbox|recipient|address|account|person)|"
        r"(?:mailbox|recipient|address|account|user|e-?mail)(?: \S+)? (?:does not|doesn't|"
        r"did not|not) exists?|does not exist|not a (?:valid|known) (?:user|mailbox|recipient)",
        r"(?:invalid|bad|unknown|unverified|non-?existent) (?:recipient|mailbox|address|user"
        r"|e-?mail|account)|recipient (?:address )?(?:not found|unknown|invalid)|"
        r"recipient address rejected: access denied|"
        r"mailbox (?:not found|unavailable|does not|name not allowed)|"
        r"no mailbox here|not listed in (?:public )?(?:name|domino|address)|"
        r"(?:doesn't|does not) have an? .{0,40}account|recipient name is not recognized|"
        r"e-?mail account (?:that you tried to reach )?does not exist|"
        r"not our customer|no account|account (?:not found|unknown)|"
        r"not present in (?:the )?directory|is not an? (?:known|local|valid|active) (?:user|"
        r"address|mailbox|recipient)|can'?t accept user|there is no one at this address|"
        r"no (?:mail ?box|such person) .{0,30}(?:available|here|address)|no valid recipients|"
        r"recipient (?:is )?not (?:local|ok|accepted)|recipient ?not ?found|bad ?rcpt ?to|"
        r"valid ?rcpt ?to|envelope recipient has been denied|destination addresses were unknown|"
        r"missing home directory|no existe|nessun utente|"
        r"n'existe pas|inconnu|introuvable|unbekannt|existiert nicht|"
        r"addressee unknown|invalid .{0,20}userid|bad destination mailbox|mailbox unknown|"
        r"unknown alias")),
    (Reason.BLOCKED, _words(r"blocked by|has been blocked|\bblocked\b|\brefused\b.*\bip\b")),
    (Reason.EXPIRED, _words(
        r"expired|retry time(?:out)? (?:not reached|exceeded)|too long in (?:the )?queue|"
        r"in the queue too long|not reachable within the allowed queue|message timed out|"
        r"(?:has|had) not been collected after|"
        r"giving up(?! on \d)|could not be delivered (?:for|within|in) \d+|delivery time expired|"
        r"gave up|undeliverable for \d+")),
    (Reason.ON_HOLD, _words(r"greylist|graylist|try again later|deferred|on hold|"
                            r"temporarily (?:deferred|rejected)")),
    (Reason.SYSTEM_ERROR, _words(
        r"system error|internal (?:server )?error|local error|connection (?:timed out|"
        r"refused|reset|lost)|timed out|routing loop|mail loop|too many hops|loops? back|"
        r"temporary (?:failure|problem|error)|resources? (?:temporarily )?unavailable|"
        r"service (?:is )?(?:not available|unavailable)|server busy|network error")),
)

# The enhanced code's subject (class.subject.detail) when the words say nothing we know.
CODES: dict[str, Reason] = {
    "1.1": Reason.USER_UNKNOWN, "1.2": Reason.HOST_UNKNOWN, "1.3": Reason.USER_UNKNOWN,
    "1.6": Reason.USER_UNKNOWN, "1.10": Reason.HOST_UNKNOWN, "1.7": Reason.POLICY,
    "1.8": Reason.POLICY, "2.1": Reason.ACCOUNT_DISABLED, "2.2": Reason.MAILBOX_FULL,
    "2.3": Reason.TOO_BIG, "2.4": Reason.SYSTEM_ERROR, "3.1": Reason.SYSTEM_ERROR,
    "3.2": Reason.SYSTEM_ERROR, "3.3": Reason.SYSTEM_ERROR, "3.4": Reason.TOO_BIG,
    "3.5": Reason.SYSTEM_ERROR, "4.1": Reason.SYSTEM_ERROR, "4.2": Reason.SYSTEM_ERROR,
    "4.3": Reason.SYSTEM_ERROR, "4.4": Reason.HOST_UNKNOWN, "4.5": Reason.SYSTEM_ERROR,
    "4.6": Reason.SYSTEM_ERROR, "4.7": Reason.EXPIRED, "5.3": Reason.RATE_LIMITED,
    "6.0": Reason.SPAM, "7.7": Reason.SPAM, "7.8": Reason.POLICY, "7.9": Reason.POLICY,
    "7.23": Reason.POLICY, "7.24": Reason.POLICY, "7.25": Reason.POLICY,
    "7.26": Reason.POLICY, "7.27": Reason.POLICY, "7.20": Reason.POLICY,
    "7.21": Reason.POLICY, "7.22": Reason.POLICY,
}
# Lines that are headers (ours, quoted, or the receiving side's): never a diagnostic.
_HEADER_LINE = re.compile(r"^[>\s]*(?:x-[\w-]+|received|dkim-signature|authentication-results|"
                          r"arc-[\w-]+|content-[\w-]+|message-id|references|list-[\w-]+|"
                          r"subject|return-path|from|reply-to)\s*:.*$",
                          re.IGNORECASE | re.MULTILINE)
# Refused at MAIL FROM: whatever the words, it is about the sender, not any recipient.
_AT_MAIL_FROM = re.compile(r"(?:after|in reply to|>>>|to)\s*(?:the\s*)?mail from\b|"
                           r"sender address rejected|mail from.{0,20}(?:refused|rejected)",
                           re.IGNORECASE)
# A network failure that a final report gives as its last word: the sending side gave up
# retrying (Postfix's "Connection timed out" with `Action: failed` after days).
_NETWORK = re.compile(r"connection (?:timed out|refused|reset|lost)|timed out|no route to host|"
                      r"network (?:error|is unreachable)|server did not respond", re.IGNORECASE)
STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
SMTP_CODE = re.compile(r"(?<![\d.-])([245])[0-5]\d(?:[ -]|$)", re.MULTILINE)


@dataclass(frozen=True)
class Verdict:
    reason: Reason
    permanent: bool
    fault: Fault

    @property
    def hard(self) -> bool:
        """A permanent failure of the address itself: the one kind that suppresses at once."""
        return self.permanent and self.reason in HARD_REASONS


def reason_of(status: str | None, text: str) -> Reason:
    """The reason the words give, else the one the enhanced code's subject gives."""
    for reason, pattern in WORDS:
        if pattern.search(text):
            return reason
    if status:
        subject = status.split(".", 1)[1] if "." in status else ""
        if subject in CODES:
            return CODES[subject]
        if subject.startswith("7.") and len(subject) > 3:  # 5.7.606 …: provider blocks
            return Reason.BLOCKED
    return Reason.UNKNOWN


def judge(status: str | None, text: str, failed: bool | None = None) -> Verdict:
    """Reason, permanence and fault of one refusal.

    status: an enhanced status code (`5.1.1`) or None, found in `text` when None;
    text: the diagnostic (an SMTP reply, a DSN's Diagnostic-Code, a bounce's lines);
    failed: the report's own word (DSN `Action: failed` is True) when there is no code.
    A `4xx` reply or `4.x.x` code is temporary; `5xx`/`5.x.x` permanent; with neither, the
    report's word, else final only for the reasons that are the address's own."""
    # Header lines out, then one space for every run of blanks: MTAs wrap their words
    # anywhere ("Host not\n    found").
    text = " ".join(_HEADER_LINE.sub("", text or "").split())
    if status is None:
        found = STATUS.search(text)
        status = found[0] if found else None
    reason = reason_of(status, text)
    if status:
        permanent = status.startswith("5")
    else:
        basic = SMTP_CODE.search(text)
        # A "user unknown" said only in words (Domino, IMail, old Exchange) is final.
        permanent = basic[1] == "5" if basic else (
            failed if failed is not None else reason in HARD_REASONS)
    if failed and reason == Reason.SYSTEM_ERROR and _NETWORK.search(text):
        reason = Reason.EXPIRED  # the report is final: its retries ran out
    if reason in PASSING:
        permanent = False
    if _AT_MAIL_FROM.search(text) and FAULT[reason] != Fault.SENDER:
        reason = Reason.POLICY
    return Verdict(reason, permanent, FAULT[reason])
