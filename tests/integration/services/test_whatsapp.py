"""The settings page's WhatsApp buttons, through the services, against the simulator in process."""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlmodel import Session, select

from saas_app.db import session_scope
from saas_app.models import TemplateVariant, WhatsAppAccount
from saas_app.services import webhooks, whatsapp
from saas_app.services.errors import PermissionDenied, ServiceError
from saas_app.settings import settings
from saas_app.whatsapp.simulator import Behaviour, SimulatorState, create_simulator, post_due
from tests.aio import run
from tests.factories import add_member, sign_up


@pytest.fixture
def simulator() -> SimulatorState:
    return SimulatorState(behaviour=Behaviour(approve_after=0), sandbox_secret=settings.simulator_secret)


def call(simulator: SimulatorState, action, session: Session, ctx):
    """Run a service that calls Meta as the page does: in transactions of its own, none open during the call."""

    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_simulator(simulator))) as http:
            return await action(session_scope, ctx, http)

    session.commit()  # what the test wrote is there for the service's own transactions
    result = run(go())
    session.expire_all()  # and what the service wrote is read afresh
    return result


def test_test_connection_reads_the_number_and_its_messaging_limit(session: Session, simulator) -> None:
    _, ctx = sign_up(session)
    check = call(simulator, whatsapp.test_connection, session, ctx)
    session.commit()
    assert check.ok
    assert check.verified_name == "Cobro Sandbox"
    assert check.messaging_limit == 250
    account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).one()
    simulator.numbers[account.phone_number_id].access_token = "revoked"
    failed = call(simulator, whatsapp.test_connection, session, ctx)
    assert not failed.ok
    assert failed.problem == "the access token has expired or was revoked"
    collector = add_member(session, ctx, "collector")
    with pytest.raises(PermissionDenied):
        call(simulator, whatsapp.test_connection, session, collector)


def test_every_tier_meta_reports_is_kept_and_accepted_by_the_settings_form(session: Session, simulator) -> None:
    """Meta's 1K tier was read by "Test connection" and then refused when the settings form was saved."""
    _, ctx = sign_up(session)
    account = session.exec(select(WhatsAppAccount).where(WhatsAppAccount.org_id == ctx.org_id)).one()
    number = simulator.number(account.phone_number_id)
    assert number is not None
    number.messaging_limit = "TIER_1K"
    check = call(simulator, whatsapp.test_connection, session, ctx)
    session.commit()
    assert check.messaging_limit == 1000
    assert whatsapp.get_account(session, ctx).messaging_limit == 1000
    saved = whatsapp.save_account(
        session, ctx, whatsapp.AccountInput(phone_number_id=account.phone_number_id, messaging_limit=1000)
    )
    assert saved.messaging_limit == 1000


def test_our_drafts_are_submitted_with_examples_and_approved_by_webhook(session: Session, simulator) -> None:
    _, ctx = sign_up(session)
    submitted = call(simulator, whatsapp.submit_templates, session, ctx)
    session.commit()
    assert (submitted.sent, submitted.refused) == (23 * 5, [])
    request = next(t for t in simulator.templates[next(iter(simulator.templates))].values() if t.status == "PENDING")
    assert request.category == "UTILITY"

    def statuses() -> Counter[str]:
        session.expire_all()
        mine = select(TemplateVariant.status).where(TemplateVariant.org_id == ctx.org_id)
        return Counter(session.exec(mine).all())

    assert statuses() == Counter({"pending": 115})
    answers: list[int] = []

    async def deliver(raw: bytes, signature: str) -> None:
        answers.append(webhooks.receive(session, raw, signature).http_status)
        session.commit()

    run(post_due(simulator, deliver, until=float("inf")))
    assert set(answers) == {200}
    assert statuses() == Counter({"approved": 115}), "Meta's approval webhooks reached every language"
    listed = call(simulator, whatsapp.sync_templates, session, ctx)
    assert {(t.status, t.ours) for t in listed} == {("APPROVED", True)}
    assert len(listed) == 115
    assert call(simulator, whatsapp.submit_templates, session, ctx).sent == 0, "nothing left to submit"


def test_no_transaction_is_open_while_meta_answers(session: Session, simulator) -> None:
    """Meta can take seconds: a database connection held that long would starve the others."""
    _, ctx = sign_up(session)
    session.commit()
    open_now = 0
    seen: list[int] = []  # transactions open when each request reached Meta

    @contextmanager
    def counted() -> Iterator[Session]:
        nonlocal open_now
        open_now += 1
        try:
            with session_scope() as transaction:
                yield transaction
        finally:
            open_now -= 1

    class Watching(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.ASGITransport(app=create_simulator(simulator))

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(open_now)
            return await self.inner.handle_async_request(request)

    async def go() -> None:
        async with httpx.AsyncClient(transport=Watching()) as http:
            assert (await whatsapp.test_connection(counted, ctx, http)).ok
            assert (await whatsapp.submit_templates(counted, ctx, http)).sent > 0
            assert await whatsapp.sync_templates(counted, ctx, http)

    run(go())
    assert len(seen) > 3
    assert set(seen) == {0}


@pytest.mark.parametrize("role", ["viewer", "collector"])
def test_the_verify_token_is_shown_to_owners_and_admins_only(session: Session, role: str) -> None:
    """Whoever has the verify token can subscribe a callback URL to the number's events in Meta's app."""
    _, owner = sign_up(session)
    admin, member = add_member(session, owner, "admin"), add_member(session, owner, role)
    session.commit()
    token = whatsapp.get_account(session, owner).verify_token
    assert len(token) > 20
    assert whatsapp.get_account(session, admin).verify_token == token
    shown = whatsapp.get_account(session, member)
    assert shown.verify_token == ""
    assert shown.phone_number_id  # the rest of the account is still there to read


def test_a_real_number_replacing_the_sandbox_goes_to_meta_and_its_token_nowhere_else(session: Session) -> None:
    _, owner = sign_up(session)
    sandbox_account = whatsapp.get_account(session, owner)
    assert sandbox_account.api_base_url == settings.simulator_url
    # Without a token, the sandbox's is dropped rather than sent to Meta; with one, it is Meta's to read.
    tokenless = whatsapp.AccountInput(phone_number_id="106540352242922", waba_id="102290129340398")
    connected = whatsapp.save_account(session, owner, tokenless)
    assert (connected.api_base_url, connected.has_access_token) == ("https://graph.facebook.com", False)
    real = whatsapp.AccountInput(phone_number_id="106540352242922", access_token="EAAG-real")
    assert whatsapp.save_account(session, owner, real).has_access_token
    # Another address without the token again: refused, so the token never reaches an address it was not saved for.
    elsewhere = whatsapp.AccountInput(phone_number_id="106540352242922", api_base_url="https://waba.example.com")
    with pytest.raises(ServiceError) as refused:
        whatsapp.save_account(session, owner, elsewhere)
    assert refused.value.field == "access_token"
    assert whatsapp.get_account(session, owner).api_base_url == "https://graph.facebook.com"
    moved = whatsapp.AccountInput(
        phone_number_id="106540352242922", api_base_url="https://waba.example.com", access_token="EAAG-real"
    )
    assert whatsapp.save_account(session, owner, moved).api_base_url == "https://waba.example.com"
    # Saved again as it is (the address unchanged): no token needed.
    assert whatsapp.save_account(
        session, owner, whatsapp.AccountInput(phone_number_id="106540352242922")
    ).api_base_url == ("https://waba.example.com")
