"""What a YAML parser's complaint means in an issue file, said as the line to fix and how.

PyYAML names its own trouble ("mapping values are not allowed here") at the place it
noticed it, which is often not where the author went wrong: a key indented by two spaces
too many, or `number:83` without its space, is only noticed on the next line. So the
complaint and the text around its mark are read together, and the message names the line
to edit and what to write there. Each case is one of the mistakes authors make (see
tests/render/test_yaml_mistakes.py).
"""

from __future__ import annotations

import re

import yaml

_KEY = re.compile(r"^(\s*)(?:- )?([\w.-]+):(\s|$)")  # `  title:` or `- kind:`
_KEY_NO_SPACE = re.compile(r"^\s*(?:- )?([\w.-]+):([^\s/][^\s]*)")  # `number:83`, not `https://`
_VALUE = re.compile(r"^\s*(?:- )?([\w.-]+):\s+(.*)$")
# Characters YAML reserves at the start of a plain text.
_RESERVED_START = {"*": "an asterisk (for *italic* or **bold**)", "&": "an ampersand",
                   "!": "an exclamation mark", "@": "an at sign", "`": "a backquote",
                   "%": "a percent sign", "[": "a link ([words](…))",
                   "|": "a vertical bar", ">": "a greater-than sign",
                   '"': "a quote", "'": "an apostrophe"}


def quoted(key: str | int, value: str) -> str:
    """`key: "value"`, the value in double quotes with its own quotes escaped; an item of a
    list (`key` an index) as `- "value"`."""
    value = value.rstrip().replace("\\", "\\\\").replace('"', '\\"')
    return f'- "{value}"' if isinstance(key, int) else f'{key}: "{value}"'


def _previous(lines: list[str], index: int) -> int | None:
    """The index of the last line before `index` that holds more than a comment."""
    for before in range(index - 1, -1, -1):
        stripped = lines[before].strip()
        if stripped and not stripped.startswith("#"):
            return before
    return None


def _reserved_start(line: str) -> str | None:
    """The fix for `key: <text starting with a reserved character>`, if the line is one."""
    found = _VALUE.match(line)
    if not found:
        return None
    key, value = found.groups()
    if value.startswith("- "):
        return (f"the text of {key}: starts with a list: write {key}: | and the list on the "
                "next lines, indented by two more spaces than the key")
    if value[:1] in "[{" and not re.match(r"^\[[^\]]*\]\(", value):
        close = "]" if value[0] == "[" else "}"
        return (f"{value[0]} opens a {'list' if close == ']' else 'mapping'} that is not closed "
                f"with {close} on this line; if the value of {key}: is a text, put it in "
                f"quotes: {quoted(key, value)}")
    for start, name in _RESERVED_START.items():
        if value.startswith(start):
            if start in "\"'" and value.rstrip().endswith(start) and len(value.strip()) > 1:
                return None  # a whole quoted text: not this mistake
            return (f"the text of {key}: starts with {name}, which YAML reads as syntax: put "
                    f"the whole text in quotes: {quoted(key, value)}")
    return None


def _colon_or_indent(lines: list[str], line: int, column: int) -> tuple[int, str]:
    """'mapping values are not allowed here' at (line, column), both from 0."""
    text = lines[line]
    found = _VALUE.match(text)
    if found and text.index(":") < column:  # a second `: ` on the line: inside a text
        key, value = found.groups()
        return line, (f"a colon followed by a space inside the text of {key}: put the whole "
                      f"text in quotes: {quoted(key, value)}")
    above = _previous(lines, line)
    if above is not None:
        no_space = _KEY_NO_SPACE.match(lines[above])
        if no_space:
            key, value = no_space.groups()
            return above, (f"no space after the colon of {key}:{value}: write "
                           f"{key}: {value}")
    key = _KEY.match(text)
    if key and above is not None:
        parent = _KEY.match(lines[above])
        if parent and len(key[1]) > len(parent[1]) and not lines[above].rstrip().endswith(":"):
            return line, (f"wrong indentation: {key[2]}: is indented by {len(key[1])} spaces, "
                          f"{parent[2]}: on line {above + 1} by {len(parent[1])}; indent "
                          f"{key[2]}: by {len(parent[1])}, like {parent[2]}:")
    return line, ("a colon followed by a space inside a text, or a key indented too far: put "
                  "a text that holds `: ` in quotes, and line up each key with the keys of its "
                  "block")


