"""Paid per step and language: a paid invoice counts for the last step sent before its payment (last touch).

Only an invoice paid in full while the campaign chased it counts, once, in the language of that message;
the counter is raised in the same transaction as the payment and agrees with the recount from the rows.
"""

from datetime import timedelta

from sqlalchemy import text
from sqlmodel import Session, select
from time_machine import TimeMachineFixture

from alembic import command
from saas_app import db
from saas_app.migrations import alembic_config
from saas_app.models import Enrollment, Invoice
from saas_app.services import campaigns, enrollments, invoices
from saas_app.worker import planner
from tests.factories import debtor_with_invoice, sign_up
from tests.integration.services.test_campaign_counters import _campaign, _send_due, assert_counters_agree
from tests.integration.services.test_collections import NOW
from tests.integration.test_migrations import empty_database  # noqa: F401  (the fixture)


def _paid_by_row(session: Session, ctx, campaign_id: int) -> dict[tuple[int, str], int]:
    return {(row.step, row.language): row.paid for row in campaigns.step_figures(session, ctx, campaign_id) if row.paid}


def _pay_in_full(session: Session, ctx, invoice_id: int) -> None:
    invoice = session.get(Invoice, invoice_id)
    assert invoice is not None
    owed = invoice.amount_minor - invoice.paid_minor
    invoices.record_payment(session, ctx, invoice_id, amount_minor=owed, paid_on=NOW.date())
    session.commit()


def test_each_paid_invoice_counts_for_the_last_step_sent_before_its_payment(
    session: Session, time_machine: TimeMachineFixture
) -> None:
    _, ctx = sign_up(session)
    # Four debtors writing in en, it, en, it; steps on the due date and two days after.
    campaign_id, _, (first, second, third, fourth) = _campaign(session, ctx, debtors=4)
    planner.plan_all(session, now=NOW)
    session.commit()
    assert len(_send_due(session)) == 4  # step 1 reached everyone
    time_machine.move_to(NOW + timedelta(days=1), tick=False)
    _pay_in_full(session, ctx, first)
    invoices.record_payment(session, ctx, second, amount_minor=1000, paid_on=NOW.date())  # in part: not yet
    session.commit()
    assert _paid_by_row(session, ctx, campaign_id) == {(0, "en"): 1}

    planner.plan_all(session, now=NOW + timedelta(days=2))
    session.commit()
    assert len(_send_due(session)) == 7  # step 2 went to the three still owing
    time_machine.move_to(NOW + timedelta(days=3), tick=False)
    _pay_in_full(session, ctx, second)
    invoices.dispute(session, ctx, third, "never ordered")  # no longer chased: paid afterwards, it is not credited
    session.commit()
    _pay_in_full(session, ctx, third)

    assert _paid_by_row(session, ctx, campaign_id) == {(0, "en"): 1, (1, "it"): 1}
    assert campaigns.campaign_stats(session, ctx, campaign_id).paid == 3, "the funnel counts every paid invoice"
    rows = {(row.step, row.language): row for row in campaigns.step_figures(session, ctx, campaign_id)}
    assert (rows[(1, "it")].sent, rows[(1, "it")].paid) == (2, 1)  # the second and the fourth got it
    credited = session.exec(select(Enrollment.invoice_id, Enrollment.paid_step, Enrollment.paid_language)).all()
    assert sorted(credited) == sorted([(first, 0, "en"), (second, 1, "it"), (third, None, ""), (fourth, None, "")])
    assert_counters_agree(session, ctx, campaign_id)
    # What the four invoices owed at launch stays the recovery rate's whole, whatever was paid since.
    assert campaigns.get_campaign(session, ctx, campaign_id).owed_when_enrolled == {"EUR": 4 * 12345}


def test_an_invoice_paid_before_any_reminder_went_is_credited_to_no_step(
    session: Session, time_machine: TimeMachineFixture
) -> None:
    _, ctx = sign_up(session)
    campaign_id, _, invoice_ids = _campaign(session, ctx, debtors=2)
    planner.plan_all(session, now=NOW)
    session.commit()
    time_machine.move_to(NOW - timedelta(hours=1), tick=False)  # before the planned sends
    _pay_in_full(session, ctx, invoice_ids[0])
    assert _paid_by_row(session, ctx, campaign_id) == {}
    assert campaigns.campaign_stats(session, ctx, campaign_id).paid == 1
    assert_counters_agree(session, ctx, campaign_id)


