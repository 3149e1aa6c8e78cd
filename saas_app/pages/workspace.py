"""The signed-in sections still to be built. Each says what it will hold and what to do first."""

import functools

import reflex as rx

from saas_app import routes
from saas_app.components.layout import app_page, empty_state
from saas_app.i18n import N_
from saas_app.state.base import SessionState

# route, sidebar title, icon, empty-state heading, empty-state text
SECTIONS = [
    (
        routes.CADENCES,
        N_("Cadences"),
        "calendar-clock",
        N_("No cadences yet"),
        N_("A cadence says which reminder goes out how many days before or after the due date."),
    ),
]


def _section_page(title: str, icon: str, heading: str, body: str) -> rx.Component:
    return app_page(title, empty_state(icon, heading, body))


def register(app: rx.App) -> None:
    """For cadences, a page saying what will be listed there."""
    for route, title, icon, heading, body in SECTIONS:
        app.add_page(
            functools.partial(_section_page, title, icon, heading, body),
            route=route,
            title=f"{title} · Cobro",
            on_load=SessionState.require_member,
        )
