"""RSA signatures made in a child process (mailer.signing): the same signatures, the worker's
other threads running meanwhile, and any trouble with the child costing speed, never a
message."""

import base64
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailer import signing
from mailer.dkim import DkimSigner
from tests.sending.conftest import add_subscribers
from tests.sending.test_send_batch import deliveries, run
from workers.models import DeliveryState

DATA = b"from:Infolettre <infolettre@example.org>\r\nto:anne@example.org\r\n" * 12


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("dkim") / "key.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


@pytest.fixture
def signer(key_file):
    made = DkimSigner(key_file, "infolettre", "example.org", own_process=True)
    yield made
    made.process.close()


def test_the_child_signs_as_the_worker_would(key_file, signer):
    alone = DkimSigner(key_file, "infolettre", "example.org")
    assert signer.process.sign(DATA) == alone._sign(DATA)  # PKCS#1 v1.5 is deterministic


def test_another_thread_runs_while_the_child_signs(signer):
    """The point of the child: the worker's other batch is not stopped by a signature."""
    signer.process.start()
    turns, stop = [0], threading.Event()

    def other_batch():
        while not stop.is_set():
            turns[0] += 1

    during = []
    thread = threading.Thread(target=other_batch)
    thread.start()
    try:
        for _ in range(30):
            before = turns[0]
            assert signer.process.sign(DATA)
            during.append(turns[0] - before)
    finally:
        stop.set()
        thread.join()
    assert sum(during) > 0


def test_a_child_that_dies_is_replaced_and_no_signature_is_lost(key_file, signer):
    expected = DkimSigner(key_file, "infolettre", "example.org")._sign(DATA)
    for _ in range(signing.STARTS):
        signer.process.start()
        os.kill(signer.process._child.pid, signal.SIGKILL)
        signer.process._child.wait()
        assert signer._sign(DATA) == expected  # the dead child noticed: signed here
    signer.process.start()  # no more children: every signature is made here
    assert signer.process._child is None
    assert signer._sign(DATA) == expected


def test_a_child_that_does_not_answer_is_given_up(key_file, signer, monkeypatch):
    monkeypatch.setattr(signing, "TIMEOUT", 0.5)
    signer.process.start()
    child = signer.process._child
    os.kill(child.pid, signal.SIGSTOP)
    try:
        assert signer.process.sign(DATA) is None  # the caller signs by itself
        assert child.wait(timeout=5) is not None  # the stuck child was stopped
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)


def test_the_child_ends_with_the_worker(key_file, tmp_path):
    """However the worker ends (here SIGKILL), its child sees its input close and ends."""
    script = textwrap.dedent(f"""
        import sys, time
        from mailer.signing import SigningProcess
        process = SigningProcess({str(key_file)!r})
        process.start()
        assert process.sign(b"x")
        print(process._child.pid, flush=True)
        time.sleep(60)
    """)
    worker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    child = int(worker.stdout.readline())
    worker.kill()
    worker.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_a_forked_worker_starts_its_own_child(key_file, signer):
    """Celery's prefork pool forks after the signer exists: a child process never writes
    to its parent's signing process."""
    signer.process.start()
    parent_child = signer.process._child.pid
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the forked worker
        try:
            os.close(reader)
            ok = signer.process.sign(DATA) is not None
            mine = signer.process._child.pid
            signer.process.close()
            os.write(writer, f"{int(ok)} {mine}".encode())
        finally:
            os._exit(0)
    os.close(writer)
    ok, mine = os.read(reader, 100).decode().split()
    os.waitpid(pid, 0)
    assert ok == "1" and int(mine) != parent_child
    assert signer.process._child.pid == parent_child and signer.process.sign(DATA)


def test_a_batch_signed_in_the_child_verifies(send_env, smtp_server, example_editions,
                                              monkeypatch, key_file):
    """The worker's signer (mailer.dkim.signer_for) signs in the child: every message of a
    batch passes dkimpy's verifier."""
    from mailer.dkim import signer_for
    from mailer.settings import get_settings

    monkeypatch.setenv("INFOLETTRE_DKIM_KEY_FILE", str(key_file))
    get_settings.cache_clear()
    public = serialization.load_pem_private_key(key_file.read_bytes(), None).public_key()
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    emails = add_subscribers(send_env, 3)
    campaign_id = run(send_env, example_editions)
    rows = deliveries(send_env, campaign_id)
    assert all(rows[email].state == DeliveryState.SENT for email in emails)
    assert len(smtp_server.raw) == 3
    for raw in smtp_server.raw:
        assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: record)
    assert signer_for(get_settings()).process._child is not None  # made there
