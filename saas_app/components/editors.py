"""What both editors (a template's, a cadence's) show when someone else is in them: who, and a refused save."""

from typing import Any

import reflex as rx

from saas_app.state.base import t
from saas_app.state.editors import PRESENCE_TICK


def also_open_by(others: Any, on_tick: Any) -> rx.Component:
    """The names of the others who have this editor open, and the hidden button the page clicks to check in."""
    return rx.fragment(
        rx.cond(
            others.length() > 0,
            rx.hstack(
                rx.icon("users", size=14, color="var(--amber-11)"),
                rx.text(t("Also open by:"), size="2", color_scheme="amber"),
                rx.text(others.join(", "), size="2", weight="medium", id="others-here"),
                spacing="1",
                align="center",
            ),
        ),
        rx.button("", id=PRESENCE_TICK, on_click=on_tick, display="none", aria_hidden="true"),
    )


def stale_save(text: Any, reload_label: str, on_reload: Any) -> rx.Component:
    """A save refused because someone saved first (who, when, what), and the button that reads their version."""
    return rx.cond(
        text != "",
        rx.callout(
            rx.vstack(
                rx.text(text),
                rx.button(t(reload_label), size="1", variant="soft", on_click=on_reload),
                spacing="2",
            ),
            icon="triangle-alert",
            color_scheme="red",
            role="alert",
            id="stale-save",
            width="100%",
        ),
    )
