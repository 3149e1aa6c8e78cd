"""The Cloud API client against the simulator, in process: the same wire format both ways."""

import json

import httpx
import pytest

from saas_app.core.library import REPLY_BUTTONS, texts
from saas_app.core.templates import render
from saas_app.whatsapp.client import CloudClient, CloudError, Endpoint
from saas_app.whatsapp.errors import Action
from saas_app.whatsapp.simulator import Number, SimulatorState, create_simulator
from tests.aio import in_own_loop

TOKEN = "EAAG-sim-token"
VALUES = {
    "customer_name": "Ana Souza",
    "amount": "R$ 1.234,56",
    "due_date": "30 de novembro de 2026",
    "invoice_number": "NF-42",
    "service": "",
    "payment_link": "https://pay.example.com/NF-42",
    "payment_methods": "",
    "days_overdue": "3",
    "company_name": "Padaria Sol",
    "contact": "+55 11 3333-4444",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world() -> tuple[SimulatorState, Clock]:
    state = SimulatorState()
    state.numbers["1098765432"] = Number("1098765432", "2098765432", TOKEN, throughput=3)
    text = next(t for t in texts("pt_BR") if t.key == "due_today_neutral")
    state.add_template("2098765432", "due_today_neutral", "pt_BR", text.variant.body)
    return state, Clock()


def client_for(world: tuple[SimulatorState, Clock], token: str = TOKEN) -> CloudClient:
    state, clock = world
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_simulator(state, clock)))
    return CloudClient(Endpoint("http://simulator", "v23.0", "1098765432", token), http)


def rendered_parameters() -> list[dict[str, str]]:
    text = next(t for t in texts("pt_BR") if t.key == "due_today_neutral")
    return render(text.variant, VALUES).parameters


@in_own_loop
async def test_a_library_template_goes_out_with_named_parameters_and_our_id(world) -> None:
    client = client_for(world)
    sent = await client.send_template(
        "+5511987654321",
        "due_today_neutral",
        "pt_BR",
        rendered_parameters(),
        callback_data="42",
        button_payloads=REPLY_BUTTONS,
    )
    assert sent.wamid.startswith("wamid.")
    assert sent.status == "accepted"
    [request] = world[0].sent
    assert request["to"] == "5511987654321"
    assert request["biz_opaque_callback_data"] == "42"
    assert request["template"]["language"] == {"code": "pt_BR", "policy": "deterministic"}


@in_own_loop
async def test_meta_error_codes_come_back_with_the_right_action(world) -> None:
    client = client_for(world)
    with pytest.raises(CloudError) as unknown:
        await client.send_template("+5511987654321", "due_today_neutral", "it", rendered_parameters())
    assert (unknown.value.verdict.code, unknown.value.verdict.action) == (132001, Action.FAIL)
    with pytest.raises(CloudError) as wrong_count:
        await client.send_template("+5511987654321", "due_today_neutral", "pt_BR", rendered_parameters()[:-1])
    assert wrong_count.value.verdict.code == 132000
    with pytest.raises(CloudError) as outside_window:
        await client.send_text("+5511987654321", "Olá")
    assert outside_window.value.verdict.code == 131047
    with pytest.raises(CloudError) as bad_token:
        await client_for(world, token="expired").send_template("+5511987654321", "x", "pt_BR", [])
    assert (bad_token.value.verdict.code, bad_token.value.verdict.action) == (190, Action.PAUSE_ACCOUNT)


