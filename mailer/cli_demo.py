"""`infolettre demo`: the main job on embedded defaults, with nothing to install."""

from __future__ import annotations

from pathlib import Path

import click

from mailer.cli_render import _render, write_editions
from mailer.settings import get_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "issues" / "091.yaml"


@click.command("demo")
@click.option("--issue", "file", default=str(EXAMPLE), help="The issue file to use.")
def demo(file: str) -> None:
    """Render the example issue in every language and say where the files are."""
    out = get_settings().home / "out"
    write_editions(_render(file, None), out)
    click.echo(f"Open the .web.html files in a browser; all files are in {out.resolve()}")
