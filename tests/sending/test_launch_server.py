"""`infolettre send --yes` handed to a running worker (workers.launch_server), through real
Celery workers, a real SMTP server, on SQLite and PostgreSQL: the worker makes the send
and says what the command would say, word for word; whenever it cannot (other settings, an
issue not rendered, no worker), the command makes the send itself; nobody is mailed twice.
The command is run as a user runs it (subprocesses); `cold` adds a setting the worker does
not have, so that the command makes the send itself, for the same words to compare."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import select

from mailer import db
from mailer.launch_client import Lines, fingerprint, send_line
from tests.sending.conftest import EXAMPLE, add_subscribers, worker_env
from tests.sending.test_one_number_workers import wait_done
from tests.support.webapp import CeleryWorker, infolettre_env
from workers.models import Campaign

TOOK = "made for `infolettre send"


def home_env(tmp_path, **settings):
    """A home with its database in place, for a command (and a worker or a listener)."""
    (tmp_path / "home").mkdir()
    env = infolettre_env(tmp_path / "home", **settings)
    db.upgrade(env["INFOLETTRE_DATABASE_URL"])
    return env


def run(env, *args, cold=False):
    env = {**env, "INFOLETTRE_UNUSED": "cold"} if cold else env
    done = subprocess.run([sys.executable, "-m", "mailer", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(params=["sqlite", "postgresql"])
def workers(request, tmp_path, redis_server, smtp_server):
    env, url = worker_env(request, tmp_path, redis_server, smtp_server)
    log = tmp_path / "worker.log"
    worker = CeleryWorker(env, log).start()
    yield env, url, log
    worker.stop()


def test_the_worker_makes_the_send_with_the_commands_words(workers, smtp_server):
    env, url, log = workers
    add_subscribers(url, 6)
    assert run(env, "validate", str(EXAMPLE))[0] == 0  # keeps the editions, as staff do
    status, out, err = run(env, "send", str(EXAMPLE), "--yes")
    assert status == 0, err
    assert out == (f"{EXAMPLE}: 6 subscribers will receive it (en: 2, fr: 4).\n"
                   "campaign 1 queued; follow it with: infolettre campaign status 1 --follow\n")
    assert f"campaign 1 {TOOK} {EXAMPLE}`" in log.read_text()
    wait_done(url, 1)
    assert sorted(message["To"] for message in smtp_server.wait_for(6)) == [
        f"reader{n:05d}@example.org" for n in range(6)]
    # Refused alike, by the worker and by the command: sent already, test addresses, --at.
    for args in ((), ("--test-to", "a@example.org,not-an-address"), ("--at", "2001-01-01 08:00"),
                 ("--test-to", "")):
        warm = run(env, "send", str(EXAMPLE), "--yes", *args)
        assert warm == run(env, "send", str(EXAMPLE), "--yes", *args, cold=True)
        assert warm[0] in (0, 2) and "Traceback" not in warm[2], warm
    assert log.read_text().count(TOOK) == 1
    time.sleep(1)
    assert len(smtp_server.messages) == 6  # nobody twice


def test_what_the_worker_cannot_say_the_command_makes_itself(workers, smtp_server, tmp_path):
    env, url, log = workers
    add_subscribers(url, 3)
    other = tmp_path / "092.yaml"  # never validated: the worker does not render
    other.write_text(EXAMPLE.read_text().replace("number: 91", "number: 92"))
    status, out, err = run(env, "send", str(other), "--yes")
    assert status == 0 and "campaign 1 queued" in out, err
    assert "the issue is not rendered yet" in log.read_text()
    status, out, err = run(env, "send", str(EXAMPLE), "--yes", "--test-to", "t@example.org",
                           cold=True)  # other settings: the command's own
    assert status == 0 and "campaign 2 queued" in out, err
    assert "other settings" in log.read_text() and TOOK not in log.read_text()
    wait_done(url, 1)
    wait_done(url, 2)
    assert len(smtp_server.wait_for(5)) == 5  # 3 readers, the test address in fr and en


def test_one_worker_per_home_listens_and_its_socket_goes_with_it(tmp_path, redis_server,
                                                               smtp_server):
    env = home_env(tmp_path, broker_url=redis_server.url, smtp_url=smtp_server.url)
    first = CeleryWorker(env, tmp_path / "first.log").start()
    second = CeleryWorker(env, tmp_path / "second.log").start()
    sock = tmp_path / "home" / "worker.sock"
    assert "takes `infolettre send --yes`" in (tmp_path / "first.log").read_text()
    assert "takes `infolettre send --yes`" not in (tmp_path / "second.log").read_text()
    assert sock.exists() and oct(sock.stat().st_mode & 0o777) == "0o600"
    first.stop()
    assert not sock.exists()
    second.stop()


class Peer:
    """A listener on the home's socket that takes the send and then goes away (as a worker
    killed while it makes it), or never answers (a worker stopped, SIGSTOP)."""

    def __init__(self, path, takes: bool) -> None:
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(1)
        self.takes = takes
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        conn, _ = self.listener.accept()
        said = Lines(conn)
        said.next(30)
        if self.takes:
            send_line(conn, {"accepted": True})
            said.next(30)  # go
            send_line(conn, {"say": "one line", "err": False})
            conn.close()
        else:
            time.sleep(30)


def test_a_worker_that_takes_the_send_and_goes_away_is_said(tmp_path):
    env = home_env(tmp_path)
    add = run(env, "validate", str(EXAMPLE))
    assert add[0] == 0
    Peer(tmp_path / "home" / "worker.sock", takes=True)
    status, out, err = run(env, "send", str(EXAMPLE), "--yes")
    assert status == 1 and out == "one line\n"
    assert err == ("the worker that took the send could not finish it (it ended the "
                   "connection): no campaign was created; nobody was sent anything\n")


def test_a_silent_worker_is_left_and_the_command_sends(tmp_path):
    env = home_env(tmp_path)
    assert run(env, "validate", str(EXAMPLE))[0] == 0
    Peer(tmp_path / "home" / "worker.sock", takes=False)
    started = time.monotonic()
    status, out, err = run(env, "send", str(EXAMPLE), "--yes")
    assert status == 0 and "Nothing to send" in out, err  # its own look: nobody on the list
    assert time.monotonic() - started >= 5  # launch_client.FIRST


def taken_by_a_listener(tmp_path):
    """A `send --yes` whose send a scripted worker took: (the command, its connection and
    what it says), once the command said `go`."""
    env = home_env(tmp_path)
    assert run(env, "validate", str(EXAMPLE))[0] == 0
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "home" / "worker.sock"))
    listener.listen(1)
    command = subprocess.Popen([sys.executable, "-m", "mailer", "send", str(EXAMPLE), "--yes"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    conn, _ = listener.accept()
    said = Lines(conn)
    said.next(30)
    send_line(conn, {"accepted": True})
    assert said.next(30) == {"go": True}  # the command waits for the worker now
    return command, conn, said


def test_ctrl_c_while_the_worker_makes_the_send_says_what_it_left(tmp_path):
    command, _, said = taken_by_a_listener(tmp_path)
    os.kill(command.pid, signal.SIGINT)  # before the commit: the worker writes nothing
    out, err = command.communicate(timeout=60)
    assert command.returncode == 130
    assert err.endswith("interrupted: no campaign was created; nobody was sent anything\n")
    assert said.next(30) is None  # the command's side closed: a worker asks its commit in vain


def test_ctrl_c_once_the_worker_may_commit_is_said_as_unknown(tmp_path):
    command, conn, said = taken_by_a_listener(tmp_path)
    send_line(conn, {"commit?": True})
    assert said.next(30) == {"commit": True}
    os.kill(command.pid, signal.SIGINT)  # a worker committing (held by a lock) says no end
    out, err = command.communicate(timeout=60)
    assert command.returncode == 130
    assert err == ("interrupted before the worker said what it made of the send: it may "
                   "write the campaign still, even after this command ended (`infolettre "
                   "campaign list` shows it once written; `infolettre campaign cancel N` "
                   "stops it)\n")


def test_a_worker_gone_after_the_commit_word_is_said_with_what_it_left(tmp_path):
    command, conn, said = taken_by_a_listener(tmp_path)
    send_line(conn, {"commit?": True})
    assert said.next(30) == {"commit": True}
    conn.close()  # killed: what it did is final, and the database says it
    out, err = command.communicate(timeout=60)
    assert command.returncode == 1
    assert err == ("the worker that took the send could not finish it (it ended the "
                   "connection): no campaign was created; nobody was sent anything\n")


def test_a_command_gone_before_the_commit_leaves_no_campaign(workers, monkeypatch):
    env, url, log = workers
    add_subscribers(url, 2)
    assert run(env, "validate", str(EXAMPLE))[0] == 0
    with monkeypatch.context() as patch:  # the command's settings: the worker's
        patch.setattr(os, "environ", dict(env))
        request = {"v": 1, "fingerprint": fingerprint(), "file": str(EXAMPLE), "test_to": None,
                   "at": None, "same_issue": False}
    command = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    command.connect(env["INFOLETTRE_HOME"] + "/worker.sock")
    command.settimeout(30)
    send_line(command, request)
    said = Lines(command)
    assert said.next(30) == {"accepted": True}
    send_line(command, {"go": True})
    command.shutdown(socket.SHUT_WR)  # gone before the commit, as an interrupted command
    while "end" not in (item := said.next(30)):
        assert "say" in item or "commit?" in item
    end = item["end"]
    assert end["campaign"] is None and "the command went away" in end["error"]
    assert TOOK not in log.read_text()
    with db.session_scope(url) as session:
        assert session.scalars(select(Campaign)).first() is None


def test_garbage_and_a_slow_client_hold_no_command(workers, smtp_server):
    env, url, log = workers
    add_subscribers(url, 2)
    assert run(env, "validate", str(EXAMPLE))[0] == 0
    path = env["INFOLETTRE_HOME"] + "/worker.sock"
    for garbage in (b"null\n", b"[]\n", b'"x"\n', b"\xff\xfe\n", b"{" * 100 + b"\n"):
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(path)
        client.sendall(garbage)
        client.settimeout(30)
        assert client.recv(100) == b""  # closed, nothing done
        client.close()
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.connect(path)
    slow.sendall(b"{")  # and nothing more: the worker answers the others meanwhile
    status, out, err = run(env, "send", str(EXAMPLE), "--yes")
    assert status == 0 and "campaign 1 queued" in out, err
    assert f"campaign 1 {TOOK}" in log.read_text()
    assert "Traceback" not in log.read_text()
    slow.close()
    wait_done(url, 1)
