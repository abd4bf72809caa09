"""Read an issue file and report every problem as `file:line: field.path: message`.

YAML is composed into nodes first, so that each value's line is known; pydantic then
validates, and each of its errors is placed on the line of the deepest node it names.

An issue file comes from staff and through the console's upload, so reading one is bounded
before anything is built: MAX_BYTES of text, no control character, nesting at most
MAX_DEPTH deep, and at most MAX_VALUES values once aliases are expanded, with no alias
inside its own anchor (aliases are how a few hundred bytes expand into billions of values,
the "billion laughs"; `yaml.safe_dump` writes harmless ones for repeated parts). Each limit
is refused with its line, in milliseconds, never with a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

import yaml
from pydantic import ValidationError

from mailer.file_names import shown_name
from mailer.issue.keys import odd_keys
from mailer.issue.messages import field_problem
from mailer.issue.schema import Issue
from mailer.issue.tags import refused_tag, tagged
from mailer.issue.yaml_errors import cut_by_comment, explain
from mailer.regular_file import read_head
from mailer.utf16 import utf16_codec

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """`message` in English, for the command line; `code` and `values`, when given, let
    the console say it in the staff member's language (`problem_<code>` of its catalogue)."""

    file: str
    line: int
    field: str
    message: str
    code: str = ""
    values: dict = dataclass_field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class IssueInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


MAX_BYTES = 1_000_000  # a full issue is about 20 KB
MAX_DEPTH = 20  # an issue nests 5 deep
MAX_VALUES = 100_000  # a full issue has about 600
# C0 and C1 controls but tab, newline and carriage return; what YAML itself refuses too.
_BREAKS = re.compile("[\x85\u2028\u2029]")
_BREAKS_NAMES = {"\x85": "next line", "\u2028": "line separator", "\u2029": "paragraph separator"}
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


class _Refused(yaml.MarkedYAMLError):
    """A limit of ours, reported like YAML's own errors (with the line)."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads `09:30` as the string it looks like, not YAML 1.1's 570, and
    bounds what aliases expand to while it composes, before anything is built: no alias
    inside its own anchor, at most MAX_VALUES values once expanded, at most MAX_DEPTH deep."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0
        self._values = 0
        self._open: list[str] = []  # anchors whose node is being composed
        self._measure: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth)
        self.tags: dict[int, str] = {}  # id(node) -> a tag written that mailer.issue.tags refuses

    def fetch_flow_collection_start(self, TokenClass):
        # A `[` or `{` that opens a flow collection (not one inside a quoted text): refused
        # beyond MAX_DEPTH by the scanner itself, which keeps a possible key per open
        # collection and goes over all of them at each token (seconds for a line of `[`).
        if self.flow_level >= MAX_DEPTH:
            raise _Refused(problem=f"nested deeper than {MAX_DEPTH} levels",
                           problem_mark=self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open:
                raise _Refused(problem=f"a recursive alias (*{event.anchor} inside its own "
                               "anchor)", problem_mark=event.start_mark)
            node = self.anchors.get(event.anchor)
            if node is not None:
                values, depth = self._size(node)
                self._count(values, self._depth + depth, event)
            return super().compose_node(parent, index)
        self._depth += 1
        anchor = getattr(event, "anchor", None)
        if anchor:
            self._open.append(anchor)
        try:
            self._count(1, self._depth, event)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor:
                self._open.pop()
        tag = refused_tag(event)
        if tag:
            self.tags[id(node)] = tag
        return node

    def construct_mapping(self, node, deep=False):
        # YAML keeps the last of two equal keys: a second `sections:` would silently drop
        # every article of the first.
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, _ in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                    continue
                if key.value in seen:
                    raise _Refused(problem=f"{key.value!r} is given twice here (first on line "
                                   f"{seen[key.value]}): keep one, or merge the two",
                                   problem_mark=key.start_mark)
                seen[key.value] = key.start_mark.line + 1
        return super().construct_mapping(node, deep)

    def _count(self, values: int, depth: int, event) -> None:
        self._values += values
        if depth > MAX_DEPTH:
            raise _Refused(problem=f"nested deeper than {MAX_DEPTH} levels",
                           problem_mark=event.start_mark)
        if self._values > MAX_VALUES:
            raise _Refused(problem=f"more than {MAX_VALUES:,} values once its aliases (*) "
                           "are expanded", problem_mark=event.start_mark)

    def _size(self, node: yaml.Node) -> tuple[int, int]:
        """(values, depth) of `node` with its aliases expanded, each node measured once."""
        known = self._measure.get(id(node))
        if known is None:
            children: list[yaml.Node] = []
            if isinstance(node, yaml.MappingNode):
                children = [part for pair in node.value for part in pair]
            elif isinstance(node, yaml.SequenceNode):
                children = node.value
            sizes = [self._size(child) for child in children]
            known = (1 + sum(v for v, _ in sizes), 1 + max((d for _, d in sizes), default=0))
            self._measure[id(node)] = known
        return known


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    """YAML's date, or a problem on its line for one the calendar lacks (`2026-02-30`),
    which PyYAML would raise as a bare ValueError."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise _Refused(problem=f"{node.value!r} is not a day of the calendar: check the "
                       "month and the day (YYYY-MM-DD)", problem_mark=node.start_mark) from None


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    """A YAML 1.2 integer: decimal, `010` is ten (YAML 1.1 read it as octal, eight)."""
    try:
        return int(loader.construct_scalar(node).replace("_", ""), 10)
    except ValueError:
        raise _Refused(problem=f"{node.value!r} is not a whole number: write it in digits, "
                       "e.g. 83", problem_mark=node.start_mark) from None


