"""The signed-in home page: how much is owed, how late, by age; what came in; campaigns running; first steps."""

from typing import Any

import reflex as rx

from saas_app import routes, styles
from saas_app.components.layout import app_page, empty_state, section_card
from saas_app.components.stats import stat_card, stat_grid
from saas_app.i18n import N_
from saas_app.state.base import SessionState, t
from saas_app.state.dashboard import CampaignLine, DashboardState, FirstStep

CHART_HEIGHT = 240
# Recharts' tooltip shows the raw number; this shows the amount as the state formatted it instead.
AMOUNT_TOOLTIP: rx.Var = rx.vars.FunctionStringVar.create("(value, name, item) => [item.payload.text, '']")
# The scale reads 12K, not 12000: the exact amounts are under the chart and in its tooltip.
COMPACT_NUMBER = "(value) => new Intl.NumberFormat(undefined, {notation: 'compact'}).format(value)"


def _step(step: FirstStep) -> rx.Component:
    return rx.hstack(
        rx.cond(
            step["done"],
            rx.icon("circle-check", color=styles.tone("teal", 10), size=22, flex_shrink="0"),
            rx.icon("circle", color=styles.FAINT, size=22, flex_shrink="0"),
        ),
        rx.vstack(
            rx.text(step["title"], weight="medium"),
            rx.text(step["note"], size="2", color=styles.MUTED),
            rx.cond(~step["done"], rx.link(step["action"], href=step["href"], size="2")),
            spacing="1",
        ),
        align="start",
        spacing="3",
    )


def first_steps() -> rx.Component:
    """The checklist that ticks itself as the organization connects, imports, checks and launches."""
    return rx.cond(
        ~DashboardState.steps_done,
        section_card(
            N_("Your first campaign in four steps"),
            N_("Each step ticks itself once it is done."),
            rx.grid(
                rx.foreach(DashboardState.first_steps, _step),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            id="first-steps",
        ),
    )


def currency_picker() -> rx.Component:
    """Shown when the organization is owed in more than one currency: every figure below is in the one chosen."""
    return rx.cond(
        DashboardState.currencies.length() > 1,
        rx.hstack(
            rx.text(t("Currency"), size="2", color=styles.MUTED),
            rx.select(
                DashboardState.currencies,
                value=DashboardState.currency,
                on_change=DashboardState.pick_currency,
                id="currency",
            ),
            align="center",
            spacing="2",
        ),
    )


def figures() -> rx.Component:
    """Outstanding, overdue, recovered, DSO and replies waiting, each with what it counts."""
    shown = DashboardState.figures
    return stat_grid(
        stat_card(
            N_("Outstanding"), shown["outstanding"]["value"], detail=shown["outstanding"]["note"], id="outstanding"
        ),
        stat_card(N_("Overdue"), shown["overdue"]["value"], detail=shown["overdue"]["note"], id="overdue"),
        stat_card(N_("Recovered"), shown["recovered"]["value"], detail=shown["recovered"]["note"], id="recovered"),
        stat_card(N_("Collection time"), shown["dso"]["value"], detail=shown["dso"]["note"], id="dso"),
        rx.link(
            stat_card(N_("Replies waiting"), shown["waiting"]["value"], detail=shown["waiting"]["note"], id="waiting"),
            href=routes.INBOX,
            underline="none",
        ),
        id="figures",
    )


def _bar_chart(data: Any, color: str, chart_id: str) -> rx.Component:
    return rx.recharts.responsive_container(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            rx.recharts.x_axis(data_key="tick", font_size=12),
            rx.recharts.y_axis(width=50, font_size=12, tick_formatter=COMPACT_NUMBER),
            rx.recharts.graphing_tooltip(custom_attrs={"formatter": AMOUNT_TOOLTIP}),
            rx.recharts.bar(data_key="amount", fill=color, radius=[4, 4, 0, 0], is_animation_active=False),
            data=data,
        ),
        width="100%",
        height=CHART_HEIGHT,
        id=chart_id,
    )


