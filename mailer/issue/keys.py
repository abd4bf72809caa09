"""Mapping keys that are not names: `~:` or `? ~` (null), `1:`, `true:`, `1.5:`, a date, `"":`.

A key of an issue file is a field name or, in a text, a language code. YAML reads a plain
`~`, a number, `true` or a date as a value of that kind, and pydantic then named the place
by the value it got, `title.None.[key]`. Each such key is said here, on its own line, with
the path of the mapping that holds it and the keys that belong there.
"""

from __future__ import annotations

import yaml

from mailer.issue.messages import models_in

_TAG = "tag:yaml.org,2002:"
# What YAML made of a key, by its resolved tag: the console's word (`problem_key_<kind>`).
_KINDS = {"null": "empty", "bool": "yesno", "int": "number", "float": "decimal",
          "timestamp": "date"}
_WORDS = {"empty": "empty (~ or null)", "yesno": "a yes/no value ({key})",
          "number": "a number ({key})", "decimal": "a decimal number ({key})",
          "date": "a date ({key})", "other": "not a name ({key})"}


def odd_keys(node: yaml.Node, languages: list[str], location: tuple = ()):
    """(location of the mapping, line from 1, message, code, values) for each key of
    `node`'s mappings that is not a name; `languages` are the codes a text's keys are."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.tag == _TAG + "merge":  # `<<: *anchor`: its keys are said at the anchor
                continue
            kind = _kind(key)
            if kind:
                yield _said(location, key, kind, languages)
            yield from odd_keys(value, languages, (*location, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from odd_keys(item, languages, (*location, index))


def _kind(key: yaml.Node) -> str | None:
    if key.tag == _TAG + "str":
        return None if isinstance(key, yaml.ScalarNode) and key.value.strip() else "empty"
    return _KINDS.get(key.tag.removeprefix(_TAG), "other")


def _said(location: tuple, key: yaml.Node, kind: str, languages: list[str]) -> tuple:
    written = key.value if isinstance(key, yaml.ScalarNode) else ""
    fields = fields_at(location)
    values = {"key": written, "kind": kind}
    if fields is None:
        values["languages"] = ", ".join(languages)
        code, fix = "key_in_text", ("the keys of a text are its languages ({languages}): "
                                    "write the language before the colon")
    else:
        values["fields"] = ", ".join(fields[:4]) + (", …" if len(fields) > 4 else "")
        code, fix = "key_in_fields", ("the keys here are field names ({fields}): write the "
                                      "field's name before the colon")
    message = f"a key that is {_WORDS[kind]}: {fix}".format(**values)
    return location, key.start_mark.line + 1, message, code, values


def fields_at(location: tuple) -> tuple[str, ...] | None:
    """The field names of the part of an issue at `location` (the issue's own at ()); None
    where the keys are language codes (a text, `fallbacks`) or the place is unknown."""
    from pydantic import RootModel

    from mailer.issue.schema import Issue

    models: list = [Issue]
    for part in location:
        if isinstance(part, int):  # an item of a list: the list's own model
            continue
        models = [inner for model in models if part in model.model_fields
                  for inner in models_in(model.model_fields[part].annotation)]
    models = [model for model in models if not issubclass(model, RootModel)]
    return tuple(models[0].model_fields) if models else None
