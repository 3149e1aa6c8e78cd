"""Bring a database to the newest schema with Alembic."""

from alembic.config import Config

from alembic import command
from saas_app.settings import PROJECT_ROOT, settings


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration, pointed at this database (the configured one by default)."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["url"] = url or settings.database_url
    return config


def upgrade(url: str | None = None) -> None:
    """The database brought to the newest schema."""
    command.upgrade(alembic_config(url), "head")
