"""The debtor's file handlers, called as a browser could: any caller, any path, any arguments.

Each re-reads the member from the session cookie and the debtor from the path in the member's own
organization; a viewer reads everything and changes nothing; another organization's debtor is as
missing as none.
"""

import base64
import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, func, select

from saas_app.models import AuditLog, Debtor, DebtorNote, Organization
from saas_app.services import debtors, invoices
from saas_app.services.errors import NotFound
from saas_app.state.debtor_file import DebtorFileState, DebtorPrintState, debtor_id_in
from saas_app.state.debtors import DebtorsState
from tests.conftest import MIDDAY
from tests.factories import add_member, debtor_with_invoice, sign_up
from tests.integration.state.test_handlers import call, is_redirect_to_login, state_for, token_of

TODAY = MIDDAY.date()  # the organization's time zone is UTC
pytestmark = pytest.mark.usefixtures("midday")


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    _, alpha = sign_up(session, org_name="Alpha", email="alpha@example.com")
    _, beta = sign_up(session, org_name="Beta", email="beta@example.com")
    add_member(session, alpha, "viewer", email="viewer@example.com")
    collector = add_member(session, alpha, "collector", email="carla@example.com")
    debtor, invoice = debtor_with_invoice(
        session, alpha, phone="+393331111111", number="A-1", due=TODAY - timedelta(12)
    )
    theirs, _ = debtor_with_invoice(session, beta, phone="+393332222222", number="B-1", due=TODAY - timedelta(3))
    no_consent, _ = debtor_with_invoice(session, alpha, phone="+393333333333", number="A-2", due=TODAY, consent=False)
    org = session.get(Organization, alpha.org_id)
    assert org is not None
    org.country = "IT"
    session.add(org)
    session.commit()
    return {
        "alpha": alpha,
        "collector": collector,
        "debtor": debtor,
        "invoice": invoice,
        "theirs": theirs,
        "no_consent": no_consent,
    }


def opened(session: Session, email: str, debtor_id: int, cls: type = DebtorFileState) -> Any:
    path = f"/debtors/{debtor_id}" if cls is DebtorFileState else f"/debtors/{debtor_id}/print"
    state = state_for(cls, token=token_of(session, email), path=path)
    assert cls.load.fn(state) is None
    return state


def snapshot(session: Session) -> tuple:
    session.expire_all()
    rows = session.exec(select(Debtor).order_by(Debtor.id)).all()
    people = [(d.name, d.phone, d.email, d.assigned_user_id, d.opted_in_at, d.opted_out_at) for d in rows]
    notes = session.exec(select(func.count()).select_from(DebtorNote)).one()
    return people, notes


def write_calls(collector_user_id: int) -> list[tuple[str, tuple]]:
    return [
        ("save_profile", ({"name": "Hijacked", "phone": "+393339999999"},)),
        ("assign", (str(collector_user_id),)),
        ("add_note", ({"note": "sneaky"},)),
        ("opt_out", ()),
        ("opt_in", ()),
    ]


def test_the_file_shows_balances_invoices_and_a_partial_payment_at_once(session: Session, world) -> None:
    state = opened(session, "alpha@example.com", world["debtor"])
    assert (state.name, state.phone, state.outstanding, state.overdue) == (
        "Debtor A-1",
        "+39 333 111 1111",
        "€123.45",
        "€123.45",
    )
    assert state.days_overdue == "12 days"
    assert [line["number"] for line in state.invoices] == ["A-1"]
    assert state.payments == []

    invoices.record_payment(session, world["alpha"], world["invoice"], amount_minor=2_345, paid_on=TODAY)
    session.commit()
    DebtorFileState.load.fn(state)
    assert (state.outstanding, state.overdue) == ("€100.00", "€100.00")
    (line,) = state.invoices
    assert (line["paid"], line["balance"], line["status_label"]) == ("€23.45", "€100.00", "Partly paid")
    assert [(p["amount"], p["invoice"]) for p in state.payments] == [("€23.45", "A-1")]
    latest = state.events[0]
    assert (latest["kind"], latest["title"]) == ("payment", "Payment of €23.45 on invoice A-1")
    assert "€100.00 left to pay" in latest["detail"]


def test_the_list_shows_each_debtors_balance_lateness_behaviour_and_consent(session: Session, world) -> None:
    state = state_for(DebtorsState, token=token_of(session, "viewer@example.com"), path="/debtors")
    assert DebtorsState.load.fn(state) is None
    rows = {row["name"]: row for row in state.debtors}
    assert set(rows) == {"Debtor A-1", "Debtor A-2"}
    assert (rows["Debtor A-1"]["outstanding"], rows["Debtor A-1"]["overdue"]) == ("€123.45", "€123.45")
    assert (rows["Debtor A-1"]["days_overdue"], rows["Debtor A-1"]["behaviour_label"]) == ("12", "Late")
    assert (rows["Debtor A-2"]["overdue"], rows["Debtor A-2"]["days_overdue"]) == ("", "")
    assert rows["Debtor A-1"]["last_contact"] == ""


