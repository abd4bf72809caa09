"""Where a `next` parameter may send the browser: a path of this site, nothing else.

Browsers are lenient where our checks are strict: they drop tabs and newlines inside URLs
(`/%09/evil.example/` arrives as `/\t/evil.example/`, followed as `//evil.example/`), read
`\\` as `/`, and resolve `//host` against the current scheme. So, like Django's
`url_has_allowed_host_and_scheme` but narrower, a target is refused if it has any control
character, space, backslash or percent sign anywhere, or is not a plain `/path` (scheme,
host, `//` at the start). Refused targets fall back to a default chosen by the caller.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# One leading slash, then path and query characters only: no "%" (encoded tricks, decoded
# by the next hop), no "\\", no whitespace or control characters, no "//" at the start.
_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*")
MAX_LENGTH = 2000


def is_local_path(target: object) -> bool:
    """True when `target` (any value, usually a query parameter) is a path of this site."""
    if not isinstance(target, str) or len(target) > MAX_LENGTH:
        return False
    if _PATH.fullmatch(target) is None:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and parts.path.startswith("/")


def local_target(target: object, default: str) -> str:
    """`target` when it is a path of this site (see `is_local_path`), else `default`."""
    return target if is_local_path(target) else default  # type: ignore[return-value]
