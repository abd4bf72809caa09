"""Every text must be given in every language of the issue, unless a fallback is declared."""

from __future__ import annotations

from pydantic import BaseModel

from mailer.issue.loader import Location, Problem, field_path, line_of
from mailer.issue.schema import Issue, Text


def texts(value: object, location: Location = ()):
    """Every Text in `value` (an issue or a part of one), with its location."""
    if isinstance(value, Text):
        yield location, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from texts(getattr(value, name), (*location, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from texts(item, (*location, index))


def check_fallbacks(fallbacks: dict[str, str], allowed: list[str], file: str,
                    lines: dict) -> list[Problem]:
    """A problem at its line for each pair of `fallbacks` ({de: en}) whose language or
    fallback is not one of `allowed` (the issue's languages and the configured ones), or
    whose language falls back to itself; each names the languages it may be."""
    problems = []
    for language, fallback in fallbacks.items():
        where = ("fallbacks", language)
        others = ", ".join(code for code in allowed if code != language)
        if language not in allowed:
            message, code = (f"{language!r} is not one of the languages ({', '.join(allowed)}): "
                             f"write one of them, or add {language!r} to languages",
                             "fallback_key")
        elif fallback == language:
            message, code = (f"{language!r} falls back to itself: write another language "
                             f"({others}), or remove the line", "fallback_self")
        elif fallback not in allowed:
            message, code = (f"{fallback!r} is not one of the languages: write one of {others}",
                             "fallback_value")
        else:
            continue
        problems.append(Problem(file, line_of(lines, where), field_path(where), message, code,
                                {"code": language, "fallback": fallback,
                                 "languages": ", ".join(allowed), "others": others}))
    return problems


def fallback_chains(fallbacks: dict[str, str], allowed: list[str], file: str,
                    lines: dict) -> list[Problem]:
    """A fallback is one step (`pick`): `{de: it, it: en}` gives a German text missing in
    Italian nothing, and `{de: it, it: de}` gives a text missing in both nothing. Each
    chain, at its first language, with the pair to write instead; each loop once, at the
    first of its languages declared. Said only where a text is missing because of it
    (mailer.issue.problems_of): one whose middle language has every text is no problem."""
    problems, looped = [], set()
    for language, fallback in fallbacks.items():
        path = [language, fallback]
        while path[-1] in fallbacks and path[-1] not in path[:-1]:
            path.append(fallbacks[path[-1]])
        if len(path) == 2 or language in looped:
            continue
        end = path[-1] if path[-1] not in fallbacks else next(
            (code for code in allowed if code not in fallbacks), None)
        if path[-1] == language:
            looped.update(path)
            message, code = (f"{language!r} falls back in a loop ({' → '.join(path)}): a "
                             "text missing in one of them is missing in all; remove one of "
                             "these lines", "fallback_loop")
        elif end is not None:
            message, code = (f"{language!r} falls back to {fallback!r}, which falls back in "
                             f"turn ({' → '.join(path)}): a fallback is one step; write "
                             f"{language}: {end}", "fallback_chain")
        else:
            continue
        where = ("fallbacks", language)
        problems.append(Problem(file, line_of(lines, where), field_path(where), message, code,
                                {"code": language, "fallback": fallback, "end": end,
                                 "path": " → ".join(path),
                                 "refused": sorted(set(path)) if path[-1] == language
                                 else [language]}))
    return problems


def check(issue: Issue, languages: list[str], file: str, lines: dict,
          refused: frozenset[str] = frozenset()) -> list[Problem]:
    """A problem for each text missing or empty in one of `languages`, or with a key that is
    no language code. A text missing in a language whose fallback is `refused` is said
    there, at `fallbacks`, once."""
    from mailer.catalogue import language_name

    problems = []
    for location, text in texts(issue):
        # `yes:` or `title:` among a text's languages: YAML 1.2 reads `yes` as text, and
        # the key was passed over in silence (only "fr: missing" was said).
        miswritten = {_written_otherwise(text, language) for language in languages}
        for key in text.root:
            if key not in miswritten and language_name(key) == key:
                where = (*location, key)
                problems.append(Problem(
                    file, line_of(lines, where), field_path(where),
                    f"{key!r} is not a language code (ISO 639-1, e.g. 'de'): the keys of a "
                    f"text are its languages ({', '.join(languages)})", "language_code",
                    {"code": key}))
        for language in languages:
            value = text.get(language)
            miswritten = _written_otherwise(text, language) if value is None else None
            if miswritten is not None:  # FR: for fr:, which YAML keeps apart
                where = (*location, miswritten)
                problems.append(Problem(
                    file, line_of(lines, where), field_path(where),
                    f"the key {miswritten!r} should be {language!r}: language codes are "
                    "written in small letters", "language_key",
                    {"key": miswritten, "code": language}))
                continue
            if value is None:
                fallback = issue.fallbacks.get(language)
                if (fallback and text.get(fallback)) or language in refused:
                    continue
                message = "missing"
            elif not value.strip():
                message = "empty"
            else:
                continue
            where = (*location, language)
            problems.append(Problem(file, line_of(lines, where), field_path(where), message,
                                    message, {"language": language}))
    return problems


def _written_otherwise(text: Text, language: str) -> str | None:
    """The key of `text` that means `language` but is written otherwise (`FR`, `Fr`, `fr `)."""
    return next((key for key in text.root if key != language
                 and key.strip().casefold() == language), None)


def pick(text: Text | None, language: str, fallbacks: dict[str, str]) -> str:
    """The text in `language`, or in its declared fallback."""
    if text is None:
        return ""
    value = text.get(language)
    if value is None and language in fallbacks:
        value = text.get(fallbacks[language])
    return value or ""
