"""The one filter bar above a list: a search box, labelled menus and dates, and a way to clear them.

Every control is applied on the server. The bar works with a state that has `search`, `typed_filters` (bumped
when the typed boxes must show values the server set), `filtering`, and the events `apply_search(form)`,
`set_filter(name, value)` and `clear_filters`, plus one var per menu or date, named as the filter.
"""

from collections.abc import Sequence
from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from saas_app import styles
from saas_app.components.forms import field_label
from saas_app.state.base import t

NO_FILTER = "all"  # what the states' menus hold for "any": Radix selects refuse an empty value


def filter_bar(
    state: Any,
    *controls: rx.Component,
    search: rx.Component | None = None,
    below: Sequence[rx.Component] = (),
    **props: Any,
) -> rx.Component:
    """The filters above a list, in a card: the search row, then the menus and the clear button, then `below`
    (what narrows the list from elsewhere, a refusal of what was typed)."""
    menus = rx.hstack(
        *controls,
        rx.cond(
            state.filtering,
            rx.button(
                rx.icon("x", size=14),
                t("Clear filters"),
                variant="ghost",
                on_click=state.clear_filters,
                id="filter-clear",
                align_self="end",
            ),
        ),
        spacing="3",
        wrap="wrap",
        align="end",
        width="100%",
    )
    parts = [search, menus, *below] if search is not None else [menus, *below]
    return rx.card(rx.vstack(*parts, spacing="3", width="100%"), width="100%", **props)


def filter_search(state: Any, placeholder: str, *boxes: rx.Component, button: str) -> rx.Component:
    """The search box (and any other typed `boxes`), applied on Enter or with the `button`."""
    return rx.form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                name="search",
                default_value=state.search,
                placeholder=t(placeholder),
                aria_label=t(placeholder),
                id="filter-search",
                min_width="16em",
                flex="2",
            ),
            *boxes,
            rx.button(t(button), type="submit", variant="soft", id="filter-apply"),
            width="100%",
            wrap="wrap",
        ),
        on_submit=state.apply_search,
        width="100%",
        id="filter-form",
        key=state.typed_filters,  # shows the values the server set (from the address, or cleared)
    )


def control_id(name: str) -> str:
    """The element id of a filter's control: `filter-due-from` for `due_from`."""
    return "filter-" + name.replace("_", "-")


def _labelled(label: str, name: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        field_label(t(label), control_id(name), size="1", color=styles.MUTED),
        control,
        spacing="1",
    )


def _item(choice: Any) -> rx.Component:
    """A menu item from a state's list: a `{"value", "label"}` choice, or a plain word that is both."""
    if isinstance(choice, ObjectVar):
        return rx.select.item(choice["label"], value=choice["value"])
    return rx.select.item(choice, value=choice)


def filter_menu(
    state: Any,
    name: str,
    label: str,
    everything: str,
    choices: Any = None,
    *,
    options: Sequence[tuple[str, str]] = (),
    any_value: str = NO_FILTER,
) -> rx.Component:
    """A labelled menu: `everything` (the filter off) first, then the fixed `options` ((value, message id)
    pairs) and the state's `choices`; picking one applies it at once."""
    items = [rx.select.item(t(text), value=value) for value, text in options]
    if choices is not None:
        items.append(rx.foreach(choices, _item))
    return _labelled(
        label,
        name,
        rx.select.root(
            rx.select.trigger(id=control_id(name), min_width="9em"),
            rx.select.content(rx.select.item(t(everything), value=any_value), *items),
            value=getattr(state, name),
            on_change=lambda value: state.set_filter(name, value),
            size="2",
        ),
    )


def filter_date(state: Any, name: str, label: str) -> rx.Component:
    """A labelled day; choosing one applies it at once."""
    return _labelled(
        label,
        name,
        rx.input(
            type="date",
            default_value=getattr(state, name),
            on_change=lambda value: state.set_filter(name, value),
            id=control_id(name),
            key=state.typed_filters,  # not bound to the state (a bound input would bring a debounce library)
        ),
    )


def no_match(state: Any, message: str, **props: Any) -> rx.Component:
    """What a list shows when its filters leave nothing: that, and a button to clear them."""
    return rx.card(
        rx.hstack(
            rx.text(t(message), color=styles.MUTED),
            rx.button(t("Clear filters"), variant="soft", on_click=state.clear_filters),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        width="100%",
        **props,
    )
