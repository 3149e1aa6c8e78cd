import pytest

from saas_app.core.text import is_valid_email, neutralized, normalize_email, slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Açaí & Cia Ltda.", "acai-cia-ltda"), ("  Café São João  ", "cafe-sao-joao"), ("!!!", "org")],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_emails_are_compared_lowercase_and_trimmed() -> None:
    assert normalize_email("  Ana@Example.COM ") == "ana@example.com"


@pytest.mark.parametrize("email", ["ana@example.com", "a.b+c@sub.example.pt"])
def test_valid_emails(email: str) -> None:
    assert is_valid_email(email)


@pytest.mark.parametrize("email", ["", "ana", "ana@", "ana@example", "a b@example.com", "a@@example.com"])
def test_invalid_emails(email: str) -> None:
    assert not is_valid_email(email)


def test_bidirectional_controls_are_shown_not_obeyed() -> None:
    assert neutralized("\u202egnp.exe") == "[U+202E]gnp.exe"
    assert neutralized("Ana \u2066Souza\u2069") == "Ana [U+2066]Souza[U+2069]"
    assert (
        neutralized("Jos\u00e9 Mar\u00eda — مرحبا") == "José María — مرحبا"
    )  # accents and RTL script stay as they are
