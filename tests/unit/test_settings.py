import pytest

import rxconfig
from saas_app.settings import Settings, origin_of, settings

PRODUCTION = {
    "COBRO_ENV": "production",
    "SECRET_KEY": "s",
    "COBRO_ENCRYPTION_KEY": "k",
    "COBRO_PUBLIC_URL": "https://cobro.example.com/",
}


def test_development_trusts_only_this_machines_frontend_and_backend_ports() -> None:
    development = Settings.from_env({"REFLEX_FRONTEND_PORT": "3456", "REFLEX_BACKEND_PORT": "8123"})
    assert development.allowed_origins == [
        "http://localhost:3456",
        "http://127.0.0.1:3456",
        "http://localhost:8123",
        "http://127.0.0.1:8123",
    ]
    assert "*" not in development.allowed_origins


def test_production_trusts_its_public_address_and_the_configured_origins_only() -> None:
    env = PRODUCTION | {"COBRO_ALLOWED_ORIGINS": "https://crm.example.com/, https://ERP.example.com:443"}
    production = Settings.from_env(env)
    assert production.allowed_origins == [
        "https://cobro.example.com",
        "https://crm.example.com",
        "https://erp.example.com",
    ]
    assert production.is_https


@pytest.mark.parametrize("value", ["*", "null", "crm.example.com", "ftp://files.example.com"])
def test_an_allowed_origin_that_is_not_an_address_stops_the_start(value: str) -> None:
    with pytest.raises(RuntimeError, match="not an http"):
        Settings.from_env(PRODUCTION | {"COBRO_ALLOWED_ORIGINS": value})


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://localhost:3000/", "http://localhost:3000"),
        ("https://Cobro.Example.com:443/app", "https://cobro.example.com"),
        ("http://cobro.example.com:80", "http://cobro.example.com"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_origins_are_written_as_browsers_send_them(url: str, origin: str) -> None:
    assert origin_of(url) == origin


def test_reflex_gets_the_same_origins_for_cors_and_the_websocket() -> None:
    assert list(rxconfig.config.cors_allowed_origins) == settings.allowed_origins
