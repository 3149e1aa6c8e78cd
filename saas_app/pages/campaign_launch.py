"""New campaign: whom to chase (a segment counted live, or invoices picked in the list), how, a preview, launch."""

from typing import Any

import reflex as rx

from saas_app import routes, styles
from saas_app.components.dialogs import confirm_dialog
from saas_app.components.forms import error_for, field_error, field_label, form_error_except, options, picker
from saas_app.components.layout import app_page, section_card
from saas_app.components.stats import stat_card, stat_grid
from saas_app.components.whatsapp import chat_backdrop, whatsapp_bubble
from saas_app.i18n import N_
from saas_app.state.base import SessionState, t
from saas_app.state.campaign_launch import (
    ANY,
    CadenceOption,
    CampaignLaunchState,
    LeftOutRow,
    Option,
    SampleRow,
    behaviour_options,
    bucket_options,
    priority_options,
    status_options,
)

State = CampaignLaunchState
DEBOUNCE_MS = 400  # the count follows typing without a query per key
# The rule boxes, menus and chip pickers, each saying its own error under it.
BOXES = ["bucket", "min_days", "max_days", "currency", "min_amount", "max_amount", "tags", "languages", "countries"]


def _label(text: str, name: str) -> rx.Component:
    return field_label(t(text), name, size="2", weight="medium")


def _typed_rule(label: str, name: str, placeholder: str = "") -> rx.Component:
    """A rule typed in a box; the count follows a moment after the typing stops."""
    return rx.vstack(
        _label(label, name),
        rx.input(
            id=name,
            name=name,
            default_value=getattr(State, name),
            key=f"{name}-" + State.typed_rules.to_string(),
            on_change=lambda value: State.set_rule(name, value),
            debounce_timeout=DEBOUNCE_MS,
            placeholder=placeholder,
            width="100%",
        ),
        field_error(error_for(State, name), name),
        spacing="1",
        width="100%",
    )


def _menu(label: str, name: str, choices: Any, *, any_label: str = N_("Any")) -> rx.Component:
    """A rule picked from a list: `choices` are (value, message id) pairs, or a Var of plain words."""
    return picker(
        label,
        name,
        rx.el.option(t(any_label), value=ANY),
        *options(choices),
        value=getattr(State, name),
        on_change=lambda value: State.set_rule(name, value),
        error=error_for(State, name),
        size="2",
    )


def _chip(name: str, chip: Option) -> rx.Component:
    """One chosen value of a rule, with the × that takes it out."""
    return rx.badge(
        chip["label"],
        rx.icon_button(
            rx.icon("x", size=12),
            size="1",
            variant="ghost",
            color_scheme="gray",
            aria_label=t("Remove"),
            on_click=State.remove_chip(name, chip["value"]),
            class_name="chip-remove",
        ),
        size="2",
        variant="soft",
        radius="full",
        class_name="chip",
        data_value=chip["value"],
    )


def _chips(label: str, name: str, placeholder: str) -> rx.Component:
    """A rule of several values: chips, and a menu of what the debtors have (how many in brackets) to add one.

    No chip means any value; each chip added widens the rule (a debtor needs only one of them).
    """
    offered = getattr(State, f"{name}_offered")
    chosen = getattr(State, name)
    return rx.vstack(
        picker(
            label,
            name,
            rx.foreach(offered, lambda c: rx.el.option(f"{c['label']} ({c['debtors']})", value=c["value"])),
            placeholder=rx.cond(
                offered.length() > 0,
                t(placeholder),
                rx.cond(chosen.length() > 0, t(N_("Nothing more to add")), t(N_("None yet"))),
            ),
            value="",  # a menu to add from: it shows its invitation again after each pick
            on_change=lambda value: State.add_chip(name, value),
            disabled=offered.length() == 0,
            error=error_for(State, name),
            size="2",
        ),
        rx.flex(rx.foreach(chosen, lambda chip: _chip(name, chip)), wrap="wrap", gap="2", id=f"{name}-chips"),
        spacing="1",
        width="100%",
    )


def _ticks(label: str, name: str, options: list[tuple[str, str]]) -> rx.Component:
    """Statuses or behaviours: ticking one narrows or widens the count."""
    chosen = getattr(State, name)
    return rx.vstack(
        rx.text(t(label), size="2", weight="medium"),
        rx.hstack(
            *[
                rx.checkbox(
                    t(text),
                    checked=chosen.contains(value),
                    on_change=lambda _checked, v=value: State.toggle_rule(name, v),
                    id=f"{name}-{value}",
                )
                for value, text in options
            ],
            wrap="wrap",
            spacing="4",
        ),
        field_error(error_for(State, name), name),
        spacing="2",
        width="100%",
    )


