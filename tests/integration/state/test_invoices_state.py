"""The invoices page's handlers, called as a browser could call them: any caller, any arguments.

Each re-derives the member from the session cookie, shows only that member's organization, lets only
those whose role may collect change anything, and refuses ids of another organization's invoices.
"""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.models import Enrollment, Invoice, Message, Payment
from saas_app.models.base import utcnow
from saas_app.services import campaigns
from saas_app.state import invoices as invoices_state
from saas_app.state.invoices import InvoicesState
from saas_app.worker import planner
from tests.conftest import MIDDAY
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence
from tests.integration.state.test_handlers import call, is_redirect_to_login, state_for, toast_text, token_of

TODAY = MIDDAY.date()  # the organization's time zone is UTC
pytestmark = pytest.mark.usefixtures("midday")


@pytest.fixture
def tenants(session: Session) -> dict[str, Any]:
    """Alpha with three invoices (one in a running campaign, one in Brazilian reais), a viewer and a collector;
    Beta, another organization, with one invoice of its own."""
    _, alpha = sign_up(session, org_name="Alpha", email="alpha@example.com")
    _, beta = sign_up(session, org_name="Beta", email="beta@example.com")
    add_member(session, alpha, "viewer", email="viewer@example.com")
    add_member(session, alpha, "collector", email="collector@example.com")
    _, late = debtor_with_invoice(session, alpha, phone="+393331111111", number="A-1", due=TODAY - timedelta(days=2))
    debtor_with_invoice(session, alpha, phone="+393332222222", number="A-2", due=TODAY + timedelta(days=3))
    _, reais = debtor_with_invoice(session, alpha, phone="+393333333333", number="A-3", due=TODAY - timedelta(days=40))
    session.execute(update(Invoice).where(col(Invoice.id) == reais).values(currency="BRL", amount_minor=189_000))
    _, theirs = debtor_with_invoice(session, beta, phone="+393334444444", number="B-1", due=TODAY)
    campaign = campaigns.create_campaign(
        session,
        alpha,
        name="Spring",
        cadence_id=simple_cadence(session, alpha, (0, 5)),
        invoice_ids=[late],
        now=utcnow(),
    )
    session.commit()
    planner.plan_all(session, now=utcnow())
    session.commit()
    return {"alpha": alpha, "late": late, "reais": reais, "theirs": theirs, "campaign": campaign.id}


def loaded(session: Session, email: str, path: str = "/invoices") -> Any:
    state = state_for(InvoicesState, token=token_of(session, email), path=path)
    assert InvoicesState.load.fn(state) is None
    return state


def shown(state: Any) -> list[str]:
    return [row["number"] for row in state.invoices]


def snapshot(session: Session) -> tuple:
    session.expire_all()
    invoices = sorted((i.number, i.status, i.paid_minor) for i in session.exec(select(Invoice)))
    enrollments = sorted((e.invoice_id, e.state) for e in session.exec(select(Enrollment)))
    messages = sorted((m.kind, m.status) for m in session.exec(select(Message)))
    return invoices, enrollments, messages, len(session.exec(select(Payment)).all())


def every_action(invoice_id: int) -> list[tuple[str, tuple]]:
    target = str(invoice_id)
    return [
        ("open_dialog", ("payment", target)),
        ("open_dialog", ("dispute", "")),
        ("run", ("pause", target)),
        ("run", ("resume", target)),
        ("run", ("send", target)),
        ("run", ("pause", "")),
        ("toggle", (target,)),
        ("toggle_page", ()),
        ("start_campaign", ()),
    ]


def test_signed_out_callers_are_sent_to_log_in(session: Session, tenants) -> None:
    before = snapshot(session)
    assert is_redirect_to_login(call(InvoicesState, "load", path="/invoices"))
    handlers = [
        *every_action(tenants["late"]),
        ("submit", ({"amount": "1", "paid_on": TODAY.isoformat(), "method": "cash"},)),
        ("set_filter", ("status", "paid")),
        ("sort_by", ("number",)),
        ("next_page", ()),
        ("show_debtor", ("1",)),
    ]
    for handler, args in handlers:
        state = state_for(InvoicesState, path="/invoices")
        state.dialog, state._targets = "payment", [tenants["late"]]  # as if a dialog had been opened
        result = getattr(InvoicesState, handler).fn(state, *args)
        assert is_redirect_to_login(result), handler
    assert snapshot(session) == before


