"""Campaigns: each one's messages from planned to paid, and when the last planned one goes out."""

import reflex as rx

from saas_app import routes, styles
from saas_app.components.badges import status_badge
from saas_app.components.forms import form_error
from saas_app.components.layout import app_page, empty_state
from saas_app.components.stats import stat_card, stat_grid
from saas_app.components.table import Column, data_table, figure_cell, table_row
from saas_app.i18n import N_
from saas_app.state.base import SessionState, t
from saas_app.state.campaigns import CampaignRow, CampaignsState, CampaignState, ProblemRow

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


COLUMNS = [Column(N_("Campaign")), *[Column(label, align="right") for _, label, _ in FIGURES]]


def campaign_row(row: CampaignRow) -> rx.Component:
    """A campaign in the list: its name (opening it), status, when its last message is planned, and its counts."""
    return table_row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.hstack(
                    rx.link(row["name"], href=routes.CAMPAIGNS + "/" + row["campaign_id"], weight="medium"),
                    status_badge(row["status"], row["status_label"]),
                    align="center",
                    spacing="2",
                ),
                rx.text(row["last_planned"], size="1", color=styles.MUTED, class_name="last-planned"),
                spacing="1",
            ),
        ),
        *[figure_cell(row[key], class_name=f"figure-{key}") for key, _, _ in FIGURES],  # type: ignore[literal-required]
        class_name="campaign-row",
    )


def campaigns_page() -> rx.Component:
    """The organization's campaigns, a page at a time, with how far each has got; or how to launch the first."""
    state = CampaignsState
    return app_page(
        N_("Campaigns"),
        form_error(state.error),
        rx.cond(
            state.error == "",
            rx.vstack(
                rx.cond(
                    (state.campaigns.length() > 0) | (state.page > 1),
                    rx.text(
                        t("Times are in the organization's time zone:"),
                        " ",
                        state.zone_name,
                        size="2",
                        color=styles.MUTED,
                    ),
                ),
                data_table(
                    COLUMNS,
                    state.campaigns,
                    campaign_row,
                    pages=state,
                    empty=empty_state(
                        "send",
                        N_("No campaigns yet"),
                        N_("Launch a cadence on a set of invoices and follow sent, delivered, read, replied and paid."),
                        rx.cond(
                            SessionState.can_collect,
                            rx.link(rx.button(t("New campaign")), href=routes.CAMPAIGN_NEW),
                        ),
                    ),
                    size="1",
                    id="campaigns",
                ),
                spacing="4",
                width="100%",
            ),
        ),
        actions=[
            rx.cond(
                SessionState.can_collect,
                rx.link(
                    rx.button(rx.icon("plus", size=16), t("New campaign")), href=routes.CAMPAIGN_NEW, id="new-campaign"
                ),
            )
        ],
    )


def problem_item(problem: ProblemRow) -> rx.Component:
    """A red callout for one problem that keeps a campaign's step from reaching debtors."""
    return rx.callout(problem["text"], icon="triangle-alert", color_scheme="red", size="1", width="100%")


def campaign_detail() -> rx.Component:
    """One campaign: its status, cadence, when messages go out, its counts, what was paid, and its problems."""
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
            color=styles.MUTED,
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
        stat_grid(
            *[stat_card(label, state.counts[key], meaning, id=f"figure-{key}") for key, label, meaning in FIGURES],
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
                    color=styles.MUTED,
                ),
                rx.vstack(rx.foreach(state.problems, problem_item), spacing="2", width="100%", id="problems"),
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


def campaign_page() -> rx.Component:
    """A campaign's page, with the way back to all campaigns, or the refusal if it cannot be shown."""
    state = CampaignState
    return app_page(
        N_("Campaign"),
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), t("All campaigns"), align="center", spacing="1"),
            href=routes.CAMPAIGNS,
            size="2",
        ),
        form_error(state.error),
        rx.cond(state.name != "", campaign_detail()),
    )


def register(app: rx.App) -> None:
    """Adds the campaigns list and a campaign's own page, each reading its rows as it opens."""
    app.add_page(campaigns_page, route=routes.CAMPAIGNS, title="Campaigns · Cobro", on_load=CampaignsState.load)
    app.add_page(campaign_page, route=routes.CAMPAIGN, title="Campaign · Cobro", on_load=CampaignState.load)
