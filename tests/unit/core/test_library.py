from datetime import date
from pathlib import Path

import pytest

from saas_app.core import library
from saas_app.core.message_values import MessageFacts, placeholder_values
from saas_app.core.templates import render

LOCALE_OF = {"en": "en", "it": "it", "es": "es", "pt_BR": "pt_BR", "fr": "fr"}


@pytest.mark.parametrize("language", library.LANGUAGES)
def test_every_language_has_every_template_and_whatsapp_would_accept_it(language: str) -> None:
    assert library.check(language) == []
    assert len(library.texts(language)) == sum(len(tones) for tones in library.STAGES.values())


@pytest.mark.parametrize("language", library.LANGUAGES)
def test_each_message_names_sender_amount_invoice_and_contact_in_the_debtor_formats(language: str) -> None:
    facts = MessageFacts(
        customer_name="Ana Souza",
        locale=LOCALE_OF[language],
        amount_due_minor=123456,
        currency="EUR",
        due_on=date(2026, 11, 10),
        invoice_number="INV-42",
        service="",
        payment_link="https://pay.example.com/INV-42",
        payment_methods="",
        company_name="Acme Lda",
        contact="billing@acme.example",
    )
    values = placeholder_values(facts, today=date(2026, 11, 23))
    for text in library.texts(language):
        shown = render(text.variant, values).text
        for needed in ("Acme Lda", "INV-42", "billing@acme.example"):
            assert needed in shown, (text.key, needed)
        if "amount" in library.REQUIRED[text.stage]:
            assert values["amount"] in shown, text.key  # "1.234,56 €" in it, "1 234,56 €" in fr


def test_the_standard_cadence_escalates_through_library_templates() -> None:
    offsets = [offset for offset, _, _ in library.STANDARD_CADENCE]
    assert offsets == sorted(offsets)
    assert offsets[0] < 0 < offsets[-1]
    for _, stage, tone in library.STANDARD_CADENCE:
        assert tone in library.STAGES[stage]
    assert library.STANDARD_CADENCE[-1][1] == "final_notice"


def test_the_checker_names_what_a_file_lacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "xx.toml"
    broken.write_text(
        '[pre_due_7.friendly]\nname = "Soon"\nbody = "{{customer_name}}, pay {{amount}}."\n', encoding="utf-8"
    )
    monkeypatch.setattr(library, "_path", lambda language: tmp_path / f"{language}.toml")
    problems = library.check("xx")
    assert "xx [pre_due_7.neutral]: missing" in problems
    assert "xx [pre_due_7.friendly] body: WhatsApp rejects a body that starts or ends with a placeholder" in problems
    assert any(p.startswith("xx [pre_due_7.friendly]: the body must use company_name") for p in problems)
    assert "xx [pre_due_7.friendly]: needs 3 buttons (already_paid, need_time, stop)" in problems
