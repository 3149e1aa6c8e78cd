"""The production shape: PostgreSQL, Reflex state in Redis, two backend workers behind one port.

Whichever worker answers an event, the state and the session must be the same.
"""

from collections.abc import Iterator

import pytest
import redis

from tests.browser.conftest import RunningApp, running_app
from tests.browser.test_signup_and_team import test_sign_up_invite_accept_and_isolation as invite_flow
from tests.databases import postgres_admin_url, postgres_database, redis_url

REDIS_DB = 13  # a database of its own, emptied before and after


@pytest.fixture(scope="module")
def app_server(oidc_issuer: str) -> Iterator[RunningApp]:
    server = redis_url()
    if server is None or postgres_admin_url() is None:
        pytest.skip("needs PostgreSQL and Redis (required when CI=true)")
    url = f"{server.rstrip('/')}/{REDIS_DB}"
    store = redis.Redis.from_url(url)
    store.flushdb()
    with (
        postgres_database() as database_url,
        running_app(oidc_issuer, database_url, REDIS_URL=url, GRANIAN_WORKERS="2") as app,
    ):
        yield app
    store.flushdb()


def test_sign_up_invite_accept_on_postgres_and_redis(new_page) -> None:
    invite_flow(new_page)
    assert redis.Redis.from_url(f"{redis_url()}/{REDIS_DB}").dbsize() > 0, "the state lives in Redis"
