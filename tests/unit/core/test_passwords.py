"""The password rule refuses what an attacker guesses first, and says what to do instead."""

import pytest

from saas_app.core import passwords
from saas_app.core.passwords import weakness
from tests.factories import PASSWORD

ANA = ["Ana Silva", "ana@alpha-company.example", "Alpha Company"]


@pytest.mark.parametrize(
    ("password", "advice"),
    [
        ("password12", passwords.COMMON_PASSWORD),
        ("qwertyuiop", passwords.COMMON_PASSWORD),
        ("Qwerty2026!!", passwords.COMMON_PASSWORD),
        ("aaaaaaaaaa", passwords.REPEATS),
        ("abcdefghijk", passwords.SEQUENCE),
        ("asdfghjkl;'", passwords.KEYBOARD),
        ("01/02/1985xyz", passwords.DATES),
        ("Maria1985xx", passwords.NAMES),
    ],
)
def test_common_and_patterned_passwords_are_refused_with_advice_for_their_pattern(password: str, advice: str) -> None:
    assert weakness(password) == advice


def test_a_password_built_on_the_persons_own_name_email_or_company_is_refused() -> None:
    assert weakness("alpha2026Company") is None, "a stranger's company: hard enough to guess"
    assert weakness("alpha2026Company", ANA) == passwords.PERSONAL
    assert weakness("SilvaAna2026", ANA) == passwords.PERSONAL
    assert weakness("ana@alpha-company.example", ANA) == passwords.PERSONAL


def test_a_short_password_is_refused_for_its_length_whatever_it_is() -> None:
    assert weakness("Kx9#mP2q!") == passwords.TOO_SHORT
    assert passwords.TOO_SHORT.format(count=passwords.MIN_LENGTH) == "Use at least 10 characters for the password."


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "lamp river orange cloud",
        "Kx9#mP2qL!",  # random, at the minimum length
        "Rossi&Figli2026",
        "amarelo-casa-79",
        PASSWORD,
    ],
)
def test_passphrases_and_random_passwords_are_accepted(password: str) -> None:
    assert weakness(password, ANA) is None


def test_a_very_long_password_is_checked_on_its_start_and_accepted() -> None:
    assert weakness("lamp river orange cloud " * 20, ANA) is None
    assert weakness("a" * 500) == passwords.REPEATS


def test_personal_words_are_the_texts_whole_and_word_by_word() -> None:
    assert passwords.personal_words(["Ana Silva", "ana@example.com", "", "Açaí & Co"]) == [
        "ana silva",
        "ana",
        "silva",
        "ana@example.com",
        "example",
        "com",
        "açaí & co",
        "açaí",
    ]
