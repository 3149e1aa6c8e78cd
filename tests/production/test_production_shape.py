"""Issue 23: the production shape, run end to end, with a worker and a backend killed midway.

Two backends (`reflex run --env prod --backend-only`, their state in Redis), two workers and the
simulator posting webhooks to both backends in turn, all on PostgreSQL. A 5,000-message campaign
goes out; a third of the way in one worker is SIGKILLed, two thirds in one backend. Every message
must end sent, delivered, read or failed with a reason, none sent twice, every webhook applied once,
and the campaign's counters must equal its rows.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import kill, wait_until
from tests.production.servers import PrivateRedis
from tests.production.shape import (
    Shape,
    assert_nothing_lost_or_doubled,
    figures,
    finish,
    launch_campaign,
    running,
)

MESSAGES = 5_000


@pytest.fixture
def shape(folder: Path, shared_postgres: str, private_redis: PrivateRedis) -> Iterator[Shape]:
    yield from running(Shape(folder, shared_postgres, redis_url=private_redis.url, throughput=200))


def test_a_campaign_survives_a_killed_worker_and_a_killed_backend(shape: Shape) -> None:
    first, second = shape.start_backends(2)
    shape.start_simulator()
    campaign = launch_campaign(shape, MESSAGES)
    started = time.monotonic()
    doomed_worker = shape.start_worker()
    shape.start_worker()

    wait_until(lambda: shape.sends() >= MESSAGES // 3, 120, "a third of the campaign sent")
    kill(doomed_worker)
    wait_until(lambda: shape.sends() >= 2 * MESSAGES // 3, 120, "two thirds of the campaign sent")
    kill(shape.backends[second])
    assert shape.backend_answers(first)

    finished = finish(shape, timeout=120)
    checked = assert_nothing_lost_or_doubled(shape, campaign)
    figures("two backends, two workers, one of each killed", shape, started, finished, checked).print()
