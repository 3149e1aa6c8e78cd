from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from alembic import command
from saas_app.core.message_values import MessageFacts, placeholder_values
from saas_app.core.templates import Variant
from saas_app.migrations import alembic_config
from saas_app.models import Template
from saas_app.services import cadences, templates
from saas_app.services.errors import ServiceError
from tests.factories import debtor_with_invoice, sign_up, simple_cadence


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
