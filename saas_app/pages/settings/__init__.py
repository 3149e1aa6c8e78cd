"""Settings, one module per tab, each beside its state in `state/settings/`."""

import reflex as rx

from saas_app.pages.settings import api_keys, organization, payments, team, webhooks, whatsapp


def register(app: rx.App) -> None:
    """Adds every settings tab: team, organization, WhatsApp, API keys, payments and webhooks."""
    for tab in (team, organization, whatsapp, api_keys, payments, webhooks):
        tab.register(app)
