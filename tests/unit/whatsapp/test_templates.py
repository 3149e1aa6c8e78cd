from saas_app.core.library import texts
from saas_app.core.templates import Variant
from saas_app.whatsapp.templates import meta_name, submission


def test_a_submission_carries_named_examples_written_the_languages_way() -> None:
    text = next(t for t in texts("pt_BR") if t.key == "due_today_neutral")
    body = submission("due_today_neutral", "pt_BR", text.variant)
    assert (body["category"], body["parameter_format"], body["language"]) == ("UTILITY", "NAMED", "pt_BR")
    [main] = [c for c in body["components"] if c["type"] == "BODY"]
    examples = {p["param_name"]: p["example"] for p in main["example"]["body_text_named_params"]}
    assert examples["amount"] == "R$\xa01.234,56"
    assert examples["due_date"] == "15 de dezembro de 2026"
    buttons = [c for c in body["components"] if c["type"] == "BUTTONS"]
    assert [b["type"] for b in buttons[0]["buttons"]] == ["QUICK_REPLY"] * len(text.variant.buttons)


def test_a_body_without_placeholders_has_no_example_and_names_are_metas_kind() -> None:
    body = submission("thanks", "en", Variant(body="Thank you!"))
    assert body["components"] == [{"type": "BODY", "text": "Thank you!"}]
    assert meta_name("Lembrete Março-2026") == "lembrete_mar_o_2026"


def test_reminders_are_submitted_with_the_longest_time_to_live_meta_allows_for_utility() -> None:
    body = submission("thanks", "en", Variant(body="Thank you!"))
    assert body["message_send_ttl_seconds"] == 12 * 3600, "undelivered for 12 hours: Meta drops it"
