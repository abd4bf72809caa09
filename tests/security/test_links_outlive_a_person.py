"""Attack 3: links that outlive a person. `a@` signs up and is erased, `b@` signs up; every
link from `a@`'s emails must act on nobody, on SQLite and on PostgreSQL (issue 12)."""

from __future__ import annotations

from sqlalchemy import func, select

from mailer import db
from subscribers import links
from subscribers.models import Status, Subscriber, SubscriberEvent
from subscribers.optout import unsubscribe_by_mailto
from subscribers.service import erase
from subscribers.signup import Consent, confirm, sign_up
from subscribers.validation import check_applicant

FORM = Consent(source="web:form", text="I agree", ip="192.0.2.7")


def _join(url, email) -> Subscriber:
    with db.session_scope(url) as session:
        subscriber_id = sign_up(session, check_applicant(email, "en", None), FORM)
        return session.get(Subscriber, subscriber_id)


def _paths(row: Subscriber) -> dict[str, str]:
    base = len(links._base())
    return {"confirm": links.confirm_url(row.id, row.link_key)[base:],
            "unsubscribe": links.unsubscribe_url(row.id, row.link_key, 3)[base:],
            "preferences": links.preferences_url(row.id, row.link_key, 3)[base:]}


def test_old_links_of_an_erased_person_act_on_nobody(site, database_url):
    client = site(database_url).test_client()
    a = _join(database_url, "a@example.org")
    old, mailto = _paths(a), links.unsubscribe_mailto(a.id, a.link_key, 3)
    with db.session_scope(database_url) as session:
        erase(session, "a@example.org")
    b = _join(database_url, "b@example.org")
    assert b.id > a.id  # never the id of someone erased (SQLite's AUTOINCREMENT)

    answers = [
        client.get(old["confirm"]), client.head(old["confirm"]), client.post(old["confirm"]),
        client.get(old["preferences"]), client.post(old["preferences"], data={"language": "fr"}),
        client.get(old["unsubscribe"]), client.post(old["unsubscribe"]),
        client.post(old["unsubscribe"], data={"List-Unsubscribe": "One-Click"}),
        client.post(old["unsubscribe"] + "/resubscribe"),
    ]
    # Their own links, checked with their key kept at erasure: "no longer on the list"
    # (the preferences' and the resubscribe button's POSTs, forms, want their CSRF token).
    assert [answer.status_code for answer in answers] == [200] * 4 + [400] + [200] * 3 + [400]
    assert all("ne figure plus sur la liste" in answer.text for answer in answers
               if answer.status_code == 200 and answer.data)  # the default language
    assert not any(b"b@example.org" in answer.data for answer in answers)
    with db.session_scope(database_url) as session:
        assert unsubscribe_by_mailto(session, mailto) is None
    with db.session_scope(database_url) as session:
        row = session.get(Subscriber, b.id)
        assert (row.status, row.language) == (Status.PENDING, "en")
        assert session.scalar(select(func.count()).where(
            SubscriberEvent.subscriber_id == b.id)) == 1  # signed up, nothing else

    # b's own links work, and only on b.
    mine = _paths(b)
    assert client.post(mine["confirm"]).status_code == 200
    assert client.post(mine["unsubscribe"], data={"List-Unsubscribe": "One-Click"}) \
        .status_code == 200


def test_a_link_made_for_one_person_never_acts_on_another_with_the_id(site, database_url):
    """Even if an id came back (a restored backup, a copied database), the key differs."""
    client = site(database_url).test_client()
    c = _join(database_url, "c@example.org")
    forged = links.unsubscribe_url(c.id, "the-key-of-someone-else", None)
    assert client.post(forged[len(links._base()):]).status_code == 400
    with db.session_scope(database_url) as session:
        assert confirm(session, c.id).status == Status.SUBSCRIBED  # untouched until now


def test_a_forged_link_does_not_tell_whether_its_id_is_on_the_list(site, database_url):
    """A link signed with a wrong key gets one answer, whether its id is a subscriber's or
    nobody's (a 404 for nobody's told anyone which ids exist)."""
    client = site(database_url).test_client()
    someone = _join(database_url, "c@example.org")
    wrong_key = "k" * len(someone.link_key)
    base = len(links._base())
    answers = [client.get(links.unsubscribe_url(subscriber_id, wrong_key, 3)[base:])
               for subscriber_id in (someone.id, someone.id + 1000)]
    assert [answer.status_code for answer in answers] == [400, 400]
    assert answers[0].data == answers[1].data


def test_an_erased_persons_link_says_the_address_is_no_longer_on_the_list(site, database_url):
    """It said "not valid" ("altered, or not from us"): in the reader's language, that the
    address is no longer on the list, and nothing more; a forged link with that id (a
    wrong key) is still "not valid", as for an id never given."""
    client = site(database_url).test_client()
    a = _join(database_url, "a@example.org")
    old = _paths(a)["unsubscribe"]
    with db.session_scope(database_url) as session:
        erase(session, "a@example.org")
    french = client.get(old, headers={"Accept-Language": "fr-CH, en;q=0.5"})
    assert french.status_code == 200 and french.headers["Content-Language"] == "fr"
    assert "ne figure plus sur la liste" in french.text and "a@example.org" not in french.text
    english = client.post(old, data={"List-Unsubscribe": "One-Click"},
                          headers={"Accept-Language": "en"})
    assert english.status_code == 200 and "no longer on the list" in english.text
    with db.session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(Subscriber)) == 0
    base, wrong_key = len(links._base()), "k" * len(a.link_key)
    forged = [client.get(links.unsubscribe_url(subscriber_id, wrong_key, 3)[base:])
              for subscriber_id in (a.id, a.id + 1000)]
    assert [answer.status_code for answer in forged] == [400, 400]
    assert forged[0].data == forged[1].data