def charts() -> rx.Component:
    """What is owed by age, and what came in week by week."""
    return rx.grid(
        section_card(
            N_("Owed by age"),
            N_("Amounts still owed, by how late they are."),
            _bar_chart(DashboardState.ageing, styles.tone("orange", 9), "ageing-chart"),
            rx.hstack(
                rx.foreach(
                    DashboardState.ageing,
                    lambda point: rx.vstack(
                        rx.text(point["label"], size="1", color=styles.MUTED),
                        rx.text(point["text"], size="2", weight="medium"),
                        spacing="0",
                    ),
                ),
                wrap="wrap",
                spacing="4",
                id="ageing",
            ),
        ),
        section_card(
            N_("Recovered"),
            N_("Payments received each week, over the last thirteen weeks."),
            rx.cond(
                DashboardState.recovered_any,
                _bar_chart(DashboardState.recovered, styles.tone("teal", 9), "recovered-chart"),
                rx.center(
                    rx.text(t("No payment came in over these weeks."), color=styles.MUTED, size="2"),
                    height=f"{CHART_HEIGHT}px",
                    width="100%",
                    id="recovered-none",
                ),
            ),
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def _campaign(line: CampaignLine) -> rx.Component:
    return rx.vstack(
        rx.link(line["name"], href="/campaigns/" + line["campaign_id"], weight="medium"),
        rx.hstack(
            *[
                rx.text(t(label), " ", rx.text.strong(line[key]), size="2", color=styles.MUTED)  # type: ignore[literal-required]
                for key, label in (
                    ("sent", N_("Sent")),
                    ("read", N_("Read receipts")),
                    ("replied", N_("Replied")),
                    ("paid", N_("Paid")),
                )
            ],
            wrap="wrap",
            spacing="4",
        ),
        rx.progress(value=line["paid_share"], max=100, width="100%"),
        spacing="1",
        width="100%",
    )


def running_campaigns() -> rx.Component:
    """The newest running campaigns, each with how far its messages got and how much of it is paid."""
    return section_card(
        N_("Campaigns running"),
        N_("How far each campaign's messages got; the bar fills as its invoices are paid."),
        rx.cond(
            DashboardState.campaigns.length() > 0,
            rx.vstack(rx.foreach(DashboardState.campaigns, _campaign), spacing="4", width="100%", id="campaigns"),
            rx.hstack(
                rx.text(t("No campaign is running."), size="2", color=styles.MUTED),
                rx.link(t("Go to campaigns"), href=routes.CAMPAIGNS, size="2"),
                spacing="2",
            ),
        ),
    )


def dashboard() -> rx.Component:
    """The dashboard; an organization owed nothing yet sees its first steps and where to start."""
    return app_page(
        N_("Dashboard"),
        rx.text(t("Welcome to"), " ", rx.text.strong(SessionState.org_name, id="dashboard-org"), "."),
        first_steps(),
        rx.cond(
            DashboardState.error != "",
            rx.callout(DashboardState.error, icon="triangle-alert", color_scheme="red", width="100%"),
        ),
        rx.cond(
            DashboardState.currency != "",
            rx.vstack(
                currency_picker(),
                figures(),
                charts(),
                running_campaigns(),
                spacing="4",
                width="100%",
            ),
            rx.cond(
                DashboardState.loaded,
                empty_state(
                    "layout-dashboard",
                    N_("Nothing owed yet"),
                    N_(
                        "Once your debtors and their open invoices are in, this page shows what is owed, how late, "
                        "and what came in."
                    ),
                    rx.link(t("Go to debtors"), href=routes.DEBTORS),
                ),
            ),
        ),
        intro=N_("What is owed, how late, and what came in."),
    )


def register(app: rx.App) -> None:
    """Adds the dashboard at /dashboard."""
    app.add_page(dashboard, route=routes.DASHBOARD, title="Dashboard · Cobro", on_load=DashboardState.load)
