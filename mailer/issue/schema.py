"""The issue format: what staff write in one YAML file, both languages side by side.

Every text a reader sees is a `Text`: a mapping from language code to string. Names of
people and addresses are not translated. Which languages must be present is checked after
parsing (see translations.py), because it depends on the settings and on the issue's own
fallbacks.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    RootModel,
    ValidationError,
    WrapValidator,
    model_validator,
)

from mailer.issue.links import Link
from mailer.issue.messages import FORMATS, date_fix, kind_of


class Strict(BaseModel):
    # Each field's docstring is its description in the JSON Schema (`infolettre schema`),
    # which editors show while typing.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Text(RootModel[dict[str, str]]):
    """A text in every language of the issue: {fr: "…", en: "…"}."""

    def get(self, language: str) -> str | None:
        return self.root.get(language)


class Person(Strict):
    name: str = Field(min_length=1)
    """As written, in every language."""
    role: Text | None = None
    """Their role, per language: "Présidente du Réseau"."""


class Contact(Strict):
    name: str | None = Field(default=None, min_length=1)
    """Leave out for a shared mailbox: the address alone is shown."""
    email: EmailStr


def _secure_image(url: HttpUrl) -> HttpUrl:
    # An http:// image in an https:// world: Gmail and Apple Mail fetch it through a proxy
    # or not at all, and a browser shows the web version as "not secure". The product's own
    # address (images uploaded in the console) is whatever it was configured with.
    from mailer.settings import get_settings

    own = get_settings().base_url.rstrip("/") + "/"
    if url.scheme == "https" or str(url).startswith(own):
        return url
    rest = str(url).split("://", 1)[1]
    raise ValueError(f"{str(url)!r} is not https://: mail clients block or warn about "
                     f"images sent without it; write https://{rest} (check that it opens), or "
                     "upload the image in the console")


class Image(Strict):
    url: Annotated[HttpUrl, AfterValidator(_secure_image)]
    """The image's https:// address (emails cannot carry attached images well)."""
    alt: Text
    """What the image shows, for screen readers and blocked images."""
    caption: Text | None = None
    link: Link | None = None
    """Where a click on the image leads."""
    width: Count = Field(default=552, ge=16, le=600)
    """Pixels at 600 px; narrower on phones."""


def _no_number(what: str):
    """Refuses a number or a yes/no value where a date or a time is written: pydantic would
    read 1430 as seconds (00:23:50) and 20270115 as seconds since 1970."""

    def refuse(value):
        if isinstance(value, bool | int | float):
            raise ValueError(f"{kind_of(value)} where {what} is expected: {FORMATS[what]}")
        return value

    return BeforeValidator(refuse)


Date = Annotated[dt.date, _no_number("a date")]
Time = Annotated[dt.time, _no_number("a time")]
# A count written by hand: a whole number, not true (1), 7.0 or "7" (strict).
Count = Annotated[int, Field(strict=True)]


def _date_or_tba(value, handler):
    # One message for the two shapes, not one per member of the union.
    try:
        return handler(value)
    except ValidationError:
        raise ValueError(f'{date_fix(value)}, or "tba" while it is to be announced') from None


EventDate = Annotated[dt.date | Literal["tba"], WrapValidator(_date_or_tba),
                     _no_number("a date")]


class AgendaEntry(Strict):
    date: EventDate
    """The (first) day, 2027-01-15; or tba while it is to be announced."""
    end: Date | None = None
    """The last day of an event over several days."""
    time: Time | None = None
    """The start time, "14:30" (in quotes), in the event's own time zone."""
    end_time: Time | None = None
    """The end time, "17:00"."""
    title: Text
    place: Text | None = None
    link: Link | None = None
    """https://, http:// or mailto: address of the event."""
    link_text: Text | None = None
    """The link's words ("Inscription"); without them the title is the link."""

    @model_validator(mode="after")
    def _coherent(self) -> AgendaEntry:
        if self.end is not None and self.date == "tba":
            raise ValueError("end needs a date: give the first day, or remove end")
        if self.end is not None and self.end < self.date:
            raise ValueError("end is before date")
        if self.end_time is not None and self.time is None:
            raise ValueError("end_time needs time: give the start time too")
        if self.link_text is not None and self.link is None:
            raise ValueError("link_text needs a link: add link: https://…")
        return self


