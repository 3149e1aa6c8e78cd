import pytest

from saas_app.core.phones import PhoneError, normalize_phone, region_of


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(11) 98765-4321", "BR", "+5511987654321"),
        ("+55 11 98765-4321", "IT", "+5511987654321"),
        ("0039 347 123 4567", "BR", "+393471234567"),
        ("347 123 4567", "IT", "+393471234567"),
        ("612 34 56 78", "ES", "+34612345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
    ],
)
def test_numbers_become_e164(raw: str, region: str, e164: str) -> None:
    assert normalize_phone(raw, region) == e164


@pytest.mark.parametrize(("raw", "reason"), [("", "no phone"), ("hello", "not a phone"), ("+55 11 123", "not a valid")])
def test_bad_numbers_say_why(raw: str, reason: str) -> None:
    with pytest.raises(PhoneError, match=reason):
        normalize_phone(raw, "BR")


def test_the_region_of_a_number() -> None:
    assert region_of("+393471234567") == "IT"
