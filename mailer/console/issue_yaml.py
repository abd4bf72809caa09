"""The editor writes the issue file the command line reads: the form's mapping merged into
the file as it is (ruamel.yaml round trip), so comments, key order and the way unchanged
values are written all stay.

ruamel.yaml still rewrites some spelling of its own: a flow mapping `{ fr: a, en: b }`
loses the spaces inside its braces. So the text written is a three-way merge
(`merge3`): the lines the save changed come from ruamel.yaml, every other line is the
file's own. An unchanged file saves to the same bytes; an edited line of a flow mapping
is written `{fr: a, en: b}`. Should the merge ever read differently from what ruamel.yaml
wrote, ruamel.yaml's text is kept whole. A file with Windows line ends (CRLF) saves unchanged
to the same bytes, but once edited is written with LF throughout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

from merge3 import Merge3
from ruamel.yaml import YAML, YAMLError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^\d{1,2}:\d{2}$")


def _yaml() -> YAML:
    yaml = YAML()  # round trip
    yaml.width = 4096  # a paragraph stays one line, as authors write it
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    return yaml


def fingerprint(text: str) -> str:
    """The version a form was opened on (optimistic locking): SHA-256 of the file, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(text: str):
    """The round-trip document of an issue file's text (an empty mapping for none)."""
    document = _yaml().load(text) if text.strip() else None
    return document if isinstance(document, CommentedMap) else CommentedMap()


def _scalar(old, new):
    if old is not None and str(old) == str(new):
        return old  # unchanged: written as before (quotes, dates, block style)
    if isinstance(new, str):
        if DATE.match(new):
            try:
                return dt.date.fromisoformat(new)
            except ValueError:
                return new
        if TIME.match(new):
            return DoubleQuotedScalarString(new)  # YAML 1.1 would read 09:30 as 570
        if "\n" in new:
            return LiteralScalarString(new + "\n")
    return new


def merge(old, new):
    """`new` (plain dicts and lists) laid over `old` (round-trip nodes), keeping what
    `old` says about order and comments wherever a key or an index stays."""
    if isinstance(new, dict):
        node = old if isinstance(old, CommentedMap) else CommentedMap()
        for key in [k for k in node if k not in new]:
            del node[key]
        for key, value in new.items():
            node[key] = merge(node.get(key), value)
        if any(isinstance(v, str) and "\n" in v for v in new.values()):
            node.fa.set_block_style()  # paragraphs as a block, as authors write them
        return node
    if isinstance(new, list):
        node = old if isinstance(old, CommentedSeq) else CommentedSeq()
        merged = [merge(node[i] if i < len(node) else None, value)
                  for i, value in enumerate(new)]
        del node[len(new):]
        for i, value in enumerate(merged):
            if i < len(node):
                node[i] = value
            else:
                node.append(value)
        return node
    if isinstance(old, str) and isinstance(new, str) and old.rstrip("\n") == new:
        return old
    return _scalar(old, new)


def _dumped(document) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.lstrip().startswith("#")]


def _kept(original: str, new: str) -> str:
    """`new` with the lines it did not change spelled as in `original`."""
    base = _dumped(load(original))  # the file as ruamel.yaml writes it unchanged
    if base in (original, new):
        return original if base == new else new
    lines = [text.splitlines(keepends=True) for text in (base, original, new)]
    merged: list[str] = []
    for region in Merge3(*lines).merge_regions():
        kind = region[0]
        if kind == "unchanged":
            merged += lines[0][region[1]:region[2]]
        elif kind in ("a", "same"):
            merged += lines[1][region[1]:region[2]]
        elif kind == "b":
            merged += lines[2][region[1]:region[2]]
        else:  # lines both respelled and edited: line by line when they pair up
            base_part, own, edited = (lines[0][region[1]:region[2]],
                                      lines[1][region[3]:region[4]],
                                      lines[2][region[5]:region[6]])
            if len(base_part) == len(own) == len(edited):
                merged += [mine if then == now else now
                           for then, mine, now in zip(base_part, own, edited, strict=True)]
            else:
                merged += edited
    text = "".join(merged)
    try:
        same = read(text) == read(new) and _comments(text) == _comments(new)
    except YAMLError:
        same = False
    return text if same else new


def written(original: str, data: dict) -> str:
    """The text of the issue file once `data` is saved into `original`: the same bytes
    when nothing changed, and only the changed lines rewritten otherwise."""
    text = _dumped(merge(load(original), data))
    return _kept(original, text) if original.strip() else text


def read(text: str) -> dict:
    """The file's mapping as plain Python values, for the form."""
    def plain(value):
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, str):
            return str(value).rstrip("\n") if "\n" in value else str(value)
        return value
    return plain(load(text))