def _rules() -> rx.Component:
    grid = {"columns": rx.breakpoints(initial="1", sm="2", md="4"), "spacing": "4", "width": "100%"}
    return rx.vstack(
        rx.grid(
            _menu(N_("Age"), "bucket", bucket_options()),
            _typed_rule(N_("Days overdue, from"), "min_days"),
            _typed_rule(N_("Days overdue, up to"), "max_days"),
            rx.box(),
            _menu(N_("Currency"), "currency", State.currencies),
            _typed_rule(N_("Amount due, from"), "min_amount"),
            _typed_rule(N_("Amount due, up to"), "max_amount"),
            rx.box(),
            _chips(N_("Tags"), "tags", N_("Add a tag")),
            _chips(N_("Debtor's language"), "languages", N_("Add a language")),
            _chips(N_("Debtor's country"), "countries", N_("Add a country")),
            **grid,
        ),
        _ticks(N_("Invoice status"), "statuses", status_options()),
        _ticks(N_("Payment behaviour"), "behaviours", behaviour_options()),
        field_error(error_for(State, "rules"), "rules"),
        spacing="4",
        width="100%",
    )


def _saved_segments() -> rx.Component:
    """Reuse a saved segment, or save the rules shown under a name."""
    return rx.hstack(
        rx.box(
            picker(
                N_("Saved segments"),
                "saved-segment",
                *options(State.saved_segments),
                placeholder=N_("Use a saved segment"),
                value=State.segment,
                on_change=State.use_segment,
                size="2",
            ),
            width="18em",
            max_width="100%",
        ),
        rx.cond(
            SessionState.can_collect,
            rx.form(
                rx.hstack(
                    rx.input(
                        name="segment_name",
                        id="segment_name",
                        placeholder=t("Name these rules"),
                        required=True,
                        width="18em",
                        max_width="100%",
                    ),
                    rx.button(t("Save segment"), type="submit", variant="soft", id="save-segment"),
                    spacing="2",
                    wrap="wrap",
                ),
                on_submit=State.save_segment,
                reset_on_submit=True,
            ),
        ),
        spacing="4",
        wrap="wrap",
        align="end",
    )


def _count() -> rx.Component:
    return stat_grid(
        rx.cond(
            State.picked_count > 0,
            stat_card(N_("Invoices"), State.count_invoices, N_("picked and still to be paid"), id="count-invoices"),
            stat_card(N_("Invoices"), State.count_invoices, N_("match these rules today"), id="count-invoices"),
        ),
        stat_card(N_("Debtors"), State.count_debtors, N_("owe them"), id="count-debtors"),
        stat_card(N_("Outstanding"), State.count_amounts, N_("still to be paid, per currency"), id="count-amounts"),
    )