def test_a_viewer_reads_the_invoices_with_their_figures_and_totals(session: Session, tenants) -> None:
    state = loaded(session, "viewer@example.com")
    assert shown(state) == ["A-3", "A-1", "A-2"], "by due date, the oldest first"
    first, late, coming = state.invoices
    assert (first["amount"], first["outstanding"], first["age"], first["late"]) == (
        "R$1,890.00",
        "R$1,890.00",
        "40 days overdue",
        True,
    )
    assert (late["amount"], late["status_label"], late["age"], late["reminders"]) == (
        "€123.45",
        "Open",
        "2 days overdue",
        "Campaign: Spring",
    )
    assert (coming["age"], coming["late"]) == ("Due in 3 days", False)
    assert [(t["currency"], t["invoices"], t["outstanding"], t["overdue"]) for t in state.totals] == [
        ("BRL", "1 invoice", "R$1,890.00", "R$1,890.00"),
        ("EUR", "2 invoices", "€246.90", "€123.45"),
    ]
    assert (state.page_label, state.any_invoice, state.can_collect) == ("1–3 of 3", True, False)
    assert (state.currencies, [c["label"] for c in state.campaigns]) == (["BRL", "EUR"], ["Spring"])
    assert "B-1" not in shown(state)


def test_a_viewer_is_refused_every_action_and_nothing_changes(session: Session, tenants) -> None:
    state = loaded(session, "viewer@example.com")
    before = snapshot(session)
    for handler, args in every_action(tenants["late"]):
        result = getattr(InvoicesState, handler).fn(state, *args)
        assert "Your role does not allow this." in toast_text(result), handler
    assert (state.dialog, state.selected) == ("", [])
    # Even a dialog the page never opened for them (its state forged) is refused on submit.
    forged = [
        ("payment", {"amount": "1", "paid_on": TODAY.isoformat(), "method": "cash"}),
        ("dispute", {"reason": "none"}),
        ("campaign", {"campaign": str(tenants["campaign"])}),
    ]
    state.open_campaigns = [{"value": str(tenants["campaign"]), "label": "Spring"}]
    for dialog, form in forged:
        state.dialog, state._targets = dialog, [tenants["late"], tenants["reais"]]
        assert "Your role does not allow this." in toast_text(InvoicesState.submit.fn(state, form)), dialog
    assert snapshot(session) == before


def test_another_organization_s_invoice_is_refused_like_one_that_does_not_exist(session: Session, tenants) -> None:
    state = loaded(session, "collector@example.com")
    before = snapshot(session)
    theirs = str(tenants["theirs"])
    for handler, args in (("open_dialog", ("payment", theirs)), ("run", ("pause", theirs)), ("run", ("send", theirs))):
        result = getattr(InvoicesState, handler).fn(state, *args)
        assert "This invoice does not exist." in toast_text(result), handler
    InvoicesState.toggle.fn(state, theirs)
    assert state.selected == [], "only invoices shown on the page can be ticked"
    state.dialog, state._targets = "payment", [tenants["theirs"]]
    InvoicesState.submit.fn(state, {"amount": "1", "paid_on": TODAY.isoformat(), "method": "cash"})
    assert (state.error, state.dialog) == ("This invoice does not exist.", "payment")
    state.dialog, state._targets = "dispute", [tenants["late"], tenants["theirs"]]
    result = InvoicesState.submit.fn(state, {"reason": "Never ordered"})
    assert "Marked disputed: 1." in toast_text(result)
    assert "?: This invoice does not exist." in toast_text(result)
    session.expire_all()
    assert session.get(Invoice, tenants["theirs"]).status == "open"  # type: ignore[union-attr]
    assert session.get(Invoice, tenants["late"]).status == "disputed"  # type: ignore[union-attr]
    assert snapshot(session)[0][-1] == before[0][-1], "Beta's invoice is as it was"


def test_a_collector_records_a_partial_payment_and_sees_the_balance_change(session: Session, tenants) -> None:
    state = loaded(session, "collector@example.com")
    late = str(tenants["late"])
    InvoicesState.open_dialog.fn(state, "payment", late)
    assert (state.dialog, state.dialog_title, state.dialog_note, state.dialog_amount) == (
        "payment",
        "Record a payment on invoice A-1",
        "Still owed: €123.45",
        "123.45",
    )
    result = InvoicesState.submit.fn(state, {"amount": "500", "paid_on": TODAY.isoformat(), "method": "cash"})
    assert (state.error_field, state.error, state.dialog) == (
        "amount",
        "That is more than what is still owed on invoice A-1.",
        "payment",
    )
    assert result is None
    result = InvoicesState.submit.fn(state, {"amount": "23.45", "paid_on": TODAY.isoformat(), "method": "pix"})
    assert "Payment recorded." in toast_text(result)
    row = next(row for row in state.invoices if row["invoice_id"] == late)
    assert (row["outstanding"], row["status_label"], state.dialog) == ("€100.00", "Partly paid", "")
    assert [t["outstanding"] for t in state.totals] == ["R$1,890.00", "€223.45"]
    session.expire_all()
    payment = session.exec(select(Payment)).one()
    assert (payment.amount_minor, payment.method, payment.source) == (2_345, "pix", "manual")


