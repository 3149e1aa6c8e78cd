"""Settings read once from the environment, with embedded defaults for development."""

import base64
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Development secrets live here, not in .states/: Reflex empties .states/ when it starts.
LOCAL_SECRET_FILE = PROJECT_ROOT / ".secrets" / "dev-secret-key"
LOCAL_ENCRYPTION_KEY_FILE = PROJECT_ROOT / ".secrets" / "dev-encryption-key"
LOCAL_SIMULATOR_SECRET_FILE = PROJECT_ROOT / ".secrets" / "dev-simulator-secret"
DEFAULT_SIMULATOR_URL = "http://127.0.0.1:8090"


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'cobro.db'}"


def _local_secret(path: Path = LOCAL_SECRET_FILE, make: Callable[[], str] | None = None) -> str:
    """A secret kept on this machine so that development sessions (and sealed data) survive restarts."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make() if make else secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an address, as a browser writes it in its Origin header.

    Raises RuntimeError for anything that is not an http(s) address with a host: a "*" here would
    let every site act with the signed-in user's cookie.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise RuntimeError(f"{url!r} is not an http:// or https:// address")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = parts.port
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS[parts.scheme] else "")


def _allowed_origins(env: dict[str, str], environment: str, public_url: str, port: str) -> list[str]:
    """The app's own origin, the configured ones, and in development this machine's frontend and backend ports.

    `reflex run --env prod` (what `make run` uses) serves everything on the frontend port; `--env dev`
    serves pages there and the API and websocket on the backend port, so both are the app's own.
    """
    origins = [origin_of(public_url), *(origin_of(url) for url in _list(env.get("COBRO_ALLOWED_ORIGINS", "")))]
    if environment != "production":
        backend_port = env.get("REFLEX_BACKEND_PORT", "8000")
        origins += [f"http://{host}:{p}" for p in (port, backend_port) for host in ("localhost", "127.0.0.1")]
    return list(dict.fromkeys(origins))


@dataclass(frozen=True)
class OidcProvider:
    """One OpenID Connect issuer users may sign in with."""

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str

    @property
    def metadata_url(self) -> str:
        """Where the provider publishes its OpenID Connect configuration."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


# Issuers known by name, so that `COBRO_OIDC_PROVIDERS=google` needs only a client id and secret.
KNOWN_ISSUERS = {
    "google": ("Google", "https://accounts.google.com"),
    "microsoft": ("Microsoft", "https://login.microsoftonline.com/common/v2.0"),
}


def _oidc_providers(env: dict[str, str]) -> list[OidcProvider]:
    providers = []
    for name in _list(env.get("COBRO_OIDC_PROVIDERS", "")):
        prefix = f"COBRO_OIDC_{name.upper()}_"
        label, issuer = KNOWN_ISSUERS.get(name, (name.title(), ""))
        providers.append(
            OidcProvider(
                name=name,
                label=env.get(prefix + "LABEL", label),
                issuer=env.get(prefix + "ISSUER", issuer),
                client_id=env.get(prefix + "CLIENT_ID", ""),
                client_secret=env.get(prefix + "CLIENT_SECRET", ""),
            )
        )
    missing = [p.name for p in providers if not (p.issuer and p.client_id)]
    if missing:
        raise RuntimeError(
            f"OpenID Connect provider(s) {', '.join(missing)} need "
            "COBRO_OIDC_<NAME>_ISSUER and COBRO_OIDC_<NAME>_CLIENT_ID"
        )
    return providers


def _encryption_keys(env: dict[str, str], environment: str) -> list[str]:
    keys = _list(env.get("COBRO_ENCRYPTION_KEY", ""))
    if keys:
        return keys
    if environment == "production":
        raise RuntimeError("COBRO_ENCRYPTION_KEY must be set when COBRO_ENV=production")
    return [_local_secret(LOCAL_ENCRYPTION_KEY_FILE, _fernet_key)]