# YAML 1.2's core schema for the plain words that are not text: only true and false are
# yes/no values. YAML 1.1 (PyYAML's) also read yes, no, on, off, y and n so, which turned
# `no` (Norwegian) into false and `en: Yes` into no text at all; and read `010` as eight.
_NOT_TEXT = {
    "tag:yaml.org,2002:bool": re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    "tag:yaml.org,2002:int": re.compile(r"^[-+]?[0-9]+$"),
    "tag:yaml.org,2002:float": re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
}
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in value if tag not in _NOT_TEXT]
    for key, value in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag, _regexp in _NOT_TEXT.items():
    for _first in "tTfF" if "bool" in _tag else "-+0123456789.":
        _Loader.yaml_implicit_resolvers.setdefault(_first, []).append((_tag, _regexp))
for _digit in "0123456789":
    _Loader.yaml_implicit_resolvers.setdefault(_digit, []).insert(
        0, ("tag:yaml.org,2002:str", re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$"))
    )


# pydantic's error types the console words itself (mailer/console/labels, `problem_…`).
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


def written_on(source: list[str], start: int, raw: str) -> int:
    """The line where `raw` is written, searching from the field's line `start`."""
    for number in range(max(start, 1), len(source) + 1):
        if raw in source[number - 1]:
            return number
    return start


def _read_text(path: Path) -> str:
    name = str(path)
    try:
        raw = read_head(path, MAX_BYTES + 1)  # a named pipe or a device: refused, not awaited
    except FileNotFoundError:
        raise IssueInvalid([Problem(name, 0, "", "no such file")]) from None
    except OSError as error:
        raise IssueInvalid([Problem(name, 0, "", error.strerror or str(error))]) from None
    if len(raw) > MAX_BYTES:
        raise IssueInvalid([Problem(name, 0, "", f"larger than {MAX_BYTES:,} bytes; an issue "
                                    "file holds text only (images are linked)")])
    if utf16_codec(raw[:4]):
        raise IssueInvalid([Problem(name, 1, "", (
            "saved as UTF-16 (\"Unicode\" in Notepad or Word), not UTF-8; save the file "
            "as UTF-8 (in the editor: Save as, Encoding: UTF-8)"), "utf16")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        start = raw.rfind(b"\n", 0, error.start) + 1
        byte = raw[error.start : error.start + 1]
        message = (f"not UTF-8: byte 0x{byte[0]:02x} at column {error.start - start + 1} "
                   f"({byte.decode('cp1252', 'replace')!r} in Windows-1252 or Latin-1, the "
                   "likely encoding of this file); save the file as UTF-8 (in the editor: "
                   "Save as, Encoding: UTF-8)")
        raise IssueInvalid([Problem(name, line, "", message)]) from None
    found = _CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        message = (f"control character U+{ord(found[0]):04X} (column "
                   f"{found.start() - text.rfind(chr(10), 0, found.start())}); remove it")
        raise IssueInvalid([Problem(name, line, "", message)])
    found = _BREAKS.search(text)
    if found:  # YAML 1.1 ends a line there, where an editor shows none: lines would differ
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - text.rfind("\n", 0, found.start())
        raise IssueInvalid([Problem(name, line, "", (
            f"an invisible U+{ord(found[0]):04X} ({_BREAKS_NAMES[found[0]]}) at column "
            f"{column}, which YAML reads as a line break: delete it, or press Enter"))])
    return text


def _languages(data: dict) -> list[str]:
    """The languages a text's keys are: the file's `languages`, else the configured ones."""
    from mailer.settings import get_settings

    own = data.get("languages")
    if isinstance(own, list) and own and all(isinstance(code, str) for code in own):
        return own
    return get_settings().languages


def _of_odd_key(error: dict) -> bool:
    """Whether pydantic's `error` is about a key odd_keys says: not a text (`invalid_key`,
    `[key]`), or an empty one."""
    location = tuple(error.get("loc", ()))
    return (error["type"] == "invalid_key" or "[key]" in location
            or (error["type"] == "extra_forbidden" and not str(location[-1:] or "x").strip()))


def parse(path: Path) -> tuple[Issue, dict[Location, int]]:
    """The validated issue and the line of each of its values."""
    name = str(path)
    shown = shown_name(path)
    if shown is not None:
        raise IssueInvalid([Problem(shown, 0, "", "the file name is not UTF-8: rename it",
                                    "name_not_utf8")])
    text = _read_text(path)
    loader = _Loader(text)
    tags: list[Problem] = []
    try:
        node = loader.get_single_node()
        # A tag is refused before anything is built from it (mailer.issue.tags says why).
        tags = [Problem(name, line, field_path(location), *said) for location, line, *said
                in tagged(node, loader.tags, text)] if node is not None else []
        data = loader.construct_document(node) if node is not None and not tags else None
    except _Refused as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 0
        raise IssueInvalid([Problem(name, line, "", f"invalid YAML: {error.problem}")]) from None
    except yaml.YAMLError as error:
        line, message = explain(error, text)
        raise IssueInvalid([Problem(name, line, "", message)]) from None
    except RecursionError:
        raise IssueInvalid([Problem(name, 0, "", f"invalid YAML: nested deeper than "
                                    f"{MAX_DEPTH} levels")]) from None
    finally:
        loader.dispose()
    if tags:
        raise IssueInvalid(tags)
    if not isinstance(data, dict):
        raise IssueInvalid([Problem(name, 1, "", "an issue file must be a YAML mapping")])
    lines: dict[Location, int] = {}
    _lines(node, (), lines)
    cut = [Problem(name, line, field_path(location), message)
           for location, line, message in cut_by_comment(node, text)]
    cut += [Problem(name, line, field_path(location), *said)
            for location, line, *said in odd_keys(node, _languages(data))]
    try:
        issue = Issue.model_validate(data)
    except ValidationError as error:
        problems = cut + [
            Problem(
                name,
                line_of(lines, tuple(e["loc"])),
                field_path(tuple(e["loc"])),
                *field_problem(e),
            )
            # A key that is not a name is said above, at its line (pydantic names it by the
            # value YAML made of it: `title.None.[key]`).
            for e in error.errors() if not _of_odd_key(e)
        ]
        raise IssueInvalid(problems) from None
    if cut:
        raise IssueInvalid(cut)
    return issue, lines
