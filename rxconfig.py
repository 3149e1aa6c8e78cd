"""Reflex configuration: the database and Redis come from the environment."""

import reflex as rx

from saas_app.settings import settings

config = rx.Config(
    app_name="saas_app",
    db_url=settings.database_url,
    redis_url=settings.redis_url or None,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=settings.allowed_origins,
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", gray_color="slate", radius="large"))],
)
