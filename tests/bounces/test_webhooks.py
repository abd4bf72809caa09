"""Relay webhooks over real HTTP on 127.0.0.1, with the providers' documented payloads."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server

from mailer import db
from mailer.bounces import sns
from mailer.bounces.models import BounceEvent
from mailer.db import utcnow
from mailer.settings import get_settings
from subscribers.models import Status, Subscriber
from tests.bounces.sent import said, sent_to

PAYLOADS = Path(__file__).resolve().parents[1] / "data" / "webhooks"
CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem"
SENT = ("gone@example.org", "annoyed@example.org", "alice@example.com",
        "recipient@example.com")


@pytest.fixture
def server(monkeypatch, tmp_path, sqlite_url):
    monkeypatch.setenv("INFOLETTRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INFOLETTRE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("INFOLETTRE_SECRET_KEY", "webhook-tests")
    monkeypatch.setenv("INFOLETTRE_POSTMARK_WEBHOOK_PASSWORD", "pm-secret")
    monkeypatch.setenv("INFOLETTRE_MAILGUN_SIGNING_KEY", "mg-key")
    monkeypatch.setenv("INFOLETTRE_SNS_TOPIC_ARNS",
                       '["arn:aws:sns:eu-west-1:123456789012:infolettre-bounces"]')
    get_settings.cache_clear()
    from mailer.webapp import create_app

    http = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    with db.session_scope(sqlite_url) as session:
        for email in SENT:
            session.add(Subscriber(email=email, language="en", status=Status.SUBSCRIBED,
                                   confirmed_at=utcnow()))
    for email in SENT:  # a provider reports what we sent through it (provenance.py)
        sent_to(sqlite_url, email)
    yield f"http://127.0.0.1:{http.server_port}", sqlite_url
    http.shutdown()
    get_settings.cache_clear()


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def postmark_body(name: str, **changes) -> bytes:
    """A recorded Postmark payload, sent now (its BouncedAt within Postmark's window)."""
    event = json.loads((PAYLOADS / name).read_text())
    return json.dumps({**event, "BouncedAt": now_iso(), **changes}).encode()


def status(url, email):
    with db.session_scope(url) as session:
        return session.query(Subscriber).filter_by(email=email).one().status


def test_postmark_needs_its_credentials(server):
    base, url = server
    body = postmark_body("postmark-hard-bounce.json")
    assert requests.post(f"{base}/webhooks/postmark", data=body, timeout=10).status_code == 403
    forged = requests.post(f"{base}/webhooks/postmark", data=body, auth=("x", "wrong"), timeout=10)
    assert forged.status_code == 403 and status(url, "gone@example.org") == Status.SUBSCRIBED
    ok = requests.post(f"{base}/webhooks/postmark", data=body, auth=("pm", "pm-secret"), timeout=10)
    assert ok.status_code == 204 and status(url, "gone@example.org") == Status.BOUNCED
    complaint = postmark_body("postmark-spam-complaint.json")
    requests.post(f"{base}/webhooks/postmark", data=complaint, auth=("pm", "pm-secret"),
                  timeout=10)
    assert status(url, "annoyed@example.org") == Status.COMPLAINED


def _mailgun(key: str, timestamp: float) -> bytes:
    body = json.loads((PAYLOADS / "mailgun-permanent-failure.json").read_text())
    body["signature"]["timestamp"] = str(int(timestamp))
    token = body["signature"]["token"]
    body["signature"]["signature"] = hmac.new(
        key.encode(), f"{int(timestamp)}{token}".encode(), hashlib.sha256).hexdigest()
    return json.dumps(body).encode()


def test_mailgun_checks_its_hmac_and_freshness(server):
    base, url = server
    for bad in (_mailgun("other-key", time.time()), _mailgun("mg-key", time.time() - 3600)):
        assert requests.post(f"{base}/webhooks/mailgun", data=bad, timeout=10).status_code == 403
    assert status(url, "alice@example.com") == Status.SUBSCRIBED
    good = requests.post(f"{base}/webhooks/mailgun", data=_mailgun("mg-key", time.time()),
                         timeout=10)
    assert good.status_code == 204 and status(url, "alice@example.com") == Status.BOUNCED


@pytest.fixture
def sns_signer(monkeypatch):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    visited = []

    def fetch(url):  # what would come from Amazon: the certificate, the confirmation
        visited.append(url)
        if url == CERT_URL:
            return cert.public_bytes(serialization.Encoding.PEM)
        return b"<ConfirmSubscriptionResponse/>"

    monkeypatch.setattr(sns, "fetch", fetch)
    sns._certificate.cache_clear()

    def sign(message: dict, version: str = "2") -> bytes:
        message = {**message, "SignatureVersion": version, "SigningCertURL": CERT_URL}
        fields = sns._NOTIFICATION if message["Type"] == "Notification" else sns._SUBSCRIPTION
        text = "".join(f"{n}\n{message[n]}\n" for n in fields if n in message).encode()
        algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()  # noqa: S303
        message["Signature"] = base64.b64encode(
            key.sign(text, padding.PKCS1v15(), algorithm)).decode()
        return json.dumps(message).encode()

    return sign, visited


def test_ses_through_sns_signature_confirmation_and_bounce(server, sns_signer):
    base, url = server
    sign, visited = sns_signer
    topic = "arn:aws:sns:eu-west-1:123456789012:infolettre-bounces"
    subscribe = {"Type": "SubscriptionConfirmation", "MessageId": "m-1", "Token": "t",
                 "TopicArn": topic, "Message": "confirm",
                 "SubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription",
                 "Timestamp": now_iso()}
    assert requests.post(f"{base}/webhooks/ses", data=sign(subscribe), timeout=10) \
        .status_code == 204
    assert subscribe["SubscribeURL"] in visited
    ses_json = (Path(__file__).resolve().parents[1] / "data" / "bounces" /
                "ses-bounce-notification.eml").read_text().split("\n\n", 1)[1].strip()
    notification = {"Type": "Notification", "MessageId": "m-2", "TopicArn": topic,
                    "Message": ses_json, "Timestamp": now_iso()}
    forged = json.loads(sign(notification))
    forged["Message"] = forged["Message"].replace("recipient@", "someone@")
    assert requests.post(f"{base}/webhooks/ses", data=json.dumps(forged), timeout=10) \
        .status_code == 403
    unsigned = {**notification, "SigningCertURL": "https://evil.example/cert.pem",
                "Signature": "AAAA"}
    assert requests.post(f"{base}/webhooks/ses", data=json.dumps(unsigned), timeout=10) \
        .status_code == 403
    assert status(url, "recipient@example.com") == Status.SUBSCRIBED
    for version in ("1", "2"):
        reply = requests.post(f"{base}/webhooks/ses", data=sign(notification, version),
                              timeout=10)
        assert reply.status_code == 204
    assert status(url, "recipient@example.com") == Status.BOUNCED


def test_an_authenticated_report_for_an_address_we_did_not_send_to_is_held(server):
    # A provider reports only what went through it: a signed call naming a subscriber we
    # have not mailed in bounce_sent_days (a shared account, a mistyped test) changes nobody.
    base, url = server
    with db.session_scope(url) as session:
        session.add(Subscriber(email="never.mailed@example.org", language="en",
                               status=Status.SUBSCRIBED, confirmed_at=utcnow()))
    for name, record_id in (("postmark-hard-bounce.json", 1), ("postmark-spam-complaint.json", 2)):
        body = postmark_body(name, Email="never.mailed@example.org", ID=record_id)
        reply = requests.post(f"{base}/webhooks/postmark", data=body, auth=("pm", "pm-secret"),
                              timeout=10)
        assert reply.status_code == 204
    assert status(url, "never.mailed@example.org") == Status.SUBSCRIBED
    with db.session_scope(url) as session:
        assert [(e.kind, said(e).split(":")[0]) for e in session.query(BounceEvent)] == [
            ("held", "held (hard bounce 5.1.1)"), ("held", "held (complaint)")]


def test_json_nested_thousands_deep_is_a_400(server):
    base, _ = server
    body = b"[" * 5000 + b"]" * 5000  # 10 kB, under the size limit
    for provider in ("postmark", "mailgun", "ses"):
        reply = requests.post(f"{base}/webhooks/{provider}", data=body,
                              auth=("pm", "pm-secret"), timeout=10)
        assert reply.status_code == 400, provider