def explain(error: yaml.YAMLError, text: str) -> tuple[int, str]:
    """(line from 1, message) for a parser's `error` on the issue file `text`; line 0 when
    the error has no place."""
    problem = str(getattr(error, "problem", None) or error)
    mark = getattr(error, "problem_mark", None)
    context = str(getattr(error, "context", None) or "")
    context_mark = getattr(error, "context_mark", None)
    if mark is None:
        return 0, f"invalid YAML: {problem}"
    lines = text.splitlines() or [""]
    line = min(mark.line, len(lines) - 1)
    column = mark.column + 1
    if "'\\t'" in problem or "\t" in problem:
        return line + 1, (f"a tab character (column {column}): indent with spaces, never with "
                          "tabs")
    if "quoted scalar" in context and context_mark is not None:
        quote = lines[context_mark.line][context_mark.column]
        return context_mark.line + 1, (f"a text opened with {quote} is never closed: end it "
                                       f"with {quote} on the same line (and double a {quote} "
                                       f"inside it: {quote}{quote})" if quote == "'" else
                                       f"a text opened with {quote} is never closed: end it "
                                       f"with {quote} (and write \\\" for a quote inside it)")
    if "mapping values are not allowed" in problem:
        at, message = _colon_or_indent(lines, line, mark.column)
        return at + 1, message
    # Reported after the place: on the line of the text or key the parser was reading.
    starts = [context_mark.line] if context_mark is not None else []
    for candidate in (line, *starts):
        reserved = _reserved_start(lines[candidate])
        if reserved:
            return candidate + 1, reserved
    if "could not find expected ':'" in problem and context_mark is not None:
        start = context_mark.line
        no_space = _KEY_NO_SPACE.match(lines[start])
        if no_space:
            key, value = no_space.groups()
            return start + 1, f"no space after the colon of {key}:{value}: write {key}: {value}"
        return start + 1, ("a line of text without a key: indent it under its key like the "
                           "text above it, or write key: before it")
    if "expected <block end>" in problem and "'-'" in problem:
        opened = f" (the block that starts on line {context_mark.line + 1})" if context_mark else ""
        return line + 1, ("a list item (- ) among key: value lines" + opened + ": remove the "
                          "dash, or put the list under its own key, indented below it")
    if "expected <block end>" in problem or "sequence entries are not allowed" in problem:
        opened = f" the block that starts on line {context_mark.line + 1}" if context_mark else ""
        return line + 1, ("this line is indented differently from the lines of" +
                          (opened or " its block") + ": line up each key with the other keys "
                          "of its block (same number of spaces)")
    return line + 1, f"invalid YAML: {problem} (column {column})"


_COMMENT_GLUED = re.compile(r"^[ \t]+#\S")  # ` #3`: YAML's comment, an author's number


def cut_by_comment(node: yaml.Node, text: str, location: tuple = ()):
    """(location, line from 1, message) for each unquoted text that a ` #` ends: YAML reads
    the rest of the line as a comment and drops it (`title: Infolettre #3` is
    "Infolettre"). A comment written as one, `# …` with its space, is left alone."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from cut_by_comment(value, text, (*location, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from cut_by_comment(item, text, (*location, index))
    elif isinstance(node, yaml.ScalarNode) and node.style is None and node.value:
        end = node.end_mark
        stop = text.find("\n", end.index)
        rest = text[end.index: stop if stop >= 0 else None]
        if _COMMENT_GLUED.match(rest):
            key = location[-1] if location else "the value"
            whole = f"{node.value}{rest}".rstrip("\r")
            yield location, end.line + 1, (
                f"the text stops before {rest.strip().split()[0]!r}: YAML reads ' #' as the "
                f"start of a comment; put the whole text in quotes: {quoted(str(key), whole)}")
