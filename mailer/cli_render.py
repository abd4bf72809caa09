"""`infolettre validate | render | preview`: check an issue file and see what it becomes."""

from __future__ import annotations

from pathlib import Path

import click

from mailer.errors import UserError


def warnings(file: str, editions: dict) -> list[str]:
    """What renders but reads poorly: a weak preheader, articles the length rule summarises."""
    from mailer.issue.loader import line_of, parse
    from mailer.preheader import preheader_warning

    issue, lines = parse(Path(file))
    found = []
    for code, edition in editions.items():
        # A preheader the file gives (in this language, or the one it falls back to) is
        # fixed where it is written; else one is to be added.
        declared = bool(issue.preheader and any(issue.preheader.root.values()))
        weak = preheader_warning(edition.preheader, code, declared, edition.subject)
        if weak:
            line = line_of(lines, ("preheader", code)) if declared else 0
            where = f"{file}:{line}" if line else file
            found.append(f"{where}: warning: preheader.{code}: {weak}")
        if edition.length_note():
            found.append(f"{file}: warning: length: {edition.length_note()}")
    return found


def _render(file: str, languages: list[str] | None):
    """The editions of `file` (all its languages if None, kept by mailer.rendered for the
    send that follows), or a UserError saying what is wrong with it."""
    from mailer import rendered

    editions = rendered.kept(file) if languages is None else None
    if editions is not None:
        return editions  # `send` after `validate`: neither the issue format nor the renderer
    from mailer.issue import IssueInvalid
    from mailer.render import render_file

    try:
        return rendered.editions_of(file) if languages is None else render_file(file, languages)
    except IssueInvalid as error:
        raise UserError(str(error)) from None
    except FileNotFoundError as error:  # --lang names a language without a catalogue
        raise UserError(f"{file}: {error}") from None


def _size_warnings(file: str, editions: dict, say=click.echo) -> None:
    """Warn (stderr, exit status unchanged) for each edition Gmail would clip; `say` as
    click.echo (mailer.launch: a worker's socket)."""
    from mailer.size import too_large, warning

    for language, kb in too_large(editions).items():
        say(warning(file, language, kb), err=True)


@click.command("validate")
@click.argument("files", nargs=-1, required=True)
def validate(files: tuple[str, ...]) -> None:
    """Check issue files; print one line per problem (file:line: field: message).

    A valid file is rendered too, and what reads poorly is a warning (exit status 0): a
    preheader that is short or a greeting, articles summarised to keep the email's size.
    """
    from mailer.issue import IssueInvalid, load_issue

    failed = False
    for file in files:
        try:
            load_issue(file)
        except IssueInvalid as error:
            failed = True
            for problem in error.problems:
                click.echo(str(problem), err=True)
        else:
            editions = _render(file, None)
            for warning in warnings(file, editions):
                click.echo(warning, err=True)
            click.echo(f"{file}: valid")
            _size_warnings(file, editions)
    if failed:
        raise SystemExit(1)


@click.command("render")
@click.argument("file")
@click.option("--lang", "language", default="all", help="A language code, or all.")
@click.option("--out", "out_dir", default="out", type=click.Path(file_okay=False))
def render(file: str, language: str, out_dir: str) -> None:
    """Write DIR/<name>.<lang>.html, .txt and .web.html for each language."""
    editions = _render(file, None if language == "all" else [language])
    try:
        write_editions(editions, Path(out_dir))
    except OSError as error:  # a folder we may not write in, a full disk
        raise UserError(f"--out {out_dir}: {error.strerror or error}") from None
    for warning in warnings(file, editions):
        click.echo(warning, err=True)


def write_editions(editions: dict, out: Path) -> None:
    from mailer.size import html_bytes, kilobytes

    out.mkdir(parents=True, exist_ok=True)
    for code, edition in editions.items():
        base = out / f"{edition.slug}.{code}"
        Path(f"{base}.html").write_text(edition.html, encoding="utf-8")
        Path(f"{base}.txt").write_text(edition.text, encoding="utf-8")
        Path(f"{base}.web.html").write_text(edition.web_html, encoding="utf-8")
        size = kilobytes(html_bytes(edition))
        click.echo(f"{base}.html ({size} KB as sent), {base}.txt, {base}.web.html")


@click.command("preview")
@click.argument("file")
@click.option("--out", "out_dir", default="out", type=click.Path(file_okay=False))
def preview(file: str, out_dir: str) -> None:
    """Write one page showing every language at 600 px and at 375 px side by side."""
    from mailer.render import environment

    editions = _render(file, None)
    page = environment().get_template("preview.html.j2").render(
        editions=list(editions.values())
    )
    out = Path(out_dir)
    target = out / f"{Path(file).stem}.preview.html"
    try:
        out.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
    except OSError as error:
        raise UserError(f"--out {out_dir}: {error.strerror or error}") from None
    click.echo(f"preview: {target.resolve()}")
