"""Campaigns: each one's messages from planned to paid, and when the last planned one goes out."""

from typing import Any

import reflex as rx

from saas_app import routes, styles
from saas_app.components.badges import status_badge
from saas_app.components.dialogs import confirm_dialog
from saas_app.components.forms import form_error
from saas_app.components.layout import app_page, empty_state, muted, section_card
from saas_app.components.stats import stat_card, stat_grid
from saas_app.components.table import Column, data_table, figure_cell, table_row
from saas_app.i18n import N_
from saas_app.pages.dashboard import CHART_HEIGHT, COMPACT_NUMBER
from saas_app.state.base import SessionState, t
from saas_app.state.campaigns import (
    ActivityRow,
    CampaignRow,
    CampaignsState,
    CampaignState,
    FunnelRow,
    MessageRow,
    NoteRow,
    ProblemRow,
    ReasonRow,
    RecoveryRow,
    StepRow,
)

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


def funnel_stage(stage: FunnelRow) -> rx.Component:
    """One stage of the funnel: its name, how many, a bar against the widest stage, and its rate."""
    return rx.vstack(
        rx.hstack(
            rx.text(stage["label"], weight="medium", size="2"),
            rx.spacer(),
            rx.text(stage["value"], weight="bold", size="3", class_name="funnel-value"),
            align="baseline",
            width="100%",
        ),
        rx.box(
            rx.box(height="10px", width=stage["width"], background=styles.tone("teal", 9), border_radius="4px"),
            width="100%",
            background=styles.tone("gray", 3),
            border_radius="4px",
        ),
        rx.text(stage["rate"], size="1", color=styles.MUTED),
        spacing="1",
        width="100%",
        id="funnel-" + stage["key"],
    )


def recovery_item(row: RecoveryRow) -> rx.Component:
    """What one currency brought in, and its share of what was owed."""
    return rx.vstack(
        rx.heading(row["recovered"], size="5", class_name="recovered-amount"),
        rx.text(row["rate"], size="1", color=styles.MUTED),
        spacing="0",
    )


def reason_row(row: ReasonRow) -> rx.Component:
    """Failed or expired messages sharing one of Meta's codes."""
    return table_row(
        rx.table.cell(row["kind"]),
        rx.table.cell(row["code"]),
        rx.table.cell(row["text"]),
        figure_cell(row["count"]),
        class_name="reason-row",
    )


REASON_COLUMNS = [Column(N_("Status")), Column(N_("Code")), Column(N_("Reason")), Column(N_("Messages"), "right")]


