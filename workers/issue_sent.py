"""Whether an issue went out before, whichever file it came from: what the people launching
are told before they confirm ("issue 91 was already sent on … to N subscribers"), and the
refusal of a number sent before under another title (a `number:` copied from the last
issue and not changed would otherwise send the new issue only to the newest subscribers).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mailer.edition import Edition
from workers import audience
from workers.models import LIVE_STATES, Campaign, CampaignEdition, Delivery


@dataclass(frozen=True)
class SentBefore:
    """The first campaign of an issue number that is live or may have reached someone."""

    campaign_id: int
    number: int | None
    slug: str  # its file's name without the extension: 091-final
    on: dt.datetime  # when it started (else was created), UTC
    titles: dict[str, str]  # its subject per language
    reached: int  # addresses any campaign of the issue may have reached

    def retitled(self, editions: dict[str, Edition]) -> str | None:
        """The first language whose title differs from this send's, or None: the same
        number under another title is most likely another issue whose `number:` was
        copied from the last one (every language must agree to be the same issue)."""
        shared = [code for code in editions if code in self.titles] or list(editions)
        for code in shared:
            if _plain(self.titles.get(code, "")) != _plain(editions[code].subject):
                return code
        return None


# Typographic variants of one sign, folded to one: an editor (or the typography of a later
# render) writes ’ for ', « » or “ ” for "", – for -; NFKC already folds … into ... and the
# no-break spaces into spaces. A soft hyphen shows nothing.
_VARIANTS = str.maketrans({
    **dict.fromkeys("’‘‚‛ʼ′`´", "'"), **dict.fromkeys("“”„‟«»‹›″", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"), "\u00ad": None,
})


def _plain(title: str) -> str:
    """`title` as compared with another: typographic variants and case folded, spaces
    left out (French puts no-break spaces inside « » and before ; : ! ?, English none)."""
    folded = unicodedata.normalize("NFKC", title).translate(_VARIANTS)
    return "".join(folded.split()).casefold()


class OtherIssue(Exception):
    """The issue's number was sent before under another title (`language`'s differs)."""

    def __init__(self, before: SentBefore, language: str) -> None:
        super().__init__(f"issue {before.number} was already sent as "
                         f"{before.titles.get(language)!r}")
        self.before, self.language = before, language


def sent_before(session: Session, number: int | None, slug: str) -> SentBefore | None:
    """The first campaign (not a test) of this issue that is live or may have reached
    someone, whichever file it came from; None if the issue never went out."""
    reached = select(Delivery.id).where(Delivery.campaign_id == Campaign.id,
                                        Delivery.state.in_(audience.REACHED)).exists()
    first = session.scalars(
        select(Campaign).where(audience.of_issue(number, slug),
                               or_(Campaign.state.in_(LIVE_STATES), reached))
        .order_by(Campaign.id).limit(1)).first()
    if first is None:
        return None
    titles = dict(session.execute(select(CampaignEdition.language, CampaignEdition.subject)
                                  .where(CampaignEdition.campaign_id == first.id)).all())
    return SentBefore(first.id, number, first.slug, first.started_at or first.created_at,
                      titles, audience.reached_before(session, number, slug))


