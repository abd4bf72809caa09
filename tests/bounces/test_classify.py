"""The corpus of sample bounces: recipient and class found for every one."""

from pathlib import Path

import pytest
import yaml

from mailer import verp
from mailer.bounces.classify import HARD, NOT_BOUNCE, UNKNOWN, analyse

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
