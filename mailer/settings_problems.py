"""A setting Infolettre cannot read, said as `INFOLETTRE_X: what is wrong: how to write it`
by every command and at the web app's and the workers' start, never as a traceback.

pydantic-settings reads a list (or any complex) setting as JSON and raises its SettingsError
naming only the field; a value of the wrong type or out of bounds is pydantic's
ValidationError, one entry per field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from pydantic import ValidationError
from pydantic_settings import SettingsError

PREFIX = "INFOLETTRE_"
# pydantic's error type -> how to write the value instead
_FIXES = {
    "int_parsing": "write a whole number, e.g. 10",
    "int_from_float": "write a whole number, e.g. 10",
    "float_parsing": "write a number, e.g. 2.5",
    "bool_parsing": "write true or false",
}


class SettingInvalid(Exception):
    """An INFOLETTRE_* variable's value that cannot be read; the message names it and the
    fix. A user's error (exit status 2), not a bug."""


def read(factory: Callable, fields: dict) -> object:
    """`factory()` (the Settings), or SettingInvalid saying every value it refused.
    `fields` is the Settings' model_fields (their defaults show how to write a list)."""
    try:
        return factory()
    except SettingsError as error:  # a list (JSON) setting that is not JSON
        found = re.search(r'field "(\w+)"', str(error))
        name = found.group(1) if found else ""
        raise SettingInvalid(_not_json(name, fields.get(name))) from None
    except ValidationError as error:
        raise SettingInvalid("\n".join(map(_said, error.errors()))) from None


def _not_json(name: str, field) -> str:
    example = field.get_default(call_default_factory=True) if field is not None else None
    if not isinstance(example, list) or not example:
        example = ["first", "second"]
    written = json.dumps(example, separators=(",", ":"))
    return (f"{PREFIX}{name.upper()} is a list, written in JSON: "
            f"{PREFIX}{name.upper()}='{written}'")


def _said(error: dict) -> str:
    name = PREFIX + str(error["loc"][0]).upper() if error["loc"] else PREFIX.rstrip("_")
    message = error["msg"].removeprefix("Value error, ")
    fix = _FIXES.get(error["type"])
    value = error.get("input")
    shown = f" (it is {value!r})" if isinstance(value, str) else ""
    return f"{name}{shown}: {message}" + (f": {fix}" if fix else "")
