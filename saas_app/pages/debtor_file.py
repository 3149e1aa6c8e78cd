"""The debtor's file: what they owe, their invoices and payments, who follows them up, their profile, and
one timeline of everything, with the team's notes; and the same file as a page to print."""

from typing import Any

import reflex as rx

from saas_app import routes, styles
from saas_app.components.badges import status_badge
from saas_app.components.debtor import behaviour_badge, consent_mark, timeline_entry
from saas_app.components.dialogs import confirm_dialog
from saas_app.components.forms import error_for, field, field_error, form_error, form_error_except
from saas_app.components.layout import app_page, muted, section_card
from saas_app.components.stats import stat_card
from saas_app.components.table import Column, data_table, figure_cell, table_row
from saas_app.i18n import N_
from saas_app.state.base import t
from saas_app.state.debtor_file import DebtorFileState, DebtorPrintState, InvoiceLine, PaymentRow

# The fields that show their own error; any other refusal is said above the save button.
PROFILE_INLINE = ["name", "phone", "email", "locale", "timezone", "external_ref"]
# Payments holds promises, disputes and write-offs too; Changes, consent and who changed what.
TIMELINE_FILTERS = [
    ("all", N_("All")),
    ("messages", N_("Messages")),
    ("money", N_("Payments")),
    ("notes", N_("Notes")),
    ("activity", N_("Changes")),
]
INVOICE_COLUMNS = [
    Column(N_("Invoice")),
    Column(N_("Due")),
    Column(N_("Amount"), align="right"),
    Column(N_("Amount paid"), align="right"),
    Column(N_("Left to pay"), align="right"),
    Column(N_("Days overdue"), align="right"),
    Column(N_("Status")),
]
PAYMENT_COLUMNS = [
    Column(N_("Paid on")),
    Column(N_("Invoice")),
    Column(N_("Amount"), align="right"),
    Column(N_("Method")),
    Column(N_("Recorded from")),
]


def invoice_row(line: InvoiceLine) -> rx.Component:
    """One of the debtor's invoices: number and service, due date, amounts, how late, status."""
    return table_row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(line["number"], weight="medium"),
                rx.text(line["service"], size="1", color=styles.MUTED),
                spacing="0",
            )
        ),
        rx.table.cell(rx.text(line["due"], white_space="nowrap")),
        figure_cell(rx.text(line["amount"], white_space="nowrap")),
        figure_cell(rx.text(line["paid"], white_space="nowrap")),
        figure_cell(rx.text(line["balance"], white_space="nowrap", weight="medium"), class_name="invoice-balance"),
        figure_cell(line["days_overdue"]),
        rx.table.cell(status_badge(line["status"], line["status_label"])),
        class_name="invoice-line",
    )


def payment_row(row: PaymentRow) -> rx.Component:
    """One payment: its day, invoice, amount, method, and where it was recorded from."""
    return table_row(
        rx.table.cell(rx.text(row["paid_on"], white_space="nowrap")),
        rx.table.cell(row["invoice"]),
        figure_cell(rx.text(row["amount"], white_space="nowrap")),
        rx.table.cell(row["method"]),
        rx.table.cell(row["source"]),
        class_name="payment-line",
    )


def _figure(label: str, value: Any, empty: str | None, element_id: str) -> rx.Component:
    """A stat card whose value, when there is none, says so in words (or a dash) rather than a blank."""
    return stat_card(label, rx.cond(value != "", value, t(empty) if empty else "—"), id=element_id)


def figures() -> rx.Component:
    """Where the debtor stands: outstanding, overdue, the oldest invoice's days late, last contact, who follows up."""
    state = DebtorFileState
    return rx.grid(
        _figure(N_("Outstanding"), state.outstanding, N_("Nothing owed"), "file-outstanding"),
        _figure(N_("Overdue"), state.overdue, N_("Nothing overdue"), "file-overdue"),
        _figure(N_("Oldest invoice overdue"), state.days_overdue, None, "file-days-overdue"),
        rx.card(
            rx.vstack(
                rx.text(t("Last contact"), size="2", weight="medium", color=styles.MUTED),
                rx.heading(rx.cond(state.last_contact != "", state.last_contact, t("Never")), size="6"),
                rx.text(state.last_contact_way, size="1", color=styles.SUBTLE),
                spacing="1",
            ),
            id="file-last-contact",
        ),
        columns=rx.breakpoints(initial="2", md="4"),
        spacing="3",
        width="100%",
    )