def test_amounts_and_dates_are_read_as_the_reader_writes_them(session: Session, tenants) -> None:
    state = loaded(session, "collector@example.com")
    state.locale = "it"
    InvoicesState.open_dialog.fn(state, "payment", str(tenants["late"]))
    assert (state.dialog_title, state.dialog_amount) == ("Registra un pagamento sulla fattura A-1", "123,45")
    InvoicesState.submit.fn(state, {"amount": "dodici", "paid_on": TODAY.isoformat(), "method": "cash"})
    assert (state.error_field, state.error) == ("amount", "Inserisci un importo maggiore di zero, come 1.234,56.")
    InvoicesState.submit.fn(state, {"amount": "100,5", "paid_on": "", "method": "cash"})
    assert state.error_field == "paid_on"
    InvoicesState.submit.fn(state, {"amount": "100,5", "paid_on": TODAY.isoformat(), "method": "cash"})
    session.expire_all()
    assert session.get(Invoice, tenants["late"]).paid_minor == 10_050  # type: ignore[union-attr]


def test_filters_sort_and_pages_change_the_rows(session: Session, tenants, monkeypatch) -> None:
    state = loaded(session, "alpha@example.com")
    InvoicesState.set_filter.fn(state, "currency", "BRL")
    assert (shown(state), [t["currency"] for t in state.totals]) == (["A-3"], ["BRL"])
    InvoicesState.set_filter.fn(state, "currency", "all")
    InvoicesState.set_filter.fn(state, "bucket", "not_due")
    assert shown(state) == ["A-2"]
    InvoicesState.clear_filters.fn(state)
    InvoicesState.apply_search.fn(state, {"search": "a-1", "min_amount": "", "max_amount": ""})
    assert shown(state) == ["A-1"]
    InvoicesState.apply_search.fn(state, {"search": "", "min_amount": "200", "max_amount": ""})
    assert state.filter_error == "Choose the currency the amounts are in."
    assert shown(state) == ["A-1"]
    InvoicesState.set_filter.fn(state, "currency", "EUR")
    assert (state.filter_error, shown(state)) == ("", [])
    InvoicesState.clear_filters.fn(state)
    InvoicesState.sort_by.fn(state, "outstanding")
    assert shown(state) == ["A-3", "A-2", "A-1"], "the largest debt first (ties: the newest first)"
    InvoicesState.sort_by.fn(state, "number")
    InvoicesState.sort_by.fn(state, "number")
    assert (shown(state), state.sort_descending) == (["A-3", "A-2", "A-1"], True)
    monkeypatch.setattr(invoices_state, "PAGE_SIZE", 2)
    InvoicesState.clear_filters.fn(state)
    assert (shown(state), state.has_next, state.page_label) == (["A-3", "A-2"], True, "1–2 of 3")
    InvoicesState.next_page.fn(state)
    assert (shown(state), state.has_next, state.page_label) == (["A-1"], False, "3–3 of 3")
    InvoicesState.previous_page.fn(state)
    assert shown(state) == ["A-3", "A-2"]
    InvoicesState.show_debtor.fn(state, state.invoices[0]["debtor_id"])
    assert (shown(state), state.debtor_name) == (["A-3"], "Debtor A-3")


@pytest.mark.parametrize(
    ("handler", "args"),
    [
        ("set_filter", ("status", "bogus")),
        ("set_filter", ("org_id", "2")),
        ("set_filter", ("currency", "JPY")),
        ("set_filter", ("due_from", "yesterday")),
        ("sort_by", ("debtor.phone",)),
        ("open_dialog", ("delete", "")),
        ("run", ("drop", "")),
        ("show_debtor", ("1 OR 1=1",)),
    ],
)
def test_requests_our_page_never_sends_are_refused(session: Session, tenants, handler: str, args: tuple) -> None:
    state = loaded(session, "alpha@example.com")
    before = (shown(state), state.status, state.currency, state.sort_key)
    result = getattr(InvoicesState, handler).fn(state, *args)
    assert "That request was not valid." in toast_text(result)
    assert (shown(state), state.status, state.currency, state.sort_key) == before


