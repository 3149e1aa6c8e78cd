from datetime import UTC, date, datetime

import httpx
import pytest
from sqlmodel import Session

from alembic import command
from saas_app.core.message_values import MessageFacts, placeholder_values
from saas_app.core.templates import Variant
from saas_app.db import session_scope
from saas_app.migrations import alembic_config
from saas_app.models import Template
from saas_app.services import cadences, templates, whatsapp
from saas_app.services.errors import PermissionDenied, ServiceError
from saas_app.whatsapp.simulator import Behaviour, Number, SimulatorState, create_simulator
from tests.aio import run
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence


def test_the_migrations_build_exactly_the_models(database_url: str) -> None:
    command.check(alembic_config(database_url))  # raises if a model and the schema differ


def test_a_variant_breaking_whatsapp_rules_is_refused_with_every_problem(session: Session) -> None:
    _, ctx = sign_up(session)
    template = Template(org_id=ctx.org_id, key="k", name="Reminder", purpose="due_today")
    session.add(template)
    session.commit()
    with pytest.raises(ServiceError, match=r"unknown placeholder \{\{valor\}\}"):
        templates.save_variant(session, ctx, template.id or 0, "pt_BR", Variant(body="Olá, pague {{valor}} hoje."))
    saved = templates.save_variant(
        session, ctx, template.id or 0, "pt_BR", Variant(body="Olá {{customer_name}}, pague {{amount}} hoje.")
    )
    assert saved.status == "draft"


def test_the_preview_speaks_the_debtor_language_with_babel_formats(session: Session) -> None:
    _, ctx = sign_up(session)
    template = Template(org_id=ctx.org_id, key="k", name="Reminder", purpose="due_today")
    session.add(template)
    session.commit()
    for language, body in [
        ("en", "Hi {{customer_name}}, {{amount}} is due on {{due_date}}. Thanks."),
        ("pt_BR", "Olá {{customer_name}}, {{amount}} vence em {{due_date}}. Obrigado."),
    ]:
        templates.save_variant(session, ctx, template.id or 0, language, Variant(body=body))
    facts = MessageFacts("Ana", "pt", 123456, "BRL", date(2026, 12, 5), "NF-1", "", "", "", "Padaria", "")
    result = templates.preview(
        templates.variants_of(session, template.id or 0), "pt", placeholder_values(facts, date(2026, 11, 23))
    )
    assert result.language == "pt_BR", "pt falls back to the Brazilian variant"
    assert result.rendered is not None
    assert result.rendered.text == "Olá Ana, R$\xa01.234,56 vence em 5 de dezembro de 2026. Obrigado."


def test_the_dry_run_says_when_each_step_goes_out_in_local_time(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(-7, 0, 5))
    _, invoice_id = debtor_with_invoice(
        session, ctx, phone="+5511987654321", number="F-1", due=date(2026, 12, 4), zone="America/Sao_Paulo"
    )
    steps = cadences.dry_run(session, ctx, cadence_id, invoice_id, datetime(2026, 11, 23, 12, tzinfo=UTC))
    assert [(s.offset_days, s.local.isoformat() if s.local else None) for s in steps] == [
        (-7, "2026-11-27T09:00:00-03:00"),
        (0, "2026-12-04T09:00:00-03:00"),
        (5, "2026-12-09T09:00:00-03:00"),
    ]


def _submit(session: Session, ctx, template_id: int, languages: list[str], transport: httpx.AsyncBaseTransport):
    """Submit as the editor does: the service's own transactions, none open while Meta answers."""

    async def go() -> dict[str, str]:
        async with httpx.AsyncClient(transport=transport) as http:
            return await templates.submit_for_approval(session_scope, ctx, http, template_id, languages)

    session.commit()
    answer = run(go())
    session.expire_all()
    return answer


def _review(session: Session, template_id: int) -> dict[str, tuple[str, str, str]]:
    """Each language's (status, reason, name on WhatsApp) as stored."""
    return {
        row.language: (row.status, row.rejection_reason, row.whatsapp_name)
        for row in templates.variants_of(session, template_id).values()
    }


class _Unreachable(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"the sandbox must not call Meta: {request.url}")


def test_the_sandbox_approves_a_submitted_language_at_once(session: Session) -> None:
    _, ctx = sign_up(session)
    template = templates.find_template(session, ctx, "due_today_neutral")
    assert _submit(session, ctx, template.id or 0, ["pt_BR"], _Unreachable()) == {"pt_BR": "approved"}
    review = _review(session, template.id or 0)
    assert review["pt_BR"] == ("approved", "", "due_today_neutral")
    assert review["it"][0] == "draft", "only the language submitted"
    viewer = add_member(session, ctx, "viewer")
    with pytest.raises(PermissionDenied):
        _submit(session, viewer, template.id or 0, ["it"], _Unreachable())
    assert _review(session, template.id or 0)["it"][0] == "draft"


@pytest.fixture
def meta() -> SimulatorState:
    """Meta's Graph API as the simulator speaks it, with one real (not sandbox) business number."""
    state = SimulatorState(behaviour=Behaviour(approve_after=0))
    state.numbers["1098765432"] = Number(phone_number_id="1098765432", waba_id="2098765432", access_token="EAAG-real")
    return state


def _connect_real_number(session: Session, ctx) -> None:
    whatsapp.save_account(
        session,
        ctx,
        whatsapp.AccountInput(
            phone_number_id="1098765432", waba_id="2098765432", access_token="EAAG-real", app_secret="meta-secret"
        ),
    )


def test_a_real_account_posts_each_language_to_meta_and_waits_for_its_verdict(session: Session, meta) -> None:
    _, ctx = sign_up(session)
    _connect_real_number(session, ctx)
    template = templates.find_template(session, ctx, "overdue_1_30_firm")
    answer = _submit(session, ctx, template.id or 0, ["it", "pt_BR"], httpx.ASGITransport(app=create_simulator(meta)))
    assert answer == {"it": "pending", "pt_BR": "pending"}
    at_meta = {(t.name, t.language, t.category, t.status) for t in meta.templates["2098765432"].values()}
    assert at_meta == {
        ("overdue_1_30_firm", "it", "UTILITY", "PENDING"),
        ("overdue_1_30_firm", "pt_BR", "UTILITY", "PENDING"),
    }
    review = _review(session, template.id or 0)
    assert review["it"] == review["pt_BR"] == ("pending", "", "overdue_1_30_firm")
    assert review["en"][0] == "draft"


def test_a_submission_meta_refuses_stays_a_draft_with_meta_s_reason(session: Session, meta) -> None:
    _, ctx = sign_up(session)
    _connect_real_number(session, ctx)
    meta.numbers["1098765432"].access_token = "revoked"  # Meta answers 190 to every call
    template = templates.find_template(session, ctx, "overdue_1_30_firm")
    answer = _submit(session, ctx, template.id or 0, ["fr"], httpx.ASGITransport(app=create_simulator(meta)))
    assert answer == {"fr": "draft"}
    assert _review(session, template.id or 0)["fr"] == (
        "draft",
        "the access token has expired or was revoked",
        "overdue_1_30_firm",
    )
    assert meta.templates["2098765432"] == {}, "nothing reached Meta's review"
