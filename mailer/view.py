"""What the templates see: the issue in one language, texts picked, dates and markup done.

Body markup becomes escaped HTML for the email and web page, or plain text for the text
part; templates only lay it out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from mailer import markup
from mailer.issue import Issue
from mailer.issue.translations import pick
from mailer.labels import Labels
from mailer.settings import get_settings

# An article body longer than this shows its first paragraph and "read more" in the email.
LONG_BODY = 1200


class ViewModel:
    def __init__(self, issue: Issue, language: str, labels: Labels, slug: str) -> None:
        self.issue = issue
        self.language = language
        self.labels = labels
        self.slug = slug
        self.title = self.text(issue.title)
        self.preheader = self._preheader()

    def text(self, value) -> str:
        return pick(value, self.language, self.issue.fallbacks)

    def _preheader(self) -> str:
        declared = self.text(self.issue.preheader)
        if declared or self.issue.editorial is None:
            return declared
        return markup.inline_text(markup.first_block(self.text(self.issue.editorial.body)))[:140]

    def _body(self, source: str, plain: bool) -> str | Markup:
        # to_html escapes the author's text before it adds any tag of its own.
        return markup.to_text(source) if plain else Markup(markup.to_html(source))  # noqa: S704

    def _person(self, person) -> dict[str, str]:
        return {"name": person.name, "role": self.text(person.role)}

    def _article(self, article, anchor: str, web: bool, plain: bool, view_online: str):
        body = self.text(article.body)
        shown, read_more = body, None
        if not web and (article.summary or len(body) > LONG_BODY):
            shown = self.text(article.summary) or markup.first_block(body)
            read_more = f"{view_online}#{anchor}"
        return {
            "anchor": anchor,
            "title": self.text(article.title),
            "body": self._body(shown, plain),
            "read_more": read_more,
            "link": str(article.link) if article.link else None,
            "contacts": [{"name": c.name, "email": c.email} for c in article.contacts],
            "images": [
                {
                    "url": str(image.url),
                    "alt": self.text(image.alt),
                    "caption": self.text(image.caption),
                    "link": str(image.link) if image.link else None,
                    "width": image.width,
                }
                for image in article.images
            ],
        }

    def _agenda(self) -> list[dict[str, Any]]:
        return [
            {
                "label": self.labels[f"agenda_{group.group}"],
                "entries": [
                    {
                        "when": self.labels.date_range(entry.date, entry.end),
                        "title": self.text(entry.title),
                        "place": self.text(entry.place),
                        "link": str(entry.link) if entry.link else None,
                    }
                    for entry in group.entries
                ],
            }
            for group in self.issue.agenda
        ]

    def _programme(self) -> dict[str, Any] | None:
        programme = self.issue.programme
        if programme is None:
            return None
        return {
            "title": self.text(programme.title),
            "place": self.text(programme.place),
            "days": [
                {
                    "when": self.labels.date(day.date),
                    "title": self.text(day.title),
                    "slots": [
                        {
                            "when": self.labels.time_range(slot.start, slot.end),
                            "title": self.text(slot.title),
                            "description": self.text(slot.description),
                            "speakers": [self._person(p) for p in slot.speakers],
                        }
                        for slot in day.slots
                    ],
                }
                for day in programme.days
            ],
        }

    def context(self, web: bool, urls: dict[str, str], plain: bool = False) -> dict[str, Any]:
        issue, labels = self.issue, self.labels
        editorial = None
        if issue.editorial:
            editorial = {
                "body": self._body(self.text(issue.editorial.body), plain),
                **self._person(issue.editorial.signature),
            }
        number = 0
        sections = []
        for section in issue.sections:
            articles = []
            for article in section.articles:
                number += 1
                anchor = f"article-{number}"
                articles.append(self._article(article, anchor, web, plain, urls["view_online"]))
            sections.append({"label": labels[f"section_{section.kind}"], "articles": articles})
        base = get_settings().base_url.rstrip("/")
        return {
            "web": web,
            "language": self.language,
            "labels": labels,
            "urls": urls,
            "title": self.title,
            "preheader": self.preheader,
            "issue_number": labels["issue_number"].format(number=issue.number),
            "issue_date": labels.date(issue.date),
            "agenda": self._agenda(),
            "editorial": editorial,
            "sections": sections,
            "programme": self._programme(),
            "contact_email": issue.contact_email,
            "team": [self._person(p) for p in issue.team],
            "site_url": str(issue.site_url),
            "site_host": urlsplit(str(issue.site_url)).hostname,
            "subscribe_url": f"{base}/subscribe?lang={self.language}",
        }
