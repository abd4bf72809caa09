"""Images of issues: checked from their content, resized for email and served at a stable
public URL. An email cannot carry its images well; it links to them here.

Each upload is decoded by Pillow (the name and the declared type are ignored), turned
upright, stripped of its metadata (EXIF places, camera serials) and stored twice: 600 px
wide for the email's column, 1,200 px for high-density screens, never enlarged. The issue
file records the 600 px URL; the 1,200 px one is derived from it (`high_density`), so an
image of someone else's (any https:// URL) is written as it is given. WebP,
which Outlook does not show, becomes JPEG (PNG when it has transparency). The stored name
is the hash of the content, so a URL never changes what it shows: served with a year of
caching.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, abort, send_from_directory
from PIL import Image, ImageOps, UnidentifiedImageError

from mailer.settings import get_settings

ACCEPTED = {"JPEG", "PNG", "WEBP"}
WIDTHS = (600, 1200)
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
MAX_BYTES = 15 * 1024 * 1024
NAME = re.compile(r"[0-9a-f]{24}(@2x)?\.(jpg|png)")
STORED = re.compile(r"/images/([0-9a-f]{24})\.(jpg|png)")

bp = Blueprint("images", __name__, url_prefix="/images")


class ImageRefused(ValueError):
    """Not an image we take; `reason` is a key of the console's words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def folder() -> Path:
    # Absolute: Flask reads a relative folder from its package, not the working folder
    # (`.infolettre`, the default home, served nothing).
    return (Path(get_settings().home) / "images").absolute()


def _opened(data: bytes) -> Image.Image:
    if len(data) > MAX_BYTES:
        raise ImageRefused("image_too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED:
                raise ImageRefused("image_type")
            if image.width * image.height > MAX_PIXELS:
                raise ImageRefused("image_too_large")
            image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageRefused("image_too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ImageRefused("image_type") from None
    return image


def _encoded(image: Image.Image, width: int, kind: str) -> bytes:
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)),
                             Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if kind == "png":
        image.save(out, "PNG", optimize=True)
    else:
        image.convert("RGB").save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()  # saved without exif= or pnginfo=: no metadata goes along


def store(data: bytes) -> dict:
    """Checks, resizes and keeps the uploaded `data`; {url, url_2x, width} (width: px of
    the email version). ImageRefused for anything but a JPEG, PNG or WebP image."""
    image = ImageOps.exif_transpose(_opened(data))
    alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
    kind = "png" if image.format == "PNG" or alpha else "jpg"
    image = image.convert("RGBA" if kind == "png" and alpha else "RGB")
    versions = {size: _encoded(image, size, kind) for size in WIDTHS}
    key = hashlib.sha256(versions[WIDTHS[0]]).hexdigest()[:24]
    folder().mkdir(parents=True, exist_ok=True)
    names = {600: f"{key}.{kind}", 1200: f"{key}@2x.{kind}"}
    for size, name in sorted(names.items(), reverse=True):  # the 2x first: a 1x implies it
        target = folder() / name
        if not target.exists():
            scratch = target.with_suffix(".part")
            scratch.write_bytes(versions[size])
            scratch.replace(target)
    base = get_settings().base_url.rstrip("/")
    return {"url": f"{base}/images/{names[600]}", "url_2x": f"{base}/images/{names[1200]}",
            "width": min(image.width, 600)}


@lru_cache(maxsize=1024)
def _size(name: str) -> tuple[int, int] | None:
    # Names are content hashes: a file's size never changes, so it is read once.
    try:
        with Image.open(folder() / name) as stored:  # the header only, not the pixels
            return stored.size
    except (OSError, UnidentifiedImageError):
        return None


def high_density(url: str) -> tuple[str, tuple[int, int] | None] | None:
    """The 1,200 px version of an image stored here (`url` as `store` gave it, on this
    site's base URL) and its (width, height) in px, None when its file is not on this
    machine; None for any other address (an image of someone else's is used as given)."""
    base, address = urlsplit(get_settings().base_url), urlsplit(url)
    prefix = base.path.rstrip("/")
    found = STORED.fullmatch(address.path[len(prefix):]) \
        if address.path.startswith(prefix + "/") else None
    if found is None or (address.scheme, address.netloc) != (base.scheme, base.netloc) \
            or address.query or address.fragment:
        return None
    name = f"{found[1]}@2x.{found[2]}"
    return url[: url.rindex("/") + 1] + name, _size(name)


@bp.get("/<name>")
def image(name: str):
    if not NAME.fullmatch(name):
        abort(404)
    response = send_from_directory(folder(), name, max_age=365 * 24 * 3600)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
