"""Our DKIM signatures pass dkimpy's verifier, for RSA-2048 and Ed25519 keys, also over
a UTF-8 To header (an SMTPUTF8 address, RFC 6532)."""

import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mailer.dkim import DkimSigner
from mailer.message import PreparedEdition, Recipient
from mailer.settings import Settings


def _keys(kind):
    if kind == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        return key, f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"
    key = ed25519.Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
    return key, f"v=DKIM1; k=ed25519; p={base64.b64encode(public).decode()}"


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
@pytest.mark.parametrize("address", ["anne@example.org", "zoé.lefèvre@example.org"])
def test_signature_verifies_with_dkimpy(tmp_path, kind, address, example_editions):
    key, record = _keys(kind)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    (tmp_path / "key.pem").write_bytes(pem)
    signer = DkimSigner(tmp_path / "key.pem", "infolettre", "reseaucitesdesmetiers.example")
    edition = example_editions["fr"]
    prepared = PreparedEdition(Settings(), edition.subject, edition.html, edition.text)
    raw = prepared.assemble(Recipient(
        address, "Anne Müller",
        {"unsubscribe_url": "https://x.example/u/1", "preferences_url": "https://x.example/p/1",
         "view_online_url": "https://x.example/a/091/fr"},
        {"List-Unsubscribe": "<https://x.example/u/1>",
         "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        prepared.new_message_id()))
    signed = signer.sign(raw)

    def dns(name, timeout=5):
        assert name == b"infolettre._domainkey.reseaucitesdesmetiers.example."
        return record.encode()

    assert dkim.verify(signed, dnsfunc=dns)
    tampered = signed.replace(b"https://x.example/u/1", b"https://evil.example/u/1", 1)
    assert not dkim.verify(tampered, dnsfunc=dns)


@pytest.mark.parametrize("body", [b"Bonjour.\r\n", b"Bonjour.", b"Bonjour.\r\n\r\n\r\n", b"",
                                  b"\r\n", b"Ligne\r\n\r\nautre\r\n"])
def test_the_body_is_canonicalized_as_rfc_6376_says(tmp_path, body):
    # Simple canonicalization (3.4.3): trailing empty lines go, an empty body is one CRLF;
    # the common case (one final CRLF) is hashed in place, the others through a copy.
    key, record = _keys("rsa")
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    signer = DkimSigner(tmp_path / "key.pem", "infolettre", "reseaucitesdesmetiers.example")
    raw = (b"From: infolettre@reseaucitesdesmetiers.example\r\nTo: anne@example.org\r\n"
           b"Subject: Essai\r\n\r\n" + body)
    signed = signer.sign(raw)
    assert signed.endswith(raw)
    assert dkim.verify(signed, dnsfunc=lambda name, timeout=5: record.encode())
