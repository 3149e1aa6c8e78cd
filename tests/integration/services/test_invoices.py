"""The invoice list and what a person does to invoices, through the services the /invoices page calls."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.models import AuditLog, Campaign, Enrollment, InboundMessage, Invoice, Message, TemplateVariant
from saas_app.services import campaigns, debtors, enrollments, invoices
from saas_app.services.context import OrgContext
from saas_app.services.errors import PermissionDenied, ServiceError
from saas_app.services.invoices import InvoiceFilters
from saas_app.worker import planner
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TODAY = NOW.date()
PDF = "https://billing.example.com/invoices/A.pdf"
PHONES = itertools.count(1_000_000)


def invoice(session: Session, ctx: OrgContext, number: str, **values: object) -> int:
    """An invoice of its own debtor ("Debtor <number>"), changed to `values` as an import or the API would leave it."""
    phone = f"+39347{next(PHONES):07d}"
    _, invoice_id = debtor_with_invoice(session, ctx, phone=phone, number=number, due=TODAY)
    if values:
        session.execute(update(Invoice).where(col(Invoice.id) == invoice_id).values(**values))
        session.commit()
    return invoice_id


def numbers(lines: list[invoices.InvoiceLine]) -> list[str]:
    return [line.invoice.number for line in lines]


def browse(session: Session, ctx: OrgContext, **options: object) -> list[str]:
    filters = options.pop("filters", InvoiceFilters())
    return numbers(invoices.browse_invoices(session, ctx, filters, today=TODAY, **options))  # type: ignore[arg-type]


@pytest.fixture
def ledger(session: Session) -> OrgContext:
    """An organization's invoices in every status, three currencies and every ageing bucket, beside another's."""
    _, ctx = sign_up(session)
    invoice(session, ctx, "A-1", due_on=TODAY - timedelta(days=45), amount_minor=10_000)
    invoice(session, ctx, "A-2", due_on=TODAY - timedelta(days=5), amount_minor=30_000, paid_minor=10_000)
    invoice(session, ctx, "A-3", due_on=TODAY + timedelta(days=10), amount_minor=5_000, status="promised")
    invoice(session, ctx, "A-4", due_on=TODAY - timedelta(days=120), amount_minor=7_000, status="disputed")
    invoice(session, ctx, "A-5", due_on=TODAY - timedelta(days=2), amount_minor=9_000, paid_minor=9_000)
    invoice(session, ctx, "A-6", due_on=TODAY - timedelta(days=200), amount_minor=4_000, status="written_off")
    invoice(session, ctx, "B-1", due_on=TODAY - timedelta(days=1), amount_minor=100_000, currency="BRL")
    invoice(session, ctx, "C-1", due_on=TODAY, amount_minor=2_500, currency="USD")
    session.execute(update(Invoice).where(col(Invoice.number) == "A-2").values(status="partially_paid"))
    session.execute(update(Invoice).where(col(Invoice.number) == "A-5").values(status="paid"))
    _, beta = sign_up(session)
    invoice(session, beta, "X-1", due_on=TODAY - timedelta(days=45), amount_minor=99_000)
    session.commit()
    return ctx


def test_the_list_pages_every_invoice_of_the_organization_in_the_order_asked(session: Session, ledger) -> None:
    by_due = ["A-6", "A-4", "A-1", "A-2", "A-5", "B-1", "C-1", "A-3"]
    assert browse(session, ledger) == by_due
    assert browse(session, ledger, descending=True) == by_due[::-1]
    assert browse(session, ledger, sort="number") == ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6", "B-1", "C-1"]
    assert browse(session, ledger, sort="debtor", descending=True)[:2] == ["C-1", "B-1"]
    assert browse(session, ledger, sort="amount", descending=True)[:3] == ["B-1", "A-2", "A-1"]
    # Outstanding is what is still owed: A-2 owes 200.00 of its 300.00, a paid one nothing.
    assert browse(session, ledger, sort="outstanding", descending=True)[:3] == ["B-1", "A-2", "A-1"]
    assert browse(session, ledger, sort="outstanding")[0] == "A-5"
    pages = [browse(session, ledger, offset=offset, limit=3) for offset in (0, 3, 6)]
    assert [number for page in pages for number in page] == by_due, "pages neither overlap nor skip"


def test_filters_narrow_the_list_and_its_totals(session: Session, ledger) -> None:
    def only(**filters: object) -> list[str]:
        return sorted(browse(session, ledger, filters=InvoiceFilters(**filters)))  # type: ignore[arg-type]

    assert only(statuses=("open",)) == ["A-1", "B-1", "C-1"]
    assert only(statuses=("open", "partially_paid", "promised", "disputed")) == [
        "A-1",
        "A-2",
        "A-3",
        "A-4",
        "B-1",
        "C-1",
    ]
    assert only(bucket="not_due") == ["A-3", "C-1"]
    assert only(bucket="1-30") == ["A-2", "A-5", "B-1"]
    assert only(bucket="31-90") == ["A-1"]
    assert only(bucket="90+") == ["A-4", "A-6"]
    assert only(due_from=TODAY - timedelta(days=5), due_to=TODAY) == ["A-2", "A-5", "B-1", "C-1"]
    assert only(currency="BRL") == ["B-1"]
    assert only(currency="EUR", min_outstanding_minor=9_000, max_outstanding_minor=20_000) == ["A-1", "A-2"]
    assert only(search="a-") == ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6"], "any letter case"
    assert only(search="debtor b") == ["B-1"], "the debtor's name"
    assert only(search="%") == [], "wildcards are plain characters"
    assert only(search="_") == []
    assert only(search="X-1") == [], "another organization's invoices never show"
    totals = invoices.invoice_totals(session, ledger, InvoiceFilters(), today=TODAY)
    by_currency = {t.currency: (t.invoices, t.outstanding_minor, t.overdue_minor) for t in totals}
    # EUR owes A-1 100, A-2 200, A-3 50 (promised, not yet due), A-4 70 (disputed): paid and written off owe nothing.
    assert by_currency == {"BRL": (1, 100_000, 100_000), "EUR": (6, 42_000, 37_000), "USD": (1, 2_500, 0)}
    narrowed = invoices.invoice_totals(session, ledger, InvoiceFilters(bucket="31-90"), today=TODAY)
    assert [(t.currency, t.invoices, t.outstanding_minor) for t in narrowed] == [("EUR", 1, 10_000)]


def test_debtor_campaign_and_tag_filters(session: Session, ledger) -> None:
    debtor = debtors.create_debtor(
        session, ledger, debtors.DebtorInput(name="Tagged", phone="+393470000099", tags=["vip", "north"])
    )
    tagged = invoices.create_invoice(
        session,
        ledger,
        invoices.InvoiceInput(debtor_id=debtor.id or 0, number="T-1", amount_minor=100, currency="EUR", due_on=TODAY),
    )
    campaign = campaigns.create_campaign(
        session,
        ledger,
        name="Spring",
        cadence_id=simple_cadence(session, ledger),
        invoice_ids=[tagged.id or 0],
        now=NOW,
    )
    session.commit()
    assert browse(session, ledger, filters=InvoiceFilters(tag="vip")) == ["T-1"]
    assert browse(session, ledger, filters=InvoiceFilters(tag="south")) == []
    assert browse(session, ledger, filters=InvoiceFilters(debtor_id=debtor.id)) == ["T-1"]
    assert browse(session, ledger, filters=InvoiceFilters(campaign_id=campaign.id)) == ["T-1"]
    [line] = invoices.browse_invoices(session, ledger, InvoiceFilters(campaign_id=campaign.id), today=TODAY)
    assert (line.debtor_name, line.campaign, line.reminders_paused) == ("Tagged", "Spring", False)
    choices = invoices.filter_choices(session, ledger)
    assert (choices.currencies, choices.campaigns, choices.tags) == (
        ["BRL", "EUR", "USD"],
        [(campaign.id, "Spring")],
        ["north", "vip"],
    )


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (InvoiceFilters(statuses=("lost",)), "status"),
        (InvoiceFilters(bucket="1-2"), "bucket"),
        (InvoiceFilters(min_outstanding_minor=100), "currency"),
        (InvoiceFilters(currency="EUR", min_outstanding_minor=200, max_outstanding_minor=100), "max_amount"),
        (InvoiceFilters(due_from=TODAY, due_to=TODAY - timedelta(days=1)), "due_to"),
    ],
)
def test_filters_no_page_sends_are_refused(session: Session, ledger, filters: InvoiceFilters, field: str) -> None:
    with pytest.raises(ServiceError) as refused:
        invoices.browse_invoices(session, ledger, filters, today=TODAY)
    assert refused.value.field == field
    with pytest.raises(ServiceError):
        invoices.invoice_totals(session, ledger, filters, today=TODAY)
    with pytest.raises(ServiceError, match="cannot be sorted"):
        invoices.browse_invoices(session, ledger, InvoiceFilters(), today=TODAY, sort="debtor.name; drop table")


def chased(session: Session) -> tuple[OrgContext, int, int]:
    """An invoice 2 days overdue in a running campaign, its next reminder planned: (ctx, invoice id, campaign id)."""
    _, ctx = sign_up(session)
    _, invoice_id = debtor_with_invoice(
        session, ctx, phone="+393471234567", number="F-1", due=TODAY - timedelta(days=2)
    )
    cadence_id = simple_cadence(session, ctx, offsets=(0, 5, 10))
    campaign = campaigns.create_campaign(
        session, ctx, name="Autumn", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW
    )
    session.commit()
    assert planner.plan_all(session, now=NOW) == 1
    session.commit()
    return ctx, invoice_id, campaign.id or 0


def scheduled(session: Session) -> int:
    session.expire_all()
    return len(session.exec(select(Message).where(Message.status == "scheduled")).all())


def enrollment_state(session: Session, invoice_id: int) -> tuple[str, str, date | None]:
    session.expire_all()
    row = session.exec(select(Enrollment).where(Enrollment.invoice_id == invoice_id)).one()
    return row.state, row.stop_reason, row.paused_until


def audited(session: Session, action: str) -> list[dict]:
    entries = session.exec(select(AuditLog).where(AuditLog.action == action).order_by(col(AuditLog.id)))
    return [entry.details for entry in entries]


def test_a_partial_payment_lowers_the_balance_and_a_full_one_stops_the_reminders(session: Session) -> None:
    ctx, invoice_id, _ = chased(session)  # 123.45 EUR
    invoices.record_manual_payment(
        session, ctx, invoice_id, amount_minor=2_345, paid_on=TODAY, method="bank_transfer", today=TODAY
    )
    session.commit()
    [line] = invoices.browse_invoices(session, ctx, InvoiceFilters(), today=TODAY)
    assert (line.invoice.status, line.invoice.amount_minor - line.invoice.paid_minor) == ("partially_paid", 10_000)
    assert scheduled(session) == 1, "a part payment leaves the reminders going"
    for amount, paid_on, method, field in (
        (10_001, TODAY, "card", "amount"),
        (100, TODAY + timedelta(days=1), "card", "paid_on"),
        (100, TODAY, "bitcoin", "method"),
    ):
        with pytest.raises(ServiceError) as refused:
            invoices.record_manual_payment(
                session, ctx, invoice_id, amount_minor=amount, paid_on=paid_on, method=method, today=TODAY
            )
        assert refused.value.field == field
    invoices.record_manual_payment(
        session, ctx, invoice_id, amount_minor=None, paid_on=TODAY, method="pix", today=TODAY
    )
    session.commit()
    assert session.get(Invoice, invoice_id).status == "paid"  # type: ignore[union-attr]
    assert enrollment_state(session, invoice_id)[:2] == ("stopped", "paid")
    assert scheduled(session) == 0
    assert [d["amount_minor"] for d in audited(session, "payment.recorded")] == [2_345, 10_000]
    with pytest.raises(ServiceError, match="already paid"):
        invoices.record_manual_payment(
            session, ctx, invoice_id, amount_minor=None, paid_on=TODAY, method="pix", today=TODAY
        )


def test_a_dispute_needs_its_reason_and_stops_the_reminders(session: Session) -> None:
    ctx, invoice_id, _ = chased(session)
    with pytest.raises(ServiceError) as refused:
        invoices.dispute(session, ctx, invoice_id, "  ")
    assert refused.value.field == "reason"
    invoices.dispute(session, ctx, invoice_id, "The goods arrived damaged")
    session.commit()
    assert enrollment_state(session, invoice_id)[:2] == ("stopped", "disputed")
    assert scheduled(session) == 0
    [change] = audited(session, "invoice.status_changed")
    assert (change["status"], change["reason"]) == ("disputed", "The goods arrived damaged")


def test_a_write_off_stops_the_reminders_and_keeps_its_reason(session: Session) -> None:
    ctx, invoice_id, _ = chased(session)
    invoices.change_status(session, ctx, invoice_id, "written_off", reason="Customer went bankrupt")
    session.commit()
    assert enrollment_state(session, invoice_id)[:2] == ("stopped", "written_off")
    assert audited(session, "invoice.status_changed")[0]["reason"] == "Customer went bankrupt"
    with pytest.raises(ServiceError, match="under 500"):
        invoices.change_status(session, ctx, invoice_id, "open", reason="x" * 501)


def test_pausing_takes_back_the_planned_reminder_until_a_person_resumes(session: Session) -> None:
    ctx, invoice_id, _ = chased(session)
    invoices.pause_reminders(session, ctx, invoice_id)
    session.commit()
    assert (enrollment_state(session, invoice_id)[0], scheduled(session)) == ("paused", 0)
    assert planner.plan_all(session, now=NOW) == 0, "nothing is planned while paused"
    [line] = invoices.browse_invoices(session, ctx, InvoiceFilters(), today=TODAY)
    assert (line.campaign, line.reminders_paused) == ("Autumn", True)
    with pytest.raises(ServiceError, match="no running campaign"):
        invoices.pause_reminders(session, ctx, invoice_id)

    # A promise made while paused still holds once the pause is lifted.
    promised = TODAY + timedelta(days=4)
    invoices.change_status(session, ctx, invoice_id, "promised", promised_on=promised, today=TODAY)
    invoices.resume_reminders(session, ctx, invoice_id)
    session.commit()
    state, _, paused_until = enrollment_state(session, invoice_id)
    assert state == "active"
    assert paused_until is not None
    assert paused_until > promised
    with pytest.raises(ServiceError, match="not paused"):
        invoices.resume_reminders(session, ctx, invoice_id)
    assert [entry.action for entry in session.exec(select(AuditLog).order_by(col(AuditLog.id)))][-3:] == [
        "invoice.reminders_paused",
        "invoice.status_changed",
        "invoice.reminders_resumed",
    ]


def test_resuming_picks_up_where_the_cadence_is_now(session: Session) -> None:
    ctx, invoice_id, _ = chased(session)
    invoices.pause_reminders(session, ctx, invoice_id)
    invoices.resume_reminders(session, ctx, invoice_id)
    session.commit()
    assert planner.plan_all(session, now=NOW) == 1
    assert scheduled(session) == 1


def test_an_invoice_another_campaign_took_meanwhile_is_not_resumed_twice(session: Session) -> None:
    ctx, invoice_id, campaign_id = chased(session)
    invoices.pause_reminders(session, ctx, invoice_id)
    session.commit()
    other = campaigns.create_campaign(
        session, ctx, name="Winter", cadence_id=simple_cadence(session, ctx), invoice_ids=[invoice_id], now=NOW
    )
    session.commit()
    with pytest.raises(ServiceError, match="Another campaign"):
        invoices.resume_reminders(session, ctx, invoice_id)
    states = sorted(
        (row.campaign_id, row.state)
        for row in session.exec(select(Enrollment).where(Enrollment.invoice_id == invoice_id))
    )
    assert states == [(campaign_id, "paused"), (other.id, "active")]


def test_a_closed_invoice_is_not_resumed(session: Session) -> None:
    ctx, invoice_id, _ = chased(session)
    invoices.pause_reminders(session, ctx, invoice_id)
    invoices.record_manual_payment(
        session, ctx, invoice_id, amount_minor=None, paid_on=TODAY, method="cash", today=TODAY
    )
    session.commit()
    assert enrollment_state(session, invoice_id)[:2] == ("stopped", "paid"), "a payment stops a paused invoice too"
    with pytest.raises(ServiceError, match="not paused"):
        invoices.resume_reminders(session, ctx, invoice_id)


def test_the_document_goes_in_the_chat_only_while_whatsapp_allows_it(session: Session) -> None:
    ctx, invoice_id, _ = chased(session)
    session.execute(update(Invoice).where(col(Invoice.id) == invoice_id).values(document_url=PDF))
    session.commit()
    with pytest.raises(ServiceError, match="24 hours"):
        invoices.send_document(session, ctx, invoice_id)
    debtor_id = session.get(Invoice, invoice_id).debtor_id  # type: ignore[union-attr]
    session.add(
        InboundMessage(org_id=ctx.org_id, debtor_id=debtor_id, wamid="wamid.1", sender="393471234567", received_at=NOW)
    )
    invoices.send_document(session, ctx, invoice_id, NOW + timedelta(hours=1))
    session.commit()
    [document] = session.exec(select(Message).where(Message.kind == "document")).all()
    assert (document.invoice_id, document.status) == (invoice_id, "scheduled")


def test_one_action_on_many_does_what_it_can_and_says_what_it_could_not(session: Session, ledger) -> None:
    ids = dict(session.exec(select(Invoice.number, Invoice.id).where(Invoice.org_id == ledger.org_id)).all())
    stranger = session.exec(select(Invoice.id).where(Invoice.number == "X-1")).one()
    chosen = [ids["A-1"], ids["A-5"], ids["B-1"], stranger or 0, ids["A-1"]]
    outcome = invoices.apply_to_each(
        session, ledger, chosen, lambda target: invoices.dispute(session, ledger, target, "Not ordered")
    )
    session.commit()
    assert outcome.done == 2, "each invoice once"
    assert [(number, error.message) for number, error in outcome.refused] == [
        ("A-5", "An invoice that is {current} cannot become {status}."),
        ("?", "This invoice does not exist."),
    ]
    session.expire_all()
    statuses = dict(session.exec(select(Invoice.number, Invoice.status)).all())
    assert (statuses["A-1"], statuses["B-1"], statuses["A-5"], statuses["X-1"]) == (
        "disputed",
        "disputed",
        "paid",
        "open",
    )
    with pytest.raises(ServiceError, match="at least one"):
        invoices.apply_to_each(session, ledger, [], print)
    with pytest.raises(ServiceError, match="at most"):
        invoices.apply_to_each(session, ledger, list(range(1, 300)), print)


def test_invoices_join_a_running_campaign_at_the_step_their_age_calls_for(session: Session) -> None:
    ctx, first, campaign_id = chased(session)
    _, fresh = debtor_with_invoice(session, ctx, phone="+393471234500", number="F-2", due=TODAY - timedelta(days=6))
    _, paid = debtor_with_invoice(session, ctx, phone="+393471234501", number="F-3", due=TODAY)
    invoices.record_payment(session, ctx, paid, amount_minor=12_345, paid_on=TODAY)
    session.commit()
    enrolled = enrollments.add_invoices(session, ctx, campaign_id, [first, fresh, paid], now=NOW)
    session.commit()
    assert (enrolled.campaign, enrolled.added, enrolled.closed, enrolled.chased) == (
        "Autumn",
        ["F-2"],
        ["F-3"],
        ["F-1"],
    )
    joined = session.exec(select(Enrollment).where(Enrollment.invoice_id == fresh)).one()
    assert (joined.campaign_id, joined.state, joined.next_step) == (campaign_id, "active", 1), (
        "6 days late: the +5 step"
    )
    again = enrollments.add_invoices(session, ctx, campaign_id, [fresh], now=NOW)
    assert (again.added, again.chased) == ([], ["F-2"])
    assert enrollments.open_campaigns(session, ctx) == [(campaign_id, "Autumn")]
    session.execute(update(Campaign).where(col(Campaign.id) == campaign_id).values(status="finished"))
    with pytest.raises(ServiceError, match="is over"):
        enrollments.add_invoices(session, ctx, campaign_id, [fresh], now=NOW)
    assert enrollments.open_campaigns(session, ctx) == []


def test_a_campaign_that_cannot_reach_a_new_debtor_takes_no_invoice(session: Session) -> None:
    ctx, _, campaign_id = chased(session)
    _, french = debtor_with_invoice(
        session, ctx, phone="+33612345678", number="FR-1", due=TODAY, locale="fr", zone="Europe/Paris"
    )
    session.execute(update(TemplateVariant).values(status="rejected"))
    session.commit()
    with pytest.raises(campaigns.CadenceNotReady):
        enrollments.add_invoices(session, ctx, campaign_id, [french], now=NOW)
    with pytest.raises(ServiceError, match="do not exist"):
        enrollments.add_invoices(session, ctx, campaign_id, [french, 10**9], now=NOW)


def test_viewers_read_the_list_and_change_nothing(session: Session) -> None:
    ctx, invoice_id, campaign_id = chased(session)
    viewer = add_member(session, ctx, "viewer")
    assert browse(session, viewer) == ["F-1"]
    attempts = [
        lambda: invoices.record_manual_payment(
            session, viewer, invoice_id, amount_minor=None, paid_on=TODAY, method="cash", today=TODAY
        ),
        lambda: invoices.dispute(session, viewer, invoice_id, "no"),
        lambda: invoices.change_status(session, viewer, invoice_id, "written_off"),
        lambda: invoices.pause_reminders(session, viewer, invoice_id),
        lambda: invoices.resume_reminders(session, viewer, invoice_id),
        lambda: invoices.send_document(session, viewer, invoice_id),
        lambda: invoices.apply_to_each(session, viewer, [invoice_id], print),
        lambda: enrollments.add_invoices(session, viewer, campaign_id, [invoice_id], now=NOW),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    session.expire_all()
    assert session.get(Invoice, invoice_id).status == "open"  # type: ignore[union-attr]
    assert enrollment_state(session, invoice_id)[0] == "active"
