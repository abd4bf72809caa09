"""The shared test servers start, answer and stop."""

import smtplib

from sqlalchemy import text

from mailer import db


def test_database_is_migrated(database_url):
    with db.get_engine(database_url).connect() as conn:
        assert conn.execute(text("select count(*) from subscriber")).scalar() == 0


def test_redis_answers(redis_server):
    import redis

    client = redis.Redis.from_url(redis_server.url)
    assert client.ping()


def test_smtp_catcher_receives_and_refuses(smtp_server):
    smtp_server.reject_rcpt["nobody@example.org"] = "550 5.1.1 No such user"
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as smtp:
        refused = smtp.sendmail(
            "a@example.org", ["b@example.org", "nobody@example.org"], b"Subject: hi\r\n\r\nhello"
        )
    assert refused == {"nobody@example.org": (550, b"5.1.1 No such user")}
    assert smtp_server.wait_for(1)[0]["Subject"] == "hi"


def test_chromium_renders_a_page(page):
    page.set_content("<p id=x>bonjour</p>")
    assert page.inner_text("#x") == "bonjour"
