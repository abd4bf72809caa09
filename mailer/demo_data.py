"""Sample subscribers for the demo: invented people at example.org, both languages."""

from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from subscribers.models import Status, Subscriber, utcnow

FIRST = ["Amélie", "Bruno", "Chloé", "Diego", "Élodie", "Farid", "Giulia", "Hugo", "Inès",
         "João", "Karin", "Léa", "Mehdi", "Noémie", "Oscar", "Paula", "Rémi", "Sofia"]
LAST = ["Dubois", "Ferraro", "Nguyen", "Moreau", "Santos", "Vandamme", "Keller", "Benali",
        "Lefèvre", "Rossi", "Martin", "Haddad", "Fontaine", "Carvalho"]


def seed(session: Session, count: int) -> int:
    """Bring the list to `count` subscribed sample people; returns how many were added."""
    have = session.scalar(select(func.count()).where(Subscriber.status == Status.SUBSCRIBED))
    chance = random.Random(91)
    now = utcnow()
    added = 0
    for number in range(have, count):
        first, last = chance.choice(FIRST), chance.choice(LAST)
        session.add(Subscriber(
            email=f"demo{number:05d}@example.org",
            name=f"{first} {last}",
            language="fr" if chance.random() < 0.6 else "en",
            status=Status.SUBSCRIBED,
            confirmed_at=now, consent_at=now, consent_source="demo data",
            consent_text="Sample subscriber made up by `infolettre demo`.",
        ))
        added += 1
    session.commit()
    return added
