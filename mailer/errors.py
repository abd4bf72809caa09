"""User errors: a clear message and a non-zero exit, never a traceback."""

import click


class UserError(click.ClickException):
    """An error in what the user gave us (a file, a field, an option)."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)
