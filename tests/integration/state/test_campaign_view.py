"""The campaign view's handlers, called as a browser could: figures, message list, CSV, steering, notes,
and the live loop's read (the page a person is on, refreshed in place).

Steering and notes are for collectors and above, in the campaign's own organization; anything else is
refused on the server and changes nothing.
"""

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from saas_app.core.roles import Role
from saas_app.models import Campaign, Debtor, Message
from saas_app.models.base import utcnow
from saas_app.services import audit, campaigns, invoices
from saas_app.services.campaigns import MessageFilters
from saas_app.services.context import OrgContext
from saas_app.state.campaigns import MESSAGE_PAGE, CampaignState, MessageView, messages_csv, view_for_session
from saas_app.worker import planner
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence
from tests.integration.state.test_handlers import state_for, token_of
from tests.integration.state.test_workspace import loaded, two_tenants_with_a_campaign_each


@pytest.fixture
def tenants(session: Session) -> dict[str, Any]:
    return two_tenants_with_a_campaign_each(session)


def _messages(session: Session, campaign_id: int) -> list[Message]:
    session.expire_all()
    return list(session.exec(select(Message).where(Message.campaign_id == campaign_id).order_by(Message.id)))


def _status(session: Session, campaign_id: int) -> str:
    session.expire_all()
    return session.exec(select(Campaign.status).where(Campaign.id == campaign_id)).one()


def _fail_first(session: Session, campaign_id: int) -> None:
    message = _messages(session, campaign_id)[0]
    message.status, message.error_code, message.error_message = "failed", "131026", "Message undeliverable"
    message.sent_at = message.failed_at = utcnow()
    session.add(message)
    session.commit()


def test_the_funnel_counts_each_stage_and_why_messages_failed(session: Session, tenants) -> None:
    _fail_first(session, tenants["mine"])
    state = loaded(CampaignState, token_of(session, "viewer@example.com"), f"/campaigns/{tenants['mine']}")
    funnel = {row["key"]: (row["value"], row["rate"]) for row in state.funnel}
    assert funnel["targeted"] == ("1", "")
    assert funnel["sent"] == ("0", "0% of those due")  # the one message due failed
    assert funnel["paid"] == ("0", "0% of invoices targeted")
    assert [(r["kind"], r["code"], r["text"], r["count"]) for r in state.reasons] == [
        ("Failed", "131026", "the number is not on WhatsApp or cannot receive messages", "1")
    ]
    assert [(s["step"], s["language"], s["failed"]) for s in state.steps] == [("1", "English", "1")]
    assert state.recovery[0]["rate"] == "0% of what was owed at launch"


def test_the_message_list_filters_on_the_server_and_refuses_forged_filters(session: Session, tenants) -> None:
    _fail_first(session, tenants["mine"])
    state = loaded(CampaignState, token_of(session, "viewer@example.com"), f"/campaigns/{tenants['mine']}")
    assert [(m["debtor"], m["invoice"], m["step"], m["status"]) for m in state.messages] == [
        ("Debtor A-1", "A-1", "1", "failed")
    ]
    assert state.messages[0]["error"] == "the number is not on WhatsApp or cannot receive messages"
    CampaignState.filter_messages.fn(state, "status", "delivered")
    assert state.messages == []
    CampaignState.filter_messages.fn(state, "status", "failed")
    CampaignState.filter_messages.fn(state, "step", "0")
    assert len(state.messages) == 1
    CampaignState.filter_messages.fn(state, "language", "it")
    assert state.messages == []
    for name, value in (("status", "bogus"), ("step", "-1"), ("language", "x'; drop"), ("org", "1")):
        assert CampaignState.filter_messages.fn(state, name, value) is not None, (name, value)  # a toast
    assert (state.status_filter, state.step_filter, state.language_filter) == ("failed", "0", "it")


def test_the_csv_export_neutralizes_formulas(session: Session, tenants) -> None:
    debtor = session.get(Debtor, tenants["with_consent"])
    assert debtor is not None
    debtor.name = '=HYPERLINK("http://evil.example","x")'
    session.add(debtor)
    session.commit()
    state = loaded(CampaignState, token_of(session, "viewer@example.com"), f"/campaigns/{tenants['mine']}")
    assert "data:text/csv" in str(CampaignState.export_csv.fn(state))
    lines = messages_csv(state.messages, "en").splitlines()
    assert lines[0] == "Debtor,Invoice,Step,Language,Status,Time,Error"
    assert lines[1].startswith('"\'=HYPERLINK(""http://evil.example"",""x"")",A-1,1,English,Scheduled,')


