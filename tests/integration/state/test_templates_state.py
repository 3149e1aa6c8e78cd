"""The templates pages' handlers, called as a browser could: any caller, any arguments."""

from datetime import date, timedelta
from typing import Any

import pytest
from reflex.istate.data import RouterData
from sqlmodel import Session, func, select

from saas_app.models import Template
from saas_app.services import templates
from saas_app.state.templates import TemplateEditorState, TemplatesState
from tests.factories import add_member, debtor_with_invoice, sign_up
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


def editor(session: Session, email: str, template_id: int) -> Any:
    state = state_for(TemplateEditorState, token=token_of(session, email), path=f"/templates/{template_id}")
    TemplateEditorState.load.fn(state)
    return state


def bubble_text(bubble: Any) -> str:
    return "\n".join("".join(span["text"] for span in line) for line in bubble["lines"])


def stored_body(session: Session, template_id: int, language: str) -> str:
    session.expire_all()
    return templates.variants_of(session, template_id)[language].body


def test_the_editor_fills_every_language_and_follows_each_keystroke(session: Session, world) -> None:
    state = editor(session, "carla@example.com", world["ours"])
    assert [tab["language"] for tab in state.tabs] == ["en", "it", "es", "pt_BR", "fr"]
    TemplateEditorState.select_language.fn(state, "pt_BR")
    assert "R$\xa01.234,56" in bubble_text(state.bubble)
    TemplateEditorState.edit.fn(state, "body", "Olá {{ customer_name }}, pague {{amount}} hoje, por favor.")
    assert bubble_text(state.bubble) == "Olá Ana Souza, pague R$\xa01.234,56 hoje, por favor."
    assert stored_body(session, world["ours"], "pt_BR") != state.body, "nothing is saved before Save"
    TemplateEditorState.edit.fn(state, "body", "{{amount}} Olá {{nome}}")
    assert "not a placeholder" in state.problems["body"]
    assert "starts or ends" in state.problems["body"]
    TemplateEditorState.set_side_by_side.fn(state, True)
    assert len(state.side) == 5
    italian = next(row for row in state.side if row["language"] == "it")
    assert "1.234,56\xa0€" in bubble_text(italian["bubble"])


def test_save_is_versioned_and_a_stale_save_says_who_changed_what(session: Session, world) -> None:
    first = editor(session, "carla@example.com", world["ours"])
    second = editor(session, "alpha@example.com", world["ours"])
    assert first.others == [], "nobody else had it open"
    assert second.others == ["Member"], "the collector opened it first"
    TemplateEditorState.heartbeat.fn(first)
    assert len(first.others) == 1
    assert first.others[0].startswith("Owner")
    TemplateEditorState.edit.fn(first, "body", "Hi {{customer_name}}, {{amount}} is due today. Thanks.")
    TemplateEditorState.save.fn(first)
    assert stored_body(session, world["ours"], "en") == "Hi {{customer_name}}, {{amount}} is due today. Thanks."
    TemplateEditorState.edit.fn(second, "body", "Hello {{customer_name}}, please pay {{amount}} today.")
    TemplateEditorState.save.fn(second)
    assert "Not saved" in second.stale
    assert "Member" in second.stale
    assert "(body changed)" in second.stale
    assert stored_body(session, world["ours"], "en") == "Hi {{customer_name}}, {{amount}} is due today. Thanks."
    assert second.body == "Hello {{customer_name}}, please pay {{amount}} today.", "their text is kept"
    TemplateEditorState.reload.fn(second)
    assert second.body == "Hi {{customer_name}}, {{amount}} is due today. Thanks."


def test_saving_an_approved_text_warns_it_needs_a_new_approval(session: Session, world) -> None:
    session.expire_all()
    row = templates.variants_of(session, world["ours"])["fr"]
    row.status = "approved"
    session.add(row)
    session.commit()
    state = editor(session, "carla@example.com", world["ours"])
    TemplateEditorState.select_language.fn(state, "fr")
    TemplateEditorState.edit.fn(state, "footer", "Merci")
    assert state.needs_new_approval
    result = TemplateEditorState.save.fn(state)
    assert "approve" in str(result)
    session.expire_all()
    assert templates.variants_of(session, world["ours"])["fr"].status == "draft"


def test_a_viewer_reads_the_editor_and_every_change_is_refused(session: Session, world) -> None:
    state = editor(session, "viewer@example.com", world["ours"])
    assert state.template_id
    assert not state.can_collect
    before = stored_body(session, world["ours"], "en")
    TemplateEditorState.edit.fn(state, "body", "Changed {{amount}} by a viewer.")
    assert TemplateEditorState.save.fn(state) is not None
    assert TemplateEditorState.add_language.fn(state, "it") is not None
    assert TemplateEditorState.remove_language.fn(state, "fr") is not None
    assert stored_body(session, world["ours"], "en") == before
    assert len(templates.variants_of(session, world["ours"])) == 5


