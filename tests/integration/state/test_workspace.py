"""The debtors and campaigns pages' handlers, called as a browser could: any caller, any arguments.

Each re-derives the member from the session cookie, reads only that member's organization, and
refuses what it was not sent by our own page.
"""

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from saas_app.models import Invoice, Message, Organization, TemplateVariant
from saas_app.models.base import utcnow
from saas_app.services import accounts, campaigns, debtors, invoices
from saas_app.state import campaigns as campaigns_state
from saas_app.state import debtors as debtors_state
from saas_app.state.campaigns import CampaignsState, CampaignState, when
from saas_app.state.debtors import DebtorsState
from saas_app.worker import planner
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence
from tests.integration.state.test_handlers import call, is_redirect_to_login, state_for, token_of


@pytest.fixture
def tenants(session: Session) -> dict[str, Any]:
    return two_tenants_with_a_campaign_each(session)


def two_tenants_with_a_campaign_each(session: Session) -> dict[str, Any]:
    """Alpha (owner, viewer, three debtors, one running campaign with one message planned) and Beta, its own."""
    _, alpha = sign_up(session, org_name="Alpha", email="alpha@example.com")
    _, beta = sign_up(session, org_name="Beta", email="beta@example.com")
    add_member(session, alpha, "viewer", email="viewer@example.com")
    due = date.today() + timedelta(days=10)
    with_consent, invoice = debtor_with_invoice(session, alpha, phone="+393331111111", number="A-1", due=due)
    debtor_with_invoice(session, alpha, phone="+393332222222", number="A-2", due=due, consent=False)
    leaving, _ = debtor_with_invoice(session, alpha, phone="+393333333333", number="A-3", due=due)
    debtors.opt_out(session, alpha, leaving, source="test")
    debtor_with_invoice(session, beta, phone="+393334444444", number="B-1", due=due, consent=False)
    now = utcnow()
    mine = campaigns.create_campaign(
        session,
        alpha,
        name="Spring reminders",
        cadence_id=simple_cadence(session, alpha),
        invoice_ids=[invoice],
        now=now,
    )
    _, beta_invoice = debtor_with_invoice(session, beta, phone="+393335555555", number="B-2", due=due)
    theirs = campaigns.create_campaign(
        session, beta, name="Beta secret", cadence_id=simple_cadence(session, beta), invoice_ids=[beta_invoice], now=now
    )
    session.commit()
    planner.plan_all(session, now=now)
    session.commit()
    return {"alpha": alpha, "mine": mine.id, "theirs": theirs.id, "with_consent": with_consent}


def loaded(cls: type, token: str, path: str) -> Any:
    state = state_for(cls, token=token, path=path)
    result = cls.load.fn(state)
    expected = CampaignState.watch if cls is CampaignState and state.name else None
    assert result is expected  # a campaign shown starts its live figures; a list or a refusal, nothing
    return state


def test_signed_out_callers_are_sent_to_log_in(session: Session, tenants) -> None:
    assert is_redirect_to_login(call(DebtorsState, "load", path="/debtors"))
    for handler, args in (("set_consent", ("missing",)), ("next_page", ()), ("previous_page", ())):
        assert is_redirect_to_login(call(DebtorsState, handler, *args, path="/debtors")), handler
    assert is_redirect_to_login(call(CampaignsState, "load", path="/campaigns"))
    assert is_redirect_to_login(call(CampaignsState, "next_page", path="/campaigns"))
    assert is_redirect_to_login(call(CampaignState, "load", path=f"/campaigns/{tenants['mine']}"))


