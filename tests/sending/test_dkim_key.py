"""A DKIM key that cannot sign is said before anything is created, naming the setting, the
file, what is wrong and the fix: by `send`, `demo`, `worker` and the console. Before, `send`
queued the campaign and every batch failed on the key in the worker's log, the campaign
staying `sending` with no reason anyone could see."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from sqlalchemy import select

from mailer import db
from mailer.bounces import pause
from mailer.bounces.pause import PauseReason
from mailer.console.bounce_words import said_on_the_command_line
from mailer.dkim import key_problem, signer_for
from mailer.settings import Settings
from tests.sending.conftest import EXAMPLE
from tests.sending.test_send_cli import run, setup
from workers.models import Campaign

# A throwaway 512-bit key (cryptography refuses to make one): verifiers refuse such keys
# (RFC 8301), so a signature made with it counts for nothing.
RSA_512 = b"""-----BEGIN PRIVATE KEY-----
MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA3xNEEGcJzMoCXY8A
ZUP5pCHjFEdArilTHIB3kwYQQA8YIU2Vr1EZw4nk5irLfj83CkgCAcPTaggO3Mpl
C9HGDwIDAQABAkBkquYRXN5gS11L6Ueta0KSHjTCpvD6Z225NARCFf9pWE7BqDQA
kRt/mGqMYS2cLucfPEZSWT2RDJ2WWlRZ15bRAiEA8ZgR9Nf4UnocwT3n1/5m6xGf
eqluAKumO1ikEX8mNVcCIQDsYIHJrGCuSEacQP1ZQ656KIfvJozKDyqoAvpAtm+K
CQIhANGImspIJc8iqZ3QGyxyMMDf3/l6yTU7qkj+cA3cwT6xAiAgKkm+/bvyO1eQ
b6+J9BHMAbPtsRs7a7DsR+tx3uFysQIhAN591AWekaYpGvF+Ef1bdHL4lvv5TcSu
H4Q/PVVvH9e7
-----END PRIVATE KEY-----
"""
PEM, PKCS8 = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8


def _keys(folder):
    """Each kind of key file a person may give, and what is said of it."""
    good = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    files = {
        "missing.pem": (None, "no such file"),
        "folder": (None, "a folder, not a file"),
        "text.pem": (b"hello\n", "not a PEM private key file"),
        "public.pem": (good.public_key().public_bytes(
            PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
            "a PEM file with no private key in it (a public key or a certificate?)"),
        "ec.pem": (ec.generate_private_key(ec.SECP256R1()).private_bytes(
            PEM, PKCS8, serialization.NoEncryption()),
            "not an RSA or Ed25519 private key, the two DKIM signs with"),
        "encrypted.pem": (good.private_bytes(
            PEM, PKCS8, serialization.BestAvailableEncryption(b"secret")),
            "an encrypted key (DKIM keys are read without a password)"),
        "rsa512.pem": (RSA_512, "an RSA key of 512 bits, which verifiers refuse (RFC 8301: "
                                "at least 1024; use 2048)"),
    }
    (folder / "folder").mkdir()
    for name, (content, _said) in files.items():
        if content is not None:
            (folder / name).write_bytes(content)
    return {folder / name: said for name, (_content, said) in files.items()}


def test_each_kind_of_bad_key_is_named(tmp_path):
    for path, said in _keys(tmp_path).items():
        problem = key_problem(Settings(dkim_key_file=str(path)))
        assert problem == (f"INFOLETTRE_DKIM_KEY_FILE ({path}): {said}; give the PEM file of "
                           "an RSA (2048 bits) or Ed25519 private key, or unset it to send "
                           "unsigned")
    for good in (rsa.generate_private_key(public_exponent=65537, key_size=2048),
                 ed25519.Ed25519PrivateKey.generate()):
        path = tmp_path / "good.pem"
        path.write_bytes(good.private_bytes(PEM, PKCS8, serialization.NoEncryption()))
        assert key_problem(Settings(dkim_key_file=str(path))) is None
        path.unlink()
    assert key_problem(Settings(dkim_key_file="")) is None  # DKIM off


@pytest.mark.parametrize("command", [("send", str(EXAMPLE), "--yes"), ("send", str(EXAMPLE)),
                                     ("worker",)])
def test_send_and_worker_refuse_a_key_that_cannot_sign(tmp_path, command):
    env, url = setup(tmp_path)
    env["INFOLETTRE_DKIM_KEY_FILE"] = str(tmp_path / "nowhere.pem")
    refused = run(env, *command, stdin="y\n")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "Send now?" not in refused.stdout  # said before the audience and the question
    assert refused.stderr.startswith(f"INFOLETTRE_DKIM_KEY_FILE ({tmp_path}/nowhere.pem): "
                                     "no such file; give the PEM file")
    with db.session_scope(url) as session:
        assert session.scalars(select(Campaign)).all() == []


def test_resume_refuses_while_the_key_cannot_sign(tmp_path):
    # It said "campaign 1: sending", and the first batch paused the campaign again at once.
    env, url = setup(tmp_path)
    assert run(env, "send", str(EXAMPLE), "--yes").returncode == 0
    assert run(env, "campaign", "pause", "1").returncode == 0
    env["INFOLETTRE_DKIM_KEY_FILE"] = str(tmp_path / "nowhere.pem")
    refused = run(env, "campaign", "resume", "1")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith(f"campaign 1 stays as it is: INFOLETTRE_DKIM_KEY_FILE "
                                     f"({tmp_path}/nowhere.pem): no such file")
    with db.session_scope(url) as session:
        assert session.scalar(select(Campaign.state)) == "paused"


def test_a_key_changed_while_a_process_runs_is_read_again(tmp_path):
    """The signer is kept per process, and read again once its file changed (one stat per
    batch): a worker takes a mended or rotated key without a restart, and finds a key
    removed or spoiled since it started."""
    path, settings = tmp_path / "dkim.pem", Settings(dkim_key_file=str(tmp_path / "dkim.pem"))
    first, second = (ed25519.Ed25519PrivateKey.generate() for _ in range(2))
    path.write_bytes(first.private_bytes(PEM, PKCS8, serialization.NoEncryption()))
    signer = signer_for(settings)
    assert signer_for(settings) is signer  # unchanged: not read again
    path.write_bytes(second.private_bytes(PEM, PKCS8, serialization.NoEncryption()))
    assert signer_for(settings).key.private_bytes_raw() == second.private_bytes_raw()
    path.write_bytes(second.public_key().public_bytes(
        PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    assert "a PEM file with no private key in it" in key_problem(settings)
    path.unlink()
    assert key_problem(settings).startswith(f"INFOLETTRE_DKIM_KEY_FILE ({path}): no such file")
    path.symlink_to(path)  # any other reason a file cannot be read is said too
    assert key_problem(settings).startswith(f"INFOLETTRE_DKIM_KEY_FILE ({path}): cannot be "
                                            "read (Too many levels of symbolic links)")


def test_the_pause_for_a_key_keeps_within_its_column():
    """The reason a batch pauses its campaign with, kept in 500 characters however long the
    key's path (its end cut), said on the command line."""
    problem = key_problem(Settings(dkim_key_file="/" + "long/" * 200 + "dkim.pem"))
    stored = PauseReason("dkim_key", {"problem": problem}).stored()
    assert len(stored) <= pause.LIMIT
    said = said_on_the_command_line(stored)
    assert said.startswith("the DKIM key can no longer sign: INFOLETTRE_DKIM_KEY_FILE (/long/")
    assert said.endswith("…")
