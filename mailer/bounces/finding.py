"""One failed recipient, as every path reports it: the relay's reply during the SMTP
transaction, a bounce report, a provider's notification."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailer.bounces.reasons import STATUS, Fault, Reason, Verdict, judge

HARD, SOFT, DELAY = "hard", "soft", "delay"
COMPLAINT, NOT_BOUNCE, UNSUBSCRIBE, UNKNOWN = "complaint", "not_bounce", "unsubscribe", "unknown"
BOUNCES = (HARD, SOFT, DELAY)
# Recognised but tied to no message we sent (mailer.bounces.provenance): for a person.
HELD = "held"
WAITING = (UNKNOWN, HELD)  # the kinds that wait for a person's verdict
# We send one message per recipient (VERP), so a report of ours names one address. One
# naming more is read address by address only up to this many, then held whole
# (mailer.bounces.provenance): its cost stays bounded, and the poller never stalls on it.
MOST_RECIPIENTS = 100


@dataclass
class Finding:
    """kind: one of the names above; recipient: the failed address; status: its enhanced
    code (RFC 3463); reason: the diagnostic words; cause, permanent, fault: the verdict;
    notes: why it was held, weakened or reviewed (mailer.bounces.notes), codes only."""

    kind: str
    recipient: str | None = None
    status: str | None = None
    reason: str = ""
    campaign_id: int | None = None
    subscriber_id: int | None = None
    detail: dict = field(default_factory=dict)
    cause: str = Reason.UNKNOWN
    permanent: bool = False
    fault: str = Fault.UNKNOWN
    notes: list[dict] = field(default_factory=list)

    @property
    def domain(self) -> str | None:
        return self.recipient.rpartition("@")[2].lower() if self.recipient else None


def kind_of(verdict: Verdict, action: str = "failed") -> str:
    if action == "delayed":
        return DELAY
    return HARD if verdict.hard else SOFT


def failure(recipient: str | None, status: str | None, text: str, action: str = "failed",
            failed: bool | None = None) -> Finding:
    """The Finding of one failed recipient from its code and its own words."""
    verdict = judge(status, text, failed)
    found = STATUS.search(status or "") or STATUS.search(text)
    return Finding(kind_of(verdict, action), recipient, found[0] if found else None,
                   " ".join(text.split())[:300], cause=verdict.reason,
                   permanent=verdict.permanent, fault=verdict.fault)


def from_reply(reply: str) -> Finding:
    """A relay's refusal during the SMTP transaction (`550 5.1.1 …`), judged like a report."""
    return failure(None, None, reply)


def provider_failure(recipient: str | None, text: str, permanent: bool) -> Finding:
    """A failure a provider (Postmark, Mailgun) has already called permanent or not: its
    words still decide the reason and whose fault; without words we know, its own call
    stands (permanent: the address's)."""
    finding = failure(recipient, None, text)
    if finding.cause == Reason.UNKNOWN:
        finding.permanent = permanent
        finding.kind = HARD if permanent else SOFT
        finding.fault = Fault.RECIPIENT if permanent else Fault.UNKNOWN
    elif not permanent:
        finding.permanent, finding.kind = False, SOFT
    return finding