def test_pause_holds_the_schedule_resume_plans_again_and_stop_cancels(session: Session, tenants) -> None:
    campaign_id = tenants["mine"]
    assert [m.status for m in _messages(session, campaign_id)] == ["scheduled"]
    path = f"/campaigns/{campaign_id}"
    state = loaded(CampaignState, token_of(session, "alpha@example.com"), path)
    CampaignState.pause.fn(state)
    assert (_status(session, campaign_id), state.status) == ("paused", "paused")
    assert _messages(session, campaign_id) == []  # taken back: nothing can be claimed
    planner.plan_all(session, now=utcnow())
    session.commit()
    assert _messages(session, campaign_id) == []  # and the schedule waits
    assert CampaignState.pause.fn(state) is not None  # already paused: a toast, no change

    CampaignState.resume.fn(state)
    assert _status(session, campaign_id) == "running"
    planner.plan_all(session, now=utcnow())
    session.commit()
    assert [m.status for m in _messages(session, campaign_id)] == ["scheduled"]

    CampaignState.stop.fn(state)
    assert _status(session, campaign_id) == "cancelled"
    assert [(m.status, m.error_message) for m in _messages(session, campaign_id)] == [("cancelled", "campaign_stopped")]
    assert CampaignState.resume.fn(state) is not None
    assert _status(session, campaign_id) == "cancelled"
    assert [a["text"] for a in state.activity] == ["Stopped", "Resumed", "Paused", "Launched"]
    assert all(a["who"] and a["at"] for a in state.activity)


def test_a_viewer_and_another_organization_can_neither_steer_nor_note(session: Session, tenants) -> None:
    mine, theirs = tenants["mine"], tenants["theirs"]
    viewer = state_for(CampaignState, token=token_of(session, "viewer@example.com"), path=f"/campaigns/{mine}")
    for handler, args in (("pause", ()), ("stop", ()), ("resume", ()), ("add_note", ({"note": "hi"},))):
        assert getattr(CampaignState, handler).fn(viewer, *args) is not None, handler  # refused with a toast
    stranger = state_for(CampaignState, token=token_of(session, "alpha@example.com"), path=f"/campaigns/{theirs}")
    for handler, args in (("pause", ()), ("stop", ()), ("add_note", ({"note": "hi"},)), ("export_csv", ())):
        result = getattr(CampaignState, handler).fn(stranger, *args)
        assert "does not exist" in f"{result} {stranger.note_error}", handler
    assert (_status(session, mine), _status(session, theirs)) == ("running", "running")
    assert [m.status for m in _messages(session, mine)] == ["scheduled"]
    assert loaded(CampaignState, token_of(session, "alpha@example.com"), f"/campaigns/{mine}").notes == []


def test_team_notes_are_kept_and_an_empty_one_is_refused(session: Session, tenants) -> None:
    state = loaded(CampaignState, token_of(session, "alpha@example.com"), f"/campaigns/{tenants['mine']}")
    assert CampaignState.add_note.fn(state, {"note": "   "}) is None
    assert (state.note_error, state.notes) == ("Write the note first.", [])
    CampaignState.add_note.fn(state, {"note": "Call the big ones on Monday"})
    assert state.note_error == ""
    assert [n["body"] for n in state.notes] == ["Call the big ones on Monday"]
    viewer = loaded(CampaignState, token_of(session, "viewer@example.com"), f"/campaigns/{tenants['mine']}")
    assert [n["body"] for n in viewer.notes] == ["Call the big ones on Monday"]


def test_live_figures_follow_the_session_and_stop_without_it(session: Session, tenants) -> None:
    token = token_of(session, "alpha@example.com")
    everything = MessageView(MessageFilters(), None)
    live = view_for_session(token, "", tenants["mine"], "en", everything)
    assert live is not None
    assert live.figures.counts["scheduled"] == "1"
    _fail_first(session, tenants["mine"])
    live = view_for_session(token, "", tenants["mine"], "en", everything)
    assert live is not None
    assert live.figures.counts["failed"] == "1"
    assert [m["status"] for m in live.messages] == ["failed"]
    assert view_for_session("", "", tenants["mine"], "en", everything) is None
    assert view_for_session(token, "", tenants["theirs"], "en", everything) is None


