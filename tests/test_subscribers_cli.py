"""`infolettre subscribers import|export|count|erase` as a user runs them."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

from tests.support.webapp import infolettre_env


def run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "mailer", "subscribers", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )


def test_import_export_count_erase(tmp_path):
    env = infolettre_env(tmp_path / "home")
    listing = tmp_path / "list.csv"
    listing.write_text(
        "email,language,name,consent_date,consent_source\n"
        "ann@example.org,fr,Ann,2024-03-01T10:00:00+01:00,salon Lyon\n"
        "bad@,fr,,,\n"
        "bob@example.org,en,\"Bob, Jr\",,\n"
        "cat@example.org,it,,,\n",
        encoding="utf-8",
    )
    first = run(env, "import", str(listing))
    assert first.returncode == 1, first.stderr
    assert "1 subscribed, 1 pending (no consent), 0 already" in first.stdout
    errors = first.stderr.splitlines()
    assert errors[0].startswith(f"{listing}:3: email:") and errors[1].startswith(f"{listing}:5:")
    second = run(env, "import", str(listing))
    assert "0 subscribed, 0 pending (no consent), 2 already" in second.stdout

    count = run(env, "count").stdout
    assert "pending       en               1" in count
    assert "subscribed    fr               1" in count

    exported = list(csv.DictReader(io.StringIO(run(env, "export").stdout)))
    assert [row["email"] for row in exported] == ["ann@example.org", "bob@example.org"]
    assert {"consent_at", "consent_source", "consent_ip", "status", "created_at"} <= set(
        exported[0]
    )
    assert exported[1]["name"] == "Bob, Jr" and exported[1]["status"] == "pending"

    erased = run(env, "erase", "ANN@example.org")
    assert erased.returncode == 0 and "erased" in erased.stdout
    assert "ann@example.org" not in run(env, "export").stdout
    # Suppressed: importing her again changes nothing.
    again = run(env, "import", str(listing)).stdout
    assert "0 subscribed, 0 pending (no consent), 2 already" in again


def test_a_file_without_email_column_is_a_clear_error(tmp_path):
    env = infolettre_env(tmp_path / "home")
    listing = tmp_path / "wrong.csv"
    listing.write_text("adresse;langue\nann@example.org;fr\n", encoding="utf-8")
    result = run(env, "import", str(listing))
    assert result.returncode == 2
    assert f"{listing}:1: unknown column 'adresse'" in result.stderr
    assert "rejected, nothing imported" in result.stderr
    assert "Traceback" not in result.stderr