def test_a_viewer_reads_the_debtors_of_the_own_organization_with_their_consent(session: Session, tenants) -> None:
    state = loaded(DebtorsState, token_of(session, "viewer@example.com"), "/debtors")
    assert [row["name"] for row in state.debtors] == ["Debtor A-1", "Debtor A-2", "Debtor A-3"]
    consent = {row["name"]: (row["consent"], row["consent_text"]) for row in state.debtors}
    today = utcnow().astimezone(ZoneInfo("UTC")).date()
    assert consent["Debtor A-1"][0] == "in"
    assert consent["Debtor A-1"][1].startswith("Opted in (recorded by hand, ")
    assert consent["Debtor A-2"] == ("missing", "No opt-in: reminders are skipped")
    assert consent["Debtor A-3"][0] == "out"
    assert consent["Debtor A-3"][1].startswith("Opted out (")
    assert str(today.year) in consent["Debtor A-3"][1]
    assert state.debtors[0]["phone"] == "+39 333 111 1111"
    assert state.debtors[0]["language"] == "English"
    assert state.without_opt_in == "1"
    assert state.any_debtor

    DebtorsState.set_consent.fn(state, "missing")
    assert [row["name"] for row in state.debtors] == ["Debtor A-2"]
    DebtorsState.set_consent.fn(state, "opted_out")
    assert [row["name"] for row in state.debtors] == ["Debtor A-3"]
    DebtorsState.set_consent.fn(state, "all")
    assert len(state.debtors) == 3


def test_the_filter_comes_from_the_address_and_refuses_anything_else(session: Session, tenants) -> None:
    token = token_of(session, "alpha@example.com")
    state = loaded(DebtorsState, token, "/debtors?consent=missing")
    assert (state.consent, [row["name"] for row in state.debtors]) == ("missing", ["Debtor A-2"])
    for bad in ("bogus", ["missing"], "", "opted_in"):
        assert DebtorsState.set_consent.fn(state, bad) is not None  # a toast
        assert (state.consent, [row["name"] for row in state.debtors]) == ("missing", ["Debtor A-2"])
    assert loaded(DebtorsState, token, "/debtors?consent=nonsense").consent == "all"


def test_pages_of_debtors_go_forward_and_back(session: Session, tenants, monkeypatch) -> None:
    monkeypatch.setattr(debtors_state, "PAGE_SIZE", 2)
    state = loaded(DebtorsState, token_of(session, "alpha@example.com"), "/debtors")
    assert ([row["name"] for row in state.debtors], state.page, state.has_next) == (
        ["Debtor A-1", "Debtor A-2"],
        1,
        True,
    )
    DebtorsState.next_page.fn(state)
    assert ([row["name"] for row in state.debtors], state.page, state.has_next) == (["Debtor A-3"], 2, False)
    assert state.page_label == "Page 2"
    DebtorsState.next_page.fn(state)  # nothing further: stays on the last page
    assert (state.page, len(state.debtors)) == (2, 1)
    DebtorsState.previous_page.fn(state)
    DebtorsState.previous_page.fn(state)
    assert ([row["name"] for row in state.debtors], state.page) == (["Debtor A-1", "Debtor A-2"], 1)


def test_pages_of_campaigns_go_forward_and_back(session: Session, tenants, monkeypatch) -> None:
    alpha = tenants["alpha"]
    _, invoice = debtor_with_invoice(session, alpha, phone="+393336666666", number="A-4", due=date.today())
    cadence = simple_cadence(session, alpha)
    campaigns.create_campaign(session, alpha, name="Summer", cadence_id=cadence, invoice_ids=[invoice], now=utcnow())
    session.commit()
    monkeypatch.setattr(campaigns_state, "PAGE_SIZE", 1)
    state = loaded(CampaignsState, token_of(session, "alpha@example.com"), "/campaigns")
    assert ([row["name"] for row in state.campaigns], state.has_next) == (["Spring reminders"], True)
    CampaignsState.next_page.fn(state)
    assert ([row["name"] for row in state.campaigns], state.has_next, state.page) == (["Summer"], False, 2)
    CampaignsState.previous_page.fn(state)
    assert [row["name"] for row in state.campaigns] == ["Spring reminders"]


def test_an_organization_without_debtors_sees_the_empty_state(session: Session, tenants) -> None:
    sign_up(session, org_name="Gamma", email="gamma@example.com")
    state = loaded(DebtorsState, token_of(session, "gamma@example.com"), "/debtors")
    assert (state.debtors, state.any_debtor, state.without_opt_in, state.has_next) == ([], False, "", False)


