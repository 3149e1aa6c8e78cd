"""The cadence pages' handlers, called as a browser could: any caller, any arguments."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, delete, select

from saas_app.models import Cadence, CadenceStep, Template, TemplateVariant
from saas_app.services import cadences, campaigns, templates
from saas_app.state.cadences import CadenceEditorState, CadencesState, day_at, position, span
from tests.factories import add_member, debtor_with_invoice, sign_up, simple_cadence
from tests.integration.state.test_handlers import call, is_redirect_to_login, state_for, token_of


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
    return {"alpha": alpha, "beta": beta, "ours": standard.id, "theirs": theirs.id, "due": due}


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
    assert row["step_count"] == "Steps: 9"
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


def said(result: Any) -> str:
    """The toast a handler answered with, as text."""
    return str(getattr(result, "args", result))


def stored(session: Session, cadence_id: int) -> Cadence:
    session.expire_all()
    cadence = session.get(Cadence, cadence_id)
    assert cadence is not None
    return cadence


def test_new_cadence_is_a_copy_of_the_standard_or_blank_and_opens_in_the_editor(session: Session, world) -> None:
    owner = state_for(CadencesState, token=token_of(session, "alpha@example.com"), path="/cadences")
    CadencesState.load.fn(owner)
    CadencesState.open_new.fn(owner, True)
    assert (owner.creating, owner.new_name, owner.new_from) == (True, "", "standard")
    opened = CadencesState.create.fn(owner, {"name": "Gentle", "start": "standard"})
    assert not owner.creating
    gentle = session.exec(select(Cadence).where(Cadence.name == "Gentle")).one()
    assert f"/cadences/{gentle.id}" in said(opened[0])
    assert "Cadence created." in said(opened[1])
    assert len(cadences.steps_of(session, gentle.id or 0)) == 9
    CadencesState.create.fn(owner, {"name": "Empty", "start": "blank"})
    empty = session.exec(select(Cadence).where(Cadence.name == "Empty")).one()
    assert cadences.steps_of(session, empty.id or 0) == []
    CadencesState.load.fn(owner)
    rows = {row["name"]: row for row in owner.rows}
    assert (rows["Empty"]["readiness"], rows["Empty"]["problems"], rows["Empty"]["steps"]) == ("No steps yet", -1, [])
    assert rows["Gentle"]["step_count"] == "Steps: 9"


def test_a_new_cadence_from_a_viewer_a_forged_start_or_without_a_name_is_refused(session: Session, world) -> None:
    count = len(session.exec(select(Cadence)).all())
    viewer = state_for(CadencesState, token=token_of(session, "viewer@example.com"), path="/cadences")
    assert "role does not allow" in said(CadencesState.create.fn(viewer, {"name": "Mine", "start": "blank"}))
    owner = state_for(CadencesState, token=token_of(session, "alpha@example.com"), path="/cadences")
    assert "not valid" in said(CadencesState.create.fn(owner, {"name": "Mine", "start": str(world["theirs"])}))
    assert "Give the cadence a name" in said(CadencesState.create.fn(owner, {"name": "  ", "start": "blank"}))
    assert is_redirect_to_login(call(CadencesState, "create", {"name": "X", "start": "blank"}, path="/cadences"))
    session.expire_all()
    assert len(session.exec(select(Cadence)).all()) == count


def test_closing_the_new_cadence_dialog_forgets_what_was_typed(session: Session, world) -> None:
    state = state_for(CadencesState, token=token_of(session, "alpha@example.com"), path="/cadences")
    state.new_name, state.new_from, state.creating = "Half typed", "blank", True
    CadencesState.open_new.fn(state, False)
    assert (state.creating, state.new_name, state.new_from) == (False, "", "standard")


def test_the_sending_rules_change_the_draft_and_saving_stores_them(session: Session, world) -> None:
    state = editor(session, "alpha@example.com", world["ours"])
    CadenceEditorState.set_window.fn(state, "start", "8")
    CadenceEditorState.set_window.fn(state, "end", "20")
    CadenceEditorState.toggle_weekday.fn(state, 5)  # Saturday allowed
    CadenceEditorState.toggle_weekday.fn(state, 0)  # Monday not
    CadenceEditorState.set_skip_holidays.fn(state, False)
    CadenceEditorState.set_number.fn(state, "weekly_cap", " 5 ")
    CadenceEditorState.set_number.fn(state, "min_gap_hours", "48")
    assert (state.window_start, state.window_end, state.weekly_cap, state.min_gap_hours) == ("8", "20", "5", "48")
    assert state.weekdays == [False, True, True, True, True, True, False]
    assert state.weekday_names[0] == "Mon"
    assert not state.skip_holidays
    assert state.dirty
    assert stored(session, world["ours"]).weekly_cap == 3, "nothing is stored before Save"
    assert "Saved." in said(CadenceEditorState.save.fn(state, ""))
    cadence = stored(session, world["ours"])
    assert (cadence.window_start_minute, cadence.window_end_minute) == (8 * 60, 20 * 60)
    assert sorted(cadence.weekdays) == [1, 2, 3, 4, 5]
    assert (cadence.skip_holidays, cadence.weekly_cap, cadence.min_gap_hours) == (False, 5, 48)
    assert not state.dirty


def test_rules_that_break_a_limit_are_refused_and_said(session: Session, world) -> None:
    state = editor(session, "alpha@example.com", world["ours"])
    assert "end after it starts" in said(CadenceEditorState.set_window.fn(state, "end", "9"))
    assert "Between 0 and 14." in said(CadenceEditorState.set_number.fn(state, "weekly_cap", "15"))
    key = state.typed_key
    assert "Write a whole number." in said(CadenceEditorState.set_number.fn(state, "weekly_cap", "two"))
    assert state.typed_key == key + 1, "the field shows the kept value again"
    for day in range(1, 5):
        CadenceEditorState.toggle_weekday.fn(state, day)
    assert "at least one weekday" in said(CadenceEditorState.toggle_weekday.fn(state, 0))
    assert state.weekdays == [True, False, False, False, False, False, False]
    for handler, args in [
        ("set_window", ("middle", "9")),
        ("set_window", ("start", "25")),
        ("set_window", ("start", 9)),
        ("toggle_weekday", (7,)),
        ("toggle_weekday", (True,)),
        ("set_skip_holidays", ("no",)),
        ("set_number", ("org_id", "2")),
        ("set_number", ("weekly_cap", 5)),
    ]:
        assert "not valid" in said(getattr(CadenceEditorState, handler).fn(state, *args)), (handler, args)
    assert (state.window_start, state.window_end, state.weekly_cap, state.skip_holidays) == ("9", "19", "3", True)


def test_a_viewer_changes_no_rule(session: Session, world) -> None:
    state = editor(session, "viewer@example.com", world["ours"])
    for handler, args in [
        ("set_window", ("start", "8")),
        ("toggle_weekday", (5,)),
        ("set_skip_holidays", (False,)),
        ("set_number", ("weekly_cap", "5")),
        ("set_name", ("Renamed",)),
    ]:
        assert "role does not allow" in said(getattr(CadenceEditorState, handler).fn(state, *args)), handler
    assert (state.window_start, state.weekly_cap, state.skip_holidays, state.name) == (
        "9",
        "3",
        True,
        "Standard reminders",
    )
    assert not state.dirty


def test_steps_are_added_opened_given_another_template_and_removed(session: Session, world) -> None:
    state = editor(session, "alpha@example.com", world["ours"])
    CadenceEditorState.add_step.fn(state)
    assert offsets(state) == [-7, 0, 3, 14, 28, 45, 75, 95, 120, 127]
    assert state.open_step == 9, "the new step opens"
    assert state.step_template == state.cards[9]["template_id"] == state.cards[8]["template_id"]
    assert state.step_template_href == f"/templates/{state.step_template}"
    assert state.step_bubble["lines"] != [[]]
    CadenceEditorState.close_step.fn(state, False)
    assert state.open_step == -1
    CadenceEditorState.key_on_step.fn(state, 9, "Enter")
    assert state.open_step == 9
    other = next(c["value"] for c in state.template_choices if c["value"] != state.step_template)
    CadenceEditorState.choose_template.fn(state, other)
    assert (state.cards[9]["template_id"], state.step_template) == (other, other)
    CadenceEditorState.key_on_step.fn(state, 9, "ArrowLeft")
    assert offsets(state)[9] == 126
    CadenceEditorState.key_on_step.fn(state, 9, "Tab")  # any other key does nothing
    CadenceEditorState.remove_step.fn(state, 0)
    assert offsets(state) == [0, 3, 14, 28, 45, 75, 95, 120, 126]
    assert state.open_step == -1
    CadenceEditorState.save.fn(state, "")
    steps = cadences.steps_of(session, world["ours"])
    assert [s.offset_days for s in steps] == [0, 3, 14, 28, 45, 75, 95, 120, 126]
    assert str(steps[-1].template_id) == other


def test_a_blank_cadence_gets_its_first_step_on_the_due_day_week_and_a_twelve_step_cap(session: Session, world) -> None:
    owner = state_for(CadencesState, token=token_of(session, "alpha@example.com"), path="/cadences")
    CadencesState.create.fn(owner, {"name": "Empty", "start": "blank"})
    blank = session.exec(select(Cadence).where(Cadence.name == "Empty")).one()
    state = editor(session, "alpha@example.com", blank.id or 0)
    assert (state.cards, state.dry_run, state.readiness_label) == ([], [], "No steps yet")
    CadenceEditorState.add_step.fn(state)
    assert offsets(state) == [0]
    assert state.readiness_label == "Ready"
    for _ in range(11):
        CadenceEditorState.add_step.fn(state)
    assert len(state.cards) == 12
    assert "at most 12 steps" in said(CadenceEditorState.add_step.fn(state))
    assert len(state.cards) == 12


def test_a_cadence_step_needs_a_template_to_exist_first(session: Session, world) -> None:
    owner = state_for(CadencesState, token=token_of(session, "alpha@example.com"), path="/cadences")
    CadencesState.create.fn(owner, {"name": "Empty", "start": "blank"})
    blank = session.exec(select(Cadence).where(Cadence.name == "Empty")).one()
    state = editor(session, "alpha@example.com", blank.id or 0)
    session.execute(delete(CadenceStep))
    session.execute(delete(TemplateVariant))
    session.execute(delete(Template))
    session.commit()
    assert "Make a template first" in said(CadenceEditorState.add_step.fn(state))
    assert state.cards == []


def test_renaming_and_saving_with_no_name_is_refused(session: Session, world) -> None:
    state = editor(session, "alpha@example.com", world["ours"])
    CadenceEditorState.set_name.fn(state, "Softer reminders" + "!" * 200)
    assert state.name == ("Softer reminders" + "!" * 200)[:120]
    assert state.dirty
    CadenceEditorState.set_name.fn(state, "   ")
    assert "Give the cadence a name" in said(CadenceEditorState.save.fn(state, ""))
    assert stored(session, world["ours"]).name == "Standard reminders"
    assert "not valid" in said(CadenceEditorState.set_name.fn(state, ["x"]))
    CadenceEditorState.set_name.fn(state, "Softer")
    CadenceEditorState.save.fn(state, "")
    assert stored(session, world["ours"]).name == "Softer"


def test_the_dry_run_tries_a_picked_invoice_and_never_another_tenant_s(session: Session, world) -> None:
    _, mine = debtor_with_invoice(session, world["alpha"], phone="+393331113333", number="G-7", due=world["due"])
    _, theirs = debtor_with_invoice(session, world["beta"], phone="+393331114444", number="B-1", due=world["due"])
    state = editor(session, "viewer@example.com", world["ours"])
    CadenceEditorState.find_invoices.fn(state, "g-7")
    assert [c["label"] for c in state.invoice_choices] == ["G-7 · Debtor G-7"]
    CadenceEditorState.find_invoices.fn(state, "B-1")
    assert state.invoice_choices == [], "another organization's invoices are not found"
    CadenceEditorState.pick_invoice.fn(state, str(mine))
    assert (state.invoice_label, state.invoice_choices) == ("G-7 · Debtor G-7", [])
    assert len(state.dry_run) == 9
    assert "does not exist" in said(CadenceEditorState.pick_invoice.fn(state, str(theirs)))
    assert "not valid" in said(CadenceEditorState.find_invoices.fn(state, None))
    assert state.invoice_label == "G-7 · Debtor G-7"


def test_a_step_s_problem_is_counted_on_its_card_and_linked_to_its_template(session: Session, world) -> None:
    first = cadences.steps_of(session, world["ours"])[0].template_id
    english = templates.variants_of(session, first)["en"]
    english.status = "rejected"
    session.add(english)
    session.commit()
    state = editor(session, "viewer@example.com", world["ours"])
    assert state.cards[0]["problems"] == 1
    assert state.readiness_label == "Problems: 1"
    [problem] = state.problems
    assert problem["text"] == (
        "Step 1 (−7 d), " + state.cards[0]["template_name"] + ", English: "
        "Meta rejected this version: edit it and submit it again."
    )
    assert problem["href"] == f"/templates/{first}?language=en"
    assert state.readiness[0]["cells"][0]["status_label"] == "Rejected"
    lists = state_for(CadencesState, token=token_of(session, "viewer@example.com"), path="/cadences")
    CadencesState.load.fn(lists)
    assert (lists.rows[0]["readiness"], lists.rows[0]["problems"]) == ("Problems: 1", 1)


def test_a_debtor_whose_language_a_step_lacks_gets_the_fallback_and_the_page_says_so(session: Session, world) -> None:
    first = cadences.steps_of(session, world["ours"])[0].template_id
    session.delete(templates.variants_of(session, first)["it"])
    session.commit()
    due = date.today() - timedelta(days=1)  # a day late: the step a week before the due date is past
    _, invoice = debtor_with_invoice(session, world["alpha"], phone="+393331115555", number="I-1", due=due, locale="it")
    state = editor(session, "viewer@example.com", world["ours"])
    italian = next(cell for cell in state.readiness[0]["cells"] if cell["language"].startswith("it"))
    assert italian["chosen"] == "en"
    assert italian["title"].endswith("sent in English")
    CadenceEditorState.pick_invoice.fn(state, str(invoice))
    assert state.dry_run[0]["language"] == "English (fallback)"
    assert state.dry_run[0]["skipped"]
    assert state.dry_run[0]["local"] == "Not sent: the invoice starts at a later step"
    assert state.shown_message == state.dry_run[1]["index"], "the first message that goes out is shown"


def test_a_cadence_campaigns_use_asks_before_saving_and_each_answer_is_said(session: Session, world) -> None:
    cadence_id = simple_cadence(session, world["alpha"], offsets=(5, 10, 20))
    _, invoice = debtor_with_invoice(session, world["alpha"], phone="+393331116666", number="C-1", due=world["due"])
    campaigns.create_campaign(
        session, world["alpha"], name="December", cadence_id=cadence_id, invoice_ids=[invoice], now=datetime.now(UTC)
    )
    session.commit()
    state = editor(session, "alpha@example.com", cadence_id)
    assert state.dry_run[0]["bubble"]["status"] == "read", "the message filled for the invoice tried"
    CadenceEditorState.nudge.fn(state, 0, 1)
    assert CadenceEditorState.save.fn(state, "") is None
    assert (state.choice_open, state.choice_campaigns) == (True, "December")
    assert [s.offset_days for s in cadences.steps_of(session, cadence_id)] == [5, 10, 20]
    CadenceEditorState.close_choice.fn(state, False)
    assert not state.choice_open
    assert "not valid" in said(CadenceEditorState.save.fn(state, "everything"))
    assert "keep the cadence as it was" in said(CadenceEditorState.save.fn(state, cadences.NEW_ONLY))
    assert [s.offset_days for s in cadences.steps_of(session, cadence_id)] == [6, 10, 20]
    CadenceEditorState.nudge.fn(state, 0, 1)
    assert "Saved." in said(CadenceEditorState.save.fn(state, ""))  # the campaign kept its own copy


def test_replanning_campaigns_under_way_is_said(session: Session, world) -> None:
    cadence_id = simple_cadence(session, world["alpha"], offsets=(5, 10, 20))
    _, invoice = debtor_with_invoice(session, world["alpha"], phone="+393331117777", number="C-2", due=world["due"])
    campaigns.create_campaign(
        session, world["alpha"], name="Spring", cadence_id=cadence_id, invoice_ids=[invoice], now=datetime.now(UTC)
    )
    session.commit()
    state = editor(session, "alpha@example.com", cadence_id)
    CadenceEditorState.nudge.fn(state, 2, -1)
    assert "Reminders not yet planned follow the new cadence" in said(CadenceEditorState.save.fn(state, "replan"))
    assert [s.offset_days for s in cadences.steps_of(session, cadence_id)] == [5, 10, 19]
    assert not state.choice_open


def test_a_stale_save_says_who_saved_what_and_reload_shows_their_version(session: Session, world) -> None:
    first = editor(session, "alpha@example.com", world["ours"])
    add_member(session, world["alpha"], "collector", email="carla@example.com")
    session.commit()
    second = editor(session, "carla@example.com", world["ours"])
    assert [name.split()[0] for name in second.others] == ["Owner"], "the owner opened it first"
    CadenceEditorState.heartbeat.fn(first)
    assert len(first.others) == 1, "the collector is in the editor too"
    CadenceEditorState.set_number.fn(first, "weekly_cap", "4")
    CadenceEditorState.save.fn(first, "")
    CadenceEditorState.nudge.fn(second, 2, 1)
    assert CadenceEditorState.save.fn(second, "") is None
    assert second.stale.startswith("Not saved: ")
    assert "(spacing changed)" in second.stale
    assert stored(session, world["ours"]).weekly_cap == 4
    assert [s.offset_days for s in cadences.steps_of(session, world["ours"])][2] == 3
    CadenceEditorState.reload.fn(second)
    assert (second.stale, second.weekly_cap, offsets(second)[2], second.dirty) == ("", "4", 3, False)
    CadenceEditorState.leave.fn(first)
    CadenceEditorState.heartbeat.fn(second)
    assert second.others == [], "the owner closed the editor"


def test_an_editor_path_that_names_no_cadence_shows_it_does_not_exist(session: Session, world) -> None:
    for path in ("/cadences/abc", "/cadences/1/2", "/cadences/" + "9" * 19):
        state = state_for(CadenceEditorState, token=token_of(session, "alpha@example.com"), path=path)
        CadenceEditorState.load.fn(state)
        assert (state.cadence_id, state.error) == ("", "This cadence does not exist."), path
    state = state_for(CadenceEditorState, path=f"/cadences/{world['ours']}")
    CadenceEditorState.leave.fn(state)  # signed out: nothing to forget, and no crash


def bubble_text(row: Any) -> str:
    return " ".join(span["text"] for line in row["bubble"]["lines"] for span in line)


SAO_PAULO = {"zone": "America/Sao_Paulo", "locale": "pt_BR", "country": "BR", "due": "7"}


def test_a_sample_debtor_in_sao_paulo_gets_the_steps_in_brazilian_time_and_portuguese(
    session: Session, midday, world
) -> None:
    # Saturday 5 December 2026: the sample's invoice is due on the 12th; its -7 step waits for Monday the 7th.
    state = editor(session, "alpha@example.com", world["ours"])
    CadenceEditorState.open_sample.fn(state, True)
    assert state.sample_open
    assert state.sample_zones == ["Europe/Rome"]  # the organization's debtors' zones come first
    assert {"pt_BR", "it", "en"} <= {c["value"] for c in state.sample_locales}
    assert state.sample_countries[0]["value"] == ""  # no country: no public holidays
    CadenceEditorState.try_sample.fn(state, SAO_PAULO)
    assert not state.sample_open
    assert state.sample_label.startswith("Sample debtor · America/Sao_Paulo · Portuguese (Brazil) · Brazil · ")
    assert state.sample_label.endswith(" · Due in 7 days")
    assert state.invoice_label == ""
    first = state.dry_run[0]
    assert not first["skipped"]
    assert first["local"].startswith("Monday Dec 7, 2026, 9:00")
    assert first["local"].endswith("(America/Sao_Paulo)")
    assert first["language"].endswith("Portuguese (Brazil)")
    assert "Olá" in bubble_text(first)
    assert state.dry_run[2]["local"].startswith("Tuesday Dec 15, 2026")
    CadenceEditorState.nudge.fn(state, 2, 1)  # the list follows the draft at once
    assert state.dry_run[2]["local"].startswith("Wednesday Dec 16, 2026")
    [invoice] = cadences.find_open_invoices(session, world["alpha"], "F-1")
    CadenceEditorState.pick_invoice.fn(state, str(invoice.invoice_id))
    assert (state.sample_label, state.invoice_label[:3]) == ("", "F-1")


def test_forged_sample_debtors_are_refused_and_change_nothing(session: Session, world) -> None:
    state = editor(session, "alpha@example.com", world["ours"])
    CadenceEditorState.try_sample.fn(state, SAO_PAULO)
    kept = (state.sample_label, [row["local"] for row in state.dry_run])
    for forged in [
        {**SAO_PAULO, "zone": "Mars/Olympus_Mons"},
        {**SAO_PAULO, "zone": "America/Sao_Paulo<script>"},
        {**SAO_PAULO, "locale": "xx_YY"},
        {**SAO_PAULO, "locale": ["pt_BR"]},
        {**SAO_PAULO, "country": "ZZ"},
        {**SAO_PAULO, "due": "5"},
        {**SAO_PAULO, "due": "many"},
    ]:
        CadenceEditorState.try_sample.fn(state, forged)
        assert state.sample_error, forged
        assert (state.sample_label, [row["local"] for row in state.dry_run]) == kept, forged
    assert "not valid" in said(CadenceEditorState.try_sample.fn(state, "Europe/Rome"))
    signed_out = state_for(CadenceEditorState, path=f"/cadences/{world['ours']}")
    assert is_redirect_to_login(CadenceEditorState.try_sample.fn(signed_out, SAO_PAULO))


def test_a_viewer_tries_a_sample_debtor_but_changes_nothing(session: Session, world) -> None:
    state = editor(session, "viewer@example.com", world["ours"])
    CadenceEditorState.open_sample.fn(state, True)
    CadenceEditorState.try_sample.fn(state, SAO_PAULO)
    assert state.sample_label.startswith("Sample debtor · America/Sao_Paulo")
    assert state.dry_run[0]["local"].endswith("(America/Sao_Paulo)")
    CadenceEditorState.nudge.fn(state, 2, 1)
    CadenceEditorState.save.fn(state, "")
    assert offsets(state) == [-7, 0, 3, 14, 28, 45, 75, 95, 120]
    assert [s.offset_days for s in cadences.steps_of(session, world["ours"])][2] == 3
