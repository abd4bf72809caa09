"""`infolettre init-db`: create or upgrade the database schema."""

import click

from mailer import db
from mailer.settings import get_settings


@click.command("init-db")
def init_db() -> None:
    """Create the database, or bring its schema up to date."""
    db.upgrade()
    click.echo(f"database ready: {get_settings().db_url}")
