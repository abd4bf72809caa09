"""`İlker@example.com` is mailed as given (RCPT TO and To:), not lowered to `i̇lker@…`
(tests/test_turkish_i.py traces the rest)."""

import email.policy
from email import message_from_bytes

from mailer import db
from mailer.db import utcnow
from subscribers.models import Status, Subscriber
from subscribers.validation import check_email
from tests.sending.test_send_batch import deliveries, run
from workers.models import DeliveryState


def test_the_address_given_is_the_address_mailed(send_env, smtp_server, example_editions):
    smtp_server.smtputf8 = True
    smtp_server.stop()
    smtp_server.start()
    with db.session_scope(send_env) as session:
        for typed in ("İlker@Example.com", "ilkay@İstanbul.example"):
            session.add(Subscriber(email=check_email(typed), language="fr",
                                   status=Status.SUBSCRIBED, confirmed_at=utcnow()))
    campaign_id = run(send_env, example_editions)
    assert {row.state for row in deliveries(send_env, campaign_id).values()} == {
        DeliveryState.SENT}
    assert sorted(rcpt for _, rcpts in smtp_server.envelopes for rcpt in rcpts) == [
        "ilkay@xn--istanbul-o0e.example", "İlker@example.com"]
    to = {str(message_from_bytes(m.as_bytes(), policy=email.policy.default)["To"])
          for m in smtp_server.messages}
    assert any("İlker@example.com" in value for value in to), to
    assert not any("i\u0307" in value.partition("@")[0] for value in to), to
