"""links bound to the person (ids never reused, a link key per subscriber), server-side
staff sessions, webhook proofs accepted once

Revision ID: b3e9d6a1c470
Revises: b7e3d1a9c4f2
Create Date: 2026-11-30 14:30:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "b3e9d6a1c470"
down_revision = "b7e3d1a9c4f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # SQLite gives the highest id again after that row is deleted, unless the table is
    # AUTOINCREMENT, which only a copy of the table can turn on. PostgreSQL's sequence
    # never goes back.
    with op.batch_alter_table("subscriber", recreate="always" if sqlite else "auto",
                              table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("link_key", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("legacy_links", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    # Everyone already on the list gets a key, and keeps the unkeyed links of the emails
    # they already have (see subscribers/tokens.py).
    subscriber = sa.table("subscriber", sa.column("id", sa.Integer),
                          sa.column("link_key", sa.String), sa.column("legacy_links", sa.Boolean))
    connection = op.get_bind()
    ids = connection.execute(sa.select(subscriber.c.id)).scalars().all()
    for subscriber_id in ids:
        connection.execute(subscriber.update().where(subscriber.c.id == subscriber_id)
                           .values(link_key=secrets.token_urlsafe(12), legacy_links=True))
    # Every later copy of this table on SQLite must say AUTOINCREMENT again (table_kwargs).
    with op.batch_alter_table("subscriber", table_kwargs={"sqlite_autoincrement": True}) \
            as batch_op:
        batch_op.alter_column("link_key", existing_type=sa.String(32), nullable=False)

    op.create_table(
        "staff_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.Integer(),
                  sa.ForeignKey("staff_member.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(20), nullable=True),
    )
    op.create_index("ix_staff_session_staff_id", "staff_session", ["staff_id"])
    with op.batch_alter_table("staff_member") as batch_op:  # replaced by staff_session
        batch_op.drop_column("session_epoch")
    op.create_table(
        "webhook_proof",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_webhook_proof_seen_at", "webhook_proof", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_proof_seen_at", table_name="webhook_proof")
    op.drop_table("webhook_proof")
    with op.batch_alter_table("staff_member") as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.drop_index("ix_staff_session_staff_id", table_name="staff_session")
    op.drop_table("staff_session")
    with op.batch_alter_table("subscriber") as batch_op:
        batch_op.drop_column("legacy_links")
        batch_op.drop_column("link_key")
