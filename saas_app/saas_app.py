"""The Reflex app: pages registered, HTTP routes mounted."""

import reflex as rx

from saas_app.api.app import create_api
from saas_app.pages import (
    auth,
    cadences,
    campaign_launch,
    campaigns,
    dashboard,
    debtors,
    inbox,
    invoices,
    landing,
    settings,
    templates,
)

app = rx.App(api_transformer=create_api())
for module in (
    landing,
    auth,
    dashboard,
    debtors,
    invoices,
    templates,
    cadences,
    campaign_launch,
    campaigns,
    inbox,
    settings,
):
    module.register(app)
