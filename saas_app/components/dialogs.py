"""Confirmation before what cannot be undone."""

from typing import Any

import reflex as rx

from saas_app.state.base import t


def confirm_dialog(
    trigger: rx.Component,
    title: str,
    body: str,
    confirm: str,
    on_confirm: Any,
    *,
    color: str = "red",
    id: str | None = None,  # noqa: A002 - the element id, as Reflex names it
) -> rx.Component:
    """`trigger` opens a dialog saying what will happen; only its confirm button runs `on_confirm`."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(t(title)),
            rx.alert_dialog.description(t(body)),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(t(confirm), color_scheme=color, on_click=on_confirm, id=f"{id}-confirm" if id else None)
                ),
                spacing="3",
                justify="end",
                margin_top="1em",
            ),
            id=id,
        ),
    )
