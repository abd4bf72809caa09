"""Sample subscribers for the demo: invented people at example.org, both languages."""

from __future__ import annotations

import random

from sqlalchemy import and_, func, not_, select
from sqlalchemy.orm import Session

from mailer.db import utcnow
from subscribers.models import Status, Subscriber

FIRST = ["Amélie", "Bruno", "Chloé", "Diego", "Élodie", "Farid", "Giulia", "Hugo", "Inès",
         "João", "Karin", "Léa", "Mehdi", "Noémie", "Oscar", "Paula", "Rémi", "Sofia"]
LAST = ["Dubois", "Ferraro", "Nguyen", "Moreau", "Santos", "Vandamme", "Keller", "Benali",
        "Lefèvre", "Rossi", "Martin", "Haddad", "Fontaine", "Carvalho"]


# The consent source of every sample subscriber, reserved: the CSV import refuses it
# (subscribers/csv_rows.py) and a web signup's source is "web:…", so no real person gets it.
SOURCE = "demo data"
# A sample is both: the mark and an invented address at example.org (RFC 2606: nobody's),
# so that a person imported under that source before it was reserved is not taken for one.
SAMPLE = and_(Subscriber.consent_source.is_not_distinct_from(SOURCE),
              Subscriber.email.like("demo%@example.org"))


def reserved(source: str) -> bool:
    """Whether a consent source (str) written in a file is the samples' mark, in any case
    or spacing ("Demo  Data")."""
    return " ".join(source.casefold().split()) == SOURCE


def real_people(session: Session) -> int:
    """How many subscribers on the list, of any status, are not the demo's samples."""
    return session.scalar(select(func.count()).where(not_(SAMPLE)))


def seed(session: Session, count: int) -> int:
    """Add `count` subscribed sample people after those of earlier runs; returns how many
    are on the list now. (A second demo thus shows the issue reaching only the new ones.)"""
    have = session.scalar(select(func.count()).where(Subscriber.email.like("demo%@example.org")))
    chance = random.Random(91 + have)
    now = utcnow()
    for number in range(have, have + count):
        first, last = chance.choice(FIRST), chance.choice(LAST)
        session.add(Subscriber(
            email=f"demo{number:05d}@example.org",
            name=f"{first} {last}",
            language="fr" if chance.random() < 0.6 else "en",
            status=Status.SUBSCRIBED,
            confirmed_at=now, consent_at=now, consent_source=SOURCE,
            consent_text="Sample subscriber made up by `infolettre demo`.",
        ))
    session.commit()
    return session.scalar(select(func.count()).where(Subscriber.status == Status.SUBSCRIBED))