def _simulator(env: dict[str, str], environment: str) -> dict[str, str]:
    """Development sends to the simulator by default; production only if it is set on purpose."""
    url = env.get("COBRO_SIMULATOR_URL", "" if environment == "production" else DEFAULT_SIMULATOR_URL)
    secret = env.get("COBRO_SIMULATOR_SECRET", "")
    if url and not secret:
        if environment == "production":
            raise RuntimeError("COBRO_SIMULATOR_URL needs COBRO_SIMULATOR_SECRET when COBRO_ENV=production")
        secret = _local_secret(LOCAL_SIMULATOR_SECRET_FILE)
    return {"simulator_url": url.rstrip("/"), "simulator_secret": secret}


LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _logging(env: dict[str, str], environment: str) -> dict[str, str]:
    """JSON lines in production, where a collector reads them; readable lines elsewhere; either on request."""
    log_format = env.get("COBRO_LOG_FORMAT", "json" if environment == "production" else "text").strip().lower()
    log_level = env.get("COBRO_LOG_LEVEL", "INFO").strip().upper()
    if log_format not in LOG_FORMATS:
        raise RuntimeError(f"COBRO_LOG_FORMAT is {log_format!r}: use json or text")
    if log_level not in LOG_LEVELS:
        raise RuntimeError(f"COBRO_LOG_LEVEL is {log_level!r}: use one of {', '.join(LOG_LEVELS)}")
    return {"log_format": log_format, "log_level": log_level}


@dataclass(frozen=True)
class Settings:
    """Everything configurable, read from environment variables."""

    environment: str
    database_url: str
    redis_url: str
    secret_key: str
    public_url: str
    smtp_url: str
    oidc_providers: list[OidcProvider] = field(default_factory=list)
    # Fernet keys for secrets at rest (WhatsApp tokens, app secrets); the first one seals, all unseal.
    encryption_keys: list[str] = field(default_factory=list)
    # The WhatsApp simulator new organizations send to until they connect Meta ("" in production).
    simulator_url: str = ""
    simulator_secret: str = ""
    # Origins whose pages may act with a signed-in user's cookie: HTTP writes, CORS and the websocket.
    allowed_origins: list[str] = field(default_factory=list)
    # The bearer token /metrics asks for; without one, only this machine's own requests are answered.
    metrics_token: str = ""
    # "json" (one object per line, for a log collector) or "text" (for a person); JSON in production.
    log_format: str = "text"
    log_level: str = "INFO"

    @property
    def is_production(self) -> bool:
        """Whether this is a production deployment (COBRO_ENV=production)."""
        return self.environment == "production"

    @property
    def is_https(self) -> bool:
        """Whether users reach the app over https (so browsers are told to keep to it)."""
        return self.public_url.startswith("https://")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        """The settings from the environment; production refuses to start without SECRET_KEY rather than invent one."""
        env = dict(os.environ if env is None else env)
        environment = env.get("COBRO_ENV", "development")
        secret_key = env.get("SECRET_KEY", "")
        if not secret_key:
            if environment == "production":
                raise RuntimeError("SECRET_KEY must be set when COBRO_ENV=production")
            secret_key = _local_secret()
        port = env.get("REFLEX_FRONTEND_PORT", "3000")
        public_url = env.get("COBRO_PUBLIC_URL", f"http://localhost:{port}").rstrip("/")
        return cls(
            environment=environment,
            database_url=env.get("DATABASE_URL") or env.get("REFLEX_DB_URL") or _default_database_url(),
            redis_url=env.get("REDIS_URL") or env.get("REFLEX_REDIS_URL", ""),
            secret_key=secret_key,
            public_url=public_url,
            smtp_url=env.get("COBRO_SMTP_URL", ""),
            oidc_providers=_oidc_providers(env),
            encryption_keys=_encryption_keys(env, environment),
            allowed_origins=_allowed_origins(env, environment, public_url, port),
            metrics_token=env.get("COBRO_METRICS_TOKEN", ""),
            **_logging(env, environment),
            **_simulator(env, environment),
        )


settings = Settings.from_env()
