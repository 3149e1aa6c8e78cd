"""The dashboard's figures, read from what the organization holds: owed by currency and age, money in, steps done."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from saas_app.core.invoices import Status
from saas_app.models import InboundMessage
from saas_app.services import campaigns, dashboard, debtors, inbox, invoices
from saas_app.services.context import OrgContext
from tests.factories import add_member, sign_up, simple_cadence

TODAY = date(2026, 12, 5)


def owe(session: Session, ctx: OrgContext, number: str, amount: int, late: int, currency: str = "EUR") -> int:
    """An invoice `late` days past its due date (negative: not due yet), issued a month before it was due."""
    debtor = debtors.create_debtor(
        session, ctx, debtors.DebtorInput(name=f"D {number}", phone=f"+39333{abs(hash(number)) % 10**7:07d}")
    )
    due = TODAY - timedelta(days=late)
    invoice = invoices.create_invoice(
        session,
        ctx,
        invoices.InvoiceInput(
            debtor_id=debtor.id or 0,
            number=number,
            amount_minor=amount,
            currency=currency,
            due_on=due,
            issued_on=due - timedelta(days=30),
        ),
    )
    return invoice.id or 0


def test_what_is_owed_by_currency_and_age_leaves_out_what_is_paid_or_written_off(session: Session) -> None:
    _, ctx = sign_up(session)
    owe(session, ctx, "A", 10_000, late=-3)  # not due
    owe(session, ctx, "B", 20_000, late=0)  # due today: not late yet
    partly = owe(session, ctx, "C", 30_000, late=1)
    owe(session, ctx, "D", 40_000, late=45)
    owe(session, ctx, "E", 50_000, late=120)
    paid = owe(session, ctx, "F", 60_000, late=10)
    written_off = owe(session, ctx, "G", 70_000, late=200)
    owe(session, ctx, "H", 99_900, late=5, currency="BRL")
    invoices.record_payment(session, ctx, partly, amount_minor=5_000, paid_on=TODAY)
    invoices.record_payment(session, ctx, paid, amount_minor=60_000, paid_on=TODAY)
    invoices.change_status(session, ctx, written_off, Status.WRITTEN_OFF, today=TODAY)
    session.commit()

    euros, reais = dashboard.receivables_by_currency(session, ctx, TODAY)
    assert (euros.currency, euros.outstanding, euros.invoices) == ("EUR", 145_000, 5)
    assert (euros.overdue, euros.overdue_invoices) == (115_000, 3)
    assert euros.by_bucket == {"not_due": 30_000, "1-30": 25_000, "31-90": 40_000, "90+": 50_000}
    assert (reais.currency, reais.outstanding, reais.overdue) == ("BRL", 99_900, 99_900)

    # Another organization sees none of it, and a viewer of this one sees all of it.
    _, other = sign_up(session)
    assert dashboard.receivables_by_currency(session, other, TODAY) == []
    viewer = add_member(session, ctx, "viewer")
    assert dashboard.receivables_by_currency(session, viewer, TODAY)[0].outstanding == 145_000


def test_money_in_this_month_is_compared_with_last_month_to_the_same_day(session: Session) -> None:
    _, ctx = sign_up(session)
    ids = [owe(session, ctx, f"N{n}", 100_000, late=40) for n in range(4)]
    invoices.record_payment(session, ctx, ids[0], amount_minor=1_000, paid_on=date(2026, 12, 2))
    invoices.record_payment(session, ctx, ids[1], amount_minor=2_000, paid_on=date(2026, 11, 4))
    invoices.record_payment(session, ctx, ids[2], amount_minor=4_000, paid_on=date(2026, 11, 20))  # after Nov 5
    invoices.record_payment(session, ctx, ids[3], amount_minor=8_000, paid_on=date(2026, 12, 6))  # after today
    session.commit()

    money_in = dashboard.recovery(session, ctx, "EUR", TODAY)
    assert (money_in.this_month, money_in.last_month_to_date) == (1_000, 2_000)
    assert money_in.by_day == {date(2026, 12, 2): 1_000, date(2026, 11, 4): 2_000, date(2026, 11, 20): 4_000}
    assert dashboard.recovery(session, ctx, "BRL", TODAY).by_day == {}
    # Invoiced in the last 90 days (by issue date): the four above were issued 70 days ago.
    assert dashboard.invoiced_since(session, ctx, "EUR", TODAY - timedelta(days=90)) == 400_000
    assert dashboard.invoiced_since(session, ctx, "EUR", TODAY - timedelta(days=60)) == 0


def test_the_first_steps_tick_themselves_from_what_exists(session: Session) -> None:
    _, ctx = sign_up(session)
    new = dashboard.first_steps(session, ctx)
    assert (new.debtors, new.templates_ready, new.campaign, new.done) == (False, False, False, False)

    invoice_id = owe(session, ctx, "A", 10_000, late=-10)
    steps = dashboard.first_steps(session, ctx)
    assert steps.debtors
    assert steps.templates_ready == steps.whatsapp  # the built-in library is ready on the sandbox number

    cadence_id = simple_cadence(session, ctx)
    now = datetime(2026, 12, 5, 9, tzinfo=UTC)
    campaigns.create_campaign(session, ctx, name="December", cadence_id=cadence_id, invoice_ids=[invoice_id], now=now)
    session.commit()
    assert dashboard.first_steps(session, ctx).campaign
    (campaign, stats), *_ = dashboard.running_campaigns(session, ctx)
    assert (campaign.name, stats.invoices) == ("December", 1)


def test_replies_waiting_count_only_this_organizations_unhandled_replies_from_debtors(session: Session) -> None:
    _, ctx = sign_up(session)
    _, other = sign_up(session)
    debtor_id = invoices.get_invoice(session, ctx, owe(session, ctx, "A", 10_000, late=3)).debtor_id
    stranger_debtor = invoices.get_invoice(session, other, owe(session, other, "B", 10_000, late=3)).debtor_id
    at = datetime(2026, 12, 5, 9, tzinfo=UTC)
    for n, (org_id, who, handled) in enumerate(
        [
            (ctx.org_id, debtor_id, None),
            (ctx.org_id, debtor_id, at),
            (ctx.org_id, None, None),
            (other.org_id, stranger_debtor, None),
        ]
    ):
        session.add(
            InboundMessage(
                org_id=org_id, debtor_id=who, wamid=f"wamid.{n}", sender="39333", received_at=at, handled_at=handled
            )
        )
    session.commit()
    # A handled reply, a number we do not know and another organization's reply are not waiting here.
    assert dashboard.replies_waiting(session, ctx) == 1
    assert dashboard.replies_waiting(session, other) == 1
    inbox.mark_handled(session, ctx, debtor_id)
    session.commit()
    assert dashboard.replies_waiting(session, ctx) == 0
