"""Read an issue file and report every problem as `file:line: field.path: message`.

YAML is composed into nodes first, so that each value's line is known; pydantic then
validates, and each of its errors is placed on the line of the deepest node it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from mailer.issue.messages import field_message, yaml_message
from mailer.issue.schema import Issue

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class IssueInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads `09:30` as the string it looks like, not YAML 1.1's 570."""


_Loader.yaml_implicit_resolvers = {
    key: list(value) for key, value in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _digit in "0123456789":
    _Loader.yaml_implicit_resolvers.setdefault(_digit, []).insert(
        0, ("tag:yaml.org,2002:str", re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$"))
    )


def field_path(location: Location) -> str:
    out = ""
    for part in location:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _lines(node: yaml.Node, location: Location, into: dict[Location, int]) -> None:
    into[location] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _lines(value, (*location, key.value), into)
            # A field is reported on its key's line: a nested mapping starts on the next one.
            into[(*location, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*location, index), into)


def line_of(lines: dict[Location, int], location: Location) -> int:
    """The line of the deepest node named by `location` (its parent's, if it is missing)."""
    for end in range(len(location), -1, -1):
        if location[:end] in lines:
            return lines[location[:end]]
    return 0


def _read_text(path: Path) -> str:
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise IssueInvalid([Problem(name, 0, "", "no such file")]) from None
    except OSError as error:
        raise IssueInvalid([Problem(name, 0, "", error.strerror or str(error))]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        message = f"not UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
        raise IssueInvalid([Problem(name, line, "", message)]) from None


def parse(path: Path) -> tuple[Issue, dict[Location, int]]:
    """The validated issue and the line of each of its values."""
    name = str(path)
    loader = _Loader(_read_text(path))
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        reason = getattr(error, "problem", None) or str(error)
        raise IssueInvalid([Problem(name, line, "", yaml_message(reason))]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise IssueInvalid([Problem(name, 1, "", "an issue file must be a YAML mapping")])
    lines: dict[Location, int] = {}
    _lines(node, (), lines)
    try:
        return Issue.model_validate(data), lines
    except ValidationError as error:
        problems = [
            Problem(
                name,
                line_of(lines, tuple(e["loc"])),
                field_path(tuple(e["loc"])),
                field_message(e),
            )
            for e in error.errors()
        ]
        raise IssueInvalid(problems) from None
