import hashlib
import hmac

from saas_app.core import signatures

BODY = b'{"id": "evt_1"}'


def test_a_header_verifies_as_stripe_computes_it() -> None:
    header = signatures.header("whsec_x", 1_700_000_000, BODY)
    expected = hmac.new(b"whsec_x", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert signatures.verify(header, "whsec_x", BODY, now=1_700_000_100)


def test_any_of_several_v1_signatures_may_match_as_during_a_secret_rotation() -> None:
    good = signatures.sign("new", 10, BODY)
    assert signatures.verify(f"t=10,v1={'0' * 64},v0=abc,v1={good}", "new", BODY, now=10)


def test_wrong_secret_body_age_or_shape_is_refused() -> None:
    header = signatures.header("s", 1000, BODY)
    assert not signatures.verify(header, "other", BODY, now=1000)
    assert not signatures.verify(header, "s", BODY + b" ", now=1000)
    assert not signatures.verify(header, "s", BODY, now=1000 + signatures.TOLERANCE_SECONDS + 1)
    assert not signatures.verify(header, "", BODY, now=1000)
    assert not signatures.verify("v1=" + signatures.sign("s", 1000, BODY), "s", BODY, now=1000)
    assert not signatures.verify("garbage", "s", BODY, now=1000)
