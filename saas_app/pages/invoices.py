"""Invoices: what is owed, how late and by whom, and what a collector does about each one."""

from typing import Any

import reflex as rx

from saas_app import routes, styles
from saas_app.components.badges import status_badge
from saas_app.components.filters import control_id, filter_bar, filter_date, filter_menu, filter_search, no_match
from saas_app.components.forms import error_for, field, field_error, field_label, form_error, form_error_except
from saas_app.components.import_dialog import import_button, import_dialog
from saas_app.components.layout import app_page, empty_state
from saas_app.components.table import Column, data_table, figure_cell, pager, table_row
from saas_app.i18n import N_
from saas_app.state.base import t
from saas_app.state.invoices import (
    BUCKET_LABELS,
    METHOD_LABELS,
    OWED,
    STATUS_LABELS,
    InvoiceRow,
    InvoicesState,
    TotalRow,
)

# Each action a row's menu and the bulk bar offer: its key, its words, and its icon.
ACTIONS = [
    ("pay", N_("Record a payment"), "banknote"),
    ("promise", N_("Record a promise to pay"), "calendar-check"),
    ("dispute", N_("Mark disputed"), "message-square-warning"),
    ("write_off", N_("Write off"), "archive-x"),
    ("pause", N_("Pause reminders"), "pause"),
    ("resume", N_("Resume reminders"), "play"),
    ("send", N_("Send the invoice in the chat"), "file-text"),
    ("campaign", N_("Add to a campaign"), "send"),
]
# The dialog each action opens; the others are taken at once.
DIALOG_OF = {
    "pay": "payment",
    "promise": "promise",
    "dispute": "dispute",
    "write_off": "write_off",
    "campaign": "campaign",
}
CONFIRM = {
    "payment": N_("Record payment"),
    "promise": N_("Record promise"),
    "dispute": N_("Mark disputed"),
    "write_off": N_("Write off"),
    "campaign": N_("Add to campaign"),
}


def _event(kind: str, invoice_id: Any) -> Any:
    """What choosing an action does: open its dialog, or take it at once."""
    state = InvoicesState
    return state.open_dialog(DIALOG_OF[kind], invoice_id) if kind in DIALOG_OF else state.run(kind, invoice_id)


