"""One issue is its number, not its file: 091.yaml and 091-final.yaml (or the same issue
uploaded again under another name) are one issue, mailed once to each subscriber. Two
different issues that share a number by mistake are refused, not half sent. Test sends are
not campaigns here. On SQLite and PostgreSQL."""

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select, update

from mailer import db
from tests.sending.conftest import add_subscribers
from tests.sending.test_send_batch import deliveries, planned, run
from workers import audience, campaigns
from workers.issue_sent import SentBefore, sent_before
from workers.models import Campaign, CampaignState, Delivery


def renamed(editions, slug="091-final", **changes):
    """The same issue saved under another file name (and, with `changes`, other values)."""
    return {code: replace(edition, slug=slug, **changes) for code, edition in editions.items()}


def retitled(editions, slug="092-draft"):
    """Another issue whose `number:` was copied from issue 91 and not changed."""
    return {code: replace(edition, slug=slug, subject=f"Autre numéro ({code})")
            for code, edition in editions.items()}


def _reach(url, campaign_id, states):
    """Set the first deliveries of a campaign to `states`, in id order."""
    with db.session_scope(url) as session:
        ids = session.scalars(select(Delivery.id).where(Delivery.campaign_id == campaign_id)
                              .order_by(Delivery.id)).all()
        for delivery_id, state in zip(ids, states, strict=False):
            session.execute(update(Delivery).where(Delivery.id == delivery_id).values(state=state))
        session.commit()


def test_the_campaign_records_the_issue_number(send_env, example_editions):
    assert {edition.number for edition in example_editions.values()} == {91}
    campaign, _ = planned(send_env, renamed(example_editions))
    with db.session_scope(send_env) as session:
        assert session.get(Campaign, campaign.id).number == 91


def test_another_file_of_the_issue_is_refused_while_the_first_is_live(send_env,
                                                                     example_editions):
    add_subscribers(send_env, 3)
    first, _ = planned(send_env, example_editions)
    with db.session_scope(send_env) as session, pytest.raises(campaigns.AlreadySending) as err:
        campaigns.create(session, renamed(example_editions))
    assert err.value.campaign_id == first.id


def test_the_final_file_reaches_only_those_the_first_did_not(send_env, smtp_server,
                                                            example_editions):
    emails = add_subscribers(send_env, 10)
    first, _ = planned(send_env, example_editions)
    _reach(send_env, first.id, ["sent"] * 3 + ["unknown", "sending", "failed"])
    with db.session_scope(send_env) as session:
        campaigns.set_state(session, first.id, CampaignState.CANCELLED)
        before = sent_before(session, 91, "091-final")
        assert (before.slug, before.reached) == ("091", 5)
        assert sum(audience.will_receive(session, 91, "091-final").values()) == 5
    second = run(send_env, renamed(example_editions))
    smtp_server.wait_for(5)
    assert sorted(deliveries(send_env, second)) == sorted(emails[5:])  # the failed one too


def test_a_test_send_is_not_a_send_of_the_issue(send_env, smtp_server, example_editions):
    emails = add_subscribers(send_env, 4)
    run(send_env, retitled(example_editions), test_to=[emails[0]])  # another title: a test
    with db.session_scope(send_env) as session:
        assert sent_before(session, 91, "091") is None
    assert sorted(deliveries(send_env, run(send_env, example_editions))) == sorted(emails)


def test_another_issue_with_the_same_number_is_refused(send_env, example_editions):
    emails = add_subscribers(send_env, 6)
    first, _ = planned(send_env, example_editions)
    _reach(send_env, first.id, ["sent"] * 2)
    with db.session_scope(send_env) as session:
        campaigns.set_state(session, first.id, CampaignState.CANCELLED)
        with pytest.raises(campaigns.OtherIssue) as err:
            campaigns.create(session, retitled(example_editions))
        assert err.value.before.slug == "091"
        assert err.value.before.titles[err.value.language] == \
            example_editions[err.value.language].subject
        # Spaces and case are not another title; the same words in one language only are.
        same = {code: replace(e, subject=f"  {e.subject.upper()} ") for code, e in
                example_editions.items()}
        assert sent_before(session, 91, "091").retitled(same) is None
        one = {**example_editions, "en": replace(example_editions["en"], subject="Other")}
        assert sent_before(session, 91, "091").retitled(one) == "en"
        assert len(session.scalars(select(Campaign)).all()) == 1  # nothing half-made
    with db.session_scope(send_env) as session:  # the person launching says it is the same
        second = campaigns.create(session, retitled(example_editions), same_issue=True)
        session.commit()
        campaigns.plan(session, second, lambda low, high: None)
    assert sorted(deliveries(send_env, second.id)) == sorted(emails[2:])


def test_a_number_that_never_reached_anyone_is_free(send_env, example_editions):
    """A campaign cancelled before its first message: another title is no loss."""
    add_subscribers(send_env, 2)
    first, _ = planned(send_env, example_editions)
    with db.session_scope(send_env) as session:
        campaigns.set_state(session, first.id, CampaignState.CANCELLED)
        assert campaigns.create(session, retitled(example_editions)).number == 91


def test_a_campaign_without_a_number_is_matched_by_its_file(send_env, example_editions):
    """A campaign from before numbers were recorded, whose number could not be read back."""
    emails = add_subscribers(send_env, 4)
    first, _ = planned(send_env, example_editions)
    _reach(send_env, first.id, ["sent"])
    with db.session_scope(send_env) as session:
        session.execute(update(Campaign).values(number=None, state=CampaignState.DONE))
        session.commit()
        assert audience.reached_before(session, 91, "091") == 1
        assert audience.reached_before(session, 91, "091-final") == 0
        second = campaigns.create(session, example_editions)
        session.commit()
        campaigns.plan(session, second, lambda low, high: None)
    assert sorted(deliveries(send_env, second.id)) == sorted(emails[1:])


@pytest.mark.parametrize(("sent", "now"), [
    ("L'agenda d'automne", "L’agenda d’automne"),  # straight and curly apostrophes
    ('Le "grand" salon', "Le «\u202fgrand\u202f» salon"),  # quotes and guillemets
    ("Le “grand” salon", 'Le "grand" salon'),
    ("Infolettre : automne", "Infolettre\u00a0: automne"),  # no-break spaces
    ("Et après...", "Et après…"),  # ellipsis
    ("Saison 2026-2027", "Saison 2026–2027"),  # hyphen and en dash
])
def test_typographic_variants_of_a_title_are_the_same_issue(example_editions, sent, now):
    before = SentBefore(1, 91, "091", dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                        {"fr": sent, "en": example_editions["en"].subject}, 3)
    editions = {**example_editions, "fr": replace(example_editions["fr"], subject=now)}
    assert before.retitled(editions) is None
    other = {**example_editions, "fr": replace(example_editions["fr"], subject="Autre")}
    assert before.retitled(other) == "fr"
