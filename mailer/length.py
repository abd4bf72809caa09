"""The length rule: every article in full, unless the email would pass the size budget.

Gmail clips an HTML body past 102 KB ("[Message clipped]"), hiding the rest and the
unsubscribe link; the budget (INFOLETTRE_EMAIL_HTML_BUDGET_KB, 95 KB) keeps a margin.
The size counted is the HTML part as sent, measured by mailer.size (every per-recipient
link filled as for a real subscriber). Over the budget, articles are summarised (their own
`summary`, else their first paragraph, with "read more" to the web version), longest
first, the same articles in every language, so that no edition says less than another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mailer.edition import Edition
from mailer.issue import Issue
from mailer.markup import first_block
from mailer.size import html_bytes

KB = 1024


def sent_size(html: str, slug: str, language: str) -> int:
    """Bytes of the email's HTML part as a subscriber receives it (mailer.size's measure)."""
    return html_bytes(Edition(slug, language, "", "", html, "", ""))


@dataclass(frozen=True)
class LengthPlan:
    budget: int  # bytes
    full_sizes: dict[str, int]  # language → bytes as sent with every article in full
    summarised: tuple[int, ...] = ()  # article numbers (1-based), in the order chosen
    sizes: dict[str, int] = field(default_factory=dict)  # as sent with the plan applied
    html: dict[str, str] = field(default_factory=dict)  # the email HTML with the plan applied

    @property
    def over(self) -> bool:
        return any(size > self.budget for size in self.sizes.values())


def _candidates(issue: Issue, languages: list[str]) -> list[tuple[int, int]]:
    """(article number, length in all languages) of articles a summary would shorten."""
    found, number = [], 0
    for section in issue.sections:
        for article in section.articles:
            number += 1
            if article.summary is not None:
                continue  # already summarised in the email, whatever its length
            bodies = [article.body.get(language) or "" for language in languages]
            if any(first_block(body).strip() != body.strip() for body in bodies):
                found.append((number, sum(map(len, bodies))))
    return sorted(found, key=lambda pair: (-pair[1], pair[0]))


def plan(issue: Issue, slug: str, languages: list[str],
         email_html: Callable[[str, frozenset[int]], str], budget: int) -> LengthPlan:
    """Which articles the email summarises; `email_html(language, summarised)` renders it."""
    html = {language: email_html(language, frozenset()) for language in languages}
    full = {language: sent_size(text, slug, language) for language, text in html.items()}
    summarised: list[int] = []
    sizes = dict(full)
    queue = _candidates(issue, languages)
    while any(size > budget for size in sizes.values()) and queue:
        # Summarise the longest article left, and as many more as the excess needs by a
        # generous estimate (its whole body saved), then measure again: a few renders,
        # never more articles than needed.
        excess = max(sizes.values()) - budget
        while queue and excess > 0:
            number, length = queue.pop(0)
            summarised.append(number)
            excess -= length // len(languages)
        html = {language: email_html(language, frozenset(summarised)) for language in languages}
        sizes = {language: sent_size(text, slug, language) for language, text in html.items()}
    return LengthPlan(budget, full, tuple(summarised), sizes, html)
