"""Workers killed with SIGKILL mid-batch lose nothing and send nothing twice; two workers never collide.

The simulator runs as a real HTTP server in this process and keeps Meta's signed webhooks for the
test to deliver; the workers are real `cobro worker` processes.
"""

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import uvicorn
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.models import Message, WhatsAppAccount
from saas_app.services import webhooks
from saas_app.settings import PROJECT_ROOT
from saas_app.whatsapp.simulator import Behaviour, SimulatorState, create_simulator
from saas_app.worker import outbox
from tests.integration.worker.test_dispatcher import campaign_world

# Slow enough answers that a batch is in flight when the worker dies.
WORLD = Behaviour(answer_delay=0.05, sent_after=0.0, failure_rate=0, delivered_rate=0, reply_rate=0)


class SimulatorServer:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state
        self.webhooks: list[tuple[bytes, str]] = []

        async def keep(raw: bytes, signature: str) -> None:
            self.webhooks.append((raw, signature))

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            create_simulator(state, deliver=keep), host="127.0.0.1", port=self.port, log_level="error"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "SimulatorServer":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the simulator did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def simulated(session: Session) -> Iterator[tuple[Session, SimulatorServer, int]]:
    """300 due messages on a sandbox number pointed at a live simulator."""
    ctx, account, state = campaign_world(session, 300, behaviour=WORLD)
    with SimulatorServer(state) as server:
        session.execute(
            update(WhatsAppAccount).where(col(WhatsAppAccount.id) == account.id).values(api_base_url=server.url)
        )
        past = datetime.now(UTC) - timedelta(minutes=1)
        session.execute(update(Message).values(scheduled_at=past))
        session.commit()
        yield session, server, ctx.org_id


def start_worker(database_url: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "saas_app.cli", "worker", "--until-idle", "--report-seconds", "0"]
    command += ["--batch", "20", "--concurrency", "16", "--plan-seconds", "0", *extra]
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def deliver(session: Session, server: SimulatorServer) -> None:
    """Hand Meta's webhooks to the app, as Meta would once the app is reachable."""
    time.sleep(0.6)  # the simulator posts every 0.2 s
    while server.webhooks:
        raw, signature = server.webhooks.pop(0)
        assert webhooks.receive(session, raw, signature).http_status == 200
        session.commit()


def outcomes(session: Session) -> Counter[tuple[str, str]]:
    session.expire_all()
    return Counter(session.exec(select(Message.status, Message.error_code)).all())


def finish(session: Session, server: SimulatorServer, database_url: str) -> None:
    """Let time pass as in production until nothing waits: Meta's webhooks arrive, unconfirmed sends go
    back to the queue after the grace, refused ones after their backoff, and a worker sends them."""
    deadline = time.monotonic() + 90
    while True:
        deliver(session, server)
        later = datetime.now(UTC) + outbox.LEASE + outbox.WEBHOOK_GRACE + timedelta(seconds=1)
        with Session(session.get_bind()) as other:
            outbox.recover(other, later)
        finisher = start_worker(database_url)
        output = finisher.communicate(timeout=120)[0].decode()
        assert finisher.returncode == 0, output
        deliver(session, server)
        waiting = outcomes(session)
        if not any(status in ("scheduled", "sending") for status, _ in waiting) or time.monotonic() > deadline:
            return
        time.sleep(1)


def sends_per_message(server: SimulatorServer) -> Counter[str]:
    return Counter(request["biz_opaque_callback_data"] for request in server.state.sent)


def test_workers_killed_mid_batch_lose_nothing_and_send_nothing_twice(simulated, database_url: str) -> None:
    session, server, _ = simulated
    chance = random.Random(20261123)
    for _ in range(3):
        worker = start_worker(database_url)
        kill_after = len(server.state.sent) + chance.randint(5, 60)
        deadline = time.monotonic() + 30
        while len(server.state.sent) < kill_after and worker.poll() is None:
            assert time.monotonic() < deadline, "the worker sent nothing"
            time.sleep(0.005)
        if worker.poll() is not None:
            # On a busy machine the killed workers' claims run ahead of their sends, and may lease every
            # message: this one then finds nothing due and stops, as a worker asked to stop when idle does.
            assert worker.returncode == 0, worker.communicate()[0].decode()
            session.expire_all()
            assert Counter(session.exec(select(Message.status)))["scheduled"] == 0, "it stopped with work due"
            break
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    killed_after = len(server.state.sent)
    assert 0 < killed_after < 300
    session.expire_all()
    assert Counter(session.exec(select(Message.status)))["sending"] > 0, "some sends were cut off mid-flight"

    # Whatever Meta confirmed is sent; whatever it never heard of goes back to the queue after the grace.
    finish(session, server, database_url)

    per_message = sends_per_message(server)
    assert len(per_message) == 300, f"every message went out: {outcomes(session)}"
    assert max(per_message.values()) == 1, "and none twice"
    session.expire_all()
    assert Counter(session.exec(select(Message.status))) == Counter({"sent": 300})


def test_two_workers_share_the_queue_without_sending_anything_twice(simulated, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers are a PostgreSQL set-up; SQLite runs one")
    session, server, _ = simulated
    workers = [start_worker(database_url), start_worker(database_url)]
    outputs = [w.communicate(timeout=120)[0].decode() for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    finish(session, server, database_url)
    per_message = sends_per_message(server)
    assert len(per_message) == 300
    assert max(per_message.values()) == 1
    session.expire_all()
    assert Counter(session.exec(select(Message.status))) == Counter({"sent": 300})
