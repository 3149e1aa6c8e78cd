"""The database goes away under a running worker: nothing it sent is lost, and it says so once.

The outage is real at the connection level: the worker's engine drops its pooled connections and
every new one is refused until the database is "back".
"""

import asyncio
import logging

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from saas_app.whatsapp.simulator import SimulatorState, create_simulator
from saas_app.worker.dispatcher import Worker, WorkerConfig
from tests.aio import run
from tests.integration.worker.test_dispatcher import LATER, campaign_world, statuses

MESSAGES = 20


class Outage:
    """Switches an engine's database off (pooled connections dropped, new ones refused) and on."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.down, self.refused = engine, False, 0
        event.listen(engine, "do_connect", self._connect)

    def _connect(self, dialect, *_: object) -> None:
        if self.down:
            self.refused += 1
            raise dialect.loaded_dbapi.OperationalError("connection refused: the database is down")

    def start(self) -> None:
        self.down = True
        self.engine.dispose()  # the connections in the pool die with the database

    def end(self) -> None:
        self.down = False


class SimulatorFacing(httpx.AsyncBaseTransport):
    """The simulator, with a hook run once when the worker's first or last send of the batch arrives."""

    def __init__(self, state, *, on_first=None, on_last=None) -> None:
        self.inner = httpx.ASGITransport(app=create_simulator(state))
        self.on_first, self.on_last, self.seen = on_first, on_last, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.seen += 1
        if self.seen == 1 and self.on_first:
            self.on_first()
        if self.seen == MESSAGES and self.on_last:
            self.on_last()
        return response


@pytest.fixture
def world(session: Session) -> SimulatorState:
    _, _, state = campaign_world(session, MESSAGES)
    return state


def worker_for(database_url: str, transport: httpx.AsyncBaseTransport, **config) -> Worker:
    settings = {"flush_seconds": 0.02, "poll_seconds": 0.02, "outage_wait_seconds": 0.2} | config
    return Worker(WorkerConfig(**settings), database_url=database_url, wall=lambda: LATER, transport=transport)


def outage_warnings(caplog: pytest.LogCaptureFixture, what: str) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.getMessage().startswith(what) and "unreachable" in r.getMessage()
    ]


def test_the_flusher_outlives_a_database_outage_and_records_every_result(
    session: Session, database_url: str, world, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="saas_app.worker.dispatcher")
    holder: dict[str, Outage] = {}

    def database_goes_down() -> None:  # the sends are out, their results not yet written
        holder["outage"].start()
        asyncio.get_running_loop().call_later(1.0, holder["outage"].end)

    worker = worker_for(database_url, SimulatorFacing(world, on_first=database_goes_down))
    outage = holder["outage"] = Outage(worker.engine)
    run(asyncio.wait_for(worker.run(until_idle=True), timeout=60))
    assert outage.refused > 3, "the flusher tried several times during the outage"
    assert worker.stats.sent == MESSAGES
    assert statuses(session) == {"sent": MESSAGES}, "every result recorded once the database was back"
    assert len(outage_warnings(caplog, "recording send results")) == 1, "one warning for the outage, not one a try"


def test_shutdown_writes_what_is_buffered_even_when_the_database_comes_back_late(
    session: Session, database_url: str, world
) -> None:
    holder: dict[str, object] = {}

    def stop_during_an_outage() -> None:  # the last send is answered: stop while nothing is written
        outage = holder["outage"]
        assert isinstance(outage, Outage)
        outage.start()
        worker = holder["worker"]
        assert isinstance(worker, Worker)
        worker.stop()
        asyncio.get_running_loop().call_later(1.0, outage.end)

    # The flusher never gets its turn: only the last flush, on shutdown, can write the results.
    worker = worker_for(database_url, SimulatorFacing(world, on_last=stop_during_an_outage), flush_seconds=3600)
    holder["worker"], holder["outage"] = worker, Outage(worker.engine)
    run(asyncio.wait_for(worker.run(), timeout=60))
    assert worker.stats.sent == MESSAGES
    assert statuses(session) == {"sent": MESSAGES}
