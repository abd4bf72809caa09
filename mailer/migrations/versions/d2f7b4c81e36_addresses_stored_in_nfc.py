"""addresses stored before NFC normalisation are rewritten in it, duplicates merged

Until normalise_email composed accents (NFC), an address typed on macOS (`le\u0301a@…`, NFD)
was stored decomposed: the same person as `léa@…` typed elsewhere, but another row, another
suppression hash, and deliveries that the never-twice check did not match. Each stored
address is rewritten with subscribers.models.normalise_email. When two rows become one
address, the row the list must keep is kept: a bounced or complained one (never revive a
suppressed address), else between an unsubscribed and a subscribed one the later decision,
else a subscribed one before a pending one (never lose a good subscriber), else the older
row; it takes the other's name and consent when it has none, and the other's event log.
A suppression recorded under the decomposed address's hash is recorded under the composed
one's too; deliveries are rewritten so that an issue already sent is not sent again.

A suppression whose address was erased cannot be found again (only its hash is kept).

Revision ID: d2f7b4c81e36
Revises: a91e5c37b2d4
Create Date: 2026-11-30 23:40:00
"""

import hashlib
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from subscribers.models import normalise_email

revision = "d2f7b4c81e36"
down_revision = "a91e5c37b2d4"
branch_labels = None
depends_on = None

# Written out, not imported: a migration stays what it was when the models change.
SUPPRESSED = ("bounced", "complained")
CONSENT = ("name", "consent_at", "consent_source", "consent_ip", "consent_text",
           "confirmed_at")

MOMENT = sa.DateTime(timezone=True)
subscriber = sa.table(
    "subscriber", sa.column("id", sa.Integer), sa.column("email", sa.String),
    sa.column("status", sa.String), sa.column("name", sa.String),
    sa.column("consent_at", MOMENT), sa.column("consent_source", sa.String),
    sa.column("consent_ip", sa.String), sa.column("consent_text", sa.Text),
    sa.column("confirmed_at", MOMENT), sa.column("unsubscribed_at", MOMENT))
event = sa.table("subscriber_event", sa.column("subscriber_id", sa.Integer))
suppression = sa.table("suppression", sa.column("email_hash", sa.String),
                       sa.column("reason", sa.String), sa.column("at", MOMENT))
delivery = sa.table("delivery", sa.column("id", sa.Integer),
                    sa.column("campaign_id", sa.Integer), sa.column("email", sa.String),
                    sa.column("language", sa.String))


def _hash(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def _rank(row) -> tuple:
    """Sorts the row the list must keep first."""
    if row.status in SUPPRESSED:
        return (0, row.id)
    if row.status in ("unsubscribed", "subscribed"):
        # The later decision of the person: an unsubscribe after the subscription, or a
        # subscription (with the other spelling) after the unsubscribe.
        moment = row.unsubscribed_at if row.status == "unsubscribed" else row.confirmed_at
        return (1, -(moment.timestamp() if moment else 0), row.id)
    return (2, row.id)


def keeper(rows: list) -> tuple:
    """(the row to keep, the rows merged into it) of rows that are one address."""
    ordered = sorted(rows, key=_rank)
    return ordered[0], ordered[1:]


def upgrade() -> None:
    bind = op.get_bind()
    moved = {}  # old address -> composed one
    for email in bind.execute(sa.select(subscriber.c.email)).scalars():
        if normalise_email(email) != email:
            moved[email] = normalise_email(email)
    for email in bind.execute(sa.select(delivery.c.email).distinct()).scalars():
        if normalise_email(email) != email:
            moved[email] = normalise_email(email)
    if not moved:
        return
    groups = defaultdict(list)
    columns = [subscriber.c[name] for name in ("id", "email", "status", "confirmed_at",
                                               "unsubscribed_at", *CONSENT[:-1])]
    for row in bind.execute(sa.select(*columns).where(
            subscriber.c.email.in_([*moved, *moved.values()]))).all():
        groups[normalise_email(row.email)].append(row)
    for address, rows in groups.items():
        kept, merged = keeper(rows)
        _merge(bind, kept, merged)
        if kept.email != address:
            bind.execute(subscriber.update().where(subscriber.c.id == kept.id)
                         .values(email=address))
    _suppressions(bind, moved)
    _deliveries(bind, moved)


def _merge(bind, kept, merged: list) -> None:
    """`merged` rows deleted into `kept`: their event log and what `kept` lacks."""
    for row in merged:
        missing = {name: getattr(row, name) for name in CONSENT[:-1]
                   if getattr(kept, name) is None and getattr(row, name) is not None}
        if kept.status == "subscribed" and kept.confirmed_at is None and row.confirmed_at:
            missing["confirmed_at"] = row.confirmed_at
        bind.execute(event.update().where(event.c.subscriber_id == row.id)
                     .values(subscriber_id=kept.id))
        bind.execute(subscriber.delete().where(subscriber.c.id == row.id))
        if missing:
            bind.execute(subscriber.update().where(subscriber.c.id == kept.id).values(**missing))


def _suppressions(bind, moved: dict[str, str]) -> None:
    """A suppression under the decomposed address's hash holds under the composed one's."""
    old = {_hash(email): email for email in moved}
    for row in bind.execute(sa.select(suppression).where(
            suppression.c.email_hash.in_(list(old)))).all():
        new = _hash(moved[old[row.email_hash]])
        present = bind.execute(sa.select(suppression.c.email_hash)
                               .where(suppression.c.email_hash == new)).first()
        if present is None:
            bind.execute(suppression.insert().values(email_hash=new, reason=row.reason,
                                                     at=row.at))


def _deliveries(bind, moved: dict[str, str]) -> None:
    """Deliveries under the composed address, so that an issue is not sent to it again;
    one whose campaign already holds the composed address in its language stays as is."""
    for old, new in moved.items():
        for row in bind.execute(sa.select(delivery).where(delivery.c.email == old)).all():
            taken = bind.execute(sa.select(delivery.c.id).where(
                delivery.c.campaign_id == row.campaign_id, delivery.c.email == new,
                delivery.c.language == row.language)).first()
            if taken is None:
                bind.execute(delivery.update().where(delivery.c.id == row.id)
                             .values(email=new))


def downgrade() -> None:
    """Nothing to undo: the decomposed spellings are not kept, and are the same addresses."""
