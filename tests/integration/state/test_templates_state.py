"""The templates pages' handlers, called as a browser could: any caller, any arguments."""

from typing import Any

import pytest
from sqlmodel import Session, func, select

from saas_app.models import Template
from saas_app.services import templates
from saas_app.state.templates import TemplatesState
from tests.factories import add_member, sign_up
from tests.integration.state.test_handlers import call, is_redirect_to_login, state_for, token_of


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    _, alpha = sign_up(session, org_name="Alpha", email="alpha@example.com")
    _, beta = sign_up(session, org_name="Beta", email="beta@example.com")
    add_member(session, alpha, "viewer", email="viewer@example.com")
    add_member(session, alpha, "collector", email="carla@example.com")
    session.commit()
    return {
        "alpha": alpha,
        "beta": beta,
        "ours": templates.find_template(session, alpha, "due_today_neutral").id,
        "theirs": templates.find_template(session, beta, "due_today_neutral").id,
    }


def listed(session: Session, email: str) -> Any:
    state = state_for(TemplatesState, token=token_of(session, email), path="/templates")
    assert TemplatesState.load.fn(state) is None
    return state


def names_shown(state: Any) -> list[str]:
    return [row["name"] for group in state.groups for row in group["templates"]]


def template_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Template)).one()


def test_the_list_groups_the_library_by_stage_in_the_reader_s_language(session: Session, world) -> None:
    state = listed(session, "viewer@example.com")
    assert state.shown == 23
    assert [g["label"] for g in state.groups] == [
        "Before the due date",
        "Due today",
        "1–30 days overdue",
        "31–90 days overdue",
        "Over 90 days overdue",
        "Final notice",
        "Instalment offer",
        "Thanks for paying",
        "Objection replies",
    ]
    first = state.groups[0]["templates"][0]
    assert first["tone_label"] == "Friendly"
    assert first["built_in"]
    assert [c["code"] for c in first["languages"]] == ["EN", "IT", "ES", "PT-BR", "FR"]
    assert first["languages"][0]["status_label"] == "Draft"
    assert first["cadences"] == "Standard reminders"
    state.locale = "pt"
    TemplatesState.clear_filters.fn(state)
    assert state.groups[0]["label"] == "Antes do vencimento"


def test_filters_and_search_narrow_the_list_and_an_empty_result_offers_to_clear(session: Session, world) -> None:
    state = listed(session, "viewer@example.com")
    TemplatesState.set_filter.fn(state, "group", "objections")
    assert state.shown == 5
    TemplatesState.set_filter.fn(state, "tone", "firm")
    assert (state.shown, state.filtering, state.any_template) == (0, True, True)
    TemplatesState.clear_filters.fn(state)
    assert state.shown == 23
    TemplatesState.apply_search.fn(state, {"search": "no words like these"})
    assert (state.shown, state.any_template) == (0, True)


@pytest.mark.parametrize(
    ("name", "value"), [("tone", "rude"), ("group", "whenever"), ("org_id", "2"), ("status", ["approved"])]
)
def test_filters_our_page_never_sends_are_refused(session: Session, world, name: str, value: Any) -> None:
    state = listed(session, "viewer@example.com")
    result = TemplatesState.set_filter.fn(state, name, value)
    assert result is not None  # a toast saying the request was not valid
    assert state.shown == 23


def test_duplicate_opens_the_copy_and_viewers_strangers_and_signed_out_callers_change_nothing(
    session: Session, world
) -> None:
    before = template_count(session)
    assert is_redirect_to_login(call(TemplatesState, "duplicate", str(world["ours"]), path="/templates"))
    viewer = token_of(session, "viewer@example.com")
    assert call(TemplatesState, "duplicate", str(world["ours"]), token=viewer, path="/templates") is not None
    collector = token_of(session, "carla@example.com")
    call(TemplatesState, "duplicate", str(world["theirs"]), token=collector, path="/templates")
    call(TemplatesState, "duplicate", "1; DROP TABLE template", token=collector, path="/templates")
    assert template_count(session) == before

    opened = call(TemplatesState, "duplicate", str(world["ours"]), token=collector, path="/templates")
    assert template_count(session) == before + 1
    copy = session.exec(select(Template).where(Template.key == "due_today_neutral_copy")).one()
    assert f"/templates/{copy.id}" in str(opened[0])
    assert copy.name.endswith("(copy)")