@in_own_loop
async def test_the_body_component_is_read_in_any_case_as_meta_does(world) -> None:
    """pywa sends "BODY" (bench/pywa_compare.py): Meta takes it, so the simulator does."""
    state, clock = world
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_simulator(state, clock)))
    components = [{"type": "BODY", "parameters": rendered_parameters()}]
    template = {"name": "due_today_neutral", "language": {"code": "pt_BR"}, "components": components}
    body = {"messaging_product": "whatsapp", "to": "5511987654321", "type": "template", "template": template}
    answer = await http.post(
        "http://simulator/v23.0/1098765432/messages", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["messages"][0]["message_status"] == "accepted"


@in_own_loop
async def test_the_pair_rate_and_the_throughput_are_enforced_like_meta(world) -> None:
    state, clock = world
    client = client_for(world)
    await client.send_template("+5511900000001", "due_today_neutral", "pt_BR", rendered_parameters())
    with pytest.raises(CloudError) as pair:
        await client.send_template("+5511900000001", "due_today_neutral", "pt_BR", rendered_parameters())
    assert pair.value.verdict.action == Action.RETRY_RECIPIENT
    clock.now += 6
    await client.send_template("+5511900000001", "due_today_neutral", "pt_BR", rendered_parameters())
    for n in (2, 3):
        await client.send_template(f"+551190000000{n}", "due_today_neutral", "pt_BR", rendered_parameters())
    with pytest.raises(CloudError) as busy:
        await client.send_template("+5511900000009", "due_today_neutral", "pt_BR", rendered_parameters())
    assert (busy.value.verdict.code, busy.value.verdict.action) == (130429, Action.RETRY)
    assert len(state.sent) == 4


@in_own_loop
async def test_connection_details_and_templates_round_trip(world) -> None:
    client = client_for(world)
    details = await client.phone_number()
    assert details["verified_name"] == "Cobro Simulator"
    assert details["whatsapp_business_manager_messaging_limit"] == "TIER_250"
    submitted = await client.submit_template(
        "2098765432",
        {
            "name": "payment_thanks_friendly",
            "language": "en",
            "category": "UTILITY",
            "parameter_format": "NAMED",
            "components": [{"type": "BODY", "text": "Thanks {{customer_name}}, all paid."}],
        },
    )
    assert submitted["status"] == "PENDING"
    names = {(t["name"], t["language"], t["status"]) for t in await client.templates("2098765432")}
    assert ("payment_thanks_friendly", "en", "PENDING") in names
    assert ("due_today_neutral", "pt_BR", "APPROVED") in names


@in_own_loop
async def test_a_dead_server_is_a_retry_not_a_crash() -> None:
    async def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    client = CloudClient(Endpoint("http://nowhere", "v23.0", "1", TOKEN), http)
    with pytest.raises(CloudError) as failed:
        await client.mark_read("wamid.X")
    assert failed.value.verdict.action == Action.RETRY


@in_own_loop
async def test_webhooks_the_app_could_not_take_come_again_later(world) -> None:
    from saas_app.whatsapp.simulator import post_due

    state, _ = world
    state.numbers["1098765432"].app_secret = "app-secret"
    client = client_for(world)
    await client.send_template("+5511987654321", "due_today_neutral", "pt_BR", rendered_parameters(), callback_data="9")
    received: list[bytes] = []

    async def app_down(raw: bytes, signature: str) -> None:
        raise httpx.ConnectError("connection refused")

    async def app_up(raw: bytes, signature: str) -> None:
        received.append(raw)

    assert await post_due(state, app_down, until=float("inf")) == 0
    assert state.pending, "nothing was dropped"
    assert await post_due(state, app_up, until=float("inf")) > 0
    assert any(b'"biz_opaque_callback_data": "9"' in raw for raw in received)


@in_own_loop
async def test_a_bsuid_is_addressed_as_metas_recipient_and_a_phone_as_to() -> None:
    bodies: list[dict] = []

    def meta(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"messages": [{"id": f"wamid.{len(bodies)}"}]})

    http = httpx.AsyncClient(transport=httpx.MockTransport(meta))
    client = CloudClient(Endpoint("http://graph", "v23.0", "1098765432", TOKEN), http)
    await client.send_text("US.13491208655302741918", "Hello")
    await client.send_text("+5511987654321", "Olá")
    assert [(b.get("recipient"), b.get("to")) for b in bodies] == [
        ("US.13491208655302741918", None),
        (None, "5511987654321"),
    ]
