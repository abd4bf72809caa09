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
def cli() -> None:
    """Infolettre: author, render, send and follow the network's newsletter."""


def main() -> None:
    try:
        cli.main(prog_name="infolettre")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