def test_signed_out_callers_go_to_log_in_and_change_nothing(session: Session, world) -> None:
    before = snapshot(session)
    path = f"/debtors/{world['debtor']}"
    assert is_redirect_to_login(call(DebtorFileState, "load", path=path))
    assert is_redirect_to_login(call(DebtorPrintState, "load", path=path + "/print"))
    for handler, args in [*write_calls(world["collector"].user_id), ("export_csv", ()), ("show_older", ())]:
        assert is_redirect_to_login(call(DebtorFileState, handler, *args, path=path)), handler
    assert snapshot(session) == before


def test_a_viewer_reads_the_file_and_every_change_is_refused_on_the_server(session: Session, world) -> None:
    state = opened(session, "viewer@example.com", world["debtor"])
    assert state.name == "Debtor A-1"
    assert state.error == ""
    assert not state.can_collect  # the page shows no action; the server refuses them all the same
    before = snapshot(session)
    for handler, args in write_calls(world["collector"].user_id):
        result = getattr(DebtorFileState, handler).fn(state, *args)
        assert "Your role does not allow this." in str(result), handler  # a toast says so
    for debtor_id in (world["debtor"], world["no_consent"]):
        state = opened(session, "viewer@example.com", debtor_id)
        for handler, args in write_calls(world["collector"].user_id):
            getattr(DebtorFileState, handler).fn(state, *args)
    assert snapshot(session) == before
    exported = DebtorFileState.export_csv.fn(state)  # reading is a viewer's right
    assert "data:text/csv" in str(exported)


def refusal(state: Any, result: Any) -> str:
    """What the member was told: a toast (the handler's answer) or the page's error."""
    return f"{result} {state.error}"


@pytest.mark.parametrize("email", ["alpha@example.com", "viewer@example.com"])
def test_another_organizations_debtor_is_as_missing_as_none(session: Session, world, email: str) -> None:
    before = snapshot(session)
    token = token_of(session, email)
    for path in (f"/debtors/{world['theirs']}", "/debtors/999999", "/debtors/abc", "/debtors/1e3"):
        state = state_for(DebtorFileState, token=token, path=path)
        assert DebtorFileState.load.fn(state) is None
        assert (state.error, state.name, state.events, state.invoices) == ("This debtor does not exist.", "", [], [])
        printed = state_for(DebtorPrintState, token=token, path=path + "/print")
        DebtorPrintState.load.fn(printed)
        assert (printed.error, printed.name, printed.events) == ("This debtor does not exist.", "", [])
        for handler, args in [*write_calls(world["collector"].user_id), ("export_csv", ())]:
            said = refusal(state, getattr(DebtorFileState, handler).fn(state, *args))
            # the owner hears the debtor is missing; a viewer may hear first that their role may not
            assert "This debtor does not exist." in said or "Your role does not allow this." in said, (path, handler)
            assert "data:text/csv" not in said
    assert snapshot(session) == before


def test_a_collector_edits_the_profile_and_a_bad_phone_is_said_beside_it_with_nothing_saved(
    session: Session, world
) -> None:
    state = opened(session, "carla@example.com", world["debtor"])
    key = state.profile_key
    form = {
        "name": "Ana Souza",
        "phone": "333 12",
        "email": "ana@example.com",
        "locale": "it",
        "timezone": "Europe/Rome",
    }
    assert DebtorFileState.save_profile.fn(state, form) is None
    assert state.error_field == "phone"
    assert state.error.startswith("333 12 is not a valid phone number.")
    assert state.profile_key == key  # the form is not drawn again: what was typed stays
    session.expire_all()
    assert session.get(Debtor, world["debtor"]).name == "Debtor A-1"  # type: ignore[union-attr]

    form["phone"] = "333 777 8888"  # the organization's country completes it
    assert DebtorFileState.save_profile.fn(state, form) is not None  # the "saved" toast
    assert (state.error, state.name, state.phone, state.email) == (
        "",
        "Ana Souza",
        "+39 333 777 8888",
        "ana@example.com",
    )
    assert state.profile_key != key
    assert state.events[0]["title"] == "Profile changed: name, phone, email, language"