def header() -> rx.Component:
    """The debtor's name, behaviour and consent; the export and the printable page."""
    state = DebtorFileState
    return rx.hstack(
        rx.vstack(
            rx.hstack(
                rx.heading(state.name, size="6", id="debtor-name"),
                behaviour_badge(state.behaviour, state.behaviour_label, id="debtor-behaviour"),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            rx.hstack(
                rx.text(state.phone, size="2", color=styles.MUTED, white_space="nowrap"),
                consent_mark(state.consent, state.consent_text),
                spacing="4",
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                state.behaviour_facts != "",
                rx.text(state.behaviour_facts, size="1", color=styles.SUBTLE, id="behaviour-facts"),
            ),
            spacing="1",
        ),
        rx.spacer(),
        rx.hstack(
            rx.button(
                rx.icon("download", size=16),
                t("Export CSV"),
                variant="soft",
                on_click=state.export_csv,
                id="export-csv",
            ),
            rx.link(
                rx.button(rx.icon("printer", size=16), t("Printable file"), variant="soft"),
                href=routes.DEBTORS + "/" + state.debtor_id + "/print",
                is_external=True,
                id="print-file",
            ),
            spacing="2",
        ),
        align="start",
        wrap="wrap",
        width="100%",
    )


def invoices_card() -> rx.Component:
    """The debtor's invoices, then their payments."""
    state = DebtorFileState
    return section_card(
        N_("Invoices and payments"),
        None,
        data_table(
            INVOICE_COLUMNS,
            state.invoices,
            invoice_row,
            empty=muted(N_("No invoices for this debtor yet.")),
            size="1",
            id="file-invoices",
        ),
        rx.heading(t("Payments"), size="3"),
        rx.cond(
            state.payments.length() > 0,
            data_table(PAYMENT_COLUMNS, state.payments, payment_row, size="1", id="file-payments"),
            muted(N_("No payment recorded yet."), size="2"),
        ),
    )


def _profile_field(label: str, name: str, value: Any, **props: Any) -> rx.Component:
    return field(label, name, error=error_for(DebtorFileState, name), default_value=value, **props)


def profile_form() -> rx.Component:
    """The profile a collector edits; a refusal is said beside its field and nothing typed is lost."""
    state = DebtorFileState
    return rx.form(
        rx.vstack(
            _profile_field(N_("Name"), "name", state.name, required=True),
            rx.vstack(
                field(N_("WhatsApp number"), "phone", default_value=state.phone),
                rx.text(state.phone_hint, size="1", color=styles.MUTED),
                field_error(error_for(state, "phone"), "phone"),
                spacing="1",
                width="100%",
            ),
            _profile_field(N_("Email"), "email", state.email, type_="email"),
            rx.vstack(
                rx.text(t("Language of the messages"), as_="label", size="2", weight="medium", html_for="locale"),
                rx.select.root(
                    rx.select.trigger(id="locale", width="100%"),
                    rx.select.content(
                        rx.foreach(state.locale_choices, lambda choice: rx.select.item(choice[1], value=choice[0]))
                    ),
                    name="locale",
                    default_value=state.locale_code,
                ),
                field_error(error_for(state, "locale"), "locale"),
                spacing="1",
                width="100%",
            ),
            _profile_field(N_("Time zone"), "timezone", state.timezone, placeholder="Europe/Rome"),
            _profile_field(N_("Customer id in your system"), "external_ref", state.external_ref),
            form_error_except(state, [*PROFILE_INLINE, "note"]),
            rx.button(t("Save profile"), type="submit", id="profile-save"),
            spacing="3",
            width="100%",
        ),
        on_submit=state.save_profile,
        reset_on_submit=False,
        key=state.profile_key,
        width="100%",
        id="profile-form",
    )


def _fact(label: str, value: Any) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(t(label)),
        rx.data_list.value(rx.cond(value != "", value, "—")),
    )


def profile_facts() -> rx.Component:
    """The profile as read by someone who may not change it."""
    state = DebtorFileState
    return rx.data_list.root(
        _fact(N_("Name"), state.name),
        _fact(N_("WhatsApp number"), state.phone),
        _fact(N_("Email"), state.email),
        _fact(N_("Language of the messages"), state.language),
        _fact(N_("Time zone"), state.timezone),
        _fact(N_("Customer id in your system"), state.external_ref),
        orientation="vertical",
        size="2",
        id="profile-facts",
    )