def actions_menu(row: InvoiceRow) -> rx.Component:
    """A row's actions, only those its status allows, behind one button."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=16), variant="ghost", aria_label="Actions", class_name="row-actions"
            )
        ),
        rx.menu.content(
            *[
                rx.cond(
                    row["actions"].contains(kind),
                    rx.menu.item(
                        rx.hstack(rx.icon(icon, size=14), t(label), spacing="2", align="center"),
                        on_click=_event(kind, row["invoice_id"]),
                        class_name=f"action-{kind}",
                    ),
                )
                for kind, label, icon in ACTIONS
            ],
        ),
    )


def _selection_box(row: InvoiceRow) -> rx.Component:
    return rx.checkbox(
        checked=InvoicesState.selected.contains(row["invoice_id"]),
        on_change=lambda _: InvoicesState.toggle(row["invoice_id"]),
        aria_label="Select",
        class_name="row-select",
    )


def _cells(row: InvoiceRow) -> list[rx.Component]:
    late_colour = rx.cond(row["late"], styles.DANGER, styles.MUTED)
    return [
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(row["number"], weight="medium", white_space="nowrap", class_name="invoice-number"),
                rx.text(row["service"], size="1", color=styles.MUTED),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.link(
                row["debtor"],
                on_click=InvoicesState.show_debtor(row["debtor_id"]),
                cursor="pointer",
                title=t("Show only this debtor's invoices"),
                class_name="invoice-debtor",
            )
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(row["due"], white_space="nowrap"),
                rx.text(row["age"], size="1", color=late_colour, white_space="nowrap", class_name="invoice-age"),
                spacing="0",
            )
        ),
        figure_cell(rx.text(row["amount"], white_space="nowrap"), class_name="invoice-amount"),
        figure_cell(
            rx.text(row["outstanding"], white_space="nowrap", weight="medium"), class_name="invoice-outstanding"
        ),
        rx.table.cell(
            rx.vstack(
                status_badge(row["status"], row["status_label"], class_name="invoice-status"),
                rx.text(row["reminders"], size="1", color=styles.MUTED, class_name="invoice-reminders"),
                spacing="1",
            )
        ),
    ]


def collector_row(row: InvoiceRow) -> rx.Component:
    """An invoice for someone who may act on it: a box to select it, its figures, and its actions."""
    return table_row(
        rx.table.cell(_selection_box(row)),
        *_cells(row),
        rx.table.cell(actions_menu(row)),
        class_name="invoice-row",
    )


def reader_row(row: InvoiceRow) -> rx.Component:
    """An invoice for a viewer: its figures, nothing to change."""
    return table_row(*_cells(row), class_name="invoice-row")


FIGURE_COLUMNS = [
    Column(N_("Invoice"), sort="number"),
    Column(N_("Debtor"), sort="debtor"),
    Column(N_("Due"), sort="due_on"),
    Column(N_("Amount"), align="right", sort="amount"),
    Column(N_("Outstanding"), align="right", sort="outstanding"),
    Column(N_("Status")),
]


def invoices_table() -> rx.Component:
    """The page of invoices with sortable headings; collectors also get selection boxes and actions."""
    state = InvoicesState
    select_all = rx.checkbox(
        checked=state.all_selected, on_change=lambda _: state.toggle_page(), aria_label="Select all", id="select-page"
    )
    return rx.cond(
        state.can_collect,
        data_table(
            [Column("", header=select_all), *FIGURE_COLUMNS, Column("")],
            state.invoices,
            collector_row,
            sorting=state,
            id="invoices",
        ),
        data_table(FIGURE_COLUMNS, state.invoices, reader_row, sorting=state, id="invoices"),
    )


def _total_line(label: str, value: Any, **props: Any) -> rx.Component:
    """A label and its figure on one line; a figure too long for the card goes under its label, never cut."""
    return rx.flex(
        rx.text(t(label), size="2", color=styles.MUTED, white_space="nowrap"),
        rx.text(value, size="4", weight="bold", white_space="nowrap", **props),
        justify="between",
        align="baseline",
        wrap="wrap",
        column_gap="3",
        width="100%",
    )


def total_card(row: TotalRow) -> rx.Component:
    """One currency's figures for the filtered invoices: how many, what is owed, and how much of it is overdue."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(row["currency"], variant="surface", size="2"),
                rx.text(row["invoices"], size="2", color=styles.MUTED),
                align="center",
                spacing="2",
            ),
            _total_line(N_("Outstanding"), row["outstanding"], class_name="total-outstanding"),
            _total_line(
                N_("Overdue"),
                row["overdue"],
                color=rx.cond(row["has_overdue"], styles.DANGER, styles.TEXT),
                class_name="total-overdue",
            ),
            spacing="1",
            width="100%",
        ),
        class_name="currency-total",
    )


def _amount_box(name: str, placeholder: str) -> rx.Component:
    return rx.input(
        name=name,
        default_value=getattr(InvoicesState, name),
        placeholder=t(placeholder),
        aria_label=t(placeholder),
        id=control_id(name),
        input_mode="decimal",
        flex="1",
        min_width="8em",
    )


def invoice_filters() -> rx.Component:
    """Search, amounts, menus and dates narrowing the list; the totals above follow them."""
    state = InvoicesState
    debtor = rx.cond(
        state.debtor_id != "",
        rx.badge(
            t("Debtor:"),
            " ",
            state.debtor_name,
            rx.icon("x", size=12, cursor="pointer", on_click=state.clear_debtor, aria_label="Remove"),
            size="2",
            variant="soft",
            id="filter-debtor",
        ),
    )
    return filter_bar(
        state,
        filter_menu(
            state,
            "status",
            N_("Status"),
            N_("All statuses"),
            options=[(OWED, N_("Still owed")), *STATUS_LABELS.items()],
        ),
        filter_menu(state, "bucket", N_("Age"), N_("Any age"), options=list(BUCKET_LABELS.items())),
        filter_menu(state, "currency", N_("Currency"), N_("All currencies"), state.currencies),
        rx.cond(
            state.campaigns.length() > 0,
            filter_menu(state, "campaign", N_("Campaign"), N_("All campaigns"), state.campaigns),
        ),
        rx.cond(
            state.tags.length() > 0,
            filter_menu(state, "tag", N_("Debtor tag"), N_("All tags"), state.tags),
        ),
        filter_date(state, "due_from", N_("Due from")),
        filter_date(state, "due_to", N_("Due until")),
        search=filter_search(
            state,
            N_("Invoice number or debtor"),
            _amount_box("min_amount", N_("Owed at least")),
            _amount_box("max_amount", N_("Owed at most")),
            button=N_("Filter"),
        ),
        below=[debtor, field_error(state.filter_error, "filter")],
        id="invoice-filters",
    )