def test_a_collector_assigns_notes_and_records_consent_and_the_timeline_says_who(session: Session, world) -> None:
    state = opened(session, "carla@example.com", world["no_consent"])
    assert "Member" in {c["name"] for c in state.collectors}  # the viewer is not among them
    assert len(state.collectors) == 2
    assert state.assigned_id == "none"
    DebtorFileState.assign.fn(state, str(world["collector"].user_id))
    assert (state.assigned_id, state.assigned_name) == (str(world["collector"].user_id), "Member")
    for bad in ("nobody", "-1", "99999999999999999999"):
        assert DebtorFileState.assign.fn(state, bad) is not None
    assert state.assigned_id == str(world["collector"].user_id)

    added = state.notes_added
    DebtorFileState.add_note.fn(state, {"note": "   "})
    assert (state.error_field, state.notes_added) == ("note", added)  # refused: the box keeps its words
    DebtorFileState.add_note.fn(state, {"note": "Called: pays Friday."})
    assert (state.error, state.notes_added) == ("", added + 1)
    note = state.events[0]
    assert (note["kind"], note["text"], note["who"]) == ("note", "Called: pays Friday.", "Member")

    assert state.consent == "missing"
    DebtorFileState.opt_in.fn(state)
    assert state.consent == "in"
    DebtorFileState.opt_out.fn(state)
    assert state.consent == "out"
    titles = [event["title"] for event in state.events]
    assert "Asked to receive no more messages (opt-out)" in titles
    assert "Agreed to receive WhatsApp messages" in titles


def test_the_timeline_filters_and_shows_older_events(session: Session, world, monkeypatch) -> None:
    from saas_app.state import debtor_file

    for n in range(4):
        debtors.add_note(session, world["alpha"], world["debtor"], f"note {n}")
    session.commit()
    monkeypatch.setattr(debtor_file, "TIMELINE_PAGE", 3)
    state = opened(session, "viewer@example.com", world["debtor"])
    assert (len(state.events), state.more_events) == (3, True)
    DebtorFileState.show_older.fn(state)
    assert len(state.events) == 6
    DebtorFileState.set_timeline_filter.fn(state, "notes")
    assert [e["text"] for e in state.events] == ["note 3", "note 2", "note 1"]
    for bad in ("bogus", ["notes"], ""):
        assert DebtorFileState.set_timeline_filter.fn(state, bad) is not None
    assert state.timeline_filter == "notes"


def test_the_export_is_every_event_as_csv_and_is_audited(session: Session, world) -> None:
    debtors.add_note(session, world["alpha"], world["debtor"], '=HYPERLINK("http://evil")')
    session.commit()
    state = opened(session, "viewer@example.com", world["debtor"])
    download = DebtorFileState.export_csv.fn(state)
    spec = str(download)
    assert f"debtor-{world['debtor']}-" in spec
    encoded = re.search(r"base64,([A-Za-z0-9+/=]+)", spec)
    assert encoded is not None
    rows = list(csv.reader(io.StringIO(base64.b64decode(encoded.group(1)).decode("utf-8").lstrip("\ufeff"))))
    assert rows[0] == ["When (ISO 8601)", "When", "Type", "Who", "Invoice", "What", "Details", "Text"]
    texts = [row[7] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in texts
    assert {row[2] for row in rows[1:]} >= {"Note", "Change", "Consent"}
    exported = session.exec(select(AuditLog).where(AuditLog.action == "debtor.exported")).one()
    assert exported.target_id == str(world["debtor"])


def test_the_printable_file_holds_everything_and_says_who_printed_it(session: Session, world) -> None:
    invoices.record_payment(session, world["alpha"], world["invoice"], amount_minor=345, paid_on=TODAY)
    session.commit()
    printed = opened(session, "viewer@example.com", world["debtor"], DebtorPrintState)
    assert (printed.name, printed.outstanding, printed.printed_by) == ("Debtor A-1", "€120.00", "Member")
    assert printed.org_name_printed == "Alpha"
    assert [p["amount"] for p in printed.payments] == ["€3.45"]
    assert printed.events
    assert printed.omitted == ""


def test_the_path_names_the_debtor() -> None:
    assert debtor_id_in("/debtors/42") == 42
    assert debtor_id_in("/debtors/42/print") == 42
    for path in ("/debtors", "/debtors/", "/debtors/x", "/debtors/-1", "/debtors/" + "9" * 19):
        with pytest.raises(NotFound, match=r"This debtor does not exist\."):
            debtor_id_in(path)


def test_the_language_list_offers_the_countrys_locales_first_and_a_forged_one_is_refused(
    session: Session, world
) -> None:
    state = opened(session, "carla@example.com", world["debtor"])
    assert state.locale_choices[:2] == [["it_IT", "Italian (Italy)"], ["en_IT", "English (Italy)"]]
    assert ["es_MX", "Spanish (Mexico)"] in state.locale_choices
    form = {"name": "Ana", "phone": "+39 333 111 1111", "locale": "es_MX", "timezone": "America/Mexico_City"}
    assert DebtorFileState.save_profile.fn(state, form) is not None  # the "saved" toast
    assert (state.error, state.locale_code, state.language) == ("", "es_MX", "Spanish (Mexico)")
    assert DebtorFileState.save_profile.fn(state, {**form, "locale": "xx_YY"}) is None
    assert (state.error_field, state.error) == (
        "locale",
        "Unknown language or region: xx_YY. Write it like es, es_MX or pt_BR.",
    )
    session.expire_all()
    assert session.get(Debtor, world["debtor"]).locale == "es_MX"  # type: ignore[union-attr]
