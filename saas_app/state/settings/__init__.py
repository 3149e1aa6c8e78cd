"""Settings, one module per tab: team, organization, WhatsApp, API keys, payments, webhooks."""