def _standard_or_own(kind: str | None, title: Text | None, name: str) -> None:
    if (kind is None) == (title is None):
        raise ValueError(f"give either {name} (a standard one) or title (your own, per language)")


class AgendaGroup(Strict):
    group: Literal["internal", "other"] | None = None
    """A standard group, titled by the catalogue: internal (meetings of the Network's
    bodies) or other (other events). Or give title instead."""
    title: Text | None = None
    """The title of a group of the issue's own ("Réunions externes"), instead of group."""
    entries: list[AgendaEntry] = Field(min_length=1)


class Editorial(Strict):
    body: Text
    """Markup: paragraphs, - lists, **bold**, *italic*, [words](https://…)."""
    closing: Text | None = None
    """The line before the signature: "Bien cordialement,"."""
    signature: Person


class Article(Strict):
    title: Text
    body: Text
    """Markup: paragraphs, - lists, **bold**, *italic*, [words](https://…); bare
    https:// addresses become links."""
    summary: Text | None = None
    """Shown in the email instead of the body, with "read more" to the web version."""
    images: list[Image] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    link: Link | None = None
    """Shown as "more information" after the body."""


class Section(Strict):
    kind: Literal["cites", "network", "moves"] | None = None
    """A standard section, titled by the catalogue: cites (news from the Cités), network
    (Network news), moves (arrivals and departures). Or give title instead."""
    title: Text | None = None
    """The title of a section of the issue's own ("Financements européens"), instead of
    kind."""
    articles: list[Article] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_title(self) -> Section:
        _standard_or_own(self.kind, self.title, "kind")
        return self


class Slot(Strict):
    start: Time
    """"09:30", in quotes."""
    end: Time | None = None
    title: Text
    description: Text | None = None
    speakers: list[Person] = Field(default_factory=list)


class Day(Strict):
    date: Date
    title: Text | None = None
    slots: list[Slot] = Field(min_length=1)


class Programme(Strict):
    title: Text
    place: Text | None = None
    days: list[Day] = Field(min_length=1)


class Issue(Strict):
    """One issue of the infolettre, every language side by side."""

    number: Count = Field(ge=1, le=99_999)  # a serial number, not a tally: 99,999 issues
    date: Date
    """The date of publication, year-month-day: 2027-01-15."""
    title: Text
    """The email's subject and the heading of the issue."""
    preheader: Text | None = None
    """The line inboxes show after the subject; else the editorial's first sentence after
    the greeting."""
    languages: list[str] | None = None
    """The languages of the issue; else the configured ones (fr, en)."""
    fallbacks: dict[str, str] = Field(default_factory=dict)
    """{de: en}: a text missing in de is shown in en."""
    agenda: list[AgendaGroup] = Field(default_factory=list)
    editorial: Editorial | None = None
    sections: list[Section] = Field(default_factory=list)
    """Shown in this order."""
    programme: Programme | None = None
    closing: Text | None = None
    """A note that ends the issue, before the contact paragraph (markup)."""
    contact_email: EmailStr
    """The address of the contact paragraph at the end."""
    contact_text: Text | None = None
    """The issue's own words before the contact address, instead of the catalogue's."""
    team: list[Person] = Field(default_factory=list)
    """The editorial team, listed at the end."""
    site_url: HttpUrl
    """The Network's website, linked in the footer."""

    @model_validator(mode="after")
    def _has_content(self) -> Issue:
        if not (self.sections or self.programme or self.editorial):
            raise ValueError("an issue needs sections, an editorial or a programme")
        return self


def json_schema(languages: list[str]) -> dict:
    """The JSON Schema (draft 2020-12) of an issue file, for editors' autocompletion.

    A Text lists `languages` as its expected keys; other language codes stay allowed.
    """
    schema = Issue.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Infolettre issue"
    text = schema["$defs"]["Text"]
    text["properties"] = {code: {"type": "string", "minLength": 1} for code in languages}
    text["minProperties"] = 1
    return schema
