"""DKIM signatures (RFC 6376), made with `cryptography` in well under a millisecond.

dkimpy signs in pure Python (about 8 ms a message here); the same signature is made
here from the pieces we know the shape of: our own headers (one line each), relaxed
header canonicalization, simple body canonicalization, rsa-sha256 or ed25519-sha256
(RFC 8463). tests/sending/test_dkim.py checks every signature with dkimpy's verifier.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import time
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

SIGNED = ("from", "to", "subject", "date", "message-id", "reply-to", "list-id",
          "list-unsubscribe", "list-unsubscribe-post", "mime-version", "content-type")
_SPACES = re.compile(rb"[ \t]+")
MIN_RSA_BITS = 1024  # RFC 8301 3.2: verifiers must not accept smaller RSA keys


@lru_cache(maxsize=64)  # the headers shared by an edition's messages: once, not per message
def _relaxed(name: bytes, value: bytes) -> bytes:
    value = _SPACES.sub(b" ", value.replace(b"\r\n", b"")).strip()
    return name.strip().lower() + b":" + value


class DkimSigner:
    def __init__(self, key_file: Path, selector: str, domain: str) -> None:
        pem = key_file.read_bytes()
        try:
            self.key = serialization.load_pem_private_key(pem, password=None)
        except ValueError as error:  # cryptography's words name its parser, not the file
            raise ValueError("a PEM file with no private key in it (a public key or a "
                             "certificate?)" if b"-----BEGIN" in pem and b"PRIVATE KEY" not in pem
                             else "not a PEM private key file") from error
        if isinstance(self.key, rsa.RSAPrivateKey):
            if self.key.key_size < MIN_RSA_BITS:
                raise ValueError(f"an RSA key of {self.key.key_size} bits, which verifiers "
                                 f"refuse (RFC 8301: at least {MIN_RSA_BITS}; use 2048)")
            self.algorithm = "rsa-sha256"
        elif isinstance(self.key, ed25519.Ed25519PrivateKey):
            self.algorithm = "ed25519-sha256"
        else:
            raise ValueError("not an RSA or Ed25519 private key, the two DKIM signs with")
        self.selector, self.domain = selector, domain

    def _sign(self, data: bytes) -> bytes:
        if self.algorithm == "rsa-sha256":
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.key.sign(hashlib.sha256(data).digest())

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature header in front."""
        end = message.index(b"\r\n\r\n")
        # Simple body canonicalization (RFC 6376 3.4.3): one CRLF at the end. Ours already
        # ends so, and is hashed in place; any other is copied and made so.
        head, body = message[:end], memoryview(message)[end + 4:]
        if body[-2:] != b"\r\n" or body[-4:] == b"\r\n\r\n":
            body = bytes(body).rstrip(b"\r\n") + b"\r\n"
        headers = {}
        for line in re.split(rb"\r\n(?![ \t])", head):
            name, _, value = line.partition(b":")
            headers.setdefault(name.strip().lower().decode(), (name, value))
        signed = [name for name in SIGNED if name in headers]
        body_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
        field = (f"v=1; a={self.algorithm}; c=relaxed/simple; d={self.domain}; "
                 f"s={self.selector}; t={int(time.time())}; h={':'.join(signed)}; "
                 f"bh={body_hash}; b=")
        data = b"".join(_relaxed(*headers[name]) + b"\r\n" for name in signed)
        data += _relaxed(b"DKIM-Signature", field.encode())
        signature = base64.b64encode(self._sign(data)).decode()
        return f"DKIM-Signature: {field}{signature}\r\n".encode() + message


# Per process: (the key file's identity when read, its signer), by setting.
_signers: dict[tuple[str, str, str], tuple[tuple, DkimSigner]] = {}
# What reading a key file may raise: a file missing, a folder or unreadable (OSError), an
# encrypted key (TypeError), anything else that is no key DKIM signs with.
KEY_ERRORS = (OSError, TypeError, ValueError, UnsupportedAlgorithm)


def signer_for(settings) -> DkimSigner | None:
    """The signer the settings ask for, or None: no DKIM here. Kept per process and read
    again when its file changed (one stat): a key removed, made unreadable or replaced
    while a worker runs is found by its next batch, and a mended key is taken without a
    restart. Raises one of KEY_ERRORS (key_problem says it in words)."""
    if not settings.dkim_key_file:
        return None
    domain = settings.dkim_domain or settings.from_address.rpartition("@")[2]
    key = (settings.dkim_key_file, settings.dkim_selector, domain)
    path = Path(settings.dkim_key_file)
    found = os.stat(path)  # before the read: a file replaced after it is read again next time
    identity = (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns,
                found.st_ctime_ns)  # ctime: a chmod or chown too
    kept = _signers.get(key)
    if kept is None or kept[0] != identity:
        kept = _signers[key] = identity, DkimSigner(path, settings.dkim_selector, domain)
    return kept[1]


def key_problem(settings) -> str | None:
    """Why the DKIM key the settings name (INFOLETTRE_DKIM_KEY_FILE) cannot sign, said for a
    person with the fix; None when it signs, or when DKIM is off. Asked before a send is
    created and as a worker starts; a batch that finds it so pauses its campaign with it
    (workers.sending)."""
    try:
        signer_for(settings)
    except KEY_ERRORS as error:
        return problem(settings, error)
    return None


def problem(settings, error: Exception) -> str:
    """`error`, one of KEY_ERRORS met reading the key file, in words with the fix."""
    if isinstance(error, FileNotFoundError):
        reason = "no such file"
    elif isinstance(error, IsADirectoryError):
        reason = "a folder, not a file"
    elif isinstance(error, PermissionError):
        reason = "not readable by this user"
    elif isinstance(error, TypeError):  # load_pem_private_key: the key is encrypted
        reason = "an encrypted key (DKIM keys are read without a password)"
    elif isinstance(error, OSError):
        reason = f"cannot be read ({error.strerror or error})"
    else:
        reason = str(error)
    return (f"INFOLETTRE_DKIM_KEY_FILE ({settings.dkim_key_file}): {reason}; give the PEM "
            "file of an RSA (2048 bits) or Ed25519 private key, or unset it to send unsigned")
