"""The simulator's injected faults, and its webhooks taking turns over several backends."""

import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from saas_app.whatsapp.client import CloudClient, CloudError, Endpoint, SendPool
from saas_app.whatsapp.errors import Action
from saas_app.whatsapp.simulator import Number, SimulatorState, create_simulator, http_deliverer
from saas_app.whatsapp.simulator_faults import FaultInjector, FaultRates
from tests.aio import in_own_loop
from tests.processes import free_port

TOKEN = "EAAG-fault-token"
NUMBER = "1098765432"


def simulator(rates: FaultRates) -> tuple[SimulatorState, FaultInjector]:
    state = SimulatorState()
    state.numbers[NUMBER] = Number(NUMBER, "2098765432", TOKEN, throughput=1000)
    return state, FaultInjector(create_simulator(state), rates)


async def send_text(http: httpx.AsyncClient | SendPool, base_url: str, to: str = "393330000001") -> None:
    """Free text, which the simulator takes once the debtor wrote (the tests open their window)."""
    client = CloudClient(Endpoint(base_url, "v23.0", NUMBER, TOKEN), http)
    await client.send_text(to, "Hello", callback_data="7")


@pytest.mark.parametrize(("rates", "code"), [(FaultRates(refuse_429=1), 130429), (FaultRates(refuse_500=1), 131000)])
@in_own_loop
async def test_a_refused_send_is_not_taken_and_is_to_be_tried_again(rates: FaultRates, code: int) -> None:
    state, app = simulator(rates)
    state.debtor_wrote(NUMBER, "393330000001")
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    with pytest.raises(CloudError) as refused:
        await send_text(http, "http://simulator")
    assert (refused.value.verdict.action, refused.value.verdict.code) == (Action.RETRY, code)
    assert state.sent == [], "nothing was sent"
    assert app.injected == Counter({str(refused.value.http_status): 1})


@pytest.fixture
def served_with_drops() -> Iterator[tuple[SimulatorState, str]]:
    """Every send taken, then its connection cut before the answer's body: over real sockets."""
    state, app = simulator(FaultRates(drop=1))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the simulator did not start"
        time.sleep(0.02)
    yield state, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_cut_connection_leaves_the_sender_unsure_though_the_send_was_taken(served_with_drops) -> None:
    state, url = served_with_drops
    state.debtor_wrote(NUMBER, "393330000001")

    @in_own_loop
    async def send() -> None:
        pool = SendPool(4, timeout=5)
        with pytest.raises(CloudError) as unsure:
            await send_text(pool, url)
        await pool.aclose()
        assert unsure.value.maybe_sent, "no answer: the worker must wait for Meta's webhook, not send again"

    send()
    assert [sent["biz_opaque_callback_data"] for sent in state.sent] == ["7"], "the simulator took it"


def test_the_faults_are_drawn_at_their_rates_and_the_same_for_the_same_seed() -> None:
    rates = FaultRates(refuse_429=0.1, refuse_500=0.05, slow=0.05, drop=0.1, seed=4)
    first, again = FaultInjector(lambda *_: None, rates), FaultInjector(lambda *_: None, rates)
    assert [first._draw() for _ in range(200)] == [again._draw() for _ in range(200)]
    injector = FaultInjector(lambda *_: None, rates)
    met = Counter(injector._draw() for _ in range(20_000))
    for name, share in (("429", 0.1), ("500", 0.05), ("slow", 0.05), ("drop", 0.1)):
        assert abs(met[name] / 20_000 - share) < 0.01, name
    with pytest.raises(ValueError, match="add up to 1"):
        FaultRates(refuse_429=0.6, refuse_500=0.6)


@in_own_loop
async def test_webhooks_go_to_the_next_backend_when_one_cannot_be_reached() -> None:
    reached: list[str] = []

    def backends(request: httpx.Request) -> httpx.Response:
        if request.url.port == 8001:
            raise httpx.ConnectError("connection refused", request=request)
        reached.append(str(request.url))
        return httpx.Response(200)

    urls = ["http://127.0.0.1:8001/webhooks/whatsapp", "http://127.0.0.1:8002/webhooks/whatsapp"]
    deliver = http_deliverer(urls, httpx.AsyncClient(transport=httpx.MockTransport(backends)))
    for _ in range(4):
        await deliver(b"{}", "sha256=x")
    assert reached == [urls[1]] * 4, "every POST reached the backend that is up"

    down = http_deliverer(urls[:1], httpx.AsyncClient(transport=httpx.MockTransport(backends)))
    with pytest.raises(httpx.ConnectError):
        await down(b"{}", "sha256=x")
