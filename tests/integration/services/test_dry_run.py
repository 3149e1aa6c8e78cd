"""The cadence editor's dry run as the planner would place each step: on a sample debtor, around the debtor's
other reminders and the account's messaging limit; and running campaigns re-planned after a step is added."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.models import Enrollment, Message, Organization, WhatsAppAccount
from saas_app.services import cadences, campaigns, invoices
from saas_app.services.cadences import StepDraft
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError
from saas_app.worker import planner
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # a Monday, 04:00 in São Paulo and 08:00 in Rome


@pytest.fixture
def owner(session: Session) -> OrgContext:
    _, ctx = sign_up(session, org_name="Alpha", email="alpha@example.com")
    return ctx


def _sample(session: Session, ctx: OrgContext, **changes) -> cadences.SampleDebtor:
    asked = {"timezone": "America/Sao_Paulo", "locale": "pt_BR", "country": "BR", "due_in_days": 7, **changes}
    return cadences.sample_debtor(session, ctx, now=NOW, **asked)


def test_a_sample_debtor_in_sao_paulo_reading_brazilian_portuguese_gets_each_step_in_local_time(
    session: Session, owner
) -> None:
    standard = cadences.standard_cadence(session, owner)
    assert standard is not None
    sample = _sample(session, owner)
    assert sample.due_on == date(2026, 11, 30)  # in seven days, where the debtor lives
    found = cadences.dry_run(session, owner, standard.id or 0, None, NOW, sample=sample)
    assert [s.offset_days for s in found][:3] == [-7, 0, 3]
    first, due_day, third = found[:3]
    assert first.local is not None
    assert due_day.local is not None
    assert third.local is not None
    assert first.local.isoformat() == "2026-11-23T09:00:00-03:00"  # today, as the window opens there
    assert due_day.local.isoformat() == "2026-11-30T09:00:00-03:00"
    assert third.local.isoformat() == "2026-12-03T09:00:00-03:00"
    assert {s.language for s in found} == {"pt_BR"}
    assert not any(s.fallback or s.moved_by or s.paced_until for s in found)
    facts = cadences.sample_facts(session, owner, sample)
    org = session.get(Organization, owner.org_id)
    assert org is not None
    assert (facts.locale, facts.due_on, facts.currency) == ("pt_BR", date(2026, 11, 30), org.currency)


def test_a_sample_debtor_s_holidays_are_their_country_s(session: Session, owner) -> None:
    cadence_id = simple_cadence(session, owner, offsets=(0,))
    cadence = cadences.get_cadence(session, owner, cadence_id)
    cadence.skip_holidays = True
    session.add(cadence)
    session.commit()
    # 20 November is Black Consciousness Day in Brazil, not a holiday in Italy.
    earlier = NOW - timedelta(days=3)
    brazil = cadences.sample_debtor(
        session, owner, timezone="America/Sao_Paulo", locale="pt_BR", country="BR", due_in_days=0, now=earlier
    )
    italy = cadences.sample_debtor(
        session, owner, timezone="America/Sao_Paulo", locale="pt_BR", country="IT", due_in_days=0, now=earlier
    )
    [in_brazil] = cadences.dry_run(session, owner, cadence_id, None, earlier, sample=brazil)
    [in_italy] = cadences.dry_run(session, owner, cadence_id, None, earlier, sample=italy)
    assert brazil.due_on == date(2026, 11, 20)
    assert in_italy.local is not None
    assert in_brazil.local is not None
    assert (in_italy.local.date(), in_brazil.local.date()) == (date(2026, 11, 20), date(2026, 11, 21))


@pytest.mark.parametrize(
    ("forged", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "sample_zone"),
        ({"timezone": ""}, "sample_zone"),
        ({"timezone": 3}, "sample_zone"),
        ({"locale": "xx_YY"}, "sample_locale"),
        ({"locale": "<b>pt</b>"}, "sample_locale"),
        ({"country": "ZZ"}, "sample_country"),
        ({"country": "br"}, "sample_country"),
        ({"due_in_days": 5}, "sample_due"),
        ({"due_in_days": True}, "sample_due"),
    ],
)
def test_a_sample_debtor_the_editor_would_not_offer_is_refused(session: Session, owner, forged, field) -> None:
    with pytest.raises(ServiceError) as refused:
        _sample(session, owner, **forged)
    assert refused.value.field == field


def test_the_languages_offered_are_the_debtors_then_the_organization_s_then_the_library_s(
    session: Session, owner
) -> None:
    debtor_with_invoice(session, owner, phone="+34612345678", number="E-1", due=date(2026, 12, 1), locale="es_MX")
    offered = cadences.sample_locales(session, owner)
    assert offered[0] == "es_MX"
    assert {"en", "it", "es", "pt_BR", "fr"} <= set(offered)
    viewer = add_member(session, owner, "viewer")
    assert _sample(session, viewer, locale="es_MX").locale == "es_MX"  # a viewer may try it too


def _second_invoice(session: Session, ctx: OrgContext, debtor_id: int, number: str, due: date) -> int:
    invoice = invoices.create_invoice(
        session,
        ctx,
        invoices.InvoiceInput(debtor_id=debtor_id, number=number, amount_minor=5000, currency="EUR", due_on=due),
    )
    session.commit()
    return invoice.id or 0


def test_another_campaign_s_reminder_the_same_day_moves_the_step_and_says_so(session: Session, owner) -> None:
    standard = cadences.standard_cadence(session, owner)
    assert standard is not None
    due = date(2026, 11, 30)  # a Monday
    debtor_id, invoice_id = debtor_with_invoice(session, owner, phone="+393331112222", number="F-1", due=due)
    before = cadences.dry_run(session, owner, standard.id or 0, invoice_id, NOW)[1]
    assert before.local is not None
    assert before.local.isoformat() == "2026-11-30T09:00:00+01:00"
    other = _second_invoice(session, owner, debtor_id, "F-2", due)
    campaigns.create_campaign(
        session,
        owner,
        name="Other",
        cadence_id=simple_cadence(session, owner, offsets=(0,)),
        invoice_ids=[other],
        now=NOW,
    )
    session.commit()
    planner.plan_all(session, now=NOW)
    session.commit()
    after = cadences.dry_run(session, owner, standard.id or 0, invoice_id, NOW)[1]
    assert after.local is not None
    assert after.moved_by is not None
    assert after.moved_by.astimezone(UTC).isoformat() == "2026-11-30T08:00:00+00:00"
    assert after.local.isoformat() == "2026-12-01T09:00:00+01:00"  # 20 hours apart at least, in the window
    assert after.paced_until is None


def test_the_invoice_s_own_campaign_on_this_cadence_does_not_move_its_steps(session: Session, owner) -> None:
    cadence_id = simple_cadence(session, owner, offsets=(0, 5))
    _, invoice_id = debtor_with_invoice(session, owner, phone="+393331112222", number="F-1", due=date(2026, 11, 30))
    before = [s.send_at for s in cadences.dry_run(session, owner, cadence_id, invoice_id, NOW)]
    campaigns.create_campaign(session, owner, name="Own", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    session.commit()
    planner.plan_all(session, now=NOW)
    session.commit()
    after = cadences.dry_run(session, owner, cadence_id, invoice_id, NOW)
    assert [s.send_at for s in after] == before
    assert not any(s.moved_by for s in after)


def test_a_full_messaging_limit_moves_the_step_until_it_has_room_and_says_until_when(session: Session, owner) -> None:
    session.execute(
        update(WhatsAppAccount).where(col(WhatsAppAccount.org_id) == owner.org_id).values(messaging_limit=2)
    )
    session.commit()
    cadence_id = simple_cadence(session, owner, offsets=(0,))
    _, invoice_id = debtor_with_invoice(session, owner, phone="+393331112222", number="F-1", due=date(2026, 11, 23))
    _, other = debtor_with_invoice(session, owner, phone="+393331112223", number="F-2", due=date(2026, 11, 23))
    [free] = cadences.dry_run(session, owner, cadence_id, invoice_id, NOW)
    assert free.local is not None
    assert free.local.isoformat() == "2026-11-23T09:00:00+01:00"
    # A limit of 2 plans one send a day (a place is kept free): another debtor's reminder takes it.
    campaigns.create_campaign(session, owner, name="First", cadence_id=cadence_id, invoice_ids=[other], now=NOW)
    session.commit()
    planner.plan_all(session, now=NOW)
    session.commit()
    [paced] = cadences.dry_run(session, owner, cadence_id, invoice_id, NOW)
    assert paced.paced_until is not None
    assert paced.local is not None
    assert paced.paced_until.astimezone(UTC).isoformat() == "2026-11-24T08:00:01+00:00"
    assert paced.local.isoformat() == "2026-11-24T09:01:00+01:00"
    assert paced.moved_by is None
    sample = _sample(session, owner, timezone="Europe/Rome", locale="en", country="IT", due_in_days=0)
    [also_paced] = cadences.dry_run(session, owner, cadence_id, None, NOW, sample=sample)
    assert also_paced.paced_until == paced.paced_until


def _send_due(session: Session, now: datetime) -> None:
    """The worker at `now`: every reminder due by then goes out on time."""
    session.execute(
        update(Message)
        .where(col(Message.status) == "scheduled", col(Message.scheduled_at) <= now)
        .values(status="sent", sent_at=Message.scheduled_at)
    )
    session.commit()


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _days_pass(session: Session, *days: date) -> None:
    """Each day at noon: the planner plans, then the worker sends what is due."""
    for day in days:
        planner.plan_all(session, now=_at(day))
        session.commit()
        _send_due(session, _at(day))


def _sent_and_planned(session: Session) -> list[tuple[int | None, date, str]]:
    rows = session.exec(select(Message).order_by(col(Message.scheduled_at))).all()
    return [(m.step_position, m.scheduled_at.date(), m.status) for m in rows]


def _running(session: Session, ctx: OrgContext, offsets: tuple[int, ...], due: date) -> tuple[int, int]:
    """A campaign on a cadence with these steps, run until the step on the due day was sent."""
    cadence_id = simple_cadence(session, ctx, offsets=offsets)
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393331112225", number="F-4", due=due)
    start = _at(due - timedelta(days=4))
    campaigns.create_campaign(session, ctx, name="December", cadence_id=cadence_id, invoice_ids=[invoice_id], now=start)
    session.commit()
    _days_pass(session, due - timedelta(days=4), due - timedelta(days=3), due)
    planner.plan_all(session, now=_at(due))
    session.commit()
    return cadence_id, session.exec(select(Enrollment.id)).one() or 0


def _replan(session: Session, ctx: OrgContext, cadence_id: int, offsets: tuple[int, ...], now: datetime) -> None:
    cadence = cadences.get_cadence(session, ctx, cadence_id)
    template_id = cadences.steps_of(session, cadence_id)[0].template_id
    cadences.save_cadence(
        session,
        ctx,
        cadence_id,
        name=cadence.name,
        steps=[StepDraft(offset, template_id) for offset in offsets],
        settings=cadences.CadenceSettings.of(cadence),
        version=cadence.version,
        running=cadences.REPLAN,
        now=now,
    )
    session.commit()


def test_a_step_added_before_the_one_planned_is_sent_next_and_none_is_sent_twice(session: Session, owner) -> None:
    due = date(2026, 12, 1)
    cadence_id, enrollment_id = _running(session, owner, (-3, 0, 3), due)
    assert _sent_and_planned(session) == [
        (0, date(2026, 11, 28), "sent"),
        (1, date(2026, 12, 1), "sent"),
        (2, date(2026, 12, 4), "scheduled"),
    ]
    _replan(session, owner, cadence_id, (-3, 0, 1, 3), _at(due))
    enrollment = session.get(Enrollment, enrollment_id)
    assert enrollment is not None
    session.refresh(enrollment)
    assert enrollment.next_step == 2  # the new +1, not the -3 or due-day steps again
    _days_pass(session, due, due + timedelta(days=1), due + timedelta(days=3))
    assert _sent_and_planned(session) == [
        (0, date(2026, 11, 28), "sent"),
        (1, date(2026, 12, 1), "sent"),
        (2, date(2026, 12, 2), "sent"),
        (3, date(2026, 12, 4), "sent"),
    ]


def test_a_step_removed_before_the_one_planned_skips_nothing(session: Session, owner) -> None:
    due = date(2026, 12, 1)
    cadence_id, _enrollment_id = _running(session, owner, (-3, 0, 3, 7), due)
    _replan(session, owner, cadence_id, (0, 3, 7), _at(due))
    _days_pass(session, due, due + timedelta(days=3), due + timedelta(days=7))
    # The -3 step's message keeps its record without a step: the cadence has none on its day any more.
    assert _sent_and_planned(session) == [
        (None, date(2026, 11, 28), "sent"),
        (0, date(2026, 12, 1), "sent"),
        (1, date(2026, 12, 4), "sent"),
        (2, date(2026, 12, 8), "sent"),
    ]


def test_resuming_never_goes_back_before_the_step_whose_day_has_come() -> None:
    due = date(2026, 12, 1)
    assert cadences.resume_at([-3, 0, 1, 3], 0, due, due) == 2
    assert cadences.resume_at([-3, 0, 1, 3], None, due, due) == 1  # nothing sent yet: today's step
    assert cadences.resume_at([-3, 0, 1, 3], 0, due, due + timedelta(days=5)) == 3  # +1's day is long gone
    assert cadences.resume_at([-3, 0], 0, due, due) == 2  # nothing after: the enrollment is done


def test_a_step_already_sent_and_dragged_to_a_later_day_is_not_sent_again(session: Session, owner) -> None:
    due = date(2026, 12, 1)
    cadence_id, _enrollment_id = _running(session, owner, (-3, 0, 3), due)
    _days_pass(session, due + timedelta(days=3))
    _replan(session, owner, cadence_id, (-3, 0, 5), _at(due + timedelta(days=3)))
    _days_pass(session, due + timedelta(days=4), due + timedelta(days=5), due + timedelta(days=6))
    # The +3 reminder went out; dragged to +5 it is the same step, counted there, and not sent again.
    assert _sent_and_planned(session) == [
        (0, date(2026, 11, 28), "sent"),
        (1, date(2026, 12, 1), "sent"),
        (2, date(2026, 12, 4), "sent"),
    ]


def test_steps_dragged_past_each_other_swap_places_and_nothing_is_sent_twice(session: Session, owner) -> None:
    due = date(2026, 12, 1)
    cadence_id, _enrollment_id = _running(session, owner, (-3, 0, 3, 7), due)
    _days_pass(session, due + timedelta(days=3), due + timedelta(days=7))
    # +3 dragged past +7 to +10: the +3 message now counts for the last step, the +7 one for the third.
    _replan(session, owner, cadence_id, (-3, 0, 7, 10), _at(due + timedelta(days=7)))
    _days_pass(session, due + timedelta(days=8), due + timedelta(days=10), due + timedelta(days=11))
    assert _sent_and_planned(session) == [
        (0, date(2026, 11, 28), "sent"),
        (1, date(2026, 12, 1), "sent"),
        (3, date(2026, 12, 4), "sent"),
        (2, date(2026, 12, 8), "sent"),
    ]


def test_each_old_step_is_found_by_its_day_or_else_by_its_template() -> None:
    old = [StepDraft(-3, 1), StepDraft(0, 2), StepDraft(3, 3), StepDraft(7, 4)]
    # +3 (template 3) dragged to +10, +7 given template 5, -3 removed, +1 added with template 1.
    new = [StepDraft(0, 2), StepDraft(1, 1), StepDraft(7, 5), StepDraft(10, 3)]
    assert cadences.step_moves(old, new) == {0: 1, 1: 0, 2: 3, 3: 2}
    assert cadences.step_moves(old, [StepDraft(0, 2)]) == {0: None, 1: 0, 2: None, 3: None}
