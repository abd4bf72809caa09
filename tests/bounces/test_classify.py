"""The corpus of sample bounces: recipient and class found for every one."""

from pathlib import Path

import pytest
import yaml

from mailer import verp
from mailer.bounces.classify import HARD, NOT_BOUNCE, analyse

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bounces"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text())
SECRET = "corpus-secret"


@pytest.mark.parametrize("case", MANIFEST, ids=[case["file"] for case in MANIFEST])
def test_corpus(case):
    finding = analyse((CORPUS / case["file"]).read_bytes(), SECRET)
    assert finding.kind == case["class"]
    if case["class"] != NOT_BOUNCE:
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
