"""The signed-in sections. Each says what it will hold and what to do first."""

import functools

import reflex as rx

from saas_app import routes, styles
from saas_app.components.layout import app_page, empty_state
from saas_app.i18n import N_
from saas_app.pages import invoices
from saas_app.state.base import SessionState, t

FIRST_STEPS = [
    (
        N_("Invite your team"),
        N_("Collectors run campaigns; viewers follow the figures."),
        N_("Open team settings"),
        routes.SETTINGS,
    ),
    (
        N_("Add your debtors"),
        N_("Import a spreadsheet of customers and their open invoices."),
        N_("Go to debtors"),
        routes.DEBTORS,
    ),
    (
        N_("Plan a cadence"),
        N_("Choose when and how firmly each reminder goes out."),
        N_("Go to cadences"),
        routes.CADENCES,
    ),
]

# route, sidebar title, icon, empty-state heading, empty-state text
SECTIONS = [
    (
        routes.TEMPLATES,
        N_("Templates"),
        "message-square-text",
        N_("No templates yet"),
        N_("Reminder messages in every language your debtors speak, from a friendly heads-up to a final notice."),
    ),
    (
        routes.CADENCES,
        N_("Cadences"),
        "calendar-clock",
        N_("No cadences yet"),
        N_("A cadence says which reminder goes out how many days before or after the due date."),
    ),
]


def dashboard() -> rx.Component:
    """The signed-in home page: a welcome to the organization and the first steps, each with its link."""
    return app_page(
        N_("Dashboard"),
        rx.text(t("Welcome to"), " ", rx.text.strong(SessionState.org_name, id="dashboard-org"), "."),
        rx.grid(
            *[
                rx.card(
                    rx.vstack(
                        rx.hstack(rx.badge(str(n)), rx.heading(t(title), size="3"), align="center"),
                        rx.text(t(body), color=styles.MUTED, size="2"),
                        rx.link(t(action), href=href, size="2"),
                        spacing="2",
                    )
                )
                for n, (title, body, action, href) in enumerate(FIRST_STEPS, start=1)
            ],
            columns=rx.breakpoints(initial="1", md="3"),
            spacing="4",
            width="100%",
        ),
    )


def _section_page(title: str, icon: str, heading: str, body: str) -> rx.Component:
    return app_page(title, empty_state(icon, heading, body))


def register(app: rx.App) -> None:
    """Adds the dashboard, the invoices, and for templates and cadences a page saying what will be listed there."""
    app.add_page(dashboard, route=routes.DASHBOARD, title="Dashboard · Cobro", on_load=SessionState.require_member)
    invoices.register(app)
    for route, title, icon, heading, body in SECTIONS:
        app.add_page(
            functools.partial(_section_page, title, icon, heading, body),
            route=route,
            title=f"{title} · Cobro",
            on_load=SessionState.require_member,
        )
