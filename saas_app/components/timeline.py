"""The cadence timeline: the due date as day 0, the ageing buckets as bands, each step where it goes out."""

from typing import Any

import reflex as rx
from reflex.event import EventHandler, key_event, passthrough_event_spec
from reflex.utils.imports import ImportVar

from saas_app import styles

# Friendly to firm: the colour a step's card (or dot) is drawn in, by its template's tone.
TONE_SCHEMES = {"friendly": "green", "neutral": "blue", "firm": "orange"}
BAND_SCHEMES = {"before": "teal", "1_30": "amber", "31_90": "orange", "90_plus": "red"}


def tone_scheme(tone: Any) -> Any:
    """The Radix colour of a tone (a Var); gray for one the map does not know."""
    return rx.match(tone, *TONE_SCHEMES.items(), "gray")


def mini_timeline(dots: Any, **props: Any) -> rx.Component:
    """The list's small timeline: a line with a dot per step at its day, and a tick at the due date."""
    return rx.box(
        rx.box(position="absolute", left="0", right="0", top="50%", height="1px", background="var(--gray-4)"),
        rx.foreach(
            dots,
            lambda dot: rx.box(
                position="absolute",
                left=dot["left"],
                top="50%",
                width="10px",
                height="10px",
                margin_left="-5px",
                margin_top="-5px",
                border_radius="50%",
                background=rx.color(tone_scheme(dot["tone"]), 9),
                title=dot["title"],
                class_name="timeline-dot",
            ),
        ),
        position="relative",
        height="18px",
        width="100%",
        **props,
    )


def band(row: Any) -> rx.Component:
    """One ageing bucket: a tinted strip under the steps with its name at the top."""
    return rx.box(
        rx.text(row["label"], size="1", color=styles.MUTED, padding="0.3em 0.5em", white_space="nowrap"),
        position="absolute",
        left=row["left"],
        width=row["width"],
        top="0",
        bottom="0",
        background=rx.color(rx.match(row["bucket"], *BAND_SCHEMES.items(), "gray"), 2),
        border_left=f"1px solid {'var(--gray-4)'}",
        class_name="timeline-band",
        data_bucket=row["bucket"],
    )


def tick(row: Any) -> rx.Component:
    """A day marked under the track."""
    return rx.text(
        row["label"],
        size="1",
        color=styles.FAINT,
        position="absolute",
        left=row["left"],
        bottom="2px",
        transform="translateX(-50%)",
        white_space="nowrap",
    )


def timeline(bands: Any, ticks: Any, zero: Any, height: Any, *cards: rx.Component, **props: Any) -> rx.Component:
    """The track: bands, the due date's line, ticks, then the step cards laid over it."""
    return rx.box(
        rx.foreach(bands, band),
        rx.box(position="absolute", left=zero, top="0", bottom="0", width="2px", background=styles.BRAND),
        rx.foreach(ticks, tick),
        *cards,
        position="relative",
        width="100%",
        height=height,
        border=styles.BORDER,
        border_radius="8px",
        overflow="hidden",
        **props,
    )


class KeyedCard(rx.el.Div):
    """A focusable card that answers the keyboard (a plain div has no key events in Reflex)."""

    on_key_down: EventHandler[key_event]  # type: ignore[type-arg, valid-type]  # as Reflex declares its own


keyed_card = KeyedCard.create


# react-draggable moves the card under the mouse and reports how far it went; nothing else runs in the
# browser. React 19 has no findDOMNode, so the library needs a ref to the card: this module-level wrapper
# (bundled with the page, no inline script) holds one, folds away the click that ends a drag (so a drop does
# not also open the step), and hands the distance and the track's width to the server, which turns them
# into a day with the page's own scale. `position` stays at 0: the server's answer places the card.
DRAGGABLE_CARD_JS = """
function CobroDraggableCard({onDropAt, children, ...props}) {
  const node = useRef(null);
  const moved = useRef(false);
  const stop = (event, data) => {
    if (Math.abs(data.x) >= 3 && onDropAt) {
      moved.current = true;
      onDropAt(Math.round(data.x), node.current.parentElement.clientWidth);
    }
  };
  const swallowClick = (event) => {
    if (moved.current) { moved.current = false; event.stopPropagation(); }
  };
  return jsx(Draggable, {nodeRef: node, axis: "x", bounds: "parent", position: {x: 0, y: 0}, cancel: "button",
                         onStart: () => { moved.current = false; }, onStop: stop},
             jsx("div", {...props, ref: node, onClickCapture: swallowClick}, children));
}
"""


class DraggableCard(KeyedCard):
    """A step card dragged along the track with the mouse (react-draggable), still focusable and keyed."""

    tag = "CobroDraggableCard"
    _is_tag_in_global_scope = False

    # How far the card was dragged (px, + later) and the track's width (px): the server makes them a day.
    on_drop_at: EventHandler[passthrough_event_spec(int, int)]  # type: ignore[type-arg, valid-type]

    def add_imports(self) -> dict[str, Any]:
        """The drag library, pinned, and the hook the wrapper keeps its ref in."""
        return {"react-draggable@4.7.2": ImportVar(tag="Draggable", is_default=True), "react": ["useRef"]}

    def add_custom_code(self) -> list[str]:
        """The wrapper, once per page."""
        return [DRAGGABLE_CARD_JS]


draggable_card = DraggableCard.create
