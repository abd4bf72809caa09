"""The editor's form, derived from the issue's pydantic schema (mailer/issue/schema.py):
each field of the format becomes one input, so a field added to the format appears in the
editor without being written twice.

A field is described by a `Field`: its key, its kind (text, markup, list, object, choice,
line, number, date, time, words) and, for lists and objects, the fields of its model.
Form names are dotted paths (`sections.0.articles.1.title.fr`); `unflatten` turns the
posted names back into the mapping the issue file holds.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, field
from functools import cache

from pydantic import BaseModel

from mailer.issue.schema import Issue, Text


@dataclass(frozen=True)
class Field:
    key: str
    kind: str
    help: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    fields: tuple[Field, ...] = field(default_factory=tuple)


def _bare(annotation):
    """The annotation without `| None` and `Annotated[...]`."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:  # a date or "tba": typed as words
                return str
            annotation = args[0]
        else:
            return annotation


def _kind(key: str, annotation, help_text: str) -> Field | tuple[str, tuple]:
    bare = _bare(annotation)
    origin = typing.get_origin(bare)
    if bare is Text:
        return ("markup" if "markup" in help_text.lower() else "text"), ()
    if origin is list:
        (item,) = typing.get_args(bare)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "list", model_fields(item)
        return "words", ()  # languages: "fr en"
    if origin is dict:
        return "pairs", ()  # fallbacks: "de:en"
    if origin is typing.Literal:
        return "choice", typing.get_args(bare)
    if isinstance(bare, type) and issubclass(bare, BaseModel):
        return "object", model_fields(bare)
    if bare is int:
        return "number", ()
    if bare is dt.date:
        return "date", ()
    if bare is dt.time:
        return "time", ()
    return "line", ()


@cache
def model_fields(model: type[BaseModel]) -> tuple[Field, ...]:
    """The fields of `model`, in the schema's order."""
    out = []
    for key, info in model.model_fields.items():
        help_text = " ".join((info.description or "").split())
        kind, extra = _kind(key, info.annotation, help_text)
        choices = extra if kind == "choice" else ()
        fields = extra if kind in ("list", "object") else ()
        out.append(Field(key, kind, help_text, info.is_required(), choices, fields))
    return tuple(out)


def issue_fields() -> tuple[Field, ...]:
    return model_fields(Issue)


class FieldNameInvalid(ValueError):
    """A posted name that is no path of the format (`sections.0` beside
    `sections.0.kind`, `title.fr.x`): no form of the editor posts it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _set(into: dict, parts: list[str], value: str) -> None:
    """`value` at the path `parts`; FieldNameInvalid when another name already holds a
    value where this one needs an object, or the other way round (`x.y` and `x.y.z`)."""
    node: dict = into
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise FieldNameInvalid(".".join(parts))
    if isinstance(node.get(parts[-1]), dict):
        raise FieldNameInvalid(".".join(parts))
    node[parts[-1]] = value


def _listify(node, fields: tuple[Field, ...]):
    """Posted dicts keyed "0", "1"… become lists, in index order; values typed by kind."""
    out = {}
    by_key = {f.key: f for f in fields}
    for key, value in node.items():
        spec = by_key.get(key)
        if spec is None:
            continue
        if spec.kind == "list":
            items = [value[i] for i in sorted(value, key=int)] if isinstance(value, dict) else []
            out[key] = [_listify(item, spec.fields) for item in items]
        elif spec.kind == "object":
            out[key] = _listify(value, spec.fields) if isinstance(value, dict) else {}
        else:
            out[key] = _typed(spec, value)
    return out


def _typed(spec: Field, value):
    if spec.kind in ("text", "markup"):
        return {lang: text.replace("\r\n", "\n").strip() for lang, text in value.items()} \
            if isinstance(value, dict) else {}
    value = value.strip() if isinstance(value, str) else ""
    if spec.kind == "number" and value.isdigit():
        return int(value)
    if spec.kind == "words":
        return value.replace(",", " ").split()
    if spec.kind == "pairs":
        return dict(pair.split(":", 1) for pair in value.replace(",", " ").split() if ":" in pair)
    return value


def prune(value):
    """Without empty texts, lists and objects: what the author left blank is not written."""
    if isinstance(value, dict):
        kept = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ("", {}, [], None)}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


INDEX = re.compile(r"^\d+$")


def _fits(parts: list[str], fields: tuple[Field, ...]) -> bool:
    """Whether the dotted path `parts` follows the format: a list's index then one of its
    item's fields, an object's field, a text's language, nothing after a leaf. A key the
    format does not know ends the check (it is left out of the issue)."""
    spec = next((f for f in fields if f.key == parts[0]), None)
    rest = parts[1:]
    if spec is None:
        return True
    if spec.kind == "list":
        return len(rest) >= 2 and bool(INDEX.match(rest[0])) and _fits(rest[1:], spec.fields)
    if spec.kind == "object":
        return bool(rest) and _fits(rest, spec.fields)
    if spec.kind in ("text", "markup"):
        return len(rest) == 1
    return not rest


def unflatten(form: typing.Iterable[tuple[str, str]]) -> dict:
    """The issue mapping of the posted form fields (names are dotted paths);
    FieldNameInvalid for a name of an issue field that is no path of the format."""
    raw: dict = {}
    for name, value in form:
        parts = name.split(".")
        if parts[0] in {f.key for f in issue_fields()}:
            if not all(parts) or not _fits(parts, issue_fields()):
                raise FieldNameInvalid(name)
            _set(raw, parts, value)
    return prune(_listify(raw, issue_fields()))


def flatten(value, prefix: str = "") -> typing.Iterator[tuple[str, str]]:
    """The form fields of an issue mapping, (dotted name, value) as the editor posts them:
    the inverse of `unflatten`."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}{key}.")
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}{index}.")
    elif isinstance(value, list):
        yield prefix[:-1], " ".join(value)
    elif isinstance(value, dt.time):
        yield prefix[:-1], value.strftime("%H:%M")
    else:
        yield prefix[:-1], "" if value is None else str(value)


def emptied(data: dict, fields: tuple[Field, ...] = ()) -> dict:
    """A copy of `data` with every text emptied (the "copy of the last issue")."""
    fields = fields or issue_fields()
    out = {}
    for spec in fields:
        if spec.key not in data:
            continue
        value = data[spec.key]
        if spec.kind in ("text", "markup"):
            out[spec.key] = {lang: "" for lang in value}
        elif spec.kind == "list":
            out[spec.key] = [emptied(item, spec.fields) for item in value]
        elif spec.kind == "object":
            out[spec.key] = emptied(value, spec.fields)
        else:
            out[spec.key] = value
    return out


def shown(spec: Field, value) -> str:
    """A leaf value as its input shows it."""
    if value is None:
        return ""
    if spec.kind == "words":
        return " ".join(value)
    if spec.kind == "pairs":
        return " ".join(f"{k}:{v}" for k, v in value.items())
    if spec.kind == "time" and isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, int) and spec.kind == "time":  # 09:30 read by YAML 1.1 as 570
        return f"{value // 60:02d}:{value % 60:02d}"
    return str(value)
