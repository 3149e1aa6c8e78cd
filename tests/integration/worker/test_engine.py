"""The engine's second half: the built-in library, segments, pause rules and payment behaviour."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from saas_app.core import library
from saas_app.core.segments import InvoiceFacts, matches, parse_rules
from saas_app.models import Cadence, CadenceStep, Debtor, Enrollment, Invoice, Message, Template, TemplateVariant
from saas_app.services import cadences, campaigns, debtors, invoices, reminders, segments, templates
from saas_app.services.errors import ServiceError
from tests.factories import debtor_with_invoice, sign_up, simple_cadence
from tests.integration.services.test_collections import NOW, plan_all, set_country


def test_a_new_organization_gets_the_library_in_five_languages_and_the_standard_cadence(session: Session) -> None:
    _, ctx = sign_up(session)
    rows = session.exec(select(Template).where(Template.org_id == ctx.org_id)).all()
    expected = {f"{stage}_{tone}" for stage, tones in library.STAGES.items() for tone in tones}
    assert {t.key for t in rows} == expected
    assert all(t.built_in for t in rows)
    for template in rows:
        assert set(templates.variants_of(session, template.id or 0)) == set(library.LANGUAGES), template.key
    [cadence] = cadences.list_cadences(session, ctx)
    steps = cadences.steps_of(session, cadence.id or 0)
    by_id = {t.id: t.key for t in rows}
    assert [(s.offset_days, by_id[s.template_id]) for s in steps] == [
        (offset, f"{stage}_{tone}") for offset, stage, tone in library.STANDARD_CADENCE
    ]
    assert cadence.name == "Standard reminders"


def test_the_library_speaks_the_debtor_language_with_their_formats(session: Session) -> None:
    _, ctx = sign_up(session)
    template = templates.find_template(session, ctx, "overdue_1_30_friendly")
    variants = templates.variants_of(session, template.id or 0)
    values = {
        "customer_name": "Ana Souza",
        "amount": "R$ 1.234,56",
        "due_date": "10 de novembro de 2026",
        "invoice_number": "NF-2026-0042",
        "service": "",
        "payment_link": "https://pay.example.com/NF-2026-0042",
        "payment_methods": "Pix",
        "days_overdue": "13",
        "company_name": "Padaria Boa Massa",
        "contact": "+55 11 3333-4444",
    }
    shown = templates.preview(variants, "pt_BR", values)
    assert shown.language == "pt_BR"
    assert shown.rendered is not None
    for value in ("R$ 1.234,56", "NF-2026-0042", "Padaria Boa Massa", "13", "+55 11 3333-4444"):
        assert value in shown.rendered.text
    assert [p["parameter_name"] for p in shown.rendered.parameters][:1] == ["customer_name"]
    assert templates.preview(variants, "pt", values).language == "pt_BR", "Portuguese falls back to Brazil's"


def test_an_organization_in_portuguese_sees_template_names_in_portuguese(session: Session) -> None:
    from saas_app.services import accounts, organizations

    user = accounts.create_user(session, email="dono@padaria.com.br", name="Dono", password="correct horse battery")
    org = organizations.create_organization(
        session, name="Padaria", owner=user, default_locale="pt_BR", first_party_confirmed=True
    )
    session.commit()
    names = {t.key: t.name for t in session.exec(select(Template).where(Template.org_id == org.id))}
    portuguese = {t.key: t.name for t in library.texts("pt_BR")}
    assert names == portuguese
    cadence = session.exec(select(Cadence).where(Cadence.org_id == org.id)).one()
    assert cadence.name == library.CADENCE_NAMES["pt_BR"]


def _portfolio(session: Session, ctx) -> dict[str, int]:
    """Invoices of every age, amount, behaviour, tag and language; returns number -> id."""
    ids: dict[str, int] = {}
    specs = [
        # number, due, amount, locale, behaviour, tags
        ("N1", date(2026, 11, 30), 5_000, "en", "punctual", ["vip"]),
        ("O5", date(2026, 11, 18), 20_000, "pt_BR", "late", []),
        ("O30", date(2026, 10, 24), 150_000, "pt", "late", ["retail"]),
        ("O31", date(2026, 10, 23), 90_000, "it", "chronic", ["retail", "north"]),
        ("O120", date(2026, 7, 26), 1_000_000, "es", "chronic", ["wholesale"]),
    ]
    for n, (number, due, amount, locale, behaviour, tags) in enumerate(specs):
        debtor_id, invoice_id = debtor_with_invoice(
            session, ctx, phone=f"+3934712345{n:02d}", number=number, due=due, locale=locale
        )
        debtor = session.get(Debtor, debtor_id)
        invoice = session.get(Invoice, invoice_id)
        assert debtor is not None
        assert invoice is not None
        debtor.behaviour, debtor.tags = behaviour, tags
        invoice.amount_minor = amount
        session.add_all([debtor, invoice])
        ids[number] = invoice_id
    session.commit()
    return ids


RULES = [
    ({}, {"N1", "O5", "O30", "O31", "O120"}),
    ({"min_days_overdue": 1}, {"O5", "O30", "O31", "O120"}),
    ({"min_days_overdue": 1, "max_days_overdue": 30}, {"O5", "O30"}),
    ({"min_days_overdue": 31, "max_days_overdue": 90}, {"O31"}),
    ({"min_days_overdue": 91}, {"O120"}),
    ({"max_days_overdue": -7}, {"N1"}),
    ({"min_amount_minor": 90_000, "currency": "EUR"}, {"O30", "O31", "O120"}),
    ({"max_amount_minor": 20_000, "currency": "eur"}, {"N1", "O5"}),
    ({"behaviours": ["chronic"]}, {"O31", "O120"}),
    ({"tags": ["retail"]}, {"O30", "O31"}),
    ({"tags": ["north", "vip"]}, {"N1", "O31"}),
    ({"locales": ["pt"]}, {"O5", "O30"}),
    ({"locales": ["pt_BR", "it"]}, {"O5", "O31"}),
    ({"behaviours": ["late"], "tags": ["retail"], "min_days_overdue": 10}, {"O30"}),
]


@pytest.mark.parametrize(("raw", "expected"), RULES)
def test_a_segment_count_is_what_its_rule_selects(session: Session, raw: dict, expected: set[str]) -> None:
    _, ctx = sign_up(session)
    ids = _portfolio(session, ctx)
    rules = segments.rules_from(raw)
    today = NOW.date()
    assert segments.count(session, ctx, rules, today).matching == len(expected)
    chosen = set(segments.free_invoice_ids(session, ctx, rules, today))
    assert chosen == {ids[n] for n in expected}
    # The SQL and the reference meaning in core agree invoice by invoice.
    for invoice in session.exec(select(Invoice).where(Invoice.org_id == ctx.org_id)):
        debtor = session.get(Debtor, invoice.debtor_id)
        assert debtor is not None
        facts = InvoiceFacts(
            invoice.due_on,
            invoice.amount_minor - invoice.paid_minor,
            invoice.currency,
            invoice.status,
            debtor.behaviour,
            tuple(debtor.tags),
            debtor.locale,
        )
        assert matches(parse_rules(raw), facts, today) == (invoice.id in chosen), invoice.number


def test_segments_are_per_organization_and_refuse_bad_rules(session: Session) -> None:
    _, ctx = sign_up(session)
    _, other = sign_up(session)
    _portfolio(session, ctx)
    assert segments.count(session, other, segments.rules_from({}), NOW.date()).matching == 0
    with pytest.raises(ServiceError) as refused:
        segments.save_segment(session, ctx, name="Big", rules={"min_amount_minor": 100})
    assert refused.value.field == "currency"
    with pytest.raises(ServiceError) as refused:
        segments.save_segment(session, ctx, name="Old", rules={"min_days_overdue": 90, "max_days_overdue": 30})
    assert refused.value.field == "max_days_overdue"
    with pytest.raises(ServiceError) as refused:
        segments.save_segment(session, ctx, name="Who", rules={"behaviours": ["generous"]})
    assert refused.value.field == "behaviours"
    saved = segments.save_segment(session, ctx, name="Late retail", rules={"tags": "retail", "behaviours": ["late"]})
    assert saved.rules == {"statuses": ["open", "partially_paid"], "tags": ["retail"], "behaviours": ["late"]}


def test_a_campaign_from_a_segment_skips_invoices_already_chased(session: Session) -> None:
    _, ctx = sign_up(session)
    ids = _portfolio(session, ctx)
    [standard] = cadences.list_cadences(session, ctx)
    overdue = segments.save_segment(session, ctx, name="Overdue", rules={"min_days_overdue": 1})
    campaigns.create_campaign(
        session, ctx, name="Manual", cadence_id=standard.id or 0, invoice_ids=[ids["O30"]], now=NOW
    )
    assert segments.count(session, ctx, segments.rules_from(overdue.rules), NOW.date()).busy == 1
    campaign = campaigns.create_from_segment(
        session, ctx, name="Overdue", cadence_id=standard.id or 0, segment_id=overdue.id or 0, now=NOW
    )
    session.commit()
    enrolled = set(session.exec(select(Enrollment.invoice_id).where(Enrollment.campaign_id == campaign.id)))
    assert enrolled == {ids["O5"], ids["O31"], ids["O120"]}
    assert campaign.segment_id == overdue.id
    with pytest.raises(ServiceError, match="All 4 invoices of this segment are already in a running campaign"):
        campaigns.create_from_segment(
            session, ctx, name="Again", cadence_id=standard.id or 0, segment_id=overdue.id or 0, now=NOW
        )
    nobody = segments.save_segment(session, ctx, name="Nobody", rules={"locales": ["fr"]})
    with pytest.raises(ServiceError, match="No invoice matches this segment today"):
        campaigns.create_from_segment(
            session, ctx, name="Empty", cadence_id=standard.id or 0, segment_id=nobody.id or 0, now=NOW
        )


def _scheduled(session: Session) -> list[Message]:
    query = select(Message).where(Message.status == "scheduled").order_by(col(Message.id))
    # A re-planned row may reuse a deleted row's id: read it afresh, not from the identity map.
    return list(session.exec(query.execution_options(populate_existing=True)))


def test_a_reply_pauses_the_cadence_for_its_reply_days(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(0, 2, 4))
    debtor_id, invoice_id = debtor_with_invoice(session, ctx, phone="+393471234567", number="F-1", due=NOW.date())
    campaigns.create_campaign(session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    session.commit()
    plan_all(session)
    [first] = _scheduled(session)
    assert first.step_position == 0
    cadence = session.get(Cadence, cadence_id)
    assert cadence is not None
    cadence.reply_pause_days = 3
    session.add(cadence)
    assert reminders.pause_for_reply(session, ctx.org_id, debtor_id, NOW.date()) == 1
    session.commit()
    assert _scheduled(session) == [], "the unsent reminder is taken back"
    plan_all(session)
    [again] = _scheduled(session)
    local = again.scheduled_at.astimezone(ZoneInfo("Europe/Rome"))
    assert local.date() == NOW.date() + timedelta(days=3)
    assert again.step_position == 1, "by then the +2 days reminder is the one due, not the stale 'due today'"
    assert local.hour == 9


def test_a_promise_pauses_until_its_date_and_grace_and_reopening_resumes(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(0, 7))
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393471234567", number="F-1", due=NOW.date())
    campaigns.create_campaign(session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    session.commit()
    plan_all(session)
    promised = NOW.date() + timedelta(days=10)
    cadence = session.get(Cadence, cadence_id)
    assert cadence is not None
    invoices.change_status(session, ctx, invoice_id, "promised", promised_on=promised, today=NOW.date())
    session.commit()
    plan_all(session)
    [waiting] = _scheduled(session)
    local = waiting.scheduled_at.astimezone(ZoneInfo("Europe/Rome"))
    assert local.date() == promised + timedelta(days=cadence.promise_grace_days + 1)
    invoices.change_status(session, ctx, invoice_id, "open")
    session.commit()
    plan_all(session)
    [resumed] = _scheduled(session)
    # No longer waiting for the promise: the +7 reminder goes on its own day, not after the grace.
    assert resumed.step_position == 1
    assert resumed.scheduled_at.astimezone(ZoneInfo("Europe/Rome")).date() == NOW.date() + timedelta(days=7)


def test_behaviour_follows_payment_history_punctual_then_late_then_chronic(session: Session) -> None:
    _, ctx = sign_up(session)
    debtor_id, first = debtor_with_invoice(session, ctx, phone="+393471234567", number="A", due=date(2026, 6, 1))

    def behaviour() -> str:
        session.commit()
        debtor = session.get(Debtor, debtor_id)
        assert debtor is not None
        session.refresh(debtor)
        return debtor.behaviour

    invoices.record_payment(session, ctx, first, amount_minor=12345, paid_on=date(2026, 6, 1))
    assert behaviour() == "punctual"
    for number, due, paid in (("B", date(2026, 7, 1), date(2026, 7, 20)), ("C", date(2026, 8, 1), date(2026, 9, 15))):
        invoice = invoices.create_invoice(
            session,
            ctx,
            invoices.InvoiceInput(debtor_id=debtor_id, number=number, amount_minor=100, currency="EUR", due_on=due),
        )
        invoices.record_payment(session, ctx, invoice.id or 0, amount_minor=100, paid_on=paid)
        if number == "B":
            assert behaviour() == "late", "one of two paid late"
    assert behaviour() == "chronic", "two of three paid late"
    assert debtors.refresh_behaviour(session, ctx.org_id, [debtor_id], NOW.date()) == 0, "nothing new to change"


def test_the_planner_gives_each_debtor_the_library_text_in_their_language(session: Session) -> None:
    _, ctx = sign_up(session)
    set_country(session, ctx.org_id, "BR", currency="BRL", locale="pt_BR")
    [standard] = cadences.list_cadences(session, ctx)
    _, invoice_id = debtor_with_invoice(
        session,
        ctx,
        phone="+5511987654321",
        number="NF-1",
        due=date(2026, 12, 1),
        locale="pt_BR",
        zone="America/Sao_Paulo",
    )
    campaigns.create_campaign(session, ctx, name="Dez", cadence_id=standard.id or 0, invoice_ids=[invoice_id], now=NOW)
    session.commit()
    plan_all(session, datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    [message] = _scheduled(session)
    step = session.exec(
        select(CadenceStep).where(CadenceStep.cadence_id == standard.id, CadenceStep.position == message.step_position)
    ).one()
    assert step.offset_days == -7
    assert message.language == "pt_BR"
    variant = session.exec(
        select(TemplateVariant).where(
            TemplateVariant.template_id == message.template_id, TemplateVariant.language == "pt_BR"
        )
    ).one()
    assert "{{invoice_number}}" in variant.body
