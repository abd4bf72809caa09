"""Real servers for the tests, each started on 127.0.0.1 on a free port and stopped after.

Every wait here is bounded: a server that does not come up fails the test with its log.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def _as_postgres_user() -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class RedisServer:
    """A redis-server process that a test can stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="redis-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # appendonly: a restart keeps the queued messages, as a production Redis would.
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.dir, "--appendonly", "yes", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, proc=self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary folder."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pg-"))
        self.proc: subprocess.Popen | None = None
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            raise RuntimeError("PostgreSQL is not installed (Debian package postgresql)")
        self.bin = Path(bins[-1])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        subprocess.run(
            [*_as_postgres_user(), str(self.bin / "initdb"), "-D", str(data), "-U", "postgres",
             "-A", "trust", "--no-sync", "-E", "UTF8"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        self.proc = subprocess.Popen(
            [*_as_postgres_user(), str(self.bin / "postgres"), "-D", str(data),
             "-p", str(self.port), "-h", "127.0.0.1", "-k", str(self.dir),
             "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout=30, proc=self.proc)

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class SmtpCatcher:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives.

    A test can make it answer as a relay in trouble would:
    `reject_rcpt[address] = "550 5.1.1 No such user"` refuses one recipient,
    `temporary_failures = 2` answers the next two RCPTs with 451,
    `refuse_rcpt = "554 5.7.1 Relay access denied"` refuses every recipient,
    `refuse_mail = "550 5.7.1 Sender rejected"` refuses every MAIL FROM,
    `pipelining = False` makes it a relay that does not offer PIPELINING (RFC 2920).
    """

    port: int = field(default_factory=free_port)
    messages: list[Message] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # each message as it came
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    reject_rcpt: dict[str, str] = field(default_factory=dict)
    temporary_failures: int = 0
    temporary_reply: str = "451 4.3.0 Try again later"
    data_delay: float = 0.0  # seconds before answering DATA: a slow relay
    drop_at_rcpt: int = 0  # the connection is cut at the Nth RCPT from now (1: the next)
    smtputf8: bool = False  # offer SMTPUTF8 (RFC 6531): UTF-8 addresses and headers
    refuse_rcpt: str = ""
    refuse_mail: str = ""
    pipelining: bool = True  # offer PIPELINING (RFC 2920), as Postfix does; False: a relay without

    async def handle_EHLO(self, server: SMTP, session, envelope: Envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")  # aiosmtpd reads pipelined commands in turn
        return responses

    async def handle_MAIL(self, server: SMTP, session, envelope: Envelope, address, options):
        if self.refuse_mail:
            return self.refuse_mail
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session, envelope: Envelope, address, options):
        if self.drop_at_rcpt:
            self.drop_at_rcpt -= 1
            if not self.drop_at_rcpt:
                server.transport.close()
                return "421 4.4.2 Connection dropped"
        if self.temporary_failures > 0:
            self.temporary_failures -= 1
            return self.temporary_reply
        if address.lower() in self.reject_rcpt:
            return self.reject_rcpt[address.lower()]
        if self.refuse_rcpt:
            return self.refuse_rcpt.replace("<addr>", f"<{address}>")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session, envelope: Envelope) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.raw.append(envelope.original_content or envelope.content)
        self.messages.append(message_from_bytes(self.raw[-1]))
        return "250 Message accepted"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                      enable_SMTPUTF8=self.smtputf8)
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        if len(self.messages) < count:
            raise TimeoutError(f"{len(self.messages)} of {count} messages after {timeout}s")
        return self.messages

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


# aiosmtpd needs an event loop policy that works from a test thread.
asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())

CHROMIUM = "/usr/bin/chromium"
# Without these flags Chromium tries to reach Google's hosts at every start.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class DovecotServer:
    """A real IMAP server (Dovecot) on 127.0.0.1 with one mailbox user, in a temp folder.

    Dovecot's processes drop root, so the folder is made world-traversable (tmp_path is not).
    """

    USER, PASSWORD = "bounces", "bounce-secret"

    def __init__(self, tls: bool = False) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="dovecot-"))
        self.dir.chmod(0o755)
        self.tls = tls
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        if self.tls:  # TLS from the first byte, with the test certificate as CA
            return (f"imaps://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/INBOX"
                    f"?cafile={self.dir / 'cert.pem'}")
        return f"imap://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def start(self) -> None:
        (self.dir / "mail").mkdir(mode=0o777)
        (self.dir / "mail").chmod(0o777)
        (self.dir / "run").mkdir()
        (self.dir / "passwd").write_text(f"{self.USER}:{{PLAIN}}{self.PASSWORD}\n")
        internal = "dovecot" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
        tls = ""
        if self.tls:
            from tests.support.tls import self_signed

            cert, key = self_signed(self.dir)
            key.chmod(0o644)
            tls = f"ssl = required\nssl_cert = <{cert}\nssl_key = <{key}\n"
        plain, secure = (0, self.port) if self.tls else (self.port, 0)
        (self.dir / "dovecot.conf").write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.dir}/run
state_dir = {self.dir}/run
log_path = {self.dir}/dovecot.log
{tls or "ssl = no"}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{self.dir}/mail/%u
first_valid_uid = 1
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {"dovenull" if os.geteuid() == 0 else internal}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.dir}/passwd
}}
userdb {{
  driver = static
  args = uid={internal} gid={internal} home={self.dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {secure}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
""")
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", str(self.dir / "dovecot.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, proc=self.proc)

    def client(self):
        import imaplib
        import ssl

        if self.tls:
            context = ssl.create_default_context(cafile=self.dir / "cert.pem")
            imap = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=10)
        else:
            imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(self.USER, self.PASSWORD)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        imap = self.client()
        imap.append(folder, None, None, raw)
        imap.logout()

    def count(self, folder: str) -> int:
        imap = self.client()
        status, data = imap.select(folder, readonly=True)
        imap.logout()
        return int(data[0]) if status == "OK" else 0

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
