"""The Reflex app: pages registered, HTTP routes mounted."""

import reflex as rx

from saas_app.api.app import create_api
from saas_app.pages import auth, campaigns, dashboard, debtors, inbox, invoices, landing, settings, templates, workspace

app = rx.App(api_transformer=create_api())
for module in (landing, auth, dashboard, workspace, debtors, invoices, templates, campaigns, inbox, settings):
    module.register(app)