def funnel_section() -> rx.Component:
    """Targeted to paid with each stage's rate, what was recovered, and why messages did not arrive."""
    state = CampaignState
    return rx.grid(
        section_card(
            N_("Funnel"),
            N_("From the invoices targeted to those paid; each rate against the stage before it."),
            rx.vstack(rx.foreach(state.funnel, funnel_stage), spacing="3", width="100%", id="funnel"),
        ),
        rx.vstack(
            section_card(
                N_("Recovered"),
                N_("Paid on the campaign's invoices since launch, per currency."),
                rx.cond(
                    state.recovery.length() > 0,
                    rx.vstack(rx.foreach(state.recovery, recovery_item), spacing="2", id="recovery"),
                    rx.text(t("Nothing paid yet."), size="2", color=styles.MUTED),
                ),
            ),
            section_card(
                N_("Not delivered"),
                N_("Failed and expired messages, counted by WhatsApp's reason."),
                rx.cond(
                    state.reasons.length() > 0,
                    data_table(REASON_COLUMNS, state.reasons, reason_row, size="1", id="reasons"),
                    rx.text(t("No failed or expired message."), size="2", color=styles.MUTED),
                ),
            ),
            spacing="4",
            width="100%",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


STEP_COLUMNS = [
    Column(N_("Step")),
    Column(N_("Language")),
    *[Column(label, "right") for label in (N_("Sent"), N_("Delivered"), N_("Read"), N_("Replied"), N_("Paid"))],
    *[Column(label, "right") for label in (N_("Failed"), N_("Expired"))],
]


def _figure_with_rate(value: Any, rate: Any) -> rx.Component:
    return rx.table.cell(
        rx.vstack(rx.text(value), rx.text(rate, size="1", color=styles.MUTED), spacing="0", align="end"),
        text_align="right",
    )


def step_row(row: StepRow) -> rx.Component:
    """One step in one language: its figures, each rate under its figure."""
    return table_row(
        rx.table.cell(row["step"]),
        rx.table.cell(row["language"]),
        figure_cell(row["sent"]),
        _figure_with_rate(row["delivered"], row["delivered_rate"]),
        _figure_with_rate(row["read"], row["read_rate"]),
        _figure_with_rate(row["replied"], row["replied_rate"]),
        _figure_with_rate(row["paid"], row["paid_rate"]),
        figure_cell(row["failed"]),
        figure_cell(row["expired"]),
        class_name="step-row",
    )


def steps_section() -> rx.Component:
    """Which message works: each step in each language, with its rates."""
    return section_card(
        N_("By step and language"),
        N_("Delivered against sent; read and replied against delivered; paid against sent."),
        muted(
            N_(
                "Paid: an invoice of the campaign paid in full while the campaign chased it counts once, for "
                "the last step sent to the debtor for that invoice before the payment (last touch), in that "
                "message's language. An invoice paid before any reminder went, or after its reminders "
                "stopped for another reason (opt-out, dispute, the campaign stopped), counts in the funnel only."
            ),
            size="1",
            id="paid-definition",
        ),
        data_table(
            STEP_COLUMNS,
            CampaignState.steps,
            step_row,
            empty=rx.text(t("No message has gone out yet."), size="2", color=styles.MUTED),
            size="1",
            id="steps",
        ),
    )


# The tooltip shows the day's figures as the state wrote them ("12 sent · €1,234.00").
DAY_TOOLTIP: rx.Var = rx.vars.FunctionStringVar.create("(value, name, item) => [item.payload.text, '']")


def days_section() -> rx.Component:
    """Messages sent (bars) and amounts recovered (line) per day, in the organization's time zone."""
    state = CampaignState
    return section_card(
        N_("Over time"),
        N_("Messages sent (bars) and amounts recovered (line) per day."),
        rx.cond(
            state.days.length() > 0,
            rx.recharts.responsive_container(
                rx.recharts.composed_chart(
                    rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
                    rx.recharts.x_axis(data_key="tick", font_size=12),
                    rx.recharts.y_axis(y_axis_id="left", width=50, font_size=12, tick_formatter=COMPACT_NUMBER),
                    rx.recharts.y_axis(
                        y_axis_id="right", orientation="right", width=50, font_size=12, tick_formatter=COMPACT_NUMBER
                    ),
                    rx.recharts.graphing_tooltip(custom_attrs={"formatter": DAY_TOOLTIP}),
                    rx.recharts.bar(
                        data_key="sent",
                        y_axis_id="left",
                        fill=styles.tone("teal", 9),
                        radius=[4, 4, 0, 0],
                        is_animation_active=False,
                    ),
                    rx.recharts.line(
                        data_key="recovered",
                        y_axis_id="right",
                        stroke=styles.tone("orange", 9),
                        stroke_width=2,
                        is_animation_active=False,
                    ),
                    data=state.days,
                ),
                width="100%",
                height=CHART_HEIGHT,
                id="days-chart",
            ),
            rx.text(t("No message has gone out yet."), size="2", color=styles.MUTED),
        ),
    )


MESSAGE_COLUMNS = [
    Column(N_("Debtor")),
    Column(N_("Invoice")),
    Column(N_("Step")),
    Column(N_("Language")),
    Column(N_("Status")),
    Column(N_("Time")),
    Column(N_("Error")),
]


def message_row(row: MessageRow) -> rx.Component:
    """One message in the list."""
    return table_row(
        rx.table.cell(row["debtor"]),
        rx.table.cell(row["invoice"]),
        rx.table.cell(row["step"]),
        rx.table.cell(row["language"]),
        rx.table.cell(status_badge(row["status"], row["status_label"])),
        rx.table.cell(row["at"], white_space="nowrap"),
        rx.table.cell(row["error"], color=styles.MUTED),
        class_name="message-row",
    )


def _filter(name: str, choices: Any, value: Any) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(),
        rx.select.content(rx.foreach(choices, lambda c: rx.select.item(c["label"], value=c["value"]))),
        value=value,
        on_change=lambda v: CampaignState.filter_messages(name, v),
        id=f"filter-{name}",
    )


def messages_section() -> rx.Component:
    """Every message of the campaign, filtered and paged on the server, and its CSV."""
    state = CampaignState
    return section_card(
        N_("Messages"),
        N_("Each message: to whom, for which invoice, at which step, and what became of it."),
        rx.hstack(
            _filter("status", state.status_choices, state.status_filter),
            _filter("step", state.step_choices, state.step_filter),
            _filter("language", state.language_choices, state.language_filter),
            rx.spacer(),
            rx.button(
                rx.icon("download", size=16), t("Export CSV"), variant="soft", on_click=state.export_csv, id="export"
            ),
            wrap="wrap",
            spacing="2",
            width="100%",
        ),
        data_table(
            MESSAGE_COLUMNS,
            state.messages,
            message_row,
            pages=state,
            empty=rx.text(t("No message matches these filters."), size="2", color=styles.MUTED),
            size="1",
            id="messages",
        ),
    )


def steering() -> rx.Component:
    """Pause, resume and stop, each confirmed first; only for roles that may (the server checks again)."""
    state = CampaignState
    pause = confirm_dialog(
        rx.button(rx.icon("pause", size=16), t("Pause"), variant="soft", color_scheme="amber", id="pause"),
        N_("Pause this campaign?"),
        N_("Nothing more is sent and its schedule waits until you resume it."),
        N_("Pause"),
        state.pause,
        color="amber",
        id="pause-dialog",
    )
    resume = confirm_dialog(
        rx.button(rx.icon("play", size=16), t("Resume"), variant="soft", id="resume"),
        N_("Resume this campaign?"),
        N_("Its next messages are planned again in their send windows."),
        N_("Resume"),
        state.resume,
        color="teal",
        id="resume-dialog",
    )
    stop = confirm_dialog(
        rx.button(rx.icon("square", size=16), t("Stop"), variant="soft", color_scheme="red", id="stop"),
        N_("Stop this campaign?"),
        N_("Every message it still has planned is cancelled. This cannot be undone."),
        N_("Stop"),
        state.stop,
        id="stop-dialog",
    )
    return rx.cond(
        state.can_collect,
        rx.hstack(
            rx.cond(state.status == "running", pause),
            rx.cond(state.status == "paused", resume),
            rx.cond((state.status == "running") | (state.status == "paused"), stop),
            spacing="2",
        ),
    )


def activity_item(row: ActivityRow) -> rx.Component:
    """What a person did to the campaign, and when."""
    return rx.hstack(
        rx.text(row["text"], weight="medium", size="2"),
        rx.text(row["who"], size="2", color=styles.MUTED),
        rx.spacer(),
        rx.text(row["at"], size="1", color=styles.MUTED, white_space="nowrap"),
        width="100%",
        class_name="activity-item",
    )


def note_item(row: NoteRow) -> rx.Component:
    """A team note, with its author and time."""
    return rx.vstack(
        rx.text(row["body"], size="2", white_space="pre-wrap"),
        rx.text(row["who"], " · ", row["at"], size="1", color=styles.MUTED),
        spacing="1",
        width="100%",
        class_name="note-item",
    )


def team_section() -> rx.Component:
    """Who did what to the campaign, and the team's own notes on it."""
    state = CampaignState
    return rx.grid(
        section_card(
            N_("Activity"),
            N_("Launched, paused, resumed, edited, stopped: by whom and when."),
            rx.vstack(rx.foreach(state.activity, activity_item), spacing="2", width="100%", id="activity"),
        ),
        section_card(
            N_("Team notes"),
            N_("For the team only: never sent to a debtor."),
            rx.cond(
                state.can_collect,
                rx.form(
                    rx.vstack(
                        rx.text_area(name="note", id="note", max_length=2000, width="100%"),
                        rx.cond(state.note_error != "", rx.text(state.note_error, color="red", size="2")),
                        rx.button(t("Add note"), type="submit", id="add-note"),
                        spacing="2",
                        align="end",
                        width="100%",
                    ),
                    on_submit=state.add_note,
                    width="100%",
                ),
            ),
            rx.vstack(rx.foreach(state.notes, note_item), spacing="3", width="100%", id="notes"),
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def campaign_detail() -> rx.Component:
    """One campaign: status and steering, funnel, per step, over time, messages, problems, activity and notes."""
    state = CampaignState
    return rx.vstack(
        rx.hstack(
            rx.hstack(
                rx.heading(state.name, size="5", id="campaign-name"),
                status_badge(state.status, state.status_label, id="campaign-status"),
                align="center",
                spacing="3",
            ),
            steering(),
            justify="between",
            align="center",
            wrap="wrap",
            width="100%",
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
        stat_grid(
            *[stat_card(label, state.counts[key], meaning, id=f"figure-{key}") for key, label, meaning in FIGURES],
            id="campaign-figures",
        ),
        funnel_section(),
        steps_section(),
        days_section(),
        messages_section(),
        team_section(),
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
