"""The relay from INFOLETTRE_SMTP_URL: STARTTLS or TLS from the start, with AUTH, for real."""

import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mailer.transport.smtp import SmtpConfig, SmtpSender
from tests.support.servers import SmtpCatcher, free_port
from tests.support.tls import self_signed


def certificate(tmp_path):
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, cert


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
        batch = SmtpSender(SmtpConfig.from_url(url))
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
