"""Editions rendered once per content: `validate`, `render`, `preview`, a test send and the
console keep what they rendered, so that the send that follows queues at once instead of
rendering the same issue again (half a second, and the renderer's imports).

The key is a hash of everything a render reads: the issue file's bytes, the templates and
catalogues, the settings, the code of the `mailer` package and the versions of the
renderer's libraries. Any change to one of them is another key: a kept edition is never
sent for a file, template or setting it was not rendered from. The editions are kept in
`home/editions/` (the web app and the command line share them); a damaged file is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from importlib.util import find_spec
from pathlib import Path

from mailer.edition import Edition
from mailer.file_names import shown_name
from mailer.regular_file import read_head
from mailer.settings import get_settings

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE.parent / "templates"
# The libraries a render runs through: another version may write other HTML.
LIBRARIES = ("mjml", "premailer", "cssutils", "lxml", "jinja2", "babel")
KEPT = 32  # edition files kept in the folder, the newest
MAX_BYTES = 1_000_000  # mailer.issue.loader's bound: a larger file is not read here


def _tree(digest, folder: Path, pattern: str) -> None:
    for path in sorted(folder.rglob(pattern)) if folder.is_dir() else ():
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")


def _libraries(digest) -> None:
    for name in LIBRARIES:
        spec = find_spec(name)  # finds the package without importing it
        if spec is not None and spec.origin:
            stat = os.stat(spec.origin)
            digest.update(f"{name}:{spec.origin}:{stat.st_size}:{stat.st_mtime_ns}\0".encode())


def _source(path: Path) -> bytes | None:
    try:
        source = read_head(path, MAX_BYTES + 1)
    except OSError:  # NotRegular too: the render says why
        return None
    return source if len(source) <= MAX_BYTES else None


def key(path: Path) -> str | None:
    """The content hash of the editions of the issue file `path` in all its languages;
    None when the file cannot be read within bounds (the render says why)."""
    source = _source(path)
    if source is None or shown_name(path) is not None:  # the render says a name not UTF-8
        return None
    settings = get_settings()
    digest = hashlib.sha256()
    digest.update(path.stem.encode() + b"\0" + source + b"\0")  # the stem is the slug
    digest.update(settings.model_dump_json().encode() + b"\0")
    _tree(digest, TEMPLATES, "*")
    _tree(digest, PACKAGE, "*.py")
    _tree(digest, PACKAGE / "templates", "*")
    if settings.catalogues_dir:
        _tree(digest, Path(settings.catalogues_dir), "*")
    _libraries(digest)
    return digest.hexdigest()


def _folder() -> Path:
    return get_settings().home / "editions"


def load(digest: str) -> dict[str, Edition] | None:
    """The editions kept under `digest`, or None."""
    try:
        kept = json.loads((_folder() / f"{digest}.json").read_text(encoding="utf-8"))
        return {item["language"]: Edition(**{**item, "summarised": tuple(item["summarised"])})
                for item in kept}
    except (OSError, ValueError, TypeError, KeyError):
        return None


def store(digest: str, editions: dict[str, Edition]) -> None:
    """Keep `editions` under `digest` (written whole or not at all); the oldest files beyond
    KEPT go. A folder that cannot be written only costs the next send a render."""
    folder = _folder()
    out = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, suffix=".tmp",
                                         delete=False) as out:
            json.dump([asdict(edition) for edition in editions.values()], out)
        os.replace(out.name, folder / f"{digest}.json")
        kept = sorted(folder.glob("*.json"), key=lambda item: item.stat().st_mtime)
        for old in kept[:-KEPT]:
            old.unlink(missing_ok=True)
    except OSError:
        if out is not None:
            Path(out.name).unlink(missing_ok=True)


def kept(path: str | Path) -> dict[str, Edition] | None:
    """The editions of the issue in `path` as they were rendered from its present content,
    or None: nothing of the renderer or of the issue format is imported to find them."""
    digest = key(Path(path))
    return load(digest) if digest else None


def editions_of(path: str | Path) -> dict[str, Edition]:
    """Every language of the issue in `path`, as mailer.render.render_file gives them
    (IssueInvalid, FileNotFoundError alike), rendered only if not kept already."""
    path = Path(path)
    digest = key(path)
    found = load(digest) if digest else None
    if found is not None:
        return found
    from mailer.render import render_file

    editions = render_file(path)
    if digest and key(path) == digest:  # the file did not change while it was rendered
        store(digest, editions)
    return editions
