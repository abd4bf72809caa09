"""YAML tags written in an issue file: `!!binary aGVsbG8=`, `!!set`, `!!timestamp`, `!custom`.

A tag tells YAML what to make of a value. In an issue every value is text, a number, a
date, a list or key: value lines, all read from how they are written; a tag only turns the
text written into something else: `title: !!binary aGVsbG8=` was read as the title "hello",
which no one reading the file sees. So each explicit tag is refused at its line and field,
before anything is built from it (the loader is a SafeLoader: `!!python/object` builds no
object, but a constructor's error named no field). `!!str` (text is text), `!!map` on key:
value lines and `!!seq` on a list change nothing and are read.

A local tag (`!custom`, one `!`) is what YAML makes of a text that starts with an
exclamation mark (`!Nouveau` …): the fix says both ways.
"""

from __future__ import annotations

import yaml

from mailer.issue.yaml_errors import quoted

_YAML = "tag:yaml.org,2002:"
_HARMLESS = {yaml.ScalarEvent: _YAML + "str", yaml.MappingStartEvent: _YAML + "map",
             yaml.SequenceStartEvent: _YAML + "seq"}


def refused_tag(event: yaml.Event) -> str | None:
    """The explicit tag of `event` (a node's first event) that would make its value
    something else than it is written, as an author writes it (`!!binary`), or None."""
    tag = getattr(event, "tag", None)
    if tag is None or tag == "!" or _HARMLESS.get(type(event)) == tag:
        return None
    if tag.startswith(_YAML):
        return "!!" + tag.removeprefix(_YAML)
    return tag if tag.startswith("!") else f"!<{tag}>"


def tagged(node: yaml.Node, tags: dict[int, str], text: str, location: tuple = (),
           seen: set[int] | None = None):
    """(location, line from 1, message, code, values) for each node of `node` whose id is in
    `tags` (id → the tag written, as refused_tag says it), once: a value an alias repeats
    is said at its anchor."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if id(node) in tags:
        yield (location, node.start_mark.line + 1, *_said(node, tags[id(node)], text, location))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from tagged(key, tags, text, location, seen)
            yield from tagged(value, tags, text, (*location, key.value), seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from tagged(item, tags, text, (*location, index), seen)


def _said(node: yaml.Node, tag: str, text: str, location: tuple) -> tuple[str, str, dict]:
    message = (f"the YAML tag `{tag}` would read the value as something other than the text "
               f"written: remove the tag `{tag}`; write the text itself")
    written = text[node.start_mark.index:node.end_mark.index]
    if tag.startswith(("!!", "!<")) or not isinstance(node, yaml.ScalarNode) or "\n" in written:
        return message, "yaml_tag", {"tag": tag}
    # `fr: !Nouveau …`: more likely the author's own words than a tag.
    words = quoted(location[-1] if location else "key", written)
    return (f"{message} (or, if `{tag}` is part of the text, put the whole text in quotes: "
            f"{words})", "yaml_tag_local", {"tag": tag, "quoted": words})
