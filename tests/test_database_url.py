"""A database URL nothing reads, or a database that does not answer, is said on the command
line (exit 2), never a traceback, and the URL (which may hold a password) is not repeated."""

import subprocess
import sys

import pytest

from tests.support.servers import free_port
from tests.support.webapp import infolettre_env


@pytest.mark.parametrize(("url", "said"), [
    (f"postgresql+psycopg://nobody:s3cret@127.0.0.1:{free_port()}/nodb",
     "the database (INFOLETTRE_DATABASE_URL) did not answer or refused: connection failed"),
    ("nonsense://", "INFOLETTRE_DATABASE_URL is not a database URL Infolettre reads: write "
                    "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/NAME"),
    ("mysql://reader:s3cret@127.0.0.1/list", "INFOLETTRE_DATABASE_URL is not a database URL"),
])
@pytest.mark.parametrize("command", [["campaign", "list"], ["subscribers", "count"]])
def test_a_database_that_cannot_be_used_is_said(tmp_path, url, said, command):
    env = infolettre_env(tmp_path, database_url=url)
    result = subprocess.run([sys.executable, "-m", "mailer", *command], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(said)
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr
