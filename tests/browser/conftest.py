"""The real app, built and served in production mode on a free port, driven by Debian's Chromium."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from oidc_provider_mock import User, run_server_in_thread
from playwright.sync_api import Browser, Page, sync_playwright

from tests.processes import free_port as _free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 600  # the first build installs the frontend's packages


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


class RunningApp:
    def __init__(self, url: str, database_url: str, log: Path) -> None:
        self.url = url
        self.database_url = database_url
        self.log = log


OIDC_USER = User(sub="olga-0001", claims={"email": "olga@example.com", "email_verified": True, "name": "Olga Costa"})


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[str]:
    """A real OpenID Connect provider (authlib-based) on localhost, with one predefined user."""
    with run_server_in_thread(user_claims=[OIDC_USER]) as server:
        yield f"http://localhost:{server.server_port}"


def _base_env(url: str, port: int, oidc_issuer: str) -> dict[str, str]:
    env = os.environ | {
        "SECRET_KEY": "browser-test-secret",
        "COBRO_PUBLIC_URL": url,
        "REFLEX_FRONTEND_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        "COBRO_OIDC_PROVIDERS": "corp",
        "COBRO_OIDC_CORP_ISSUER": oidc_issuer,
        "COBRO_OIDC_CORP_CLIENT_ID": "cobro-tests",
        "COBRO_OIDC_CORP_CLIENT_SECRET": "cobro-tests-secret",
        "COBRO_OIDC_CORP_LABEL": "Corp SSO",
        # The Makefile's bun and Node, and no outbound probes (see the Makefile).
        "PATH": f"{ROOT / '.tools/node_modules/.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "REFLEX_HTTP_CLIENT_BIND_ADDRESS": "0.0.0.0",  # noqa: S104 - an address to bind, not to serve on
    }
    for name in ("REDIS_URL", "REFLEX_REDIS_URL", "REFLEX_DB_URL"):
        env.pop(name, None)
    return env


@contextmanager
def running_app(oidc_issuer: str, database_url: str, **extra_env: str) -> Iterator[RunningApp]:
    """Migrate, build and serve the app like `make run` does; stop it afterwards."""
    port = _free_port()
    url = f"http://localhost:{port}"
    env = _base_env(url, port, oidc_issuer) | {"DATABASE_URL": database_url} | extra_env
    subprocess.run([sys.executable, "-m", "saas_app.cli", "migrate"], cwd=ROOT, env=env, check=True)
    log = Path(tempfile.mkdtemp(prefix="cobro-browser-")) / "app.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod", "--frontend-port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(url, process, log)
        yield RunningApp(url, database_url, log)
    finally:
        _stop(process)


# One server per test module: two servers at once would rebuild the same .web/ under each other.
@pytest.fixture(scope="module")
def app_server(oidc_issuer: str) -> Iterator[RunningApp]:
    database = Path(tempfile.mkdtemp(prefix="cobro-browser-")) / "browser.db"
    with running_app(oidc_issuer, f"sqlite:///{database}") as app:
        yield app


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited while starting:\n{log.read_text()[-4000:]}")
        if answers(url):
            return
        time.sleep(1)
    raise RuntimeError(f"the app did not start in {START_TIMEOUT} s:\n{log.read_text()[-4000:]}")


def answers(url: str) -> bool:
    """The app at `url` is up: its API and its built pages answer."""
    try:
        return httpx.get(f"{url}/api/health", timeout=2).status_code == 200 and httpx.get(url, timeout=5).is_success
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser, app_server: RunningApp) -> Iterator:
    """Pages in separate browser contexts: separate cookies, as separate people."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 860})
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
