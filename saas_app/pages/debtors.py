"""Debtors: what each customer owes and how late, how they pay, the consent WhatsApp asks for before
Cobro writes first, and when we last spoke; each row opens the debtor's file."""

import reflex as rx

from saas_app import routes, styles
from saas_app.components.debtor import behaviour_badge, consent_mark
from saas_app.components.forms import form_error
from saas_app.components.import_dialog import import_button, import_dialog
from saas_app.components.layout import app_page, empty_state
from saas_app.components.table import Column, data_table, figure_cell, pager, table_row
from saas_app.i18n import N_
from saas_app.pages import debtor_file
from saas_app.state.base import t
from saas_app.state.debtors import DebtorRow, DebtorsState

FILTERS = [("all", N_("All")), ("missing", N_("Without opt-in")), ("opted_out", N_("Opted out"))]
COLUMNS = [
    Column(N_("Debtor")),
    Column(N_("Outstanding"), align="right"),
    Column(N_("Overdue"), align="right"),
    Column(N_("Days overdue"), align="right"),
    Column(N_("Behaviour")),
    Column(N_("Consent")),
    Column(N_("Last contact")),
]


def consent_cell(row: DebtorRow) -> rx.Component:
    """A debtor's consent as an icon and words in its colour: opted in, opted out, or none recorded."""
    return consent_mark(row["consent"], row["consent_text"])


def debtor_row(row: DebtorRow) -> rx.Component:
    """A debtor in the list, opening their file: who, what they owe and how late, behaviour, consent, last contact."""
    href = routes.DEBTORS + "/" + row["debtor_id"]
    return table_row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.link(row["name"], href=href, weight="medium", class_name="debtor-link"),
                rx.text(row["phone"], size="1", color=styles.MUTED, white_space="nowrap"),
                spacing="0",
            )
        ),
        figure_cell(rx.text(row["outstanding"], white_space="nowrap"), class_name="debtor-outstanding"),
        figure_cell(
            rx.text(row["overdue"], white_space="nowrap", color=styles.DANGER, weight="medium"),
            class_name="debtor-overdue",
        ),
        figure_cell(row["days_overdue"], class_name="debtor-days-overdue"),
        rx.table.cell(behaviour_badge(row["behaviour"], row["behaviour_label"]), class_name="debtor-behaviour"),
        rx.table.cell(consent_cell(row)),
        rx.table.cell(
            rx.vstack(
                rx.text(row["last_contact"], size="2", white_space="nowrap"),
                rx.text(row["last_contact_way"], size="1", color=styles.MUTED),
                spacing="0",
            ),
            class_name="debtor-last-contact",
        ),
        on_click=rx.redirect(href),
        class_name="debtor-row",
    )


def consent_note() -> rx.Component:
    """How many debtors the planner skips for want of consent, why, and how to record it."""
    return rx.callout(
        rx.vstack(
            rx.text(
                t("Debtors without opt-in:"),
                " ",
                rx.text.strong(DebtorsState.without_opt_in, id="without-opt-in-count"),
                weight="medium",
            ),
            rx.text(
                t(
                    "WhatsApp requires consent before a business starts a conversation, so they get no reminders. "
                    "Record it by importing them with a consent column or through the API; it is also recorded "
                    "when a debtor writes to you first."
                )
            ),
            spacing="1",
        ),
        icon="shield-alert",
        color_scheme="amber",
        id="consent-note",
        width="100%",
    )


def debtors_table() -> rx.Component:
    """The page of debtors, or, when a consent filter leaves none, a line saying why that is good news."""
    state = DebtorsState
    return rx.cond(
        state.debtors.length() > 0,
        data_table(COLUMNS, state.debtors, debtor_row, id="debtors"),
        rx.card(
            rx.text(
                rx.match(
                    state.consent,
                    ("missing", t("Every debtor has opted in or opted out: none is skipped for want of consent.")),
                    ("opted_out", t("No debtor has opted out.")),
                    "",
                ),
                color=styles.MUTED,
            ),
            width="100%",
            id="debtors-none",
        ),
    )


def debtors_page() -> rx.Component:
    """The debtors, filtered by consent, with a note on those without opt-in; or how to bring the first in."""
    state = DebtorsState
    return app_page(
        N_("Debtors"),
        form_error(state.error),
        rx.cond(
            state.any_debtor,
            rx.vstack(
                rx.cond(state.without_opt_in != "", consent_note()),
                rx.segmented_control.root(
                    *[rx.segmented_control.item(t(label), value=value) for value, label in FILTERS],
                    value=state.consent,
                    on_change=state.set_consent,
                    id="consent-filter",
                ),
                debtors_table(),
                pager(state),
                spacing="4",
                width="100%",
            ),
            rx.cond(
                state.error == "",
                empty_state(
                    "users",
                    N_("No debtors yet"),
                    N_(
                        "Import a spreadsheet of your customers and their open invoices, with a consent column "
                        "saying who agreed to receive WhatsApp messages, or send them from your billing system "
                        "through the API."
                    ),
                    import_button(id="import-open-empty"),
                    rx.link(t("Read the API reference"), href=routes.API_DOCS, is_external=True, size="2"),
                ),
            ),
        ),
        import_dialog(state.load),
        actions=[import_button()],
        intro=N_("The people and companies who owe you, with what each owes and how they pay."),
    )


def register(app: rx.App) -> None:
    """Adds the debtors page, which reads its rows (and the consent filter in its URL) as it opens, and each file."""
    app.add_page(debtors_page, route=routes.DEBTORS, title="Debtors · Cobro", on_load=DebtorsState.load)
    debtor_file.register(app)