def _who() -> rx.Component:
    return section_card(
        N_("1. Whom to chase"),
        N_("Build a segment with rules: the count follows as they change. Or use invoices picked in the list."),
        field_error(error_for(State, "invoices"), "invoices"),
        rx.cond(
            State.picked_count > 0,
            rx.callout(
                rx.hstack(
                    rx.text(
                        t("Invoices picked in the list:"),
                        " ",
                        rx.text.strong(State.picked_figures[0], id="picked-count"),
                        " · ",
                        rx.text.span(State.picked_numbers, id="picked-numbers"),
                    ),
                    rx.cond(
                        State.picked_closed > 0,
                        rx.text(
                            t("Paid, disputed or written off, left out:"),
                            " ",
                            State.picked_figures[1],
                            id="picked-closed",
                        ),
                    ),
                    rx.button(t("Use rules instead"), size="1", variant="soft", on_click=State.use_rules),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                icon="list-checks",
                width="100%",
                id="picked",
            ),
            rx.vstack(_saved_segments(), _rules(), spacing="4", width="100%"),
        ),
        _count(),
    )


def _cadence_item(option: CadenceOption) -> rx.Component:
    return rx.el.option(f"{option['label']} · {option['note']}", value=option["value"], disabled=~option["ready"])


def _how() -> rx.Component:
    return section_card(
        N_("2. How"),
        N_("A cadence whose templates cannot reach these debtors cannot be chosen until they are put right."),
        rx.grid(
            picker(
                N_("Cadence"),
                "cadence",
                rx.foreach(State.cadence_options, _cadence_item),
                placeholder=N_("Choose a cadence"),
                value=State.cadence,
                on_change=State.choose_cadence,
                error=error_for(State, "cadence"),
                size="2",
            ),
            picker(
                N_("Who goes first when the messaging limit makes the campaign wait"),
                "priority",
                *options(priority_options()),
                value=State.priority,
                on_change=State.set_priority,
                size="2",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        rx.foreach(
            State.cadence_problems,
            lambda text: rx.callout(text, icon="triangle-alert", color_scheme="red", size="1", width="100%"),
        ),
    )


def _left_out_row(row: LeftOutRow) -> rx.Component:
    return rx.hstack(
        rx.text(row["label"], size="2"),
        rx.spacer(),
        rx.text(row["debtors"], size="2", weight="medium"),
        width="100%",
        class_name="left-out",
    )


def _sample(row: SampleRow) -> rx.Component:
    return rx.vstack(
        rx.text(row["debtor"], " · ", row["invoice"], size="2", weight="medium"),
        rx.text(row["when"], size="1", color=styles.MUTED),
        chat_backdrop(whatsapp_bubble(row["bubble"]), width="100%"),
        spacing="1",
        width="100%",
        class_name="sample",
    )


def _preview() -> rx.Component:
    return section_card(
        N_("3. Preview"),
        N_("What launching does: whom it reaches, who is left out and why, when the messages go."),
        rx.cond(
            State.previewed,
            rx.vstack(
                stat_grid(
                    stat_card(N_("Invoices"), State.preview_invoices, N_("enrolled at launch"), id="preview-invoices"),
                    stat_card(
                        N_("Messages"), State.preview_messages, N_("the steps still ahead"), id="preview-messages"
                    ),
                ),
                rx.cond(
                    State.left_out.length() > 0,
                    rx.vstack(
                        rx.text(t("Debtors left out"), weight="medium"),
                        rx.foreach(State.left_out, _left_out_row),
                        spacing="1",
                        width="100%",
                        max_width="32em",
                        id="left-out",
                    ),
                ),
                rx.callout(
                    rx.vstack(
                        rx.text(State.timing, weight="medium", id="timing"),
                        rx.text(State.timing_note, size="1"),
                        spacing="1",
                    ),
                    icon="calendar-clock",
                    color_scheme="teal",
                    width="100%",
                ),
                rx.text(t("The first message of three debtors"), weight="medium"),
                rx.grid(
                    rx.foreach(State.samples, _sample),
                    columns=rx.breakpoints(initial="1", md="3"),
                    spacing="4",
                    width="100%",
                    id="samples",
                ),
                spacing="4",
                width="100%",
            ),
            rx.text(t("Choose a cadence to see the preview."), color=styles.MUTED),
        ),
    )


def _launch() -> rx.Component:
    """The name and the launch, confirmed first; only for those who may collect."""
    return rx.cond(
        SessionState.can_collect & State.previewed,
        rx.form(
            rx.hstack(
                rx.input(name="name", id="campaign_name", placeholder=t("Campaign name"), required=True, width="20em"),
                confirm_dialog(
                    rx.button(t("Launch"), type="button", id="launch", size="3"),
                    N_("Launch this campaign?"),
                    N_("Messages start going out as planned in the preview. You can pause or stop it afterwards."),
                    N_("Launch"),
                    rx.call_script("document.getElementById('launch-form').requestSubmit()"),
                    color="teal",
                    id="launch-dialog",
                ),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            on_submit=State.launch_campaign,
            id="launch-form",
        ),
    )


def campaign_launch_page() -> rx.Component:
    """New campaign, in three steps and a launch."""
    return app_page(
        N_("New campaign"),
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), t("All campaigns"), align="center", spacing="1"),
            href=routes.CAMPAIGNS,
            size="2",
        ),
        form_error_except(State, [*BOXES, "statuses", "behaviours", "rules", "cadence", "invoices"]),
        _who(),
        _how(),
        _preview(),
        _launch(),
        intro=N_("Choose whom to chase and with which cadence, check the preview, then launch."),
    )


def register(app: rx.App) -> None:
    """Adds the launch page."""
    app.add_page(campaign_launch_page, route=routes.CAMPAIGN_NEW, title="New campaign · Cobro", on_load=State.load)
