"""What the templates see: the issue in one language, texts picked, dates and markup done.

Body markup becomes escaped HTML for the email and web page, or plain text for the text
part; every text, the issue's and the catalogue's, is typeset for the language here
(mailer.typography); templates only lay it out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from mailer import markup
from mailer.issue import Issue
from mailer.labels import Labels
from mailer.preheader import preheader
from mailer.settings import get_settings
from mailer.typography import superscript_ordinals, typeset


class ViewModel:
    """The issue in one language. `summarised`: numbers (1, 2, …) of the articles the email
    shows summarised because of its size (mailer.length); an article's own summary always is."""

    def __init__(self, issue: Issue, language: str, labels: Labels, slug: str,
                 summarised: frozenset[int] = frozenset()) -> None:
        self.issue = issue
        self.language = language
        self.labels = labels
        self.slug = slug
        self.summarised = summarised
        self.title = self.text(issue.title)
        self.preheader = preheader(issue, self.text)

    def said(self, value) -> tuple[str, str]:
        """The text of `value` (a Text or None) in the edition's language, else in the
        fallback the issue declares for it, typeset for the language it is written in;
        with that language's code."""
        if value is None:
            return "", self.language
        own = value.get(self.language)
        other = self.issue.fallbacks.get(self.language)
        if own is None and other and value.get(other) is not None:
            return typeset(value.get(other), other), other
        return typeset(own or "", self.language), self.language

    def text(self, value) -> str:
        return self.said(value)[0]

    def _marked(self, html: str, language: str, tag: str = "span") -> Markup:
        """`html` in an element that names its language when it is not the edition's
        (WCAG 3.1.2: a screen reader then reads an English fallback as English)."""
        if language == self.language or not html:
            return Markup(html)  # noqa: S704 (escaped by the callers)
        return Markup(f'<{tag} lang="{escape(language)}">{html}</{tag}>')  # noqa: S704

    def _inline(self, value, plain: bool) -> str | Markup:
        """One of the issue's texts on a line (a title, a place, a role): ordinals raised
        and its language marked in HTML."""
        text, language = self.said(value)
        if plain:
            return text
        return self._marked(superscript_ordinals(str(escape(text)), language), language)

    def _rich(self, value: str, plain: bool) -> str | Markup:
        """A one-line text of the edition's own language (a label, a date) for a heading or
        a list: ordinals raised in HTML."""
        if plain:
            return value
        return Markup(superscript_ordinals(str(escape(value)), self.language))  # noqa: S704

    def _body(self, source: str, language: str, plain: bool) -> str | Markup:
        # to_html escapes the author's text before it adds any tag of its own.
        if plain:
            return markup.to_text(source)
        return self._marked(markup.to_html(source, language), language, "div")

    def _person(self, person, plain: bool) -> dict[str, str]:
        return {"name": person.name, "role": self._inline(person.role, plain)}

    def _article(self, article, number: int, web: bool, plain: bool, view_online: str):
        anchor = f"article-{number}"
        (shown, language), read_more = self.said(article.body), None
        if not web and (article.summary or number in self.summarised):
            summary, summary_language = self.said(article.summary)
            shown, language = (summary, summary_language) if summary else (
                markup.first_block(shown), language)
            read_more = f"{view_online}#{anchor}"
        return {
            "anchor": anchor,
            "title": self._inline(article.title, plain),
            "title_plain": self.text(article.title),
            "body": self._body(shown, language, plain),
            "read_more": read_more,
            "link": str(article.link) if article.link else None,
            "contacts": [{"name": c.name or "", "email": c.email} for c in article.contacts],
            "images": [self._image(image, plain) for image in article.images],
        }

    def _image(self, image, plain: bool) -> dict:
        """An image and, when it is one of ours, its 1,200 px version (`url_2x`) and the
        height in px it shows at `width` (for the email's width and height attributes)."""
        from mailer.images import high_density  # Pillow and Flask, only for issues with images

        url = str(image.url)
        double = high_density(url)
        url_2x, size = double if double else (None, None)
        return {
            "url": url,
            "url_2x": url_2x,
            "height": round(image.width * size[1] / size[0]) if size else None,
            "alt": self.text(image.alt),
            "caption": self._inline(image.caption, plain),
            "link": str(image.link) if image.link else None,
            "width": image.width,
        }

    def _when(self, entry) -> str:
        if entry.date == "tba":
            return self.labels["date_tba"]
        when = self.labels.date_range(entry.date, entry.end)
        if entry.time is not None:
            when = self.labels["date_at_time"].format(
                date=when, time=self.labels.time_range(entry.time, entry.end_time))
        return typeset(when, self.language)

    def _agenda(self, plain: bool) -> list[dict[str, Any]]:
        return [
            {
                "label": self._inline(group.title, plain) if group.title
                else self._rich(self.labels[f"agenda_{group.group}"], plain),
                "entries": [
                    {
                        "when": self._rich(self._when(entry), plain),
                        "title": self._inline(entry.title, plain),
                        "place": self._inline(entry.place, plain),
                        "link": str(entry.link) if entry.link else None,
                        "link_text": self._inline(entry.link_text, plain),
                    }
                    for entry in group.entries
                ],
            }
            for group in self.issue.agenda
        ]

    def _programme(self, plain: bool) -> dict[str, Any] | None:
        programme = self.issue.programme
        if programme is None:
            return None
        return {
            "title": self._inline(programme.title, plain),
            "place": self._inline(programme.place, plain),
            "days": [
                {
                    "when": self.labels.date(day.date),
                    "title": self._inline(day.title, plain),
                    "slots": [
                        {
                            "when": self.labels.time_range(slot.start, slot.end),
                            "title": self._inline(slot.title, plain),
                            "description": self._inline(slot.description, plain),
                            "speakers": [self._person(p, plain) for p in slot.speakers],
                        }
                        for slot in day.slots
                    ],
                }
                for day in programme.days
            ],
        }

    def context(self, web: bool, urls: dict[str, str], plain: bool = False) -> dict[str, Any]:
        issue, labels, language = self.issue, self.labels, self.language
        editorial = None
        if issue.editorial:
            editorial = {
                "body": self._body(*self.said(issue.editorial.body), plain),
                "closing": self._inline(issue.editorial.closing, plain),
                **self._person(issue.editorial.signature, plain),
            }
        number = 0
        sections = []
        for section in issue.sections:
            articles = []
            for article in section.articles:
                number += 1
                articles.append(self._article(article, number, web, plain, urls["view_online"]))
            label = self._inline(section.title, plain) if section.title else \
                self._rich(labels[f"section_{section.kind}"], plain)
            sections.append({"label": label, "articles": articles})
        base = get_settings().base_url.rstrip("/")
        return {
            "web": web,
            "language": language,
            "labels": labels,
            "urls": urls,
            "colon": typeset("a:", language)[1:],  # ":" after a label, spaced as the language is
            "semicolon": typeset("a;", language)[1:],
            "typeset": lambda value: typeset(value, language),
            "title": self.title,
            "title_html": self._inline(issue.title, plain),
            "preheader": self.preheader,
            "issue_number": typeset(labels["issue_number"].format(number=issue.number), language),
            "issue_date": self._rich(labels.date(issue.date), plain),
            "agenda": self._agenda(plain),
            "editorial": editorial,
            "sections": sections,
            "programme": self._programme(plain),
            "closing": self._body(*self.said(issue.closing), plain) if issue.closing else "",
            "contact_text": self._inline(issue.contact_text, plain) if self.text(issue.contact_text)
            else self._rich(labels["contact_address"], plain),
            "contact_email": issue.contact_email,
            "team": [self._person(p, plain) for p in issue.team],
            "site_url": str(issue.site_url),
            "site_host": urlsplit(str(issue.site_url)).hostname,
            "subscribe_url": f"{base}/subscribe?lang={language}",
        }
