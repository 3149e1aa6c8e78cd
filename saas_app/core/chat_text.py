"""WhatsApp's text formatting, read as WhatsApp reads it, so a preview shows what the debtor will see.

WhatsApp marks *bold*, _italic_, ~strikethrough~ and ```monospace```: a marker opens before a
non-space character at the start of the text or after a space or punctuation, and closes after a
non-space character before the end, a space or punctuation. Markers nest (*_both_*); monospace
holds its text as written. Line breaks are kept: the text is returned line by line.
"""

import re
from dataclasses import dataclass, replace

_MARKERS = {"*": "bold", "_": "italic", "~": "strike"}
# Monospace first (its content is literal), then one of the single-character markers, closed by the
# same character, never spanning an empty or space-edged text.
_STYLED = re.compile(
    r"(?<![\w`])```(?P<mono>\S(?:.*?\S)?)```(?![\w`])"
    r"|(?<![\w*_~])(?P<mark>[*_~])(?P<inner>\S(?:.*?\S)?)(?P=mark)(?![\w*_~])"
)


@dataclass(frozen=True)
class Span:
    """A run of text in one style."""

    text: str
    bold: bool = False
    italic: bool = False
    strike: bool = False
    mono: bool = False


def chat_lines(text: str) -> list[list[Span]]:
    """The text as WhatsApp draws it: one list of styled spans per line (an empty line has none)."""
    return [_spans(line, Span("")) for line in text.split("\n")]


def _spans(text: str, style: Span) -> list[Span]:
    spans: list[Span] = []
    position = 0
    for match in _STYLED.finditer(text):
        if match.start() > position:
            spans.append(replace(style, text=text[position : match.start()]))
        if match.group("mono") is not None:
            spans.append(replace(style, text=match.group("mono"), mono=True))
        else:
            inner_style = _with(style, _MARKERS[match.group("mark")])
            spans.extend(_spans(match.group("inner"), inner_style))
        position = match.end()
    if position < len(text):
        spans.append(replace(style, text=text[position:]))
    return spans


def _with(style: Span, marker: str) -> Span:
    """The style with one more of bold, italic or strike."""
    return Span(
        style.text,
        bold=style.bold or marker == "bold",
        italic=style.italic or marker == "italic",
        strike=style.strike or marker == "strike",
        mono=style.mono,
    )


def plain(text: str) -> str:
    """The text without its markers, as a notification or a screen reader says it."""
    return "\n".join("".join(span.text for span in line) for line in chat_lines(text))
