"""The `infolettre` command. Each concern keeps its commands in its own module; they are
imported only when used, so that `infolettre validate` does not pay for Celery or Flask."""

from __future__ import annotations

import importlib
import sys

import click

# command name -> "module:attribute" of a click command or group
COMMANDS = {
    "init-db": "mailer.cli_db:init_db",
    "validate": "mailer.cli_render:validate",
    "render": "mailer.cli_render:render",
    "preview": "mailer.cli_render:preview",
    "schema": "mailer.cli_schema:schema",
    "demo": "mailer.cli_demo:demo",
    "send": "mailer.cli_send:send",
    "campaign": "mailer.cli_campaign:campaign",
    "worker": "mailer.cli_worker:worker",
    "bounces": "mailer.cli_bounces:bounces",
    "staff": "mailer.console.cli:staff",
    "subscribers": "subscribers.cli:subscribers",
    "web": "mailer.cli_web:web",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup)
@click.version_option(package_name="infolettre")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Infolettre: author, render, send and follow the network's newsletter."""
    if ctx.invoked_subcommand == "send":  # it may hand the send to a running worker with the
        return  # same settings (mailer.launch_client), else reads and says them itself
    from mailer.settings import get_settings

    get_settings()  # a setting that cannot be read is said before any command begins


def main() -> None:
    sys.unraisablehook = _interrupt_unsaid(sys.unraisablehook)
    try:
        cli.main(prog_name="infolettre")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as error:
        said = str(error) if _setting_invalid(error) else _database_trouble(error)
        if said is None:
            raise  # a bug of ours: its traceback is what we need to mend it
        click.echo(said, err=True)
        sys.exit(2)


def _interrupt_unsaid(hook):
    """`hook`, but silent for a Ctrl-C that landed in a callback Python cannot raise from (a
    garbage collector's, SQLAlchemy's weak references at exit): it printed "Exception
    ignored in …" and a traceback, while the command went on, or had ended, as it says."""
    def unraisable(event) -> None:
        if not isinstance(event.exc_value, KeyboardInterrupt):
            hook(event)
    return unraisable


def _setting_invalid(error: Exception) -> bool:
    problems = sys.modules.get("mailer.settings_problems")  # loaded by whatever read them
    return problems is not None and isinstance(error, problems.SettingInvalid)


URL_FORMS = "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/NAME"


def _database_trouble(error: Exception) -> str | None:
    """What to say of a database URL nothing reads or a database that does not answer (a
    setting, not a bug: said, not a traceback); None for any other error. The URL itself is
    never repeated: it may hold a password."""
    exc = sys.modules.get("sqlalchemy.exc")  # loaded by whatever raised one of its errors
    if exc is None:
        return None
    if isinstance(error, exc.NoSuchModuleError | exc.ArgumentError):
        return f"INFOLETTRE_DATABASE_URL is not a database URL Infolettre reads: write {URL_FORMS}"
    if isinstance(error, exc.OperationalError | exc.InterfaceError):
        return (f"the database (INFOLETTRE_DATABASE_URL) did not answer or refused: "
                f"{str(error.orig).strip() or type(error.orig).__name__}")
    return None