def bulk_bar() -> rx.Component:
    """What a collector can do to the invoices they ticked, all at once."""
    state = InvoicesState
    return rx.cond(
        state.can_collect & (state.selected.length() > 0),
        rx.hstack(
            rx.text(t("Selected:"), " ", rx.text.strong(state.selected.length(), id="selected-count"), size="2"),
            *[
                rx.button(
                    rx.icon(icon, size=14),
                    t(BULK_LABELS.get(kind, label)),
                    variant="soft",
                    size="1",
                    on_click=_event(kind, ""),
                    class_name=f"bulk-{kind}",
                )
                for kind, label, icon in ACTIONS
            ],
            rx.button(
                rx.icon("rocket", size=14),
                t("Start a campaign"),
                size="1",
                on_click=state.start_campaign,
                id="bulk-start-campaign",
            ),
            rx.button(t("Clear selection"), variant="ghost", size="1", on_click=state.clear_selection),
            spacing="2",
            wrap="wrap",
            align="center",
            padding="0.6em 0.8em",
            border_radius=styles.RADIUS,
            background=styles.SELECTED,
            width="100%",
            id="bulk-bar",
        ),
    )


BULK_LABELS = {"pay": N_("Record as paid in full"), "send": N_("Send the invoices in the chat")}


def _payment_fields() -> rx.Component:
    state = InvoicesState
    return rx.vstack(
        rx.cond(
            state.dialog_count == 1,
            rx.vstack(
                rx.text(state.dialog_note, size="2", weight="medium", id="dialog-note"),
                field(
                    N_("Amount received"),
                    "amount",
                    error=error_for(state, "amount"),
                    default_value=state.dialog_amount,
                    input_mode="decimal",
                    required=True,
                ),
                spacing="2",
                width="100%",
            ),
            rx.text(t("Each invoice is recorded as paid for what it still owes."), size="2", color=styles.MUTED),
        ),
        field(
            N_("Paid on"),
            "paid_on",
            "date",
            error=error_for(state, "paid_on"),
            default_value=state.today,
            max=state.today,
        ),
        rx.vstack(
            rx.text(t("How it was paid"), as_="label", size="2", weight="medium"),
            rx.select.root(
                rx.select.trigger(aria_label="How it was paid", id="method", width="100%"),
                rx.select.content(*[rx.select.item(t(label), value=value) for value, label in METHOD_LABELS.items()]),
                name="method",
                default_value="bank_transfer",
                size="3",
            ),
            field_error(error_for(state, "method"), "method"),
            spacing="1",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _promise_fields() -> rx.Component:
    state = InvoicesState
    return rx.vstack(
        rx.text(
            t("Reminders wait until the promised date and the cadence's grace days have passed."),
            size="2",
            color=styles.MUTED,
        ),
        field(
            N_("Promised payment date"),
            "promised_on",
            "date",
            error=error_for(state, "promised_on"),
            min=state.today,
            required=True,
        ),
        spacing="3",
        width="100%",
    )


def _reason_field(label: str, hint: str, *, required: bool) -> rx.Component:
    state = InvoicesState
    return rx.vstack(
        field_label(t(label), "reason", size="2", weight="medium"),
        rx.text_area(name="reason", id="reason", max_length=500, rows="3", width="100%", required=required),
        rx.text(t(hint), size="1", color=styles.MUTED),
        field_error(error_for(state, "reason"), "reason"),
        spacing="1",
        width="100%",
    )


def _campaign_fields() -> rx.Component:
    state = InvoicesState
    return rx.cond(
        state.open_campaigns.length() > 0,
        rx.vstack(
            rx.text(
                t(
                    "Each invoice starts at the step its age calls for. Paid, disputed and written-off invoices, "
                    "and those another campaign chases, are left out."
                ),
                size="2",
                color=styles.MUTED,
            ),
            rx.select.root(
                rx.select.trigger(aria_label="Campaign", id="campaign", width="100%"),
                rx.select.content(
                    rx.foreach(state.open_campaigns, lambda c: rx.select.item(c["label"], value=c["value"]))
                ),
                name="campaign",
                default_value=state.open_campaigns[0]["value"],
                size="3",
            ),
            field_error(error_for(state, "campaign"), "campaign"),
            spacing="2",
            width="100%",
        ),
        rx.text(t("No campaign is running: launch one first."), color=styles.MUTED),
    )


def action_dialog() -> rx.Component:
    """The details an action needs (amount, date, reason, campaign), then its confirmation."""
    state = InvoicesState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(state.dialog_title, id="dialog-title"),
            rx.form(
                rx.vstack(
                    rx.match(
                        state.dialog,
                        ("payment", _payment_fields()),
                        ("promise", _promise_fields()),
                        (
                            "dispute",
                            _reason_field(
                                N_("What the debtor disputes"),
                                N_("Its reminders stop. The reason is kept in the audit trail."),
                                required=True,
                            ),
                        ),
                        (
                            "write_off",
                            _reason_field(
                                N_("Why it is written off (optional)"),
                                N_(
                                    "Its reminders stop and it no longer counts as owed. "
                                    "A payment can still be recorded."
                                ),
                                required=False,
                            ),
                        ),
                        ("campaign", _campaign_fields()),
                        rx.fragment(),
                    ),
                    form_error_except(state, ["amount", "paid_on", "method", "promised_on", "reason", "campaign"]),
                    rx.hstack(
                        rx.button(
                            t("Cancel"), type="button", variant="soft", color_scheme="gray", on_click=state.close_dialog
                        ),
                        rx.button(
                            rx.match(state.dialog, *[(kind, t(label)) for kind, label in CONFIRM.items()], ""),
                            type="submit",
                            color_scheme=rx.cond(state.dialog == "write_off", "red", styles.ACCENT),
                            disabled=(state.dialog == "campaign") & (state.open_campaigns.length() == 0),
                            id="dialog-confirm",
                        ),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=state.submit,
                width="100%",
            ),
            max_width="480px",
            id="invoice-dialog",
        ),
        open=state.dialog != "",
        on_open_change=state.dialog_opened,
    )


def invoices_list() -> rx.Component:
    """The totals, filters, selection and page of invoices; or, when the filters leave none, how to widen them."""
    state = InvoicesState
    return rx.vstack(
        rx.cond(
            state.totals.length() > 0,
            rx.grid(
                rx.foreach(state.totals, total_card),
                # As many cards a row as fit with their figures whole: R$ 1.234.567,89 and its label.
                grid_template_columns="repeat(auto-fill, minmax(17rem, 1fr))",
                spacing="3",
                width="100%",
                id="invoice-totals",
            ),
        ),
        invoice_filters(),
        bulk_bar(),
        rx.cond(
            state.invoices.length() > 0,
            rx.vstack(
                invoices_table(),
                pager(state, always=True),
                spacing="3",
                width="100%",
            ),
            no_match(state, N_("No invoice matches these filters."), id="invoices-none"),
        ),
        spacing="4",
        width="100%",
    )


def invoices_page() -> rx.Component:
    """The organization's invoices with what they owe, filtered and sorted; or how to bring the first in."""
    state = InvoicesState
    return app_page(
        N_("Invoices"),
        rx.cond(state.dialog == "", form_error(state.error)),
        rx.cond(
            state.any_invoice,
            invoices_list(),
            rx.cond(
                state.error == "",
                empty_state(
                    "file-text",
                    N_("No invoices yet"),
                    N_(
                        "Import a spreadsheet of your customers and their open invoices, or send them from your "
                        "billing system through the API. Each invoice then shows what is owed, how late, and "
                        "its reminders."
                    ),
                    import_button(id="import-open-empty"),
                    rx.link(t("Read the API reference"), href=routes.API_DOCS, is_external=True, size="2"),
                ),
            ),
        ),
        action_dialog(),
        import_dialog(state.load),
        actions=[import_button()],
        intro=N_("Every invoice still owed or settled: filter, sort, and record what came in."),
    )


def register(app: rx.App) -> None:
    """Adds the invoices page, which reads its filters from the address and its first page as it opens."""
    app.add_page(invoices_page, route=routes.INVOICES, title="Invoices · Cobro", on_load=InvoicesState.load)