def test_the_credit_is_kept_when_a_late_webhook_fills_in_an_older_stamp(
    session: Session, time_machine: TimeMachineFixture
) -> None:
    """The step credited is decided when the invoice is paid: a stamp written later does not move it."""
    _, ctx = sign_up(session)
    campaign_id, _, invoice_ids = _campaign(session, ctx, debtors=2)
    planner.plan_all(session, now=NOW)
    session.commit()
    _send_due(session)
    planner.plan_all(session, now=NOW + timedelta(days=2))
    session.commit()
    # Step 2 went out without a word from WhatsApp yet (sending); the invoice is paid meanwhile.
    session.execute(
        text("UPDATE message SET status = 'sending', sent_at = NULL WHERE step_position = 1 AND invoice_id = :i"),
        {"i": invoice_ids[0]},
    )
    session.commit()
    time_machine.move_to(NOW + timedelta(days=3), tick=False)
    _pay_in_full(session, ctx, invoice_ids[0])
    assert _paid_by_row(session, ctx, campaign_id) == {(0, "en"): 1}
    session.execute(  # Meta's 'sent' arrives late, stamped before the payment
        text("UPDATE message SET status = 'sent', sent_at = :at WHERE step_position = 1 AND invoice_id = :i"),
        {"i": invoice_ids[0], "at": NOW + timedelta(days=2, hours=1)},
    )
    session.commit()
    assert _paid_by_row(session, ctx, campaign_id) == {(0, "en"): 1}
    assert_counters_agree(session, ctx, campaign_id)


def test_0021_credits_invoices_paid_before_it_and_goes_down_cleanly(empty_database: str) -> None:  # noqa: F811
    """Down to 0019 and up again on a database with a campaign: an invoice paid meanwhile is credited."""
    config = alembic_config(empty_database)
    command.upgrade(config, "head")
    with Session(db.engine_for(empty_database), expire_on_commit=False) as session:
        _, ctx = sign_up(session)
        campaign_id, _, invoice_ids = _campaign(session, ctx, debtors=2)
        planner.plan_all(session, now=NOW)
        session.commit()
        _send_due(session)
    command.downgrade(config, "0019")
    with Session(db.engine_for(empty_database)) as old:  # paid as 0019 knew it: nothing credits a step
        old.execute(
            text("UPDATE invoice SET status = 'paid', paid_minor = amount_minor WHERE id = :i"), {"i": invoice_ids[1]}
        )
        old.commit()
        credited = old.execute(text("SELECT count(*) FROM campaigncounter WHERE status = 'paid' AND step >= 0"))
        assert credited.scalar_one() == 0
    command.upgrade(config, "head")
    with Session(db.engine_for(empty_database), expire_on_commit=False) as new:
        assert _paid_by_row(new, ctx, campaign_id) == {(0, "it"): 1}
        # Owed at launch, for a campaign launched before it was kept: still owed plus the payments since launch.
        assert campaigns.get_campaign(new, ctx, campaign_id).owed_when_enrolled == {"EUR": 12345}
        assert_counters_agree(new, ctx, campaign_id)


def test_invoices_added_to_a_running_campaign_add_what_they_owe_to_the_recovery_rate(session: Session) -> None:
    _, ctx = sign_up(session)
    campaign_id, _, _ = _campaign(session, ctx, debtors=2)
    _, late = debtor_with_invoice(session, ctx, phone="+5511987600099", number="NF-late", due=NOW.date())
    invoices.record_payment(session, ctx, late, amount_minor=345, paid_on=NOW.date())  # owes 120.00 of 123.45
    enrollments.add_invoices(session, ctx, campaign_id, [late], now=NOW)
    session.commit()
    # The rate's whole is what the three owed when they joined: 2 × 123.45 + 120.00. The 3.45 paid before
    # the invoice joined counts as recovered, as the hourly counters count payments since the campaign started.
    paid, left = campaigns.targeted_amounts(session, ctx, campaign_id)["EUR"]
    assert (paid, paid + left) == (345, 2 * 12345 + 12000)