def test_the_campaign_list_shows_the_own_campaigns_with_their_figures(session: Session, tenants) -> None:
    state = loaded(CampaignsState, token_of(session, "viewer@example.com"), "/campaigns")
    assert [row["name"] for row in state.campaigns] == ["Spring reminders"]
    row = state.campaigns[0]
    stats = campaigns.campaign_stats(session, tenants["alpha"], tenants["mine"])
    assert stats.last_send_at is not None
    assert (row["status_label"], row["invoices"], row["scheduled"], row["sent"]) == ("Running", "1", "1", "0")
    org = session.exec(select(Organization).where(Organization.id == tenants["alpha"].org_id)).one()
    expected = when(stats.last_send_at, ZoneInfo(org.timezone), "en")
    assert row["last_planned"] == f"Last planned message: {expected}"
    assert state.zone_name == org.timezone


def test_a_campaign_with_nothing_left_to_send_says_so(session: Session, tenants) -> None:
    for message in session.exec(select(Message).where(Message.campaign_id == tenants["mine"])):
        message.status = "delivered"
        session.add(message)
    session.commit()
    state = loaded(CampaignState, token_of(session, "alpha@example.com"), f"/campaigns/{tenants['mine']}")
    assert state.last_planned == "No message waiting to go out"
    assert (state.counts["sent"], state.counts["delivered"], state.counts["scheduled"]) == ("1", "1", "0")


def test_the_campaign_page_shows_the_own_campaign_and_nothing_of_another(session: Session, tenants) -> None:
    token = token_of(session, "viewer@example.com")
    state = loaded(CampaignState, token, f"/campaigns/{tenants['mine']}")
    assert (state.name, state.status, state.cadence, state.error) == ("Spring reminders", "running", "Test cadence", "")
    assert state.counts["invoices"] == "1"
    assert state.last_planned.startswith("Last planned message: ")
    for path in (f"/campaigns/{tenants['theirs']}", "/campaigns/abc", "/campaigns/-1", "/campaigns/99999999"):
        state = loaded(CampaignState, token, path)
        assert state.error == "This campaign does not exist.", path
        assert (state.name, state.counts, state.cadence, state.last_planned) == ("", {}, "", ""), path


def test_problems_are_listed_step_by_step(session: Session, tenants) -> None:
    state = loaded(CampaignState, token_of(session, "alpha@example.com"), f"/campaigns/{tenants['mine']}")
    assert state.problems == []
    for variant in session.exec(select(TemplateVariant).where(TemplateVariant.org_id == tenants["alpha"].org_id)):
        variant.status = "rejected"
        session.add(variant)
    session.commit()
    state = loaded(CampaignState, token_of(session, "viewer@example.com"), f"/campaigns/{tenants['mine']}")
    why = "Meta rejected this version: edit it and submit it again."
    assert [p["text"] for p in state.problems] == [f"Step {n} · Reminder · English: {why}" for n in (1, 2, 3)]
    assert {p["status"] for p in state.problems} == {"rejected"}


def test_dates_languages_and_amounts_follow_the_users_language(session: Session, tenants) -> None:
    alpha = tenants["alpha"]
    accounts.set_locale(session, alpha.user_id, "pt")
    invoice = session.exec(select(Invoice).where(Invoice.number == "A-1")).one()
    invoices.record_payment(session, alpha, invoice.id or 0, amount_minor=12345, paid_on=date.today())
    session.commit()
    token = token_of(session, "alpha@example.com")
    debtors_page = loaded(DebtorsState, token, "/debtors")
    first = debtors_page.debtors[0]
    assert first["language"] == "Inglês"
    assert " de " in first["consent_text"]  # a Portuguese date: "23 de nov. de 2026"
    detail = loaded(CampaignState, token, f"/campaigns/{tenants['mine']}")
    assert detail.paid_amounts == "€\xa0123,45"
    assert detail.counts["paid"] == "1"
