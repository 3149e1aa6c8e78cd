"""The dashboard's handlers called as a browser could: figures of the own organization only, any currency asked."""

from datetime import date, timedelta

from sqlmodel import Session

from saas_app.core.money import format_money
from saas_app.services import debtors, invoices
from saas_app.services.context import OrgContext
from saas_app.state.dashboard import DashboardState
from tests.factories import add_member, sign_up
from tests.integration.state.test_handlers import call, is_redirect_to_login, state_for, token_of


def owe(session: Session, ctx: OrgContext, number: str, amount: int, currency: str, late: int) -> int:
    phone = f"+39333400{amount // 1000:04d}"
    debtor = debtors.create_debtor(session, ctx, debtors.DebtorInput(name=number, phone=phone))
    invoice = invoices.create_invoice(
        session,
        ctx,
        invoices.InvoiceInput(
            debtor_id=debtor.id or 0,
            number=number,
            amount_minor=amount,
            currency=currency,
            due_on=date.today() - timedelta(days=late),
        ),
    )
    session.commit()
    return invoice.id or 0


def test_signed_out_callers_are_sent_to_log_in(session: Session) -> None:
    assert is_redirect_to_login(call(DashboardState, "load", path="/dashboard"))
    assert is_redirect_to_login(call(DashboardState, "pick_currency", "EUR", path="/dashboard"))


def test_a_viewer_reads_the_own_figures_in_any_currency_the_organization_is_owed_in(session: Session) -> None:
    _, ctx = sign_up(session, email="owner@example.com")
    _, other = sign_up(session, email="other@example.com")
    add_member(session, ctx, "viewer", email="viewer@example.com")
    paid = owe(session, ctx, "E-1", 20_000, "EUR", late=10)
    owe(session, ctx, "E-2", 30_000, "EUR", late=-5)
    owe(session, ctx, "B-1", 90_000, "BRL", late=100)
    owe(session, other, "X-1", 1_000_000, "USD", late=10)
    invoices.record_payment(session, ctx, paid, amount_minor=5_000, paid_on=date.today())
    session.commit()

    state = state_for(DashboardState, token=token_of(session, "viewer@example.com"), path="/dashboard")
    assert DashboardState.load.fn(state) is None
    # The organization's own currency first (EUR), though it is owed more in reais.
    assert (state.currency, sorted(state.currencies)) == ("EUR", ["BRL", "EUR"])
    assert state.figures["outstanding"]["value"] == format_money(45_000, "EUR", "en")
    assert state.figures["outstanding"]["note"] == "2 invoices still owed"
    assert state.figures["overdue"]["value"] == format_money(15_000, "EUR", "en")
    assert state.figures["recovered"]["value"] == format_money(5_000, "EUR", "en")
    assert [(p["tick"], p["text"]) for p in state.ageing] == [
        ("Not due", format_money(30_000, "EUR", "en")),
        ("1-30", format_money(15_000, "EUR", "en")),
        ("31-90", format_money(0, "EUR", "en")),
        ("90+", format_money(0, "EUR", "en")),
    ]
    assert state.recovered_any
    assert len(state.recovered) == 13
    assert state.figures["waiting"]["value"] == "0"
    assert [step["done"] for step in state.first_steps][1] is True  # debtors are in
    assert not state.steps_done  # no campaign yet

    DashboardState.pick_currency.fn(state, "BRL")
    assert state.figures["outstanding"]["value"] == format_money(90_000, "BRL", "en")
    assert state.ageing[3]["text"] == format_money(90_000, "BRL", "en")
    assert not state.recovered_any
    # A currency it is not owed in (another tenant's) changes nothing and shows nothing of theirs.
    DashboardState.pick_currency.fn(state, "USD")
    assert state.currency == "BRL"
    assert "1,000,000" not in str(state.figures)
    assert "10,000.00" not in str(state.figures)


def test_a_new_organization_sees_its_first_steps_and_no_figures(session: Session) -> None:
    sign_up(session, email="new@example.com")
    state = state_for(DashboardState, token=token_of(session, "new@example.com"), path="/dashboard")
    assert DashboardState.load.fn(state) is None
    assert (state.currency, state.currencies, state.loaded, state.steps_done) == ("", [], True, False)
    assert [step["title"] for step in state.first_steps] == [
        "Connect WhatsApp",
        "Add your debtors",
        "Check your templates",
        "Launch your first campaign",
    ]
    assert [step["done"] for step in state.first_steps][1:] == [False, False, False]
