"""One measure of size, warned about by the commands that check, render and send; and a
worker with its beat started in a folder that has nothing yet."""

import subprocess
import sys
import time

from tests.console.test_send_limits import big_issue
from tests.sending.conftest import EXAMPLE
from tests.sending.test_send_cli import run, setup
from tests.support.webapp import infolettre_env

WARNING = "over Gmail's 102 KB"


def test_validate_render_and_send_warn_above_102_kb(tmp_path):
    big_issue(tmp_path / "issues")
    big = str(tmp_path / "issues" / "big.yaml")
    env, _ = setup(tmp_path)
    checked = run(env, "validate", big, str(EXAMPLE))
    assert checked.returncode == 0  # a warning, not a problem
    warnings = [line for line in checked.stderr.splitlines() if WARNING in line]
    assert [line.split(": ")[1] for line in warnings] == ["fr", "en"]
    assert warnings[0].startswith(f"{big}: fr: warning: the HTML part is 1")
    rendered = run(env, "render", big, "--out", str(tmp_path / "out"))
    assert " KB as sent)" in rendered.stdout
    refused = run(env, "send", big, stdin="n\n")
    assert WARNING in refused.stderr and refused.returncode == 1
    assert WARNING not in run(env, "send", str(EXAMPLE), stdin="n\n").stderr


def test_beat_creates_the_folders_it_needs(tmp_path, redis_server):
    folder = tmp_path / "fresh"
    folder.mkdir()
    env = infolettre_env(tmp_path / "db", broker_url=redis_server.url,
                         sweep_interval_seconds="1")
    del env["INFOLETTRE_HOME"]  # the default: .infolettre in the working folder
    (tmp_path / "db").mkdir()
    log = tmp_path / "worker.log"
    worker = subprocess.Popen([sys.executable, "-m", "mailer", "worker", "--beat",
                               "--concurrency", "1"], cwd=folder, env=env,
                              stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while log.read_text().count("workers.sweep") < 4:  # sent by the beat, then received
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert "FileNotFoundError" not in log.read_text()
    assert list((folder / ".infolettre").glob("beat-schedule*"))