def profile_card() -> rx.Component:
    """Who the debtor is and how to reach them: a form for collectors, the facts for viewers."""
    return section_card(
        N_("Profile"),
        None,
        rx.cond(DebtorFileState.can_collect, profile_form(), profile_facts()),
    )


def follow_up_card() -> rx.Component:
    """Who follows this debtor up, and their consent to be written to, with the actions a collector takes."""
    state = DebtorFileState
    picker = rx.select.root(
        rx.select.trigger(placeholder=t("Nobody"), width="100%", id="assign-select"),
        rx.select.content(
            rx.select.item(t("Nobody"), value="none"),
            rx.foreach(state.collectors, lambda c: rx.select.item(c["name"], value=c["id"])),
        ),
        value=state.assigned_id,
        on_change=state.assign,
    )
    consent_actions = rx.hstack(
        rx.cond(
            state.consent == "missing",
            confirm_dialog(
                rx.button(t("Record opt-in"), variant="soft", id="record-opt-in"),
                N_("Record the debtor's consent?"),
                N_(
                    "Only if the debtor told you they agree to receive payment reminders from you on WhatsApp. "
                    "The timeline keeps who recorded it and when."
                ),
                N_("Record opt-in"),
                state.opt_in,
                color="teal",
                id="opt-in-dialog",
            ),
        ),
        rx.cond(
            state.consent != "out",
            confirm_dialog(
                rx.button(t("Record opt-out"), variant="soft", color_scheme="red", id="record-opt-out"),
                N_("Stop every message to this debtor?"),
                N_(
                    "Reminders stop at once and no campaign writes to them again. Only the debtor can start "
                    "again, by writing to you."
                ),
                N_("Record opt-out"),
                state.opt_out,
                id="opt-out-dialog",
            ),
        ),
        spacing="2",
        wrap="wrap",
    )
    return section_card(
        N_("Follow-up"),
        None,
        rx.text(t("Assigned to"), size="2", weight="medium"),
        rx.cond(
            state.can_collect,
            picker,
            rx.text(rx.cond(state.assigned_name != "", state.assigned_name, t("Nobody")), id="assigned-name"),
        ),
        rx.text(t("Consent"), size="2", weight="medium"),
        rx.text(state.consent_text, size="2", id="consent-text"),
        rx.cond(state.can_collect, consent_actions),
    )


def note_box() -> rx.Component:
    """A collector's internal note: never sent to the debtor; kept, signed, in the timeline."""
    state = DebtorFileState
    return rx.form(
        rx.vstack(
            rx.text_area(
                name="note",
                id="note",
                placeholder=t("Add an internal note: a call, an agreement, what to do next. The debtor never sees it."),
                rows="3",
                width="100%",
                max_length=2000,
            ),
            field_error(error_for(state, "note"), "note"),
            rx.button(rx.icon("notebook-pen", size=16), t("Add note"), type="submit", id="add-note"),
            spacing="2",
            align="end",
            width="100%",
        ),
        on_submit=state.add_note,
        reset_on_submit=False,
        key=state.notes_added.to_string(),
        width="100%",
    )


def timeline_card() -> rx.Component:
    """Everything that happened, newest first, filtered by kind, with the note box on top."""
    state = DebtorFileState
    return section_card(
        N_("Timeline"),
        N_("Every message as the debtor read it, their replies, payments, promises, disputes, consent and notes."),
        rx.cond(state.can_collect, note_box()),
        rx.segmented_control.root(
            *[rx.segmented_control.item(t(label), value=value) for value, label in TIMELINE_FILTERS],
            value=state.timeline_filter,
            on_change=state.set_timeline_filter,
            size="1",
            id="timeline-filter",
        ),
        rx.cond(
            state.events.length() > 0,
            rx.vstack(rx.foreach(state.events, timeline_entry), spacing="0", width="100%", id="timeline"),
            muted(N_("Nothing here yet."), size="2", id="timeline-empty"),
        ),
        rx.cond(
            state.more_events,
            rx.button(t("Show older"), variant="soft", on_click=state.show_older, id="show-older"),
        ),
        rx.text(t("Times are in the organization's time zone:"), " ", state.zone_name, size="1", color=styles.SUBTLE),
    )


