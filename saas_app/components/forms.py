"""Form rows with their errors beside them, pickers, secrets never sent back, and the bar that saves."""

from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from saas_app import styles
from saas_app.state.base import t


def field_label(text: Any, for_id: str, **props: Any) -> rx.Component:
    """A label bound to its control (`for_id`): a click on it focuses the control; screen readers name it so.

    Radix's Text knows no `html_for`: passed that way it lands in the CSS and binds nothing.
    """
    return rx.text(text, as_="label", custom_attrs={"htmlFor": for_id}, **props)


def field(
    label: str, name: str, type_: str = "text", *, error: Any = None, hint: str | None = None, **props: Any
) -> rx.Component:
    """A labelled input. `error` (a Var) is the message shown under it, in red, when not empty."""
    parts: list[rx.Component] = [
        field_label(t(label), name, size="2", weight="medium"),
        rx.input(name=name, id=name, type=type_, width="100%", size="3", **props),
    ]
    if hint is not None:
        parts.append(rx.text(t(hint), size="1", color=styles.MUTED))
    if error is not None:
        parts.append(field_error(error, name))
    return rx.vstack(*parts, spacing="1", width="100%")


def _picker_style(size: str) -> dict[str, Any]:
    """A native select drawn like Radix's text fields of that size, so a form's boxes and lists match."""
    return {
        "width": "100%",
        "height": f"var(--space-{6 if size == '2' else 7})",
        "padding": "0 var(--space-2)",
        "font_family": "inherit",
        "font_size": f"var(--font-size-{size})",
        "color": "var(--gray-12)",
        "background_color": "var(--color-surface)",
        "border": "none",
        "border_radius": "var(--radius-2)",
        "box_shadow": "inset 0 0 0 1px var(--gray-a7)",
        "&:focus-visible": {"outline": "2px solid var(--focus-8)", "outline_offset": "-1px"},
        "&:disabled": {"color": "var(--gray-a11)", "background_color": "var(--gray-a2)", "cursor": "not-allowed"},
    }


def _option_of(item: Any) -> rx.Component:
    """An option from a state's list: a `{"value", "label"}` dict, a `[value, label]` pair, or a word that is both."""
    if isinstance(item, ObjectVar):
        return rx.el.option(item["label"], value=item["value"])
    if isinstance(item, ArrayVar):
        return rx.el.option(item[1], value=item[0])
    return rx.el.option(item, value=item)


def options(items: Any) -> list[rx.Component]:
    """A picker's options: fixed (value, message id) pairs, translated, or a state's list (see `_option_of`)."""
    if isinstance(items, rx.Var):
        return [rx.foreach(items, _option_of)]
    return [rx.el.option(t(text), value=value) for value, text in items]


def picker(
    label: str,
    name: str,
    *choices: rx.Component,
    error: Any = None,
    hint: str | None = None,
    placeholder: Any = None,
    size: str = "3",
    **props: Any,
) -> rx.Component:
    """A labelled list to choose from (never free text), with its hint and its error under it, as `field` has.

    A native select: the label is bound to it, the keyboard (type to jump, arrows) and screen readers work as
    everywhere, phones open their own list, and a form sends it by `name`. `choices` are its options
    (`options(...)`); `placeholder`, a message id or a Var, is shown while nothing is chosen (value "").
    `props` go to the select: `value` with `on_change`, or `default_value` in a form.
    """
    described = [f"{name}-{part}" for part, given in (("hint", hint), ("error", error)) if given is not None]
    if described:
        props["aria_describedby"] = " ".join(described)
    style = _picker_style(size)
    if placeholder is not None:
        words = t(placeholder) if isinstance(placeholder, str) else placeholder
        choices = (rx.el.option(words, value="", disabled=True), *choices)
        if "value" in props:  # the invitation in the placeholder's grey, as a text field's
            style |= {"color": rx.cond(props["value"] == "", "var(--gray-a10)", "var(--gray-12)")}
            style["& option"] = {"color": "var(--gray-12)"}
    parts: list[rx.Component] = [
        field_label(t(label), name, size="2", weight="medium"),
        rx.el.select(
            *choices,
            name=name,
            id=name,
            style=style,
            **props,
        ),
    ]
    if hint is not None:
        parts.append(rx.text(t(hint), size="1", color=styles.MUTED, id=f"{name}-hint"))
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
