import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from saas_app.core.templates import (
    MAX_PARAMETER,
    PLACEHOLDERS,
    RenderError,
    Variant,
    check_variant,
    missing_values,
    placeholders_in,
    render,
)
from tests.properties import examples

VALUES = {name: f"<{name}>" for name in PLACEHOLDERS}
GOOD = Variant(
    body="Hi {{customer_name}}, invoice {{invoice_number}} for {{amount}} is due on {{due_date}}. Pay here: "
    "{{payment_link}} - thank you.",
    header="Invoice {{invoice_number}}",
    footer="Padaria Sol",
    buttons=("I already paid", "Talk to someone"),
)


def messages(variant: Variant) -> list[str]:
    return [p.message for p in check_variant(variant)]


def test_a_good_variant_has_no_problems() -> None:
    assert check_variant(GOOD) == []


def test_rendering_gives_the_text_and_named_parameters_in_order() -> None:
    rendered = render(GOOD, VALUES)
    assert rendered.text.startswith("Invoice <invoice_number>\n\nHi <customer_name>, invoice <invoice_number>")
    assert rendered.text.endswith("thank you.\n\nPadaria Sol")
    assert [p["parameter_name"] for p in rendered.parameters] == [
        "customer_name",
        "invoice_number",
        "amount",
        "due_date",
        "payment_link",
    ]
    assert rendered.header_parameters == [
        {"type": "text", "parameter_name": "invoice_number", "text": "<invoice_number>"}
    ]


def test_an_unknown_placeholder_is_named() -> None:
    [problem] = check_variant(Variant(body="Hello {{customer}}, pay {{amount}} please."))
    assert problem.placeholder == "customer"
    assert problem.message == "unknown placeholder {{customer}}"


def test_a_missing_value_is_named() -> None:
    with pytest.raises(RenderError) as raised:
        render(GOOD, VALUES | {"payment_link": "  "})
    assert [p.placeholder for p in raised.value.problems] == ["payment_link"]


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        (Variant(body="x" * 1025), "body has 1025 characters; WhatsApp allows 1024"),
        (Variant(body="{{customer_name}}, you owe money."), "starts or ends with a placeholder"),
        (Variant(body="Pay {{amount}} {{due_date}} today."), "need words between them"),
        (Variant(body="Pay {{amount today."), "not closed"),
        (Variant(body="Pay now.", footer="{{company_name}}"), "does not allow placeholders in the footer"),
        (Variant(body="Pay now.", buttons=("a", "b", "c", "d")), "at most 3"),
        (Variant(body="   "), "the body is empty"),
    ],
)
def test_whatsapp_rules_are_checked_before_use(variant: Variant, expected: str) -> None:
    assert any(expected.split(";")[0] in m for m in messages(variant)), messages(variant)


def test_parameter_values_lose_new_lines_and_long_runs_of_spaces() -> None:
    rendered = render(GOOD, VALUES | {"customer_name": "Ana\nMaria     Souza"})
    assert rendered.parameters[0]["text"] == "Ana Maria Souza"


def test_placeholders_are_listed_once_in_order() -> None:
    assert placeholders_in("{{a}} {{b}} {{ a }}") == ["a", "b"]


def test_an_organizations_payment_link_is_filled_in_for_machines() -> None:
    from saas_app.core.message_values import payment_link, unknown_link_fields

    template = "https://pay.example.com/{invoice_number}?amount={amount}"
    assert payment_link(template, "NF 12/3", 123_456, "BRL") == "https://pay.example.com/NF%2012%2F3?amount=1234.56"
    assert payment_link(template, "A-1", 5_000, "JPY") == "https://pay.example.com/A-1?amount=5000"
    assert payment_link("", "A-1", 100, "EUR") == ""
    assert unknown_link_fields("https://x.example/{invoice_number}/{customer}") == ["customer"]


@contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail the test, not wait for it, if the block runs longer: a guard a thousand times the time it takes."""

    def stop(_signal: int, _frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("body", ["Pay {{" + " " * 20_000, "Pay {{" + " " * 10_000 + "x" + " " * 10_000 + "}"])
def test_an_unclosed_placeholder_is_refused_at_once_however_long_the_body(body: str) -> None:
    """Three parts of the placeholder pattern shared the spaces every way: a 1,000-space body took half a
    second to check, 5,000 four minutes; the editor checks the body as it is typed."""
    with within(10), pytest.raises(RenderError) as raised:
        render(Variant(body=body), VALUES)
    assert {p.message for p in raised.value.problems} >= {"a placeholder is not closed: write {{name}}"}


parts = st.text(st.sampled_from("{} _\n\tab") | st.characters(), max_size=120) | st.sampled_from(
    ["{{amount}}", "{{ customer_name }}", "{{{amount}}}", "{{}}", "{{ }}", "}}{{", "{{amount", "amount}}"]
)


@settings(max_examples=examples(300), deadline=None)
@given(
    body=st.lists(parts, max_size=6).map("".join),
    header=st.lists(parts, max_size=2).map("".join),
    footer=st.text(max_size=70),
    buttons=st.lists(st.text(max_size=30), max_size=4).map(tuple),
    values=st.dictionaries(st.sampled_from([*PLACEHOLDERS, "x", " amount "]), st.text(max_size=1100), max_size=12),
)
@example(body="Pay {{" + " " * 3000, header="", footer="", buttons=(), values={})
def test_any_template_renders_or_is_refused_with_its_problems(
    body: str, header: str, footer: str, buttons: tuple[str, ...], values: dict[str, str]
) -> None:
    """What a collector can type (and what Meta sends back) gives the message, or RenderError: nothing else."""
    variant = Variant(body=body, header=header, footer=footer, buttons=buttons)
    try:
        rendered = render(variant, values)
    except RenderError:
        assert check_variant(variant) or missing_values(variant, values), "a refusal names its problems"
        return
    assert check_variant(variant) == []
    assert [p["parameter_name"] for p in rendered.parameters] == placeholders_in(body)
    assert all(0 < len(p["text"]) <= MAX_PARAMETER for p in rendered.parameters + rendered.header_parameters)
