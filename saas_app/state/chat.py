"""A WhatsApp message as the page draws it: plain values the bubble component renders."""

from typing import TypedDict

from saas_app.core.chat_text import chat_lines
from saas_app.core.text import neutralized


class SpanRow(TypedDict):
    text: str
    bold: bool
    italic: bool
    strike: bool
    mono: bool


class BubbleRow(TypedDict):
    """One bubble: what WhatsApp shows of a template or a chat message, already formatted."""

    inbound: bool  # the debtor wrote it (left, white); else the business (right, green)
    header: str
    lines: list[list[SpanRow]]
    footer: str
    buttons: list[str]  # quick replies, drawn under the bubble
    time: str
    status: str  # the ticks: sent, delivered, read, failed; scheduled or sending show a clock
    tag: str  # a word about it (the reply's intent)
    error: str  # why it failed, in the reader's language
    document: bool  # it carries the invoice as a PDF


def bubble_row(
    text: str,
    *,
    inbound: bool = False,
    header: str = "",
    footer: str = "",
    buttons: list[str] | None = None,
    time: str = "",
    status: str = "",
    tag: str = "",
    error: str = "",
    document: bool = False,
) -> BubbleRow:
    """The bubble for a message body in WhatsApp's markers (*bold*, _italic_ ...), read as WhatsApp does."""
    lines = [
        [SpanRow(text=s.text, bold=s.bold, italic=s.italic, strike=s.strike, mono=s.mono) for s in line]
        for line in chat_lines(neutralized(text))
    ]
    return BubbleRow(
        inbound=inbound,
        header=neutralized(header),
        lines=lines,
        footer=neutralized(footer),
        buttons=[neutralized(label) for label in buttons or []],
        time=time,
        status=status,
        tag=tag,
        error=error,
        document=document,
    )
