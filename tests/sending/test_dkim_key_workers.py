"""A DKIM key that goes bad while a real worker sends (removed, replaced by a public key,
a folder in its place): the campaign pauses itself with the setting, the file and what is wrong,
as the breaker does for a relay's refusal; no row is failed or loses an attempt, nobody's
status changes; resumed once the key is mended (no worker restart), the rest goes out
signed with the new key, nobody twice. On SQLite and on PostgreSQL. Before, every batch
failed in the worker's log only and the campaign stayed `sending`."""

import base64
import subprocess
import sys
from collections import Counter

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from mailer import db
from mailer.console.bounce_words import said_on_the_command_line
from subscribers.models import Status, Subscriber
from tests.sending.conftest import add_subscribers, worker_env
from tests.sending.test_breaker_workers import settled
from tests.sending.test_crash import launch
from tests.support.webapp import CeleryWorker
from workers.models import Campaign, CampaignState, Delivery, DeliveryState

READERS = 40
BREAKS = {  # how the key goes bad, and what the pause says of it
    "removed": (lambda path, _key: path.unlink(), "no such file"),
    "public key": (lambda path, key: path.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)),
        "a PEM file with no private key in it (a public key or a certificate?)"),
    # (made unreadable is not tried: the tests run as root, which reads a file of mode 000)
    "a folder": (lambda path, _key: (path.unlink(), path.mkdir()), "a folder, not a file"),
}


def _write(path, key) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def _verifies(raw: bytes, key) -> bool:
    public = key.public_key().public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
    record = f"v=DKIM1; k=ed25519; p={base64.b64encode(public).decode()}".encode()
    return dkim.verify(raw, dnsfunc=lambda name, timeout=5: record)


def _cli(env, *args):
    return subprocess.run([sys.executable, "-m", "mailer", *args], env=env, text=True,
                          capture_output=True, timeout=60)


@pytest.fixture(params=["sqlite", "postgresql"])
def signing_worker(request, tmp_path, redis_server, smtp_server):
    key_file, key = tmp_path / "dkim.pem", ed25519.Ed25519PrivateKey.generate()
    _write(key_file, key)
    env, url = worker_env(request, tmp_path, redis_server, smtp_server, send_batch_size="2",
                          send_rate_per_second="10",  # 4 s: time to break the key midway
                          dkim_key_file=str(key_file))
    emails = add_subscribers(url, READERS)
    worker = CeleryWorker(env, tmp_path / "worker.log").start()  # the key read: good
    yield env, url, emails, key_file, key
    worker.stop()
    db.get_engine(url).dispose()


@pytest.mark.parametrize("broken", BREAKS)
def test_a_key_that_goes_bad_pauses_the_campaign_and_resume_sends_the_rest(
        signing_worker, smtp_server, broken):
    env, url, emails, key_file, key = signing_worker
    launch(env)  # `send` finds the key good
    smtp_server.wait_for(4)
    BREAKS[broken][0](key_file, key)
    state, rows = settled(url)
    sent = len(smtp_server.messages)
    assert state == CampaignState.PAUSED and 0 < sent < READERS
    assert rows == {DeliveryState.SENT: sent, DeliveryState.QUEUED: READERS - sent}
    with db.session_scope(url) as session:
        assert not session.scalars(select(Delivery.attempts).where(
            Delivery.state == DeliveryState.QUEUED, Delivery.attempts != 0)).all()
        assert Counter(session.scalars(select(Subscriber.status))) == {
            Status.SUBSCRIBED: READERS}
        reason = said_on_the_command_line(session.scalar(select(Campaign.pause_reason)))
    said = f"INFOLETTRE_DKIM_KEY_FILE ({key_file}): {BREAKS[broken][1]}; give the PEM file"
    assert reason.startswith("the DKIM key can no longer sign: " + said)
    assert said in _cli(env, "campaign", "status", "1").stdout

    if key_file.is_dir():
        key_file.rmdir()
    new = ed25519.Ed25519PrivateKey.generate()  # mended: a new key, the worker not restarted
    _write(key_file, new)
    assert _cli(env, "campaign", "resume", "1").returncode == 0
    state, rows = settled(url)
    assert (state, rows) == (CampaignState.DONE, {DeliveryState.SENT: READERS})
    received = Counter(m["To"] for m in smtp_server.wait_for(READERS))
    assert sorted(received) == sorted(emails) and set(received.values()) == {1}
    assert all(_verifies(raw, key) for raw in smtp_server.raw[:sent])
    # After the resume, the mended key signs: a batch that began before the key broke may
    # still sign a message with the old one within the half second a pause takes.
    assert all(_verifies(raw, new) or _verifies(raw, key) for raw in smtp_server.raw[sent:])
    assert _verifies(smtp_server.raw[-1], new)
