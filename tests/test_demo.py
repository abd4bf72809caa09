"""The README's main command, `infolettre demo`, on embedded defaults: run twice, the second
run mails only the new sample subscribers (nobody gets an issue twice)."""

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.webapp import infolettre_env

ROOT = Path(__file__).resolve().parents[1]


def _demo(env, cwd, count):
    result = subprocess.run([sys.executable, "-m", "mailer", "demo", "--subscribers", str(count)],
                            env=env, cwd=cwd, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_demo_sends_into_the_outbox_and_never_twice(tmp_path):
    env = infolettre_env(tmp_path / "home")
    for key in ("INFOLETTRE_DATABASE_URL", "INFOLETTRE_BROKER_URL"):
        env.pop(key)  # the embedded defaults, as the README's command has them
    first = _demo(env, tmp_path, 12)
    assert "sent 12, failed 0" in first
    second = _demo(env, tmp_path, 5)
    assert "sent 5, failed 0" in second and "12 subscribers had this issue" in second
    outbox = list((tmp_path / "home" / "outbox" / "new").iterdir())
    assert len(outbox) == 17


def test_demo_through_a_relay_that_refuses_everyone_loses_nobody(tmp_path, smtp_server):
    """The issue's scenario: a relay answering `554 5.7.1 <addr>: Relay access denied` to
    every RCPT (a wrong relay password, an unauthorised sending address)."""
    from mailer import db
    from subscribers.models import Status, Subscriber

    smtp_server.refuse_rcpt = "554 5.7.1 <addr>: Relay access denied"
    env = infolettre_env(tmp_path / "home", smtp_url=smtp_server.url)
    out = _demo(env, tmp_path, 300)
    assert "paused itself" in out and "Relay access denied" in out
    with db.session_scope(env["INFOLETTRE_DATABASE_URL"]) as session:
        statuses = {s.status for s in session.query(Subscriber)}
    assert statuses == {Status.SUBSCRIBED}  # all 300 still subscribed
    db.get_engine(env["INFOLETTRE_DATABASE_URL"]).dispose()


def test_demo_refuses_a_list_that_holds_real_people(tmp_path):
    """Run where a real list is (an imported subscriber), the demo mailed every one of them
    the sample issue and marked them as having had it; now it refuses and changes nothing,
    not even its rendered files (they were written before the refusal)."""
    from sqlalchemy import func, select

    from mailer import db
    from subscribers.models import Subscriber
    from workers.models import Campaign

    env = infolettre_env(tmp_path / "home")
    (tmp_path / "list.csv").write_text("email,language\nreal.person@example.net,fr\n")
    subprocess.run([sys.executable, "-m", "mailer", "subscribers", "import", "list.csv"],
                   env=env, cwd=tmp_path, check=True, capture_output=True)
    refused = subprocess.run([sys.executable, "-m", "mailer", "demo", "--subscribers", "3"],
                             env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "this database holds 1 subscriber it did not make up" in refused.stderr
    assert "nothing was changed" in refused.stderr
    assert not (tmp_path / "home" / "out").exists()  # refused before the rendered files
    url = env["INFOLETTRE_DATABASE_URL"]
    with db.session_scope(url) as session:
        assert session.scalar(select(func.count()).select_from(Subscriber)) == 1
        assert session.scalars(select(Campaign)).all() == []
    db.get_engine(url).dispose()
    negative = subprocess.run([sys.executable, "-m", "mailer", "demo", "--subscribers", "-5"],
                              env=env, cwd=tmp_path, capture_output=True, text=True)
    assert negative.returncode == 2 and "-5 is not in the range" in negative.stderr


def test_a_real_person_under_the_demos_consent_source_is_no_sample(sqlite_url):
    """Imported under "demo data" before the import refused it, a person is still real:
    the samples are the invented demo…@example.org addresses that bear the mark."""
    from mailer import db
    from mailer.demo_data import SOURCE, real_people, seed
    from subscribers.models import Status, Subscriber

    with db.session_scope(sqlite_url) as session:
        seed(session, 3)
        assert real_people(session) == 0
        session.add(Subscriber(email="lea@example.net", language="fr", consent_source=SOURCE,
                               status=Status.SUBSCRIBED))
        session.add(Subscriber(email="demo99999@example.net", language="fr",
                               consent_source=SOURCE, status=Status.SUBSCRIBED))
        session.add(Subscriber(email="tom@example.org", language="en", consent_source=None))
        session.commit()
        assert real_people(session) == 3


def _demo_env(tmp_path):
    env = infolettre_env(tmp_path / "home")
    for key in ("INFOLETTRE_DATABASE_URL", "INFOLETTRE_BROKER_URL"):
        env.pop(key)  # the embedded defaults, as the README's command has them
    return env


def test_an_interrupted_demo_says_what_it_left_and_a_second_adds_nobody(tmp_path):
    """Ctrl-C said "Aborted!" and left the campaign sending without a word; each run after
    added 300 sample subscribers before refusing."""
    demo = subprocess.Popen([sys.executable, "-m", "mailer", "demo", "--subscribers", "300"],
                            env={**_demo_env(tmp_path), "PYTHONUNBUFFERED": "1"}, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in demo.stdout:  # the rendered files, then the campaign
        if "campaign 1 created" in line:
            break
    demo.send_signal(signal.SIGINT)  # to the command alone, as its worker has just started
    out, err = demo.communicate(timeout=60)
    assert demo.returncode == 130 and "Aborted!" not in err and "Traceback" not in err
    assert "interrupted: campaign 1 is sending" in err
    assert "infolettre campaign resume 1" in err and "infolettre campaign cancel 1" in err
    again = subprocess.run([sys.executable, "-m", "mailer", "demo", "--subscribers", "300"],
                           env=_demo_env(tmp_path), cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 2 and "campaign 1" in again.stderr
    assert "no sample subscriber was added" in again.stderr
    assert "infolettre campaign cancel 1" in again.stderr
    assert _subscribers(tmp_path) == 300


def _subscribers(tmp_path) -> int:
    from sqlalchemy import func, select

    from mailer import db
    from subscribers.models import Subscriber

    url = f"sqlite:///{tmp_path / 'home' / 'infolettre.db'}"
    with db.session_scope(url) as session:
        count = session.scalar(select(func.count()).select_from(Subscriber))
    db.get_engine(url).dispose()
    return count


def test_demo_says_at_once_that_the_relay_is_unreachable(tmp_path):
    """It waited 3 minutes, then printed `sent 0, failed 0` and exit 0, never naming it."""
    env = {**_demo_env(tmp_path), "INFOLETTRE_SMTP_URL": "smtp://demo:s3cret@127.0.0.1:1"}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "mailer", "demo", "--subscribers", "5"],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert time.monotonic() - started < 60
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "the relay smtp://demo:***@127.0.0.1:1 is unreachable" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    assert "infolettre campaign resume 1" in result.stderr