def test_another_organization_s_template_and_forged_values_are_refused(session: Session, world) -> None:
    theirs = editor(session, "carla@example.com", world["theirs"])
    assert theirs.template_id == ""
    assert theirs.error == "This template does not exist."
    state = editor(session, "carla@example.com", world["ours"])
    for handler, args in [
        ("select_language", ("xx",)),
        ("edit", ("whatsapp_name", "x")),
        ("insert", ("password",)),
        ("pick_invoice", ("../1",)),
        ("edit_button", (7, "x")),
    ]:
        assert getattr(TemplateEditorState, handler).fn(state, *args) is not None, handler
    assert is_redirect_to_login(call(TemplateEditorState, "save", path=f"/templates/{world['ours']}"))


def test_languages_are_added_and_removed_but_never_the_last(session: Session, world) -> None:
    state = editor(session, "carla@example.com", world["ours"])
    for language in ("it", "es", "pt_BR", "fr"):
        TemplateEditorState.remove_language.fn(state, language)
    assert [tab["language"] for tab in state.tabs] == ["en"]
    TemplateEditorState.remove_language.fn(state, "en")
    assert len(templates.variants_of(session, world["ours"])) == 1
    TemplateEditorState.add_language.fn(state, "pt_BR")
    session.expire_all()
    assert "pt_BR" in templates.variants_of(session, world["ours"])
    assert state.language == "pt_BR"


def test_meta_s_reason_for_a_refusal_is_said_in_the_reader_s_words(session: Session, world) -> None:
    session.expire_all()
    rows = templates.variants_of(session, world["ours"])
    rows["it"].status, rows["it"].rejection_reason = "rejected", "PROMOTIONAL"
    rows["fr"].status, rows["fr"].rejection_reason = "rejected", "NEW_REASON_META_ADDS"
    session.add_all([rows["it"], rows["fr"]])
    session.commit()
    state = editor(session, "viewer@example.com", world["ours"])
    TemplateEditorState.select_language.fn(state, "it")
    assert (state.status_label, state.reason) == (
        "Rejected",
        "Meta found the text promotional: a reminder may only speak of the debtor's invoice.",
    )
    TemplateEditorState.select_language.fn(state, "fr")
    assert state.reason == "NEW_REASON_META_ADDS", "a reason we have no words for is shown as Meta wrote it"
    TemplateEditorState.select_language.fn(state, "en")
    assert state.reason == ""


def said(result: Any) -> str:
    """The toast a handler answered with, as text."""
    return str(getattr(result, "args", result))


def test_the_filter_menus_offer_their_choices_in_the_reader_s_language(session: Session, world) -> None:
    state = listed(session, "viewer@example.com")
    state.locale = "it"
    assert state.group_choices[0] == {"value": "pre_due", "label": "Prima della scadenza"}
    assert [c["value"] for c in state.tone_choices] == ["friendly", "neutral", "firm"]
    assert {"value": "pt_BR", "label": "Portoghese (Brasile)"} in state.language_choices
    assert [c["value"] for c in state.status_choices][:3] == ["draft", "pending", "approved"]


def test_a_link_to_one_language_or_to_every_language_side_by_side_opens_it(session: Session, world) -> None:
    token = token_of(session, "viewer@example.com")
    path = f"/templates/{world['ours']}"
    state = state_for(TemplateEditorState, token=token, path=path)
    state.router = RouterData.from_router_data(
        {"headers": state.router.headers.raw_headers, "pathname": path, "asPath": f"{path}?language=fr&view=all"}
    )
    TemplateEditorState.load.fn(state)
    assert (state.language, state.side_by_side, len(state.side)) == ("fr", True, 5)
    for bad in ("/templates/abc", "/templates/1/2", "/templates/" + "9" * 19):
        wrong = state_for(TemplateEditorState, token=token, path=bad)
        TemplateEditorState.load.fn(wrong)
        assert (wrong.template_id, wrong.error) == ("", "This template does not exist."), bad


def test_quick_reply_buttons_are_added_typed_and_removed_up_to_three(session: Session, world) -> None:
    state = editor(session, "carla@example.com", world["ours"])
    kept = list(state.buttons)
    while len(state.buttons) < 3:
        TemplateEditorState.add_button.fn(state)
    assert "not valid" in said(TemplateEditorState.add_button.fn(state))
    assert len(state.buttons) == 3
    TemplateEditorState.edit_button.fn(state, 2, "I paid already")
    assert state.buttons[2] == "I paid already"
    assert state.bubble["buttons"][2] == "I paid already"
    TemplateEditorState.edit_button.fn(state, 1, "")
    assert "Each button has 1 to 25 characters." in state.problems["buttons"]
    assert "marked in red" in said(TemplateEditorState.save.fn(state))
    assert list(templates.variants_of(session, world["ours"])["en"].buttons) == kept, "nothing saved"
    TemplateEditorState.remove_button.fn(state, 1)
    assert state.buttons[-1] == "I paid already"
    for handler, args in [("edit_button", ("1", "x")), ("edit_button", (1, 5)), ("remove_button", (9,))]:
        assert "not valid" in said(getattr(TemplateEditorState, handler).fn(state, *args)), (handler, args)
    TemplateEditorState.save.fn(state)
    session.expire_all()
    assert templates.variants_of(session, world["ours"])["en"].buttons[-1] == "I paid already"


