"""A debtor's timeline: everything that happened to them, in order, with who did it, and nothing of anyone else's."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from saas_app.models import ApiKey, InboundMessage, Message, User
from saas_app.services import debtors, inbox, invoices, timeline
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound
from saas_app.services.timeline import DEBTOR, SYSTEM, UNKNOWN, Actor, Kind
from tests.conftest import MIDDAY
from tests.factories import add_member, debtor_with_invoice, sign_up

TODAY = MIDDAY.date()  # the organization's time zone is UTC
pytestmark = pytest.mark.usefixtures("midday")


@pytest.fixture
def file(session: Session) -> dict:
    """A debtor with a reminder read, a reply, a partial payment, a promise, a note, an assignment and an opt-out."""
    _, owner = sign_up(session)
    carla = add_member(session, owner, "collector", email="carla@example.com")
    debtor, invoice = debtor_with_invoice(session, owner, phone="+393331111111", number="A-1", due=TODAY - timedelta(9))
    sent = datetime.now(UTC) - timedelta(hours=5)
    session.add(
        Message(
            org_id=owner.org_id,
            debtor_id=debtor,
            invoice_id=invoice,
            scheduled_at=sent,
            sent_at=sent,
            delivered_at=sent + timedelta(minutes=1),
            read_at=sent + timedelta(hours=1),
            status="read",
            text="Hi *Debtor*, invoice A-1 is overdue.",
        )
    )
    session.add(Message(org_id=owner.org_id, debtor_id=debtor, scheduled_at=sent, status="cancelled", text="never"))
    session.add(
        InboundMessage(
            org_id=owner.org_id,
            debtor_id=debtor,
            wamid="wamid.1",
            sender="393331111111",
            text="I pay on Friday",
            intent="promise",
            received_at=sent + timedelta(hours=2),
        )
    )
    session.commit()
    inbox.reply(session, carla, debtor, "Thanks, noted.")
    invoices.record_payment(session, carla, invoice, amount_minor=2_345, paid_on=TODAY, method="pix")
    invoices.change_status(session, owner, invoice, "promised", promised_on=TODAY + timedelta(days=4))
    debtors.add_note(session, carla, debtor, "Called her: Friday, by Pix.")
    debtors.assign(session, owner, debtor, carla.user_id)
    debtors.opt_out(session, carla, debtor, source="manual")
    session.commit()
    return {"owner": owner, "carla": carla, "debtor": debtor, "invoice": invoice}


def test_the_timeline_holds_every_kind_of_event_newest_first_with_who_did_it(session: Session, file: dict) -> None:
    found = timeline.timeline(session, file["owner"], file["debtor"])
    assert not found.more
    ats = [event.at for event in found.events]
    assert ats == sorted(ats, reverse=True)
    by_action = {event.action: event for event in found.events}
    owner_name = session.get(User, file["owner"].user_id).name  # type: ignore[union-attr]
    carla, owner = Actor("member", "Member"), Actor("member", owner_name)

    reminder = by_action["message.reminder"]
    assert (reminder.kind, reminder.invoice, reminder.actor) == (Kind.MESSAGE, "A-1", SYSTEM)
    assert reminder.text == "Hi *Debtor*, invoice A-1 is overdue."
    assert [name for name, _ in reminder.steps] == ["sent", "delivered", "read"]
    assert "never" not in [event.text for event in found.events]  # a cancelled reminder was never read

    answer = by_action["message.reply"]  # the team's answer, queued for the worker, signed by whoever wrote it
    assert (answer.kind, answer.text, answer.actor, answer.details["status"]) == (
        Kind.MESSAGE,
        "Thanks, noted.",
        carla,
        "scheduled",
    )
    theirs = next(event for event in found.events if event.kind == Kind.REPLY)
    assert (theirs.text, theirs.details["intent"], theirs.actor) == ("I pay on Friday", "promise", DEBTOR)

    payment = by_action["payment"]
    assert (payment.amount_minor, payment.currency, payment.invoice, payment.actor) == (2_345, "EUR", "A-1", carla)
    assert payment.details["left_minor"] == 10_000
    assert payment.details["method"] == "pix"

    promise = by_action["invoice.promised"]
    assert (promise.kind, promise.invoice, promise.actor) == (Kind.PROMISE, "A-1", owner)
    assert promise.details["promised_on"] == (TODAY + timedelta(days=4)).isoformat()
    assert "invoice.partially_paid" not in by_action  # the payment says so, with its amount

    note = by_action["note"]
    assert (note.kind, note.text, note.actor) == (Kind.NOTE, "Called her: Friday, by Pix.", carla)
    assigned = by_action["debtor.assigned"]
    assert (assigned.actor, assigned.details["to_name"]) == (owner, "Member")
    assert (by_action["opted_out"].actor, by_action["opted_out"].details["source"]) == (carla, "manual")
    assert by_action["opted_in"].actor == owner  # given with the debtor, when the owner created them
    assert {"debtor.created", "invoice.created"} <= set(by_action)


def test_a_partial_payment_shows_in_the_timeline_with_what_is_left(session: Session, file: dict) -> None:
    invoices.record_payment(session, file["owner"], file["invoice"], amount_minor=4_000, paid_on=TODAY)
    session.commit()
    payments = [e for e in timeline.timeline(session, file["owner"], file["debtor"]).events if e.kind == Kind.PAYMENT]
    assert [(p.amount_minor, p.details["left_minor"]) for p in payments] == [(4_000, 6_000), (2_345, 10_000)]
    assert [line.amount_minor for line in timeline.payments_of(session, file["owner"], file["debtor"])] == [
        4_000,
        2_345,
    ]


def test_filters_keep_their_kinds_and_the_limit_says_there_is_more(session: Session, file: dict) -> None:
    owner, debtor = file["owner"], file["debtor"]
    messages = timeline.timeline(session, owner, debtor, kinds=timeline.FILTERS["messages"])
    assert {e.kind for e in messages.events} == {Kind.MESSAGE, Kind.REPLY}
    money = timeline.timeline(session, owner, debtor, kinds=timeline.FILTERS["money"])
    assert {e.kind for e in money.events} == {Kind.PAYMENT, Kind.PROMISE}
    assert [e.kind for e in timeline.timeline(session, owner, debtor, kinds=timeline.FILTERS["notes"]).events] == [
        Kind.NOTE
    ]
    everything = timeline.timeline(session, owner, debtor, limit=None).events
    first = timeline.timeline(session, owner, debtor, limit=3)
    assert (first.more, [e.key for e in first.events]) == (True, [e.key for e in everything[:3]])
    for _ in range(3):
        debtors.add_note(session, owner, debtor, "another")
    session.commit()
    assert len(timeline.timeline(session, owner, debtor, limit=None).events) == len(everything) + 3


def test_an_api_key_and_cobro_itself_are_named_as_such(session: Session) -> None:
    _, owner = sign_up(session)
    key = ApiKey(org_id=owner.org_id, name="ERP", prefix="cobro_x", key_hash="h" * 64, scopes="read,write")
    session.add(key)
    session.commit()
    erp = OrgContext(user_id=None, org_id=owner.org_id, role="collector", api_key_id=key.id)
    debtor, invoice = debtor_with_invoice(session, erp, phone="+393331111111", number="A-1", due=TODAY)
    system = OrgContext(user_id=None, org_id=owner.org_id, role="owner")
    invoices.record_payment(session, system, invoice, amount_minor=100, paid_on=TODAY, source="webhook")
    session.commit()
    events = {e.action: e for e in timeline.timeline(session, owner, debtor).events}
    assert events["debtor.created"].actor == Actor("api_key", "ERP")
    assert events["payment"].actor == SYSTEM
    assert events["payment"].details["source"] == "webhook"


def test_a_debtor_who_wrote_first_gave_consent_themselves(session: Session) -> None:
    _, owner = sign_up(session)
    debtor, _ = debtor_with_invoice(session, owner, phone="+393331111111", number="A-1", due=TODAY, consent=False)
    found = [e for e in timeline.timeline(session, owner, debtor).events if e.kind == Kind.CONSENT]
    assert found == []
    row = debtors.get_debtor(session, owner, debtor)
    row.opt_in_source, row.opted_in_at = "replied_first", datetime.now(UTC) + timedelta(minutes=1)
    session.add(row)
    session.commit()
    (consent,) = [e for e in timeline.timeline(session, owner, debtor).events if e.kind == Kind.CONSENT]
    assert consent.actor == DEBTOR
    row.opt_in_source = "import"
    session.add(row)
    session.commit()
    (consent,) = [e for e in timeline.timeline(session, owner, debtor).events if e.kind == Kind.CONSENT]
    assert consent.actor == UNKNOWN  # an import a minute later: the import does not say who


def test_another_organization_reads_nothing_of_the_file(session: Session, file: dict) -> None:
    _, stranger = sign_up(session)
    with pytest.raises(NotFound):
        timeline.timeline(session, stranger, file["debtor"])
    with pytest.raises(NotFound):
        timeline.payments_of(session, stranger, file["debtor"])
    mine, _ = debtor_with_invoice(session, stranger, phone="+393331111111", number="S-1", due=TODAY)
    events = timeline.timeline(session, stranger, mine, limit=None).events
    assert {e.invoice for e in events} <= {"", "S-1"}
    assert not any(e.kind in (Kind.PAYMENT, Kind.NOTE, Kind.REPLY, Kind.MESSAGE) for e in events)


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://evil")', "+1+cmd", "-2+3", "@SUM(A1)", "\t=cmd|' /C calc'!A0", "\r=1+1"],
)
def test_no_cell_of_the_csv_runs_as_a_formula(cell: str) -> None:
    """A reply or a note is the debtor's or anyone's text: a spreadsheet must show it, never run it."""
    text = timeline.csv_text(["Text"], [[cell], ["+393331111111"], ["-12.50"]])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == ["'" + cell]
    assert rows[2:] == [["+393331111111"], ["-12.50"]]  # phones and amounts stay as they are
