"""Rows per second of `infolettre subscribers import` on a generated list.

    .venv/bin/python bench/import_csv.py [--rows 50000]

A tenth of the rows are bad (reported with their line), a third have no consent (pending);
the import is then run a second time, which must change nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.webapp import infolettre_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-import-"))
    listing = home / "list.csv"
    with listing.open("w", encoding="utf-8") as out:
        out.write("email,language,name,consent_date,consent_source\n")
        for n in range(args.rows):
            email = f"person{n}@example.org" if n % 10 else f"person{n}-at-example.org"
            consent = "" if n % 3 == 0 else "2024-05-01"
            out.write(f"{email},{'fr' if n % 2 else 'en'},Person {n},{consent},salon\n")
    env = infolettre_env(home)
    command = [sys.executable, "-m", "mailer", "subscribers", "import", str(listing)]
    for attempt in ("first", "second"):
        start = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        print(f"{attempt} import: {args.rows} rows in {seconds:.1f}s = "
              f"{args.rows / seconds:.0f} rows/s (process start included)")
        print(f"  {result.stdout.strip()}")


if __name__ == "__main__":
    main()
