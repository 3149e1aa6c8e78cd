"""What every settings tab shares: the page with its tabs, and the refusal for tabs only admins use."""

from typing import Any

import reflex as rx

from saas_app import routes
from saas_app.components.layout import app_page, muted, tab_links
from saas_app.i18n import N_


def settings_page(*children: rx.Component) -> rx.Component:
    """A settings tab: the page, its tabs, then its content."""
    return app_page(N_("Settings"), tab_links(routes.SETTINGS_TABS), *children)


def admin_page(allowed: Any, refusal: str, *sections: rx.Component) -> rx.Component:
    """A settings tab only owners and admins use: its sections, or a sentence saying who may."""
    return settings_page(rx.cond(allowed, rx.vstack(*sections, spacing="4", width="100%"), muted(refusal)))