def test_the_address_carries_filters_from_other_pages(session: Session, tenants) -> None:
    debtor_id = session.exec(select(Invoice.debtor_id).where(Invoice.number == "A-2")).one()
    state = loaded(session, "alpha@example.com", f"/invoices?status=owed&debtor={debtor_id}")
    assert (shown(state), state.status, state.debtor_name) == (["A-2"], "owed", "Debtor A-2")
    beta_debtor = session.exec(select(Invoice.debtor_id).where(Invoice.number == "B-1")).one()
    state = loaded(session, "alpha@example.com", f"/invoices?debtor={beta_debtor}&bucket=nonsense&currency=XYZ")
    assert (shown(state), state.debtor_id, state.bucket, state.currency) == (["A-3", "A-1", "A-2"], "", "all", "all")


def test_bulk_actions_apply_to_the_ticked_invoices(session: Session, tenants) -> None:
    state = loaded(session, "collector@example.com")
    InvoicesState.toggle_page.fn(state)
    assert len(state.selected) == 3
    assert state.all_selected
    InvoicesState.toggle.fn(state, str(tenants["reais"]))
    InvoicesState.open_dialog.fn(state, "payment", "")
    assert state.dialog_title == "Record 2 invoices as paid in full"
    result = InvoicesState.submit.fn(state, {"paid_on": TODAY.isoformat(), "method": "bank_transfer"})
    assert "Payments recorded: 2." in toast_text(result)
    assert (state.selected, state.dialog) == ([], "")
    assert {row["number"]: row["status_label"] for row in state.invoices} == {
        "A-3": "Open",
        "A-1": "Paid in full",
        "A-2": "Paid in full",
    }
    session.expire_all()
    assert session.exec(select(Enrollment.state)).all() == ["stopped"], "paid: its reminders stopped"


def test_pause_resume_and_add_to_a_campaign_from_the_list(session: Session, tenants) -> None:
    state = loaded(session, "collector@example.com")
    late, reais = str(tenants["late"]), str(tenants["reais"])
    assert "Reminders paused until you resume them." in toast_text(InvoicesState.run.fn(state, "pause", late))
    row = next(row for row in state.invoices if row["invoice_id"] == late)
    assert (row["reminders"], "resume" in row["actions"], "pause" in row["actions"]) == (
        "Reminders paused · Spring",
        True,
        False,
    )
    assert "Reminders resumed." in toast_text(InvoicesState.run.fn(state, "resume", late))
    InvoicesState.open_dialog.fn(state, "campaign", reais)
    assert [c["label"] for c in state.open_campaigns] == ["Spring"]
    result = InvoicesState.submit.fn(state, {"campaign": str(tenants["campaign"])})
    assert "Added to Spring: 1." in toast_text(result)
    InvoicesState.toggle_page.fn(state)
    InvoicesState.open_dialog.fn(state, "campaign", "")
    result = InvoicesState.submit.fn(state, {"campaign": str(tenants["campaign"])})
    assert "Already chased, left out: A-1, A-3." in toast_text(result)
    InvoicesState.open_dialog.fn(state, "campaign", reais)
    InvoicesState.submit.fn(state, {"campaign": "999999"})
    assert (state.error_field, state.error) == ("campaign", "Choose a campaign.")


def test_an_organization_without_invoices_sees_how_to_bring_them_in(session: Session, tenants) -> None:
    sign_up(session, org_name="Gamma", email="gamma@example.com")
    state = loaded(session, "gamma@example.com")
    assert (state.invoices, state.totals, state.any_invoice) == ([], [], False)


def test_start_a_campaign_opens_the_launch_page_with_the_ticked_invoices(session: Session, tenants) -> None:
    state = loaded(session, "collector@example.com")
    assert "Choose at least one invoice." in toast_text(InvoicesState.start_campaign.fn(state))
    InvoicesState.toggle.fn(state, str(tenants["reais"]))
    InvoicesState.toggle.fn(state, str(tenants["late"]))
    result = InvoicesState.start_campaign.fn(state)
    ids = sorted([tenants["late"], tenants["reais"]])
    assert f"/campaigns/new?invoices={ids[0]},{ids[1]}" in str(result.args)


def test_start_a_campaign_refuses_a_forged_selection(session: Session, tenants) -> None:
    state = loaded(session, "collector@example.com")
    state.selected = [str(tenants["late"]), str(tenants["theirs"])]  # forged past the page's checkboxes
    assert "Some of these invoices do not exist." in toast_text(InvoicesState.start_campaign.fn(state))
    session.execute(update(Invoice).where(col(Invoice.id) == tenants["reais"]).values(status="paid"))
    session.commit()
    state.selected = [str(tenants["reais"])]
    assert "None of these invoices is still to be chased" in toast_text(InvoicesState.start_campaign.fn(state))
    state.selected = ["1 OR 1=1"]
    assert "That request was not valid." in toast_text(InvoicesState.start_campaign.fn(state))
