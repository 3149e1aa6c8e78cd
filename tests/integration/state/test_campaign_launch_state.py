"""The launch page's handlers, called as a browser would: live count, cadence, preview, launch, refusals."""

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from saas_app.models import Enrollment, TemplateVariant
from saas_app.state.campaign_launch import CampaignLaunchState
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence, today_of
from tests.integration.state.test_handlers import state_for, token_of

PATH = "/campaigns/new"


def _page(session: Session, email: str, path: str = PATH) -> Any:
    state = state_for(CampaignLaunchState, token=token_of(session, email), path=path)
    CampaignLaunchState.load.fn(state)
    return state


def _org(session: Session) -> tuple[Any, int, list[int]]:
    _, ctx = sign_up(session, email="boss@example.com")
    today = today_of(session, ctx)
    ids = [
        debtor_with_invoice(session, ctx, phone=f"+39347123450{n}", number=f"F-{n}", due=today - timedelta(days=d))[1]
        for n, d in enumerate((5, 45, 100))
    ]
    return ctx, simple_cadence(session, ctx), ids


def test_the_count_follows_the_rules_and_the_launch_lands_on_the_campaign(session: Session) -> None:
    _, cadence_id, _ = _org(session)
    state = _page(session, "boss@example.com")
    assert (state.count_invoices, state.count_debtors) == ("3", "3")
    CampaignLaunchState.set_rule.fn(state, "bucket", "31-90")
    assert (state.min_days, state.max_days, state.count_invoices) == ("31", "90", "1")
    CampaignLaunchState.set_rule.fn(state, "max_days", "")
    assert state.count_invoices == "2"
    assert state.count_amounts == "€246.90"
    assert {o["value"]: o["ready"] for o in state.cadence_options}[str(cadence_id)]
    CampaignLaunchState.choose_cadence.fn(state, str(cadence_id))
    assert state.previewed
    assert state.preview_invoices == "2"
    assert len(state.samples) == 2
    assert "F-2" in state.samples[0]["invoice"]
    result = CampaignLaunchState.launch_campaign.fn(state, {"name": "Old debts"})
    assert "/campaigns/" in str(result[0])
    assert len(session.exec(select(Enrollment)).all()) == 2


def test_a_bad_rule_is_said_beside_its_box(session: Session) -> None:
    _org(session)
    state = _page(session, "boss@example.com")
    CampaignLaunchState.set_rule.fn(state, "min_amount", "12")  # no currency chosen
    assert state.error_field == "currency"
    assert state.count_invoices == ""
    CampaignLaunchState.set_rule.fn(state, "min_amount", "")
    assert state.count_invoices == "3"
    CampaignLaunchState.set_rule.fn(state, "min_days", "ten")
    assert state.error_field == "min_days"
    assert state.count_invoices == ""


def test_a_cadence_with_problems_or_of_another_org_cannot_be_chosen(session: Session) -> None:
    ctx, cadence_id, _ = _org(session)
    _, stranger = sign_up(session, email="other@example.com")
    theirs = simple_cadence(session, stranger)
    for variant in session.exec(select(TemplateVariant).where(TemplateVariant.org_id == ctx.org_id)):
        variant.status = "paused"
        session.add(variant)
    session.commit()
    state = _page(session, "boss@example.com")
    assert not {o["value"]: o["ready"] for o in state.cadence_options}[str(cadence_id)]
    for forged in (str(cadence_id), str(theirs)):
        CampaignLaunchState.choose_cadence.fn(state, forged)
        assert state.cadence == ""
        assert not state.previewed
    state.cadence = str(cadence_id)  # forged past the menu: the service refuses the launch
    CampaignLaunchState.launch_campaign.fn(state, {"name": "X"})
    assert session.exec(select(Enrollment)).all() == []


def test_picked_invoices_are_checked_as_the_orgs_own(session: Session) -> None:
    _, _, ids = _org(session)
    _, stranger = sign_up(session, email="other@example.com")
    _, theirs = debtor_with_invoice(
        session, stranger, phone="+393470000001", number="X-1", due=today_of(session, stranger)
    )
    state = _page(session, "boss@example.com", f"{PATH}?invoices={ids[0]},{ids[1]}")
    assert (state.picked_count, state.count_invoices) == (2, "2")
    forged = _page(session, "boss@example.com", f"{PATH}?invoices={ids[0]},{theirs}")
    assert forged.picked_count == 0
    assert forged.count_invoices == ""


def test_a_viewer_cannot_launch(session: Session) -> None:
    ctx, cadence_id, _ = _org(session)
    add_member(session, ctx, "viewer", email="look@example.com")
    state = _page(session, "look@example.com")
    assert state.count_invoices == "3"  # a viewer may look
    state.cadence = str(cadence_id)
    CampaignLaunchState.launch_campaign.fn(state, {"name": "X"})
    CampaignLaunchState.save_segment.fn(state, {"segment_name": "Mine"})
    assert session.exec(select(Enrollment)).all() == []
    assert state.saved_segments == []
