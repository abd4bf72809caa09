"""`infolettre schema`: the JSON Schema of an issue file, for editors that check YAML.

VS Code's YAML extension (and any editor using yaml-language-server) then completes the
field names and flags a wrong value while one types: save the output as
`issue.schema.json` and start an issue file with
`# yaml-language-server: $schema=issue.schema.json`.
"""

from __future__ import annotations

import json

import click


@click.command("schema")
def schema() -> None:
    """Print the JSON Schema of an issue file (draft 2020-12)."""
    from mailer.issue.schema import json_schema
    from mailer.settings import get_settings

    click.echo(json.dumps(json_schema(get_settings().languages), indent=2, ensure_ascii=False))