def a_campaign_of_thirty(session: Session) -> tuple[int, str]:
    """A campaign on 30 invoices (one message each, planned), and the token of the organization's viewer."""
    _, ctx = sign_up(session, org_name="Gamma", email="gamma@example.com")
    add_member(session, ctx, "viewer", email="gv@example.com")
    due = date.today() + timedelta(days=10)
    invoice_ids = [
        debtor_with_invoice(session, ctx, phone=f"+3933340000{n:02d}", number=f"G-{n:02d}", due=due)[1]
        for n in range(30)
    ]
    now = utcnow()
    campaign = campaigns.create_campaign(
        session, ctx, name="Thirty", cadence_id=simple_cadence(session, ctx), invoice_ids=invoice_ids, now=now
    )
    session.commit()
    planner.plan_all(session, now=now)
    session.commit()
    return campaign.id or 0, token_of(session, "gv@example.com")


def test_the_live_read_refreshes_the_page_the_person_is_on_and_reads_no_other(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign_id, token = a_campaign_of_thirty(session)
    state = loaded(CampaignState, token, f"/campaigns/{campaign_id}")
    CampaignState.filter_messages.fn(state, "step", "0")
    CampaignState.filter_messages.fn(state, "language", "en")
    CampaignState.next_page.fn(state)
    assert (state.page, len(state.messages)) == (2, 5)
    second = _messages(session, campaign_id)[26]  # the second row of page 2
    session.execute(update(Message).where(col(Message.id) == second.id).values(status="sent", sent_at=utcnow()))
    operator = OrgContext(None, second.org_id, Role.OWNER, "test")  # someone else edits it meanwhile
    audit.record_for(operator, session, "campaign.edited", target_type="campaign", target_id=campaign_id)
    session.commit()
    reads: list[tuple[campaigns.MessageFilters, int | None, int]] = []
    real = campaigns.campaign_messages

    def spy(session_: Session, context: Any, campaign: int, filters: Any, *, after: Any = None, limit: int = 50) -> Any:
        reads.append((filters, after, limit))
        return real(session_, context, campaign, filters, after=after, limit=limit)

    monkeypatch.setattr(campaigns, "campaign_messages", spy)
    view = state._message_view()
    live = view_for_session(token, "", campaign_id, "en", view)
    assert live is not None
    state._take(live, view, "en")

    assert reads == [(campaigns.MessageFilters(step=0, language="en"), view.after, MESSAGE_PAGE)], "one page, no more"
    assert (state.page, state.step_filter, state.language_filter) == (2, "0", "en")
    assert [m["status"] for m in state.messages] == ["scheduled", "sent", "scheduled", "scheduled", "scheduled"]
    assert state.counts["sent"] == "1"
    assert [a["text"] for a in state.activity] == ["Edited", "Launched"]


def test_a_live_read_does_not_undo_a_page_turned_meanwhile(session: Session) -> None:
    campaign_id, token = a_campaign_of_thirty(session)
    state = loaded(CampaignState, token, f"/campaigns/{campaign_id}")
    CampaignState.next_page.fn(state)
    view = state._message_view()
    live = view_for_session(token, "", campaign_id, "en", view)  # read for page 2...
    assert live is not None
    _fail_first(session, campaign_id)
    CampaignState.previous_page.fn(state)  # ...while the person went back to page 1
    state._take(live, view, "en")
    assert (state.page, len(state.messages), state.messages[0]["status"]) == (1, MESSAGE_PAGE, "failed")


def test_the_step_table_counts_paid_invoices_for_the_last_step_sent(session: Session) -> None:
    campaign_id, token = a_campaign_of_thirty(session)
    first = _messages(session, campaign_id)[0]
    an_hour_ago = utcnow() - timedelta(hours=1)
    session.execute(update(Message).where(col(Message.id) == first.id).values(status="read", sent_at=an_hour_ago))
    session.commit()
    ctx = OrgContext(None, first.org_id, Role.OWNER, "test")
    invoices.record_payment(session, ctx, first.invoice_id or 0, amount_minor=12345, paid_on=date.today())
    session.commit()
    state = loaded(CampaignState, token, f"/campaigns/{campaign_id}")
    assert [(s["step"], s["language"], s["sent"], s["paid"], s["paid_rate"]) for s in state.steps] == [
        ("1", "English", "1", "1", "100%")
    ]
    assert {row["key"]: row["value"] for row in state.funnel}["paid"] == "1"
    # One invoice of thirty paid: the rate is against what the thirty owed when the campaign was launched.
    assert state.recovery == [{"currency": "EUR", "recovered": "€123.45", "rate": "3.3% of what was owed at launch"}]