def file_body() -> rx.Component:
    """The file once read: header, figures, invoices, then the timeline beside profile and follow-up."""
    return rx.vstack(
        header(),
        figures(),
        invoices_card(),
        rx.grid(
            rx.box(timeline_card(), grid_column=rx.breakpoints(initial="auto", md="span 2")),
            rx.vstack(follow_up_card(), profile_card(), spacing="4", width="100%"),
            columns=rx.breakpoints(initial="1", md="3"),
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def debtor_file_page() -> rx.Component:
    """A debtor's file, with the way back to all debtors, or the refusal if it cannot be shown."""
    state = DebtorFileState
    return app_page(
        N_("Debtor's file"),
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), t("All debtors"), align="center", spacing="1"),
            href=routes.DEBTORS,
            size="2",
        ),
        form_error(rx.cond(state.name == "", state.error, "")),
        rx.cond(state.name != "", file_body()),
    )


def _print_fact(label: str, value: Any) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(t(label), width="30%"),
        rx.table.cell(rx.cond(value != "", value, "—")),
    )


def print_page() -> rx.Component:
    """The file as a document: who it is about, what they owe, their invoices and payments, every event."""
    state = DebtorPrintState
    return rx.box(
        rx.el.link(rel="stylesheet", href="/print.css"),
        form_error(state.error),
        rx.cond(
            state.name != "",
            rx.vstack(
                rx.hstack(
                    rx.vstack(
                        rx.text(state.org_name_printed, size="2", color=styles.MUTED),
                        rx.heading(t("Debtor's file"), ": ", state.name, size="6", id="print-name"),
                        rx.text(
                            t("Printed by"),
                            " ",
                            state.printed_by,
                            " · ",
                            state.printed_at,
                            " · ",
                            state.zone_name,
                            size="1",
                            color=styles.MUTED,
                        ),
                        spacing="1",
                    ),
                    rx.spacer(),
                    rx.button(
                        rx.icon("printer", size=16),
                        t("Print"),
                        on_click=rx.call_script("window.print()"),
                        class_name="no-print",
                        id="print-now",
                    ),
                    width="100%",
                    align="start",
                ),
                rx.table.root(
                    rx.table.body(
                        _print_fact(N_("WhatsApp number"), state.phone),
                        _print_fact(N_("Email"), state.email),
                        _print_fact(N_("Language of the messages"), state.language),
                        _print_fact(N_("Time zone"), state.timezone),
                        _print_fact(N_("Customer id in your system"), state.external_ref),
                        _print_fact(N_("Consent"), state.consent_text),
                        _print_fact(N_("Behaviour"), state.behaviour_label),
                        _print_fact(N_("Outstanding"), state.outstanding),
                        _print_fact(N_("Overdue"), state.overdue),
                        _print_fact(N_("Oldest invoice overdue"), state.days_overdue),
                    ),
                    size="1",
                    width="100%",
                ),
                rx.heading(t("Invoices and payments"), size="4"),
                data_table(INVOICE_COLUMNS, state.invoices, invoice_row, size="1"),
                rx.cond(
                    state.payments.length() > 0,
                    rx.vstack(
                        rx.heading(t("Payments"), size="3"),
                        data_table(PAYMENT_COLUMNS, state.payments, payment_row, size="1"),
                        width="100%",
                    ),
                ),
                rx.heading(t("Timeline"), size="4"),
                rx.cond(state.omitted != "", rx.text(state.omitted, size="2", color=styles.MUTED)),
                rx.vstack(rx.foreach(state.events, timeline_entry), spacing="0", width="100%", id="print-timeline"),
                spacing="4",
                width="100%",
                max_width="900px",
            ),
        ),
        padding="2em",
        class_name="print-page",
    )


def register(app: rx.App) -> None:
    """Adds the debtor's file and its printable page; each reads the debtor named in its address as it opens."""
    app.add_page(debtor_file_page, route=routes.DEBTOR, title="Debtor · Cobro", on_load=DebtorFileState.load)
    app.add_page(print_page, route=routes.DEBTOR_PRINT, title="Debtor's file · Cobro", on_load=DebtorPrintState.load)
