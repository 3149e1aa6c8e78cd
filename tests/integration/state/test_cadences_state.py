"""The cadence pages' handlers, called as a browser could: any caller, any arguments."""

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from saas_app.services import cadences
from saas_app.state.cadences import CadenceEditorState, CadencesState, day_at, position, span
from tests.factories import add_member, debtor_with_invoice, sign_up
from tests.integration.state.test_handlers import is_redirect_to_login, state_for, token_of


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    _, alpha = sign_up(session, org_name="Alpha", email="alpha@example.com")
    _, beta = sign_up(session, org_name="Beta", email="beta@example.com")
    add_member(session, alpha, "viewer", email="viewer@example.com")
    # A Sunday a few weeks ahead: +3 is a Wednesday and +5 a Friday, neither an Italian public holiday.
    due = date.today() + timedelta(days=21)
    due += timedelta(days=(6 - due.weekday()) % 7)
    while any(cadences.holidays_of("IT", day.year) & {day} for day in (due + timedelta(3), due + timedelta(5))):
        due += timedelta(days=7)
    debtor_with_invoice(session, alpha, phone="+393331112222", number="F-1", due=due, zone="Europe/Rome")
    session.commit()
    standard = cadences.standard_cadence(session, alpha)
    theirs = cadences.standard_cadence(session, beta)
    assert standard is not None
    assert theirs is not None
    return {"alpha": alpha, "ours": standard.id, "theirs": theirs.id, "due": due}


def editor(session: Session, email: str, cadence_id: int) -> Any:
    state = state_for(CadenceEditorState, token=token_of(session, email), path=f"/cadences/{cadence_id}")
    CadenceEditorState.load.fn(state)
    return state


def offsets(state: Any) -> list[int]:
    return [card["offset"] for card in state.cards]


def test_the_list_shows_each_cadence_with_its_steps_and_readiness(session: Session, world) -> None:
    state = state_for(CadencesState, token=token_of(session, "viewer@example.com"), path="/cadences")
    assert CadencesState.load.fn(state) is None
    [row] = state.rows
    assert row["name"] == "Standard reminders"
    assert len(row["steps"]) == 9
    assert row["step_count"] == "9 steps"
    assert row["readiness"] in ("Ready", f"{row['problems']} problems")


def test_nudging_a_step_moves_its_dry_run_and_saving_keeps_it(session: Session, world) -> None:
    state = editor(session, "alpha@example.com", world["ours"])
    assert state.error == ""
    assert offsets(state)[:3] == [-7, 0, 3]
    assert state.invoice_label.startswith("F-1")
    before = state.dry_run[2]["local"]
    CadenceEditorState.key_on_step.fn(state, 2, "ArrowRight")
    CadenceEditorState.nudge.fn(state, 2, 1)
    assert offsets(state)[2] == 5
    assert state.dirty
    assert before.startswith("Wednesday")
    assert state.dry_run[2]["bubble"]["lines"] != [[]]  # the message, even with no payment link to fill in
    assert state.dry_run[2]["local"].startswith("Friday"), state.dry_run[2]["local"]
    CadenceEditorState.save.fn(state, "")
    assert [s.offset_days for s in cadences.steps_of(session, world["ours"])][:3] == [-7, 0, 5]
    assert not state.dirty


def test_forged_offsets_and_orders_are_refused_and_change_nothing(session: Session, world) -> None:
    state = editor(session, "alpha@example.com", world["ours"])
    kept = offsets(state)
    for handler, args in [
        ("move", (2, 400)),
        ("move", (0, -61)),
        ("move", (2, 20)),  # past the step at +14
        ("move", (2, 0)),  # the due day's step is there
        ("move", (2, "5")),
        ("nudge", (2, 7)),
        ("nudge", (99, 1)),
        ("remove_step", (-1,)),
    ]:
        getattr(CadenceEditorState, handler).fn(state, *args)
        assert offsets(state) == kept, (handler, args)
    CadenceEditorState.choose_template.fn(state, "1")  # no step open
    state.open_step = 2
    other_template = cadences.steps_of(session, world["theirs"])[0].template_id
    CadenceEditorState.choose_template.fn(state, str(other_template))
    assert state.cards[2]["template_id"] == str(cadences.steps_of(session, world["ours"])[2].template_id)


def test_a_viewer_can_read_the_editor_but_moves_nothing(session: Session, world) -> None:
    state = editor(session, "viewer@example.com", world["ours"])
    assert state.error == ""
    assert len(state.cards) == 9
    for handler, args in [("nudge", (2, 1)), ("move", (2, 5)), ("add_step", ()), ("remove_step", (2,))]:
        getattr(CadenceEditorState, handler).fn(state, *args)
    CadenceEditorState.key_on_step.fn(state, 2, "ArrowRight")
    assert offsets(state) == [-7, 0, 3, 14, 28, 45, 75, 95, 120]
    state._steps = [*state._steps[:2], cadences.StepDraft(5, state._steps[2].template_id), *state._steps[3:]]
    CadenceEditorState.save.fn(state, "")
    assert [s.offset_days for s in cadences.steps_of(session, world["ours"])][2] == 3


def test_another_organization_s_cadence_is_as_missing_as_none(session: Session, world) -> None:
    state = editor(session, "alpha@example.com", world["theirs"])
    assert state.cadence_id == ""
    assert state.error == "This cadence does not exist."
    signed_out = state_for(CadenceEditorState, path=f"/cadences/{world['ours']}")
    assert is_redirect_to_login(CadenceEditorState.load.fn(signed_out))


def test_the_dry_run_shows_one_message_at_a_time_and_refuses_a_skipped_or_forged_row(session: Session, world) -> None:
    state = editor(session, "viewer@example.com", world["ours"])
    sent = [row["index"] for row in state.dry_run if not row["skipped"]]
    assert state.shown_message == sent[0]
    CadenceEditorState.show_message.fn(state, sent[1])
    assert state.shown_message == sent[1]
    skipped = [row["index"] for row in state.dry_run if row["skipped"]]
    for forged in [*skipped, 99, -1, "2", True]:
        CadenceEditorState.show_message.fn(state, forged)
        assert state.shown_message == sent[1], forged


def test_a_dropped_card_lands_on_the_day_drawn_where_it_was_dropped(session: Session, world) -> None:
    state = editor(session, "alpha@example.com", world["ours"])
    low, high = span(offsets(state))
    width = 1000
    two_days = round((position(5, low, high) - position(3, low, high)) * width)
    CadenceEditorState.drop.fn(state, 2, two_days, width)
    assert offsets(state)[2] == 5
    assert state.dry_run[2]["local"].startswith("Friday")
    kept = offsets(state)
    for forged in [(2, 10_000, width), (2, 5, 0), (2, 5, -3), (2, "9", width), (2, True, width), (2, 5, 10**9)]:
        CadenceEditorState.drop.fn(state, *forged)
        assert offsets(state) == kept, forged
    CadenceEditorState.drop.fn(state, 2, width // 3, width)  # past the next steps: refused, nothing moves
    assert offsets(state) == kept
    viewer = editor(session, "viewer@example.com", world["ours"])
    CadenceEditorState.drop.fn(viewer, 2, two_days, width)
    assert offsets(viewer)[2] == 3


def test_day_at_is_the_inverse_of_the_page_s_scale() -> None:
    low, high = span([-7, 0, 3, 14, 28, 45, 75, 95, 120])
    assert all(day_at(position(day, low, high), low, high) == day for day in range(low, high + 1))
