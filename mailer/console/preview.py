"""The issue page of the console: each language at 600 px and 375 px, its text part with the
links a reader would get (demonstration pages, never markers), and the way to send it."""

from __future__ import annotations

from babel.numbers import format_decimal
from flask import g
from markupsafe import Markup

from mailer import db, placeholders
from mailer.catalogue import language_name
from mailer.console.access import audit, requires
from mailer.console.base import bp, issue_path, labels, language_of_page, page, too_large
from mailer.console.issue_list import sent_languages
from mailer.console.issue_problems import in_words
from mailer.console.models import Role
from mailer.issue import IssueInvalid, issue_languages, load_issue
from mailer.issue.translations import pick
from mailer.size import GMAIL_CLIP_BYTES, html_bytes, kilobytes
from subscribers.links import demo_links, view_online_url


def rendered_previews(editions: list, sizes: dict[str, float], language: str) -> Markup:
    """Each edition at 600 and 375 px (templates/preview_editions.html.j2) in the words of
    `language`: its name for each edition's language, sizes written as it writes them."""
    from mailer.render import environment

    words = labels(language)
    # The partial is rendered by the rendering environment (autoescaped there).
    return Markup(environment().get_template("preview_editions.html.j2")  # noqa: S704
                  .render(editions=editions, words=words, sizes=sizes,
                          names=edition_names(editions, words.language),
                          number=lambda x: format_decimal(x, "#,##0.0", locale=language)))


def edition_names(editions: list, language: str) -> dict[str, str]:
    """The name of each edition's language in `language`, as a heading begins: "Anglais"."""
    names = {edition.language: language_name(edition.language, language) for edition in editions}
    return {code: name[:1].upper() + name[1:] for code, name in names.items()}


@bp.get("/issues/<name>")
@requires(Role.EDITOR)
def issue(name: str):
    from mailer.render import render_editions

    path = issue_path(name)
    if too_large(path):
        return page("issue.html", name=name, problems=[labels(language_of_page())["too_large"]])
    with db.session_scope() as db_session:
        # Sent already: previewed in the languages it went out in.
        languages = sent_languages(db_session, path.stem).get(path.stem)
    try:
        issue = load_issue(path, languages)
    except IssueInvalid as error:
        return page("issue.html", name=name,
                    problems=[in_words(p, language_of_page()) for p in error.problems])
    # Rendered together: the length rule summarises the same articles in every language.
    editions = list(render_editions(issue, path.stem, languages or issue_languages(issue))
                    .values())
    with db.session_scope() as db_session:
        audit(db_session, g.staff["email"], "preview", issue=name)
    language = language_of_page()
    title = pick(issue.title, language, issue.fallbacks) or editions[0].subject
    # Measured as a reader receives it (mailer.size), as the launch page and `send` do.
    sizes = {edition.language: kilobytes(html_bytes(edition)) for edition in editions}
    previews = rendered_previews(editions, sizes, language)
    texts = [(edition, placeholders.bind(edition.text, _links(edition)))
             for edition in editions]
    return page("issue.html", name=name, problems=[], editions=editions, previews=previews,
                names=edition_names(editions, labels(language).language),
                texts=texts, number=issue.number, heading=title,
                too_large={code: kb for code, kb in sizes.items() if kb * 1024 > GMAIL_CLIP_BYTES})


def _links(edition) -> dict[str, str]:
    """What a test send puts where each reader's own links go."""
    return {"view_online_url": view_online_url(edition.slug, edition.language),
            **demo_links(edition.language)}
