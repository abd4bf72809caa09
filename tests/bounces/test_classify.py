"""The corpora of sample reports: recipient and class found for every one; for the
reports from the field and the whole kinds of reports, each recipient's reason and whose
fault it is, too."""

from pathlib import Path

import pytest
import yaml

from mailer import verp
from mailer.bounces.classify import HARD, NOT_BOUNCE, UNKNOWN, analyse, analyse_all

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bounces"
SECRET = "corpus-secret"


def corpus_cases() -> list[tuple[Path, dict]]:
    """Both sample sets: ours, and set2, written independently of the classifier."""
    cases = []
    for folder in (CORPUS, CORPUS / "set2"):
        manifest = yaml.safe_load((folder / "manifest.yaml").read_text())
        entries = manifest["messages"] if isinstance(manifest, dict) else manifest
        cases += [(folder / entry["file"], entry) for entry in entries]
    return cases


CASES = corpus_cases()


@pytest.mark.parametrize(("path", "case"), CASES,
                         ids=[f"{p.parent.name}/{p.name}" for p, _ in CASES])
def test_corpus(path, case):
    finding = analyse(path.read_bytes(), SECRET)
    if case["class"] == NOT_BOUNCE:  # unrecognised mail is no bounce either: it goes to review
        assert finding.kind in (NOT_BOUNCE, UNKNOWN)
    else:
        assert finding.kind == case["class"]
        assert (finding.recipient or "").lower() == case["recipient"].lower()


def test_verp_names_campaign_and_subscriber_even_without_a_dsn():
    raw = (CORPUS / "qmail-no-mailbox.eml").read_bytes().replace(
        b"To: bounces@reseaucitesdesmetiers.example",
        f"To: {verp.encode(SECRET, 'reseaucitesdesmetiers.example', 12, 345)}".encode(), 1)
    finding = analyse(raw, SECRET)
    assert (finding.kind, finding.campaign_id, finding.subscriber_id) == (HARD, 12, 345)


def test_forged_verp_is_ignored():
    address = verp.encode("someone-else", "reseaucitesdesmetiers.example", 12, 345)
    raw = (CORPUS / "qmail-no-mailbox.eml").read_bytes().replace(
        b"To: bounces@reseaucitesdesmetiers.example", f"To: {address}".encode(), 1)
    assert analyse(raw, SECRET).subscriber_id is None


def judged_cases() -> list[tuple[Path, dict]]:
    cases = []
    for folder in (CORPUS / "field", CORPUS / "kinds"):
        entries = yaml.safe_load((folder / "manifest.yaml").read_text())["messages"]
        cases += [(folder / entry["file"], entry) for entry in entries]
    return cases


JUDGED = judged_cases()


@pytest.mark.parametrize(("path", "case"), JUDGED,
                         ids=[f"{p.parent.name}/{p.name}" for p, _ in JUDGED])
def test_every_recipient_with_its_own_reason_and_fault(path, case):
    raw = path.read_bytes().replace(
        b"VERP_ADDRESS", verp.encode(SECRET, "reseaucitesdesmetiers.example", 3, 7).encode())
    findings = analyse_all(raw, SECRET)
    expected = case.get("recipients") or [case]
    assert [f.recipient for f in findings] == [e["recipient"] for e in expected]
    for finding, want in zip(findings, expected, strict=True):
        assert finding.kind == want["class"]
        if "reason" in want:
            assert (str(finding.cause), str(finding.fault)) == (want["reason"], want["fault"])
    if "verp" in case:
        assert [findings[0].campaign_id, findings[0].subscriber_id] == case["verp"]


def test_a_report_megabytes_long_is_read_as_far_as_its_reports_go():
    # What a report says comes first; megabytes of blank lines, bare carriage returns or
    # addresses after it held the poller for up to a minute each (a newcomer's samples).
    raw = (CORPUS / "postfix-user-unknown.eml").read_bytes()
    expected = [(f.kind, f.recipient, f.status) for f in analyse_all(raw, SECRET)]
    for junk in (b"\r\n" * 1_500_000, b"x\r" * 750_000,
                 b" ".join(b"<u%d@example.net>" % n for n in range(300_000)),
                 b"> quoted\r\n" * 300_000):
        findings = analyse_all(raw.rstrip(b"\r\n") + b"\r\n" + junk, SECRET)
        assert [(f.kind, f.recipient, f.status) for f in findings] == expected
