"""Every reason core.templates gives for refusing a text reaches the reader in their language."""

from saas_app.core.templates import Variant, check_variant
from saas_app.services.templates import tidy
from saas_app.state.templates import PROBLEM_MESSAGES, problem_text, problems_by_part, split_rendered

BROKEN = [
    Variant(body=""),
    Variant(body="x" * 1100),
    Variant(body="Hi {{amount"),
    Variant(body="Hi {{valor}} today."),
    Variant(body="Hi there.", footer="Pay {{amount}}"),
    Variant(body="Hi there.", header="{{amount}} {{due_date}}"),
    Variant(body="{{amount}} is due"),
    Variant(body="Pay {{amount}} {{due_date}} now."),
    Variant(body="Hi.", buttons=("a", "b", "c", "d")),
    Variant(body="Hi.", buttons=("x" * 30,)),
]


def test_every_core_problem_has_words_in_each_language() -> None:
    problems = [problem for variant in BROKEN for problem in check_variant(variant)]
    assert problems
    for problem in problems:
        assert any(pattern.match(problem.message) for pattern, _ in PROBLEM_MESSAGES), problem.message
        assert problem_text(problem, "pt") != problem.message


def test_problems_are_said_beside_their_part() -> None:
    shown = problems_by_part(check_variant(Variant(body="x" * 1100, footer="Pay {{amount}}")), "it")
    assert shown["body"] == "1.100 caratteri: WhatsApp ne consente 1024."
    assert shown["footer"].startswith("WhatsApp non consente segnaposto")
    assert shown["header"] == ""


def test_spaces_inside_braces_are_taken_out() -> None:
    assert tidy("Pay {{ amount }} by {{due_date  }}.") == "Pay {{amount}} by {{due_date}}."


def test_a_rendered_message_splits_back_into_header_body_and_footer() -> None:
    variant = Variant(header="Invoice {{invoice_number}}", body="Hi\n\nthere", footer="Cobro")
    assert split_rendered(variant, "Invoice A-1\n\nHi\n\nthere\n\nCobro") == ("Invoice A-1", "Hi\n\nthere", "Cobro")
