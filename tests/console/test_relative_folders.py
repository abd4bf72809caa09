"""The web app run from a project folder on the default settings, whose folders are
relative (`.infolettre`, `issues`): Flask reads a relative path given to send_file from
its own package, so an issue's download was a 500 and every uploaded image a 404."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import requests

from tests.console.test_access import ROOT, add_staff
from tests.support.servers import free_port, wait_for_port
from tests.support.webapp import infolettre_env


def test_issue_download_and_images_from_relative_folders(tmp_path):
    (tmp_path / "issues").mkdir()
    shutil.copy(ROOT / "issues" / "091.yaml", tmp_path / "issues")
    images = tmp_path / ".infolettre" / "images"
    images.mkdir(parents=True)
    image = "0123456789abcdef01234567.png"
    (images / image).write_bytes(b"\x89PNG\r\n\x1a\n")
    port = free_port()
    env = infolettre_env(Path(".infolettre"), base_url=f"http://127.0.0.1:{port}",
                         issues_dir="issues",
                         database_url=f"sqlite:///{tmp_path / '.infolettre' / 'db.sqlite'}")
    add_staff({**env, "INFOLETTRE_HOME": str(tmp_path / ".infolettre"),
               "INFOLETTRE_ISSUES_DIR": str(tmp_path / "issues")}, "ed@example.org", "editor")
    web = subprocess.Popen([sys.executable, "-m", "mailer", "web", "--port", str(port),
                            "--workers", "1"], env=env, cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=30, proc=web)
        url = f"http://127.0.0.1:{port}"
        http = requests.Session()
        login = http.get(f"{url}/console/login", timeout=90).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login)[1]
        http.post(f"{url}/console/login", timeout=10, data={
            "csrf_token": token, "email": "ed@example.org",
            "password": "correct horse battery"})
        download = http.get(f"{url}/console/issues/091.yaml/file", timeout=10)
        assert download.status_code == 200
        assert download.content == (tmp_path / "issues" / "091.yaml").read_bytes()
        served = requests.get(f"{url}/images/{image}", timeout=10)
        assert served.status_code == 200 and served.content.startswith(b"\x89PNG")
    finally:
        web.terminate()
        web.wait(timeout=15)