def test_the_header_shows_filled_above_the_message_and_its_problems_are_said(session: Session, world) -> None:
    state = editor(session, "carla@example.com", world["ours"])
    TemplateEditorState.edit.fn(state, "header", "Invoice {{invoice_number}}")
    assert state.bubble["header"].startswith("Invoice ")
    assert "{{" not in state.bubble["header"]
    assert state.problems["header"] == ""
    TemplateEditorState.edit.fn(state, "header", "x" * 61)
    assert state.problems["header"] == "61 characters: WhatsApp allows 60."
    state.locale = "it"
    TemplateEditorState.edit.fn(state, "body", "Hi {{customer_name, pay " + "y" * 1100)
    assert "1.124 caratteri" in state.problems["body"], "the count is written the reader's way"
    assert "{{name}}" in state.problems["body"]


def test_a_placeholder_chip_writes_where_the_cursor_was_or_at_the_end(session: Session, world) -> None:
    state = editor(session, "carla@example.com", world["ours"])
    TemplateEditorState.focus.fn(state, "header")
    TemplateEditorState.focus.fn(state, "footer")  # the footer takes no placeholder: the header keeps the chips
    script = said(TemplateEditorState.insert.fn(state, "amount"))
    assert "template-header" in script
    assert "{{amount}}" in script
    TemplateEditorState.insert_missed.fn(state, "{{amount}}")  # the page could not put it at the cursor
    assert state.header.endswith(" {{amount}}")
    TemplateEditorState.focus.fn(state, "body")
    TemplateEditorState.insert_missed.fn(state, "{{due_date}}")
    assert state.body.endswith(" {{due_date}}")
    before = state.body
    TemplateEditorState.insert_missed.fn(state, "")  # inserted at the cursor: nothing more to do
    for forged in ("{{password}}", "{{amount}} and more", "amount"):
        assert "not valid" in said(TemplateEditorState.insert_missed.fn(state, forged)), forged
    assert state.body == before


def test_the_bubbles_fill_for_a_picked_invoice_then_for_the_sample_again(session: Session, world) -> None:
    due = date.today() + timedelta(days=3)
    _, mine = debtor_with_invoice(session, world["alpha"], phone="+393331112222", number="F-9", due=due)
    _, theirs = debtor_with_invoice(session, world["beta"], phone="+393331113333", number="B-9", due=due)
    state = editor(session, "viewer@example.com", world["ours"])
    TemplateEditorState.edit.fn(state, "body", "Hi {{customer_name}}, please pay {{amount}} today.")
    TemplateEditorState.find_invoices.fn(state, "f-9")
    assert [c["label"] for c in state.invoice_choices] == ["F-9 · Debtor F-9"]
    TemplateEditorState.find_invoices.fn(state, "B-9")
    assert state.invoice_choices == []
    TemplateEditorState.pick_invoice.fn(state, str(mine))
    assert state.sample_label == "Invoice F-9 of Debtor F-9"
    assert bubble_text(state.bubble) == "Hi Debtor F-9, please pay €123.45 today."
    assert "does not exist" in said(TemplateEditorState.pick_invoice.fn(state, str(theirs)))
    assert "not valid" in said(TemplateEditorState.find_invoices.fn(state, 7))
    TemplateEditorState.use_sample.fn(state)
    assert state.sample_label == "Sample debtor in each language"
    assert bubble_text(state.bubble) != "Hi Debtor F-9, please pay €123.45 today."
    assert "{{" not in bubble_text(state.bubble), "filled for the sample debtor"


def test_forged_languages_are_refused_and_the_editor_s_presence_ends_on_leave(session: Session, world) -> None:
    owner = editor(session, "alpha@example.com", world["ours"])
    collector = editor(session, "carla@example.com", world["ours"])
    assert len(collector.others) == 1
    assert "not valid" in said(TemplateEditorState.add_language.fn(collector, "de"))
    assert "not valid" in said(TemplateEditorState.remove_language.fn(collector, "de"))
    assert len(templates.variants_of(session, world["ours"])) == 5
    TemplateEditorState.leave.fn(owner)
    TemplateEditorState.heartbeat.fn(collector)
    assert collector.others == []
    signed_out = state_for(TemplateEditorState, path=f"/templates/{world['ours']}")
    TemplateEditorState.leave.fn(signed_out)  # nobody to forget, and no crash
