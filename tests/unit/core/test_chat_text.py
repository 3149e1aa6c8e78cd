from saas_app.core.chat_text import Span, chat_lines, plain


def test_markers_become_styles_and_lose_their_characters() -> None:
    assert chat_lines("Total *R$ 1.234,56* due _today_, ~old~ ```INV-7```") == [
        [
            Span("Total "),
            Span("R$ 1.234,56", bold=True),
            Span(" due "),
            Span("today", italic=True),
            Span(", "),
            Span("old", strike=True),
            Span(" "),
            Span("INV-7", mono=True),
        ]
    ]


def test_markers_nest() -> None:
    assert chat_lines("*_both_* and *bold _and italic_*") == [
        [
            Span("both", bold=True, italic=True),
            Span(" and "),
            Span("bold ", bold=True),
            Span("and italic", bold=True, italic=True),
        ]
    ]


def test_what_whatsapp_leaves_as_written() -> None:
    # inside words, around spaces, unclosed, and snake_case names stay literal
    for text in ("2*3*4", "a * b * c", "*open", "file_name_here", "* not bold*", "**"):
        assert plain(text) == text, text
        assert all(not (s.bold or s.italic or s.strike or s.mono) for line in chat_lines(text) for s in line)


def test_monospace_keeps_markers_inside_as_text() -> None:
    assert chat_lines("```*x* _y_```") == [[Span("*x* _y_", mono=True)]]


def test_line_breaks_are_kept_and_empty_lines_too() -> None:
    lines = chat_lines("Hello *Ana*,\n\nPay here: https://pay.example/x_1")
    assert len(lines) == 3
    assert lines[1] == []
    assert plain("Hello *Ana*,\n\nthanks") == "Hello Ana,\n\nthanks"


def test_punctuation_may_touch_a_marker() -> None:
    assert chat_lines("(*due today*).") == [[Span("("), Span("due today", bold=True), Span(").")]]
