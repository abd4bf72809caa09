"""Failure modes other newsletter systems shipped (public bug reports of listmonk), rebuilt
here against a real SMTP server: each campaign reaches an end, nobody is mailed twice."""

import datetime as dt

from sqlalchemy import update

from mailer import db
from mailer.db import utcnow
from subscribers.models import Status, Subscriber
from tests.sending.conftest import add_subscribers
from tests.sending.test_poison import finished
from tests.sending.test_send_batch import deliveries, run
from workers import campaigns, tasks
from workers.models import Campaign, CampaignState, DeliveryState


def test_a_scheduled_send_whose_whole_audience_left_ends_done(send_env, smtp_server,
                                                              example_editions, monkeypatch):
    """listmonk #2480: a campaign planned for later, every subscriber gone by its time,
    stayed `scheduled` and was tried in a loop. Here the sweep starts it and it ends."""
    add_subscribers(send_env, 3)
    with db.session_scope(send_env) as session:
        campaign = campaigns.create(session, example_editions,
                                    at=utcnow() + dt.timedelta(hours=1))
        session.commit()
        campaign_id = campaign.id
        session.execute(update(Subscriber).values(status=Status.UNSUBSCRIBED))
        session.execute(update(Campaign).values(scheduled_at=utcnow() - dt.timedelta(1)))
    monkeypatch.setattr(tasks.start_campaign, "delay", tasks.start_campaign.run)
    tasks.sweep.run()  # in this process, and the start it asks for too
    with db.session_scope(send_env) as session:
        campaign = session.get(Campaign, campaign_id)
        assert (campaign.state, campaign.planned) == (CampaignState.DONE, True)
    assert smtp_server.messages == []


def test_a_campaign_of_poison_rows_only_ends(send_env, smtp_server, example_editions):
    """listmonk #2708 ("501 Invalid RCPT TO address provided", then the campaign stopped):
    a list whose every stored address is broken fails each row with its reason and ends,
    without a single RCPT TO."""
    emails = add_subscribers(send_env, 4)
    with db.session_scope(send_env) as session:
        for number, email in enumerate(emails):
            session.execute(update(Subscriber).where(Subscriber.email == email)
                            .values(email=f"reader {number}@example.org"))
    campaign_id = run(send_env, example_editions)
    assert finished(send_env, campaign_id) == CampaignState.DONE
    assert {row.state for row in deliveries(send_env, campaign_id).values()} == {
        DeliveryState.FAILED}
    assert smtp_server.messages == []

