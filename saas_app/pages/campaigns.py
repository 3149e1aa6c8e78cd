"""Campaigns: each one's messages from planned to paid, and when the last planned one goes out."""

from typing import Any

import reflex as rx

from saas_app.components.layout import app_page, empty_state, form_error, pager
from saas_app.i18n import N_
from saas_app.state.base import t
from saas_app.state.campaigns import CampaignRow, CampaignsState, CampaignState, ProblemRow

STATUS_COLORS = {"running": "teal", "paused": "amber", "finished": "gray", "cancelled": "red"}
# key of CampaignStats, column heading, what the number counts (shown on the campaign's page)
FIGURES = [
    ("invoices", N_("Invoices"), N_("enrolled in the campaign")),
    ("scheduled", N_("Scheduled"), N_("waiting for their time to go out")),
    ("sent", N_("Sent"), N_("accepted by WhatsApp")),
    ("delivered", N_("Delivered"), N_("on the debtor's phone")),
    ("read", N_("Read receipts"), N_("opened by the debtor")),
    ("replied", N_("Replied"), N_("debtors who wrote back")),
    ("paid", N_("Paid"), N_("invoices paid in full")),
    ("failed", N_("Failed"), N_("WhatsApp could not deliver them")),
    ("expired", N_("Expired"), N_("too late to send: the next step took over")),
]


def status_badge(status: Any, label: Any) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"), variant="soft")


def figure_cell(row: Any, key: str) -> rx.Component:
    """One of the row's counts (a Var of the row, indexed by a CampaignStats key)."""
    return rx.table.cell(row[key], text_align="right", class_name=f"figure-{key}")


def campaign_row(row: CampaignRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.hstack(
                    rx.link(row["name"], href="/campaigns/" + row["campaign_id"], weight="medium"),
                    status_badge(row["status"], row["status_label"]),
                    align="center",
                    spacing="2",
                ),
                rx.text(row["last_planned"], size="1", color="var(--gray-11)", class_name="last-planned"),
                spacing="1",
            ),
        ),
        *[figure_cell(row, key) for key, _, _ in FIGURES],
        class_name="campaign-row",
    )


def campaigns_page() -> rx.Component:
    state = CampaignsState
    return app_page(
        N_("Campaigns"),
        form_error(state.error),
        rx.cond(
            (state.campaigns.length() > 0) | (state.page > 1),
            rx.vstack(
                rx.text(
                    t("Times are in the organization's time zone:"),
                    " ",
                    state.zone_name,
                    size="2",
                    color="var(--gray-11)",
                ),
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(t("Campaign")),
                            *[rx.table.column_header_cell(t(label), text_align="right") for _, label, _ in FIGURES],
                        )
                    ),
                    rx.table.body(rx.foreach(state.campaigns, campaign_row)),
                    width="100%",
                    variant="surface",
                    size="1",
                    id="campaigns",
                ),
                pager(state),
                spacing="4",
                width="100%",
            ),
            rx.cond(
                state.error == "",
                empty_state(
                    "send",
                    N_("No campaigns yet"),
                    N_("Launch a cadence on a set of invoices and follow sent, delivered, read, replied and paid."),
                ),
            ),
        ),
    )


def figure_card(key: str, label: str, meaning: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(t(label), size="2", weight="medium", color="var(--gray-11)"),
            rx.heading(CampaignState.counts[key], size="6", id=f"figure-{key}"),
            rx.text(t(meaning), size="1", color="var(--gray-10)"),
            spacing="1",
        ),
    )


def problem_item(problem: ProblemRow) -> rx.Component:
    return rx.callout(problem["text"], icon="triangle-alert", color_scheme="red", size="1", width="100%")


def campaign_detail() -> rx.Component:
    state = CampaignState
    return rx.vstack(
        rx.hstack(
            rx.heading(state.name, size="5", id="campaign-name"),
            status_badge(state.status, state.status_label),
            align="center",
            spacing="3",
        ),
        rx.text(
            t("Cadence"),
            ": ",
            state.cadence,
            " · ",
            t("Started"),
            ": ",
            state.started,
            size="2",
            color="var(--gray-11)",
        ),
        rx.callout(
            rx.vstack(
                rx.text(state.last_planned, weight="medium", id="last-planned"),
                rx.text(
                    t(
                        "On a WhatsApp account with a small daily messaging limit, a campaign is spread over "
                        "several days. Times are in the organization's time zone:"
                    ),
                    " ",
                    state.zone_name,
                    size="1",
                ),
                spacing="1",
            ),
            icon="calendar-clock",
            color_scheme="teal",
            width="100%",
        ),
        rx.grid(
            *[figure_card(key, label, meaning) for key, label, meaning in FIGURES],
            columns=rx.breakpoints(initial="2", sm="3", md="5"),
            spacing="3",
            width="100%",
            id="campaign-figures",
        ),
        rx.cond(
            state.paid_amounts != "",
            rx.text(t("Paid on its invoices since launch:"), " ", rx.text.strong(state.paid_amounts), size="3"),
        ),
        rx.cond(
            state.problems.length() > 0,
            rx.vstack(
                rx.heading(t("Problems"), size="4"),
                rx.text(
                    t("These steps do not reach the debtors concerned until their template is put right:"),
                    size="2",
                    color="var(--gray-11)",
                ),
                rx.vstack(rx.foreach(state.problems, problem_item), spacing="2", width="100%", id="problems"),
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


def campaign_page() -> rx.Component:
    state = CampaignState
    return app_page(
        N_("Campaign"),
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), t("All campaigns"), align="center", spacing="1"),
            href="/campaigns",
            size="2",
        ),
        form_error(state.error),
        rx.cond(state.name != "", campaign_detail()),
    )


def register(app: rx.App) -> None:
    app.add_page(campaigns_page, route="/campaigns", title="Campaigns · Cobro", on_load=CampaignsState.load)
    app.add_page(campaign_page, route="/campaigns/[campaign_id]", title="Campaign · Cobro", on_load=CampaignState.load)
