"""Alembic environment: the URL comes from the caller (mailer.db.upgrade) or the settings."""

from alembic import context

from mailer.db import Base, get_engine, import_models
from mailer.settings import get_settings

import_models()
config = context.config
url = config.attributes.get("url") or get_settings().db_url

if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    with get_engine(url).connect() as connection:
        # render_as_batch: SQLite can only alter tables by copying them.
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
