"""The one data table: headers, the page of rows the server sent, its empty state and pager."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import reflex as rx

from saas_app import styles
from saas_app.state.base import KeysetPages, t


@dataclass(frozen=True)
class Column:
    """A column: its heading (a message id, "" for none) and its alignment."""

    label: str
    align: str = "left"  # figures are right-aligned


def _header(column: Column) -> rx.Component:
    return rx.table.column_header_cell(t(column.label) if column.label else "", text_align=column.align)


def data_table(
    columns: Sequence[Column],
    rows: Any,
    row: Callable[[Any], rx.Component],
    *,
    empty: rx.Component | None = None,
    pages: type[KeysetPages] | None = None,
    **props: Any,
) -> rx.Component:
    """A list read a page at a time: `rows` is the state's current page, `row` draws one (a `table_row`).

    With `empty`, that is shown instead while there is no row on the first page; with `pages`, a pager
    under the table.
    """
    table = rx.table.root(
        rx.table.header(rx.table.row(*[_header(column) for column in columns])),
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


def pager(state: type[KeysetPages]) -> rx.Component:
    """Previous and next for a keyset listing; hidden while everything fits on one page."""
    return rx.cond(
        (state.page > 1) | state.has_next,
        rx.hstack(
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
        ),
    )
