"""The issue format: what staff write in one YAML file, both languages side by side.

Every text a reader sees is a `Text`: a mapping from language code to string. Names of
people and addresses are not translated. Which languages must be present is checked after
parsing (see translations.py), because it depends on the settings and on the issue's own
fallbacks.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl, RootModel, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(RootModel[dict[str, str]]):
    """A text in several languages: {fr: "…", en: "…"}."""

    def get(self, language: str) -> str | None:
        return self.root.get(language)


class Person(Strict):
    name: str = Field(min_length=1)
    role: Text | None = None


class Contact(Strict):
    name: str = Field(min_length=1)
    email: EmailStr


class Image(Strict):
    url: HttpUrl
    alt: Text
    caption: Text | None = None
    link: HttpUrl | None = None
    width: int = Field(default=552, ge=16, le=600)


class AgendaEntry(Strict):
    date: dt.date
    end: dt.date | None = None  # last day of a multi-day event
    title: Text
    place: Text | None = None
    link: HttpUrl | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> AgendaEntry:
        if self.end is not None and self.end < self.date:
            raise ValueError("end is before date")
        return self


class AgendaGroup(Strict):
    group: Literal["internal", "other"]
    entries: list[AgendaEntry] = Field(min_length=1)


class Editorial(Strict):
    body: Text
    signature: Person


class Article(Strict):
    title: Text
    body: Text
    summary: Text | None = None  # shown in the email instead of a long body
    images: list[Image] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    link: HttpUrl | None = None


class Section(Strict):
    kind: Literal["cites", "network", "moves"]
    articles: list[Article] = Field(min_length=1)


class Slot(Strict):
    start: dt.time
    end: dt.time | None = None
    title: Text
    description: Text | None = None
    speakers: list[Person] = Field(default_factory=list)


class Day(Strict):
    date: dt.date
    title: Text | None = None
    slots: list[Slot] = Field(min_length=1)


class Programme(Strict):
    title: Text
    place: Text | None = None
    days: list[Day] = Field(min_length=1)


class Issue(Strict):
    number: int = Field(ge=1)
    date: dt.date
    title: Text
    preheader: Text | None = None  # the inbox preview line; the editorial's start if absent
    languages: list[str] | None = None  # defaults to the configured languages
    fallbacks: dict[str, str] = Field(default_factory=dict)  # {de: en}: missing de uses en
    agenda: list[AgendaGroup] = Field(default_factory=list)
    editorial: Editorial | None = None
    sections: list[Section] = Field(default_factory=list)
    programme: Programme | None = None
    contact_email: EmailStr
    team: list[Person] = Field(default_factory=list)
    site_url: HttpUrl

    @model_validator(mode="after")
    def _has_content(self) -> Issue:
        if not (self.sections or self.programme or self.editorial):
            raise ValueError("an issue needs sections, an editorial or a programme")
        return self
