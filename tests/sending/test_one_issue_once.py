"""Nobody is mailed twice for one issue: a second launch is refused while the first is
live, even at the same instant, and an issue launched again after a cancel skips whoever
the cancelled campaign may have reached. Controls apply only where they make sense."""

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select, update

from mailer import db
from mailer.db import utcnow
from tests.sending.conftest import add_subscribers
from tests.sending.test_send_batch import deliveries, planned, run
from workers import campaigns
from workers.models import Campaign, CampaignState, Delivery


def test_a_second_launch_is_refused_while_the_first_is_live(send_env, example_editions):
    add_subscribers(send_env, 5)
    first, _ = planned(send_env, example_editions)
    with db.session_scope(send_env) as session, pytest.raises(campaigns.AlreadySending) as err:
        campaigns.create(session, example_editions)
    assert err.value.campaign_id == first.id
    with db.session_scope(send_env) as session:  # a test send of it is always possible
        assert campaigns.create(session, example_editions, ["ed@example.org"]).test


@pytest.mark.parametrize("slug", ["091", "091-final"])  # the same file, or another of it
def test_two_launches_at_the_same_instant_make_one_campaign(send_env, example_editions,
                                                           monkeypatch, slug):
    planned(send_env, example_editions)
    # The second launch read "nothing live" before the first was committed.
    monkeypatch.setattr(campaigns, "live_campaign", lambda session, number, slug: None)
    second = {code: replace(edition, slug=slug) for code, edition in example_editions.items()}
    with db.session_scope(send_env) as session, pytest.raises(campaigns.AlreadySending):
        campaigns.create(session, second)  # refused by the unique index on the number
    with db.session_scope(send_env) as session:
        assert len(session.scalars(select(Campaign).where(Campaign.test.is_(False))).all()) == 1


def test_launched_again_after_a_cancel_it_reaches_only_the_others(send_env, smtp_server,
                                                                  example_editions):
    emails = add_subscribers(send_env, 10)
    first, _ = planned(send_env, example_editions)
    with db.session_scope(send_env) as session:  # 3 sent, 1 unknown, then cancelled
        ids = session.scalars(select(Delivery.id).where(Delivery.campaign_id == first.id)
                              .order_by(Delivery.id)).all()
        for delivery_id, state in zip(ids, ["sent"] * 3 + ["unknown", "failed"], strict=False):
            session.execute(update(Delivery).where(Delivery.id == delivery_id)
                            .values(state=state))
        session.commit()
        campaigns.set_state(session, first.id, CampaignState.CANCELLED)
    second = run(send_env, example_editions)
    smtp_server.wait_for(6)
    assert sorted(deliveries(send_env, second)) == sorted(emails[4:])  # the failed one too


@pytest.mark.parametrize(("start", "control", "result"), [
    (CampaignState.SENDING, CampaignState.PAUSED, CampaignState.PAUSED),
    (CampaignState.SCHEDULED, CampaignState.PAUSED, CampaignState.PAUSED),
    (CampaignState.PAUSED, CampaignState.SENDING, CampaignState.SENDING),
    (CampaignState.PAUSED, CampaignState.CANCELLED, CampaignState.CANCELLED),
    (CampaignState.CANCELLED, CampaignState.SENDING, None),
    (CampaignState.DONE, CampaignState.PAUSED, None),
    (CampaignState.DONE, CampaignState.CANCELLED, None),
    (CampaignState.SENDING, CampaignState.SENDING, None),
])
def test_controls(send_env, example_editions, start, control, result):
    campaign, _ = planned(send_env, example_editions)
    with db.session_scope(send_env) as session:
        session.execute(update(Campaign).where(Campaign.id == campaign.id).values(state=start))
        session.commit()
        if result is None:
            with pytest.raises(campaigns.NotNow):
                campaigns.set_state(session, campaign.id, control)
        else:
            assert campaigns.set_state(session, campaign.id, control).state == result


def test_resumed_before_its_time_a_campaign_waits_for_it(send_env, example_editions):
    later = utcnow() + dt.timedelta(hours=2)
    with db.session_scope(send_env) as session:
        campaign = campaigns.create(session, example_editions, at=later)
        session.commit()
        campaigns.set_state(session, campaign.id, CampaignState.PAUSED)
        assert campaigns.set_state(session, campaign.id, CampaignState.SENDING).state == \
            CampaignState.SCHEDULED


def test_a_campaign_whose_editions_cannot_be_stored_leaves_nothing(send_env, example_editions):
    # A SAVEPOINT committed the campaign alone on SQLite, before its editions: a failure then
    # left an empty campaign `sending` that refused every later send of the issue.
    broken = {code: replace(edition, html=edition.html + "\ud800")
              for code, edition in example_editions.items()}
    with pytest.raises(Exception), db.session_scope(send_env) as session:  # noqa: B017, PT011
        campaigns.create(session, broken)
    with db.session_scope(send_env) as session:
        assert session.scalars(select(Campaign)).all() == []
        assert campaigns.create(session, example_editions).number == 91  # nothing in the way


def test_an_address_listed_twice_for_a_test_send_is_one_delivery_per_language(send_env,
                                                                              example_editions):
    # The console's form and the command line both reach here: the unique index refused the
    # second row (a 500 in the console, a traceback on the command line).
    with db.session_scope(send_env) as session:
        campaign = campaigns.create(session, example_editions, ["ed@example.org"] * 2)
        session.commit()
        assert campaign.test_recipients == ["ed@example.org"]
        languages = session.scalars(select(Delivery.language).where(
            Delivery.campaign_id == campaign.id)).all()
        assert sorted(languages) == sorted(example_editions)
