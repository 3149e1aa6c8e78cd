"""Debtors, invoices, payments, imports, campaigns and the planner, through the services."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, func, select

from saas_app.models import Debtor, Enrollment, Invoice, Message, Organization
from saas_app.services import campaigns, debtors, imports, invoices
from saas_app.services.errors import NotFound, PermissionDenied, ServiceError
from saas_app.worker import planner
from tests import DATA
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def set_country(session: Session, org_id: int, country: str, currency: str = "EUR", locale: str = "en") -> None:
    org = session.get(Organization, org_id)
    assert org is not None
    org.country, org.currency, org.default_locale = country, currency, locale
    session.add(org)
    session.commit()


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_debtor_phone_is_normalized_with_the_organization_country(session: Session) -> None:
    _, ctx = sign_up(session)
    set_country(session, ctx.org_id, "BR")
    debtor = debtors.create_debtor(session, ctx, debtors.DebtorInput(name="Ana", phone="(11) 98765-4321"))
    assert (debtor.phone, debtor.country, debtor.opted_in_at) == ("+5511987654321", "BR", None)
    with pytest.raises(ServiceError, match="already exists") as raised:
        debtors.create_debtor(session, ctx, debtors.DebtorInput(name="Ana 2", phone="+55 11 98765-4321"))
    assert raised.value.field == "phone"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "123"}, "phone"),
        ({"name": ""}, "name"),
        ({"locale": "de"}, "locale"),
        ({"timezone": "Nowhere/City"}, "timezone"),
        ({"email": "nope"}, "email"),
        ({"opt_in_source": "bought"}, "opt_in_source"),
    ],
)
def test_bad_debtor_input_names_the_field(session: Session, change: dict, field: str) -> None:
    _, ctx = sign_up(session)
    data = {"name": "Ana", "phone": "+393471234567"} | change
    with pytest.raises(ServiceError) as raised:
        debtors.create_debtor(session, ctx, debtors.DebtorInput(**data))
    assert raised.value.field == field


def test_payments_move_the_status_and_a_repeated_external_id_is_ignored(session: Session) -> None:
    _, ctx = sign_up(session)
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393471234567", number="F-1", due=date(2026, 12, 1))
    invoices.record_payment(
        session, ctx, invoice_id, amount_minor=5000, paid_on=date(2026, 11, 20), external_id="pay_1", source="webhook"
    )
    assert invoices.get_invoice(session, ctx, invoice_id).status == "partially_paid"
    _, created = invoices.record_payment(
        session, ctx, invoice_id, amount_minor=5000, paid_on=date(2026, 11, 20), external_id="pay_1", source="webhook"
    )
    assert created is False
    invoices.record_payment(session, ctx, invoice_id, amount_minor=7345, paid_on=date(2026, 11, 21))
    invoice = invoices.get_invoice(session, ctx, invoice_id)
    assert (invoice.status, invoice.paid_minor) == ("paid", 12345)
    with pytest.raises(ServiceError, match="already paid"):
        invoices.record_payment(session, ctx, invoice_id, amount_minor=1, paid_on=date(2026, 11, 21))


def test_status_changes_follow_the_machine(session: Session) -> None:
    _, ctx = sign_up(session)
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393471234567", number="F-1", due=date(2026, 12, 1))
    with pytest.raises(ServiceError, match="promised to pay"):
        invoices.change_status(session, ctx, invoice_id, "promised")
    invoices.change_status(session, ctx, invoice_id, "promised", promised_on=date.today() + timedelta(days=5))
    invoices.change_status(session, ctx, invoice_id, "disputed")
    with pytest.raises(ServiceError, match="Record a payment"):
        invoices.change_status(session, ctx, invoice_id, "paid")
    with pytest.raises(ServiceError, match="Unknown status"):
        invoices.change_status(session, ctx, invoice_id, "lost")


def test_viewers_cannot_change_debtors_or_invoices_and_other_tenants_see_nothing(session: Session) -> None:
    _, ctx = sign_up(session)
    debtor_id, invoice_id = debtor_with_invoice(
        session, ctx, phone="+393471234567", number="F-1", due=date(2026, 12, 1)
    )
    viewer = add_member(session, ctx, "viewer")
    with pytest.raises(PermissionDenied):
        debtors.create_debtor(session, viewer, debtors.DebtorInput(name="X", phone="+393471234568"))
    with pytest.raises(PermissionDenied):
        invoices.record_payment(session, viewer, invoice_id, amount_minor=1, paid_on=date(2026, 11, 1))
    _, stranger = sign_up(session)
    with pytest.raises(NotFound):
        debtors.get_debtor(session, stranger, debtor_id)
    with pytest.raises(NotFound):
        invoices.record_payment(session, stranger, invoice_id, amount_minor=1, paid_on=date(2026, 11, 1))
    assert debtors.list_debtors(session, stranger).total == 0
    assert invoices.list_invoices(session, stranger).total == 0


def test_import_with_bad_rows_writes_nothing_unless_accepted(session: Session) -> None:
    _, ctx = sign_up(session)
    set_country(session, ctx.org_id, "IT")
    content = (DATA / "invoices_with_errors.csv").read_bytes()
    report = imports.import_file(session, ctx, "errors.csv", content)
    assert (report.written, report.valid_rows, count(session, Invoice)) == (False, 1, 0)
    assert len({e.row for e in report.errors}) == 6
    report = imports.import_file(session, ctx, "errors.csv", content, accept_valid_rows=True)
    assert (report.written, report.invoices_created, count(session, Invoice)) == (True, 1, 1)


def test_sample_files_import_and_reimporting_reports_existing_numbers(session: Session) -> None:
    _, ctx = sign_up(session)
    set_country(session, ctx.org_id, "BR", "BRL", "pt_BR")
    seen: list[int] = []
    content = (DATA / "invoices_pt_BR.csv").read_bytes()
    report = imports.import_file(session, ctx, "invoices_pt_BR.csv", content, progress=seen.append)
    assert (report.invoices_created, report.debtors_created) == (10, 9)  # Ana has two invoices
    assert seen[-1] == 10, "progress counts the rows written"
    ana = debtors.find_by_phone(session, ctx, "+5511987654321")
    assert ana is not None
    assert ana.opt_in_source == "import"
    assert ana.locale == "pt_BR"
    hugo = debtors.find_by_phone(session, ctx, "+5581995556666")
    assert hugo is not None
    assert hugo.opted_in_at is None
    again = imports.import_file(session, ctx, "invoices_pt_BR.csv", content)
    assert not again.written
    assert {e.reason for e in again.errors} == {f"invoice NF-10{n:02d} already exists" for n in range(1, 11)}
    _, italian = sign_up(session)
    set_country(session, italian.org_id, "IT", "EUR", "it")
    xlsx = imports.import_file(session, italian, "fatture_it.xlsx", (DATA / "fatture_it.xlsx").read_bytes())
    assert xlsx.errors == []
    assert xlsx.invoices_created == 6


def test_an_unreadable_file_is_one_clear_error(session: Session) -> None:
    _, ctx = sign_up(session)
    with pytest.raises(ServiceError, match=r"cannot be imported: use a \.csv or \.xlsx file"):
        imports.import_file(session, ctx, "invoices.pdf", b"%PDF")


def plan_all(session: Session, now: datetime = NOW) -> int:
    return planner.plan_all(session, now=now, batch=500)


def test_a_campaign_plans_one_message_per_step_in_the_debtor_window(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(-7, 0, 5))
    due = date(2026, 12, 10)
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393471234567", number="F-1", due=due)
    campaign = campaigns.create_campaign(
        session, ctx, name="December", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW
    )
    session.commit()
    assert plan_all(session) == 1
    assert plan_all(session) == 0, "nothing more until the first message is out"
    [message] = session.exec(select(Message)).all()
    local = message.scheduled_at.astimezone(ZoneInfo("Europe/Rome"))
    assert local.date() == due - timedelta(days=7)
    assert local.hour == 9
    message.status = "sent"
    session.add(message)
    session.commit()
    assert plan_all(session) == 1
    assert campaigns.campaign_counts(session, ctx, campaign.id or 0) == {"sent": 1, "scheduled": 1}


def test_an_invoice_in_a_running_campaign_cannot_join_another(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx)
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393471234567", number="F-1", due=date(2026, 12, 10))
    campaigns.create_campaign(session, ctx, name="First", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    with pytest.raises(ServiceError, match=r"already in a running campaign: F-1 \(First\)"):
        campaigns.create_campaign(session, ctx, name="Second", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)


def test_payment_and_opt_out_cancel_what_was_scheduled(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx)
    _debtor_a, invoice_a = debtor_with_invoice(session, ctx, phone="+393471234567", number="A", due=date(2026, 12, 10))
    debtor_b, invoice_b = debtor_with_invoice(session, ctx, phone="+393471234568", number="B", due=date(2026, 12, 10))
    campaigns.create_campaign(
        session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[invoice_a, invoice_b], now=NOW
    )
    session.commit()
    assert plan_all(session) == 2
    invoices.record_payment(session, ctx, invoice_a, amount_minor=12345, paid_on=date(2026, 11, 23))
    debtors.opt_out(session, ctx, debtor_b, source="ui")
    session.commit()
    statuses = sorted(m.status for m in session.exec(select(Message)))
    assert statuses == ["cancelled", "cancelled"]
    states = sorted((e.state, e.stop_reason) for e in session.exec(select(Enrollment)))
    assert states == [("stopped", "opted_out"), ("stopped", "paid")]
    assert plan_all(session) == 0


def test_a_debtor_without_consent_is_skipped_and_says_why(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx)
    _, invoice_id = debtor_with_invoice(
        session, ctx, phone="+393471234567", number="F-1", due=date(2026, 12, 10), consent=False
    )
    campaigns.create_campaign(session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    session.commit()
    plan_all(session)
    [message] = session.exec(select(Message)).all()
    assert (message.status, message.error_message) == ("skipped", "no opt-in recorded for this debtor")
    [enrollment] = session.exec(select(Enrollment)).all()
    assert (enrollment.state, enrollment.stop_reason) == ("stopped", "no_consent")


def test_an_overdue_invoice_starts_at_the_step_for_its_age(session: Session) -> None:
    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx, offsets=(-7, 0, 5, 30))
    _, invoice_id = debtor_with_invoice(session, ctx, phone="+393471234567", number="F-1", due=date(2026, 11, 10))
    campaigns.create_campaign(session, ctx, name="C", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    session.commit()
    plan_all(session)
    [message] = session.exec(select(Message)).all()
    assert message.step_position == 2, "13 days overdue: the +5 reminder, not the pre-due one"


def test_planning_is_idempotent_across_planners(session: Session, database_url: str) -> None:
    """Two planners that read the same enrollments still write one message per step."""
    from saas_app import db

    _, ctx = sign_up(session)
    cadence_id = simple_cadence(session, ctx)
    ids = [
        debtor_with_invoice(session, ctx, phone=f"+39347123{n:04d}", number=f"F-{n}", due=date(2026, 12, 10))[1]
        for n in range(20)
    ]
    campaigns.create_campaign(session, ctx, name="C", cadence_id=cadence_id, invoice_ids=ids, now=NOW)
    session.commit()
    with Session(db.engine_for(database_url)) as first, Session(db.engine_for(database_url)) as second:
        planner.plan_messages(first, now=NOW)
        if database_url.startswith("sqlite"):  # one writer at a time: the planners take turns
            first.commit()
            planner.plan_messages(second, now=NOW)
            second.commit()
        else:  # the second read the same enrollments and waits on the first's rows, then skips them
            with ThreadPoolExecutor(1) as pool:
                later = pool.submit(lambda: (planner.plan_messages(second, now=NOW), second.commit()))
                time.sleep(0.5)
                first.commit()
                later.result(timeout=30)
    assert count(session, Message) == 20
    assert session.exec(select(func.max(Enrollment.next_step))).one() == 1


def test_organization_debtors_are_listed_with_search(session: Session) -> None:
    _, ctx = sign_up(session)
    for n, name in enumerate(["Ana Souza", "Bruno Lima", "Carla Souza"]):
        debtors.create_debtor(session, ctx, debtors.DebtorInput(name=name, phone=f"+39347123400{n}"))
    page = debtors.list_debtors(session, ctx, search="souza")
    assert [d.name for d in page.items] == ["Ana Souza", "Carla Souza"]
    assert page.total == 2
    assert count(session, Debtor) == 3
