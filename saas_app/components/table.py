"""The one data table: headers, the page of rows the server sent, its empty state and pager."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import reflex as rx

from saas_app import styles
from saas_app.state.base import t


@dataclass(frozen=True)
class Column:
    """A column: its heading (a message id, "" for none), its alignment, and the server's sort key, if any.

    `header` replaces the heading with a component (a select-all checkbox, say).
    """

    label: str
    align: str = "left"  # figures are right-aligned
    sort: str = ""  # with a `sorting` state, the heading sorts the list by this key
    header: Any = None


def _header(column: Column, sorting: Any) -> rx.Component:
    if column.header is not None:
        return rx.table.column_header_cell(column.header, width="1%")
    label = t(column.label) if column.label else ""
    if not column.sort or sorting is None:
        return rx.table.column_header_cell(label, text_align=column.align)
    return sortable_header(label, column.sort, sorting, align=column.align)


def sortable_header(label: Any, key: str, sorting: Any, *, align: str = "left") -> rx.Component:
    """A heading that sorts the list on the server by `key`; clicked again, the order turns round.

    `sorting` is a state with `sort_key`, `sort_descending` and a `sort_by(key)` event. The arrow and
    `aria-sort` say which way the list runs now.
    """
    active = sorting.sort_key == key
    return rx.table.column_header_cell(
        rx.button(
            label,
            rx.cond(
                active,
                rx.cond(sorting.sort_descending, rx.icon("arrow-down", size=14), rx.icon("arrow-up", size=14)),
                rx.icon("arrow-down-up", size=14, color=styles.FAINT),
            ),
            variant="ghost",
            size="1",
            color_scheme="gray",
            high_contrast=active,
            on_click=sorting.sort_by(key),
            class_name="sort-button",
            id=f"sort-{key}",
            # As big and bold as the headings that do not sort, and flush with the column's edge.
            style={"font_weight": "bold", "font_size": "inherit", "white_space": "nowrap", "margin": "0"},
        ),
        text_align=align,
        aria_sort=rx.cond(active, rx.cond(sorting.sort_descending, "descending", "ascending"), "none"),
    )


def data_table(
    columns: Sequence[Column],
    rows: Any,
    row: Callable[[Any], rx.Component],
    *,
    empty: rx.Component | None = None,
    pages: Any = None,
    sorting: Any = None,
    **props: Any,
) -> rx.Component:
    """A list read a page at a time: `rows` is the state's current page, `row` draws one (a `table_row`).

    With `empty`, that is shown instead while there is no row on the first page; with `pages` (a
    `KeysetPages` state or one with the same vars and events), a pager under the table; with `sorting`,
    the columns that have a sort key sort the list on the server (`sortable_header`).
    """
    table = rx.table.root(
        rx.table.header(rx.table.row(*[_header(column, sorting) for column in columns])),
        rx.table.body(rx.foreach(rows, row)),
        width="100%",
        variant="surface",
        **props,
    )
    body = rx.vstack(table, pager(pages), spacing="4", width="100%") if pages is not None else table
    if empty is None:
        return body
    has_rows = rows.length() > 0
    if pages is not None:
        has_rows = has_rows | (pages.page > 1)
    return rx.cond(has_rows, body, empty)


def table_row(*cells: rx.Component, on_click: Any = None, **props: Any) -> rx.Component:
    """A row of cells; with `on_click`, the whole row opens what it lists."""
    if on_click is not None:
        props |= {"on_click": on_click, "cursor": "pointer", "_hover": {"background": styles.HOVER}}
    return rx.table.row(*cells, **props)


def figure_cell(value: Any, **props: Any) -> rx.Component:
    """A number in a table: right-aligned, so that digits line up."""
    return rx.table.cell(value, text_align="right", **props)


def pager(state: Any, *, always: bool = False) -> rx.Component:
    """Previous and next for a listing read a page at a time; hidden while everything fits on one page,
    unless `always` (when its label says something of its own, such as "1-10 of 10").

    `state` has `page`, `has_next`, `page_label` and the `previous_page` and `next_page` events, as
    `KeysetPages` gives them.
    """
    controls = rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16),
            t("Previous"),
            variant="soft",
            disabled=state.page <= 1,
            on_click=state.previous_page,
            id="page-previous",
        ),
        rx.text(state.page_label, size="2", color=styles.MUTED, id="page-label"),
        rx.button(
            t("Next"),
            rx.icon("chevron-right", size=16),
            variant="soft",
            disabled=~state.has_next,
            on_click=state.next_page,
            id="page-next",
        ),
        align="center",
        justify="end",
        spacing="3",
        width="100%",
    )
    return controls if always else rx.cond((state.page > 1) | state.has_next, controls)
