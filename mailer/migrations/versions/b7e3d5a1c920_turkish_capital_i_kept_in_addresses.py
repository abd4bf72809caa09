"""addresses whose local part held a lowered Turkish İ get their İ back

normalise_email lowered `İlker@…` to `i̇lker@…` ('i' + U+0307 COMBINING DOT ABOVE): we
mailed another address than the person gave. It now keeps the İ (U+0130) before the @.
Each stored address with 'i' + U+0307 before its @ is rewritten so, where the list and its
lookups (subscribers, deliveries, staff) compare addresses. Both forms were one address
before and are one now, so no two rows meet; suppression hashes are unchanged (they are
taken of the lowered form, as before).

Revision ID: b7e3d5a1c920
Revises: d2f7b4c81e36
Create Date: 2026-12-01 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b7e3d5a1c920"
down_revision = "d2f7b4c81e36"
branch_labels = None
depends_on = None

# Written out, not imported: a migration stays what it was when the models change.
DOTTED, CAPITAL = "i\u0307", "\u0130"
COLUMNS = [("subscriber", "id", "email"), ("delivery", "id", "email"),
           ("staff_member", "id", "email"), ("issue_draft", "id", "staff_email"),
           ("issue_version", "id", "staff_email")]


def _rewrite(old: str, new: str) -> None:
    """Each stored address with `old` before its @ gets `new` there instead."""
    bind = op.get_bind()
    for name, key, column in COLUMNS:
        table = sa.table(name, sa.column(key, sa.Integer), sa.column(column, sa.String))
        rows = bind.execute(sa.select(table.c[key], table.c[column])
                            .where(table.c[column].contains(old))).all()
        for row_id, address in rows:
            local, at, domain = address.rpartition("@")
            if at and old in local:
                bind.execute(table.update().where(table.c[key] == row_id)
                             .values({column: f"{local.replace(old, new)}{at}{domain}"}))


def upgrade() -> None:
    _rewrite(DOTTED, CAPITAL)


def downgrade() -> None:
    _rewrite(CAPITAL, DOTTED)
