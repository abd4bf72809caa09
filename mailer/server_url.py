"""The URLs of the servers a user configures (SMTP relay, bounce mailbox), read one way:
`scheme://user:password@host:port/path?cafile=…`, where the `s` scheme means TLS from the
first byte and `cafile` names a private CA for the server's certificate."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class ServerUrl:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None
    path: str
    options: dict[str, str]

    @classmethod
    def parse(cls, url: str, setting: str, scheme: str, ports: tuple[int, int]) -> ServerUrl:
        """`scheme` is the plain one (smtp, imap); `ports` the defaults, plain then TLS."""
        parts = urlsplit(url)
        if parts.scheme not in (scheme, f"{scheme}s"):
            raise ValueError(f"{setting}: {scheme}:// or {scheme}s://, not {url!r}")
        tls = parts.scheme == f"{scheme}s"
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or ports[tls],
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            path=parts.path.strip("/"),
            options={key: values[0] for key, values in parse_qs(parts.query).items()},
        )

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.options.get("cafile"))
