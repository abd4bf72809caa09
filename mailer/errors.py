"""User errors: a clear message and a non-zero exit, never a traceback."""

import click


class UserError(click.ClickException):
    """An error in what the user gave us (a file, a field, an option)."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


# A row's id as the databases store it (signed 64-bit on SQLite and PostgreSQL): a larger
# number given to a command raised OverflowError deep in the query.
ROW_ID_MAX = 2**63 - 1
ROW_ID = click.IntRange(1, ROW_ID_MAX)
