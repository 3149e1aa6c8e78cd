"""Form rows with their errors beside them, secrets never sent back, and the bar that saves."""

from typing import Any

import reflex as rx

from saas_app import styles
from saas_app.state.base import t


def field(
    label: str, name: str, type_: str = "text", *, error: Any = None, hint: str | None = None, **props: Any
) -> rx.Component:
    """A labelled input. `error` (a Var) is the message shown under it, in red, when not empty."""
    parts: list[rx.Component] = [
        rx.text(t(label), as_="label", size="2", weight="medium", html_for=name),
        rx.input(name=name, id=name, type=type_, width="100%", size="3", **props),
    ]
    if hint is not None:
        parts.append(rx.text(t(hint), size="1", color=styles.MUTED))
    if error is not None:
        parts.append(field_error(error, name))
    return rx.vstack(*parts, spacing="1", width="100%")


def field_error(message: Any, name: str) -> rx.Component:
    """What is wrong with one field, said under it."""
    return rx.cond(
        message != "",
        rx.text(message, size="1", color=styles.DANGER, role="alert", id=f"{name}-error", class_name="field-error"),
    )


def error_for(state: Any, name: str) -> Any:
    """A state's error when it concerns this field (its `error_field`), else empty."""
    return rx.cond(state.error_field == name, state.error, "")


def form_error(message: Any) -> rx.Component:
    """A refusal that concerns the whole form, above its save bar."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
    )


def secret_field(label: str, name: str, is_set: Any, **props: Any) -> rx.Component:
    """Secrets are never sent back to the browser: the field says whether one is saved."""
    return field(
        label,
        name,
        type_="password",
        autocomplete="off",
        placeholder=rx.cond(is_set, t("Saved. Leave blank to keep it."), t("Not set")),
        **props,
    )


def save_bar(allowed: Any, refusal: str, *buttons: rx.Component) -> rx.Component:
    """The form's actions for those allowed to change it; for the others, a sentence saying who may."""
    return rx.cond(
        allowed,
        rx.hstack(*buttons, spacing="3", align="center"),
        rx.text(t(refusal), color=styles.MUTED, class_name="read-only-note"),
    )


def shown_once(visible: Any, message: str, value: Any, value_id: str, icon: str, color: str) -> rx.Component:
    """A secret or link the server shows a single time, with the words to say so."""
    return rx.cond(
        visible,
        rx.callout(
            rx.vstack(rx.text(t(message)), rx.code(value, id=value_id, word_break="break-all")),
            icon=icon,
            color_scheme=color,
        ),
    )


def form_error_except(state: Any, inline: list[str]) -> rx.Component:
    """The state's error above the form, unless one of the `inline` fields already shows it."""
    placed = rx.Var.create(inline).contains(state.error_field)
    return form_error(rx.cond(placed, "", state.error))
