"""Attack 5: webhook replay, for every provider, and malformed bodies from anyone
(issue 12; issue 11 item 6). Real HTTP on 127.0.0.1; providers' recorded payloads."""

from __future__ import annotations

import json
import time
import urllib.error
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from mailer import db
from mailer.bounces import sns
from mailer.bounces.models import BounceEvent
from subscribers.models import Status
from tests.bounces.test_webhooks import _mailgun, now_iso, postmark_body, status

PAYLOADS = Path(__file__).resolve().parents[1] / "data" / "webhooks"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:infolettre-bounces"


def _events(url) -> int:
    with db.session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(BounceEvent))


def test_mailgun_a_signature_is_good_once_whatever_the_body(server):
    base, url = server
    first = _mailgun("mg-key", time.time())
    assert requests.post(f"{base}/webhooks/mailgun", data=first, timeout=10).status_code == 204
    # The attack: the same timestamp, token and signature, another body.
    replay = json.loads(first)
    complaint = json.loads((PAYLOADS / "mailgun-complained.json").read_text())
    replay["event-data"] = {**complaint["event-data"], "recipient": "gone@example.org"}
    answer = requests.post(f"{base}/webhooks/mailgun", data=json.dumps(replay), timeout=10)
    assert answer.status_code == 403 and status(url, "gone@example.org") == Status.SUBSCRIBED
    assert _events(url) == 1


def test_mailgun_an_event_is_applied_once_by_its_id(server):
    base, url = server
    for _ in range(2):  # Mailgun's retry: a new signature, the same event id
        reply = requests.post(f"{base}/webhooks/mailgun", data=_mailgun("mg-key", time.time()),
                              timeout=10)
        assert reply.status_code == 204
    assert _events(url) == 1


@pytest.mark.parametrize("age", [3600, 16 * 60, -16 * 60])
def test_mailgun_outside_its_window_is_refused(server, age):
    base, url = server
    body = _mailgun("mg-key", time.time() - age)
    reply = requests.post(f"{base}/webhooks/mailgun", data=body, timeout=10)
    assert reply.status_code == 403 and status(url, "alice@example.com") == Status.SUBSCRIBED


def test_postmark_an_event_is_applied_once_and_an_old_one_refused(server):
    base, url = server
    auth = ("pm", "pm-secret")
    body = postmark_body("postmark-spam-complaint.json")
    for _ in range(2):
        assert requests.post(f"{base}/webhooks/postmark", data=body, auth=auth,
                             timeout=10).status_code == 204
    # The same id with another address: already applied, nothing more happens.
    other = postmark_body("postmark-spam-complaint.json", Email="gone@example.org")
    assert requests.post(f"{base}/webhooks/postmark", data=other, auth=auth,
                         timeout=10).status_code == 204
    assert status(url, "gone@example.org") == Status.SUBSCRIBED and _events(url) == 1
    stale = postmark_body("postmark-hard-bounce.json", BouncedAt="2026-01-02T03:04:05Z")
    assert requests.post(f"{base}/webhooks/postmark", data=stale, auth=auth,
                         timeout=10).status_code == 403
    assert status(url, "gone@example.org") == Status.SUBSCRIBED


def _ses(sign, message: str, **fields) -> bytes:
    envelope = {"Type": "Notification", "MessageId": "m-complaint", "TopicArn": TOPIC,
                "Message": message, "Timestamp": now_iso(), **fields}
    return sign(envelope)


def test_ses_once_by_its_message_id_and_within_the_hour(server, sns_signer):
    base, url = server
    sign, _visited = sns_signer
    message = (PAYLOADS / "ses-complaint-notification.json").read_text()
    body = _ses(sign, message)
    for _ in range(2):  # SNS's retry of the same message: acknowledged, applied once
        assert requests.post(f"{base}/webhooks/ses", data=body, timeout=10).status_code == 204
    assert status(url, "annoyed@example.org") == Status.COMPLAINED and _events(url) == 1
    old = _ses(sign, message.replace("annoyed@", "gone@"), MessageId="m-old",
               Timestamp="2026-01-02T03:04:05.000Z")
    assert requests.post(f"{base}/webhooks/ses", data=old, timeout=10).status_code == 403
    assert status(url, "gone@example.org") == Status.SUBSCRIBED


def test_ses_from_a_topic_that_is_not_ours_is_refused(server, sns_signer):
    """Anyone can have Amazon sign their own topic's messages: the topic must be ours."""
    base, url = server
    sign, visited = sns_signer
    theirs = "arn:aws:sns:eu-west-1:999999999999:attacker"
    message = (PAYLOADS / "ses-complaint-notification.json").read_text()
    subscribe = sign({"Type": "SubscriptionConfirmation", "MessageId": "m-s", "Token": "t",
                      "TopicArn": theirs, "Message": "confirm", "Timestamp": now_iso(),
                      "SubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Confirm"})
    assert requests.post(f"{base}/webhooks/ses", data=subscribe, timeout=10).status_code == 403
    assert not any("Action=Confirm" in u for u in visited)
    body = _ses(sign, message, TopicArn=theirs)
    assert requests.post(f"{base}/webhooks/ses", data=body, timeout=10).status_code == 403
    assert status(url, "annoyed@example.org") == Status.SUBSCRIBED


MALFORMED = [
    ("mailgun", b"[1,2]"), ("mailgun", b"not json"), ("mailgun", b'{"signature": [1]}'),
    ("mailgun", json.dumps({"signature": {"timestamp": "soon", "token": "t",
                                          "signature": "s"}}).encode()),
    ("mailgun", json.dumps({"signature": {"timestamp": "nan", "token": "t",
                                          "signature": "s"}}).encode()),
    ("ses", b"[1]"), ("ses", b"{}"), ("ses", b'{"Type": ["Notification"]}'),
    ("ses", b"\xff\xfe"),
]


@pytest.mark.parametrize(("provider", "body"), MALFORMED)
def test_malformed_bodies_get_a_4xx_never_a_500(server, provider, body):
    base, _url = server
    reply = requests.post(f"{base}/webhooks/{provider}", data=body, timeout=10)
    assert 400 <= reply.status_code < 500


def test_postmark_malformed_bodies_get_a_400(server):
    base, _url = server
    for body in (b"[1]", b'{"RecordType": "Bounce"}', b'{"RecordType": "Bounce", "ID": 1, '
                 b'"BouncedAt": "yesterday", "Email": "x@example.org"}'):
        reply = requests.post(f"{base}/webhooks/postmark", data=body, auth=("pm", "pm-secret"),
                              timeout=10)
        assert reply.status_code == 400


def test_ses_when_the_certificate_cannot_be_fetched(server, monkeypatch):
    base, url = server

    def unreachable(_url):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(sns, "fetch", unreachable)
    sns._certificate.cache_clear()
    body = json.dumps({"Type": "Notification", "MessageId": "m-3", "TopicArn": TOPIC,
                       "Message": "{}", "Timestamp": now_iso(), "Signature": "AAAA",
                       "SignatureVersion": "1",
                       "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/x.pem"})
    assert requests.post(f"{base}/webhooks/ses", data=body, timeout=10).status_code == 400
    assert _events(url) == 0
