"""The campaign view's handlers, called as a browser could: figures, message list, CSV, steering, notes.

Steering and notes are for collectors and above, in the campaign's own organization; anything else is
refused on the server and changes nothing.
"""

from typing import Any

import pytest
from sqlmodel import Session, select

from saas_app.models import Campaign, Debtor, Message
from saas_app.models.base import utcnow
from saas_app.state.campaigns import CampaignState, figures_for_session, messages_csv
from saas_app.worker import planner
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
    figures = figures_for_session(token, "", tenants["mine"], "en")
    assert figures is not None
    assert figures.counts["scheduled"] == "1"
    _fail_first(session, tenants["mine"])
    figures = figures_for_session(token, "", tenants["mine"], "en")
    assert figures is not None
    assert figures.counts["failed"] == "1"
    assert figures_for_session("", "", tenants["mine"], "en") is None
    assert figures_for_session(token, "", tenants["theirs"], "en") is None
