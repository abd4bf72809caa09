"""The relay from INFOLETTRE_SMTP_URL: STARTTLS or TLS from the start, with AUTH, for real."""

import datetime as dt
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mailer.transport import SmtpConfig
from tests.support.servers import SmtpCatcher, free_port
from workers.smtp import SmtpBatch


def certificate(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context, tmp_path / "cert.pem"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"relay" \
        and auth_data.password == b"s3cret"
    return AuthResult(success=ok)


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_send_over_tls_with_auth(tmp_path, mode):
    context, ca = certificate(tmp_path)
    catcher = SmtpCatcher(port=free_port())
    options = {"authenticator": authenticator, "auth_exclude_mechanism": ["LOGIN"]}
    if mode == "starttls":
        options |= {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
        url = f"smtp://relay:s3cret@127.0.0.1:{catcher.port}?starttls=1&cafile={ca}"
    else:
        options |= {"ssl_context": context, "auth_require_tls": False}  # TLS from the start
        url = f"smtps://relay:s3cret@127.0.0.1:{catcher.port}?cafile={ca}"
    controller = Controller(catcher, hostname="127.0.0.1", port=catcher.port, **options)
    controller.start()
    try:
        batch = SmtpBatch(SmtpConfig.from_url(url))
        outcome = batch.send(b"Subject: hi\r\n\r\nhello\r\n", "bounces@example.org",
                             "reader@example.org")
        batch.close()
        assert outcome.accepted
        assert catcher.wait_for(1)[0]["Subject"] == "hi"
        untrusted = SmtpConfig.from_url(url.split("cafile=")[0])  # certificate not trusted
        with pytest.raises(ssl.SSLCertVerificationError):
            untrusted.connect(timeout=5)
    finally:
        controller.stop()
