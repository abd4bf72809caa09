"""No input makes the classifier raise: thousands of mutated and random messages (cut,
re-encoded, wrong boundaries, unknown charsets, binary), each must give a result."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.bounces.classify import Finding, analyse_all

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bounces"
SAMPLES = [path.read_bytes() for path in sorted(CORPUS.rglob("*.eml"))]
SECRET = "fuzz-secret"
BITS = [b"\r\n", b"\n\n", b"--", b"boundary=", b"Content-Type: multipart/report; boundary=x\n",
        b"Content-Type: message/delivery-status\n\n", b"Final-Recipient: rfc822; ",
        b"Original-Recipient: ", b"Action: failed\n", b"Status: 5.1.1\n", b"charset=\"x-bad\"",
        b"Content-Transfer-Encoding: base64\n", b"=?utf-8?q?=FF=FE?=", b"\xff\xfe\x00",
        b"{\"notificationType\":\"Bounce\",\"bounce\":{\"bouncedRecipients\":[{}]}}",
        b"Feedback-Type: abuse\n", b"message/rfc822\n", b"<a@b.c>: ", b"@", b"\x00" * 5]


def check(raw: bytes) -> None:
    findings = analyse_all(raw, SECRET)
    assert findings and all(isinstance(f, Finding) for f in findings)
    # The last-resort guard of analyse_all did not have to catch anything: every reader
    # read what it could.
    assert not findings[0].reason.startswith("unreadable"), findings[0].reason


@st.composite
def mutated(draw) -> bytes:
    raw = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 6))):
        how = draw(st.sampled_from(["cut", "insert", "delete", "flip", "encode", "bit"]))
        at = draw(st.integers(0, len(raw)))
        if how == "cut":
            raw = raw[:at]
        elif how == "insert":
            raw[at:at] = draw(st.sampled_from(BITS))
        elif how == "delete":
            del raw[at:at + draw(st.integers(1, 200))]
        elif how == "flip" and raw:
            raw[min(at, len(raw) - 1)] = draw(st.integers(0, 255))
        elif how == "encode":
            raw = bytearray(bytes(raw).decode("latin-1").encode(
                draw(st.sampled_from(["utf-16", "utf-8", "cp1252"])), "replace"))
        else:
            raw[at:at] = draw(st.binary(max_size=64))
    return bytes(raw)


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_reports_never_crash(raw):
    check(raw)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=4000))
def test_random_bytes_never_crash(raw):
    check(raw)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=3000))
def test_random_text_never_crash(text):
    check(text.encode("utf-8", "surrogatepass"))


def test_a_line_break_other_than_crlf_inside_a_dsn_field_is_read_not_refused():
    """Found by Hypothesis: a vertical tab (or form feed, or an information separator)
    between two delivery-status fields made the header folder raise "embedded header"."""
    raw = (CORPUS / "exim-dsn-no-such-user.eml").read_bytes()
    for brk in (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e"):
        mutated_raw = raw.replace(b"Action: failed", b"Action: failed" + brk + b"Status: 5.1.1")
        check(mutated_raw)
        assert analyse_all(mutated_raw, SECRET)[0].kind == "hard"
