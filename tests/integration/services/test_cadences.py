"""A cadence cannot start while a step's template would not reach some debtors; the language fallback chain."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.models import CadenceStep, Message, TemplateVariant, WhatsAppAccount
from saas_app.services import cadences, campaigns, organizations
from saas_app.services.errors import ServiceError
from saas_app.services.organizations import OrganizationSettings
from saas_app.worker import planner
from tests.factories import debtor_with_invoice, sign_up, simple_cadence

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def _set_status(session: Session, cadence_id: int, position: int, language: str, status: str) -> None:
    step = session.exec(
        select(CadenceStep).where(CadenceStep.cadence_id == cadence_id, CadenceStep.position == position)
    ).one()
    session.execute(
        update(TemplateVariant)
        .where(col(TemplateVariant.template_id) == step.template_id, col(TemplateVariant.language) == language)
        .values(status=status)
    )
    session.commit()


def _add_variant(session: Session, cadence_id: int, position: int, language: str, status: str = "approved") -> None:
    step = session.exec(
        select(CadenceStep).where(CadenceStep.cadence_id == cadence_id, CadenceStep.position == position)
    ).one()
    session.add(
        TemplateVariant(
            org_id=step.org_id,
            template_id=step.template_id,
            language=language,
            body="Olá {{customer_name}}, a fatura {{invoice_number}} de {{amount}} vence em {{due_date}}.",
            status=status,
        )
    )
    session.commit()


def _fallback(session: Session, ctx, chain: str) -> None:
    current = organizations.settings_of(session, ctx)
    organizations.update_settings(
        session, ctx, OrganizationSettings(**{**current.__dict__, "language_fallback": chain})
    )
    session.commit()


def _go_live(session: Session, org_id: int) -> None:
    """A real Meta number instead of the sandbox: only approved templates go out."""
    session.execute(
        update(WhatsAppAccount).where(col(WhatsAppAccount.org_id) == org_id).values(phone_number_id="109876543210")
    )
    session.commit()


def test_a_paused_template_blocks_the_start_and_says_which_step_and_language(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(0, 5))
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393471234567", number="A-1", due=date(2026, 11, 30))
    _set_status(session, cadence_id, 1, "en", "paused")

    with pytest.raises(campaigns.CadenceNotReady) as refused:
        campaigns.create_campaign(session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    # The factory's steps share one template: both steps are held, each named.
    assert [(p.step_position, p.language, p.status) for p in refused.value.problems] == [
        (0, "en", "paused"),
        (1, "en", "paused"),
    ]
    assert "2. Reminder (en): Meta paused this template" in str(refused.value)
    session.rollback()
    assert session.exec(select(Message)).all() == []


def test_on_a_real_number_every_step_must_be_approved_by_meta(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(0, 5))
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393471234567", number="A-1", due=date(2026, 11, 30))
    _set_status(session, cadence_id, 0, "en", "pending")
    # The sandbox number accepts the template as it is: a demo can start at once.
    assert campaigns.requires_approval(session, ctx.org_id) is False
    assert cadences.readiness(session, ctx, cadence_id, {"en"}, require_approval=False) == []

    _go_live(session, ctx.org_id)
    with pytest.raises(campaigns.CadenceNotReady) as refused:
        campaigns.create_campaign(session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    assert [(p.step_position, p.status) for p in refused.value.problems] == [(0, "pending"), (1, "pending")]


def test_a_debtor_language_without_a_variant_in_the_chain_blocks_the_start(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(0,))
    _fallback(session, ctx, "pt_BR")  # this business writes Portuguese only: no English fallback
    _, invoice_id = debtor_with_invoice(
        session, ctx, phone="+393471234567", number="A-1", due=date(2026, 11, 30), locale="it"
    )
    with pytest.raises(campaigns.CadenceNotReady) as refused:
        campaigns.create_campaign(session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    [problem] = refused.value.problems
    assert (problem.language, problem.status) == ("it_IT", "missing")  # the debtor reads Italian as Italy writes it
    assert problem.message == "No version in it_IT, nor in the fallback languages (pt_BR)."


def test_the_organization_fallback_chain_picks_the_variant_and_the_dry_run_shows_it(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(0,))
    _add_variant(session, cadence_id, 0, "pt_BR")
    _, spanish = debtor_with_invoice(
        session, ctx, phone="+34612345678", number="E-1", due=date(2026, 11, 30), locale="es"
    )
    _, english = debtor_with_invoice(session, ctx, phone="+393471234568", number="U-1", due=date(2026, 11, 30))

    [step] = cadences.dry_run(session, ctx, cadence_id, spanish, NOW)
    assert (step.language, step.fallback) == ("en", True)  # the default chain: English

    _fallback(session, ctx, "pt-BR → en")
    assert organizations.settings_of(session, ctx).language_fallback == "pt_BR, en"
    [step] = cadences.dry_run(session, ctx, cadence_id, spanish, NOW)
    assert (step.language, step.fallback) == ("pt_BR", True)
    [step] = cadences.dry_run(session, ctx, cadence_id, english, NOW)
    assert (step.language, step.fallback) == ("en", False)

    campaigns.create_campaign(session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[spanish, english], now=NOW)
    session.commit()
    planner.plan_all(session, now=NOW)
    sent_in = dict(session.exec(select(Message.invoice_id, Message.language)).all())
    assert sent_in == {spanish: "pt_BR", english: "en"}


def test_an_unknown_fallback_language_is_refused(session: Session) -> None:
    _, ctx = sign_up(session)
    with pytest.raises(ServiceError) as refused:
        _fallback(session, ctx, "pt_BR, klingon")
    assert refused.value.field == "language_fallback"
    assert "klingon" in str(refused.value)


def test_a_running_campaign_lists_the_step_a_paused_template_holds(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(0, 5))
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393471234567", number="A-1", due=date(2026, 11, 30))
    campaign = campaigns.create_campaign(
        session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW
    )
    session.commit()
    assert campaigns.campaign_problems(session, ctx, campaign.id or 0) == []
    _set_status(session, cadence_id, 1, "en", "paused")  # Meta paused it mid-campaign
    problems = campaigns.campaign_problems(session, ctx, campaign.id or 0)
    assert [(p.step_position, p.status) for p in problems] == [(0, "paused"), (1, "paused")]
