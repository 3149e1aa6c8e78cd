"""Issue 23's faults: a misbehaving Meta, a PostgreSQL restart, a Redis restart; nothing lost or doubled.

Each test runs a short campaign through real processes (backend, worker, simulator) and breaks one
thing while it goes out; the checks are the production shape's (tests/production/shape.py).
"""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processes import wait_until
from tests.production.servers import PrivatePostgres, PrivateRedis
from tests.production.shape import (
    Shape,
    assert_nothing_lost_or_doubled,
    figures,
    finish,
    launch_campaign,
    running,
)

MESSAGES = 1_000
FAULTS = ["--fault-rate-429", "0.05", "--fault-rate-500", "0.05", "--slow-rate", "0.05", "--slow-seconds", "1"]
FAULTS += ["--drop-rate", "0.05"]


@pytest.fixture
def on_shared_postgres(folder: Path, shared_postgres: str) -> Iterator[Shape]:
    yield from running(Shape(folder, shared_postgres, throughput=200))


@pytest.fixture
def on_private_postgres(folder: Path, private_postgres: PrivatePostgres) -> Iterator[Shape]:
    yield from running(Shape(folder, private_postgres.create_database("cobro"), throughput=150))


@pytest.fixture
def with_private_redis(folder: Path, shared_postgres: str, private_redis: PrivateRedis) -> Iterator[Shape]:
    yield from running(Shape(folder, shared_postgres, redis_url=private_redis.url, throughput=150))


def test_refusals_slow_answers_and_cut_connections_lose_and_double_nothing(on_shared_postgres: Shape) -> None:
    shape = on_shared_postgres
    shape.start_backends(1)
    shape.start_simulator(*FAULTS)
    campaign = launch_campaign(shape, MESSAGES)
    started = time.monotonic()
    shape.start_worker()

    finished = finish(shape, timeout=90)
    checked = assert_nothing_lost_or_doubled(shape, campaign)
    result = figures("simulator faults (5% each: 429, 500, slow, dropped)", shape, started, finished, checked)
    result.print()
    assert set(result.faults) == {"429", "500", "slow", "drop"}, "every kind of fault was met"
    assert result.retries >= result.faults["429"] + result.faults["500"], "each refusal was tried again"


def test_a_postgres_restart_midway_loses_and_doubles_nothing(on_private_postgres: Shape, private_postgres) -> None:
    shape = on_private_postgres
    shape.start_backends(1)
    shape.start_simulator()
    campaign = launch_campaign(shape, MESSAGES)
    started = time.monotonic()
    worker = shape.start_worker()

    wait_until(lambda: shape.sends() >= MESSAGES // 3, 60, "a third of the campaign sent")
    private_postgres.stop("immediate")  # a crash: connections cut, no goodbye
    time.sleep(3)  # sends answered meanwhile wait in the worker; webhooks are refused and come again
    private_postgres.start()

    finished = finish(shape, timeout=90)
    checked = assert_nothing_lost_or_doubled(shape, campaign)
    figures("PostgreSQL crashed and restarted midway", shape, started, finished, checked).print()
    assert worker.poll() is None, f"the worker died:\n{shape.log_tail('worker-0.log')}"
    assert all(shape.backend_answers(port) for port in shape.backends)


def redis_health(port: int) -> bool | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/_health", timeout=5).json().get("redis")
    except httpx.HTTPError:
        return None


def test_a_redis_restart_under_two_backends_loses_and_doubles_nothing(
    with_private_redis: Shape, private_redis: PrivateRedis
) -> None:
    shape = with_private_redis
    ports = shape.start_backends(2)
    assert all(redis_health(port) is True for port in ports), "the backends keep their state in Redis"
    shape.start_simulator()
    campaign = launch_campaign(shape, MESSAGES)
    started = time.monotonic()
    shape.start_worker()

    wait_until(lambda: shape.sends() >= MESSAGES // 3, 60, "a third of the campaign sent")
    private_redis.stop()
    time.sleep(2)
    private_redis.start()  # empty: no persistence, as a cache node replaced

    finished = finish(shape, timeout=90)
    checked = assert_nothing_lost_or_doubled(shape, campaign)
    figures("Redis restarted under two backends", shape, started, finished, checked).print()
    for port in ports:
        wait_until(lambda port=port: redis_health(port) is True, 30, f"the backend on {port} back on Redis")
        assert shape.backend_answers(port)
