"""Debtors through their services: where each stands (balances, lateness, behaviour, last contact), their
profile's phone, who follows them up, the team's notes and a consent recorded by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from saas_app.core.invoices import Behaviour
from saas_app.i18n import gettext
from saas_app.models import AuditLog, Debtor, DebtorNote, InboundMessage, Message, Organization
from saas_app.services import balances, debtors, invoices
from saas_app.services.balances import Balance
from saas_app.services.errors import NotFound, PermissionDenied, ServiceError
from tests.factories import add_member, debtor_with_invoice, sign_up

TODAY = date(2026, 12, 5)


def invoice(session: Session, ctx, debtor_id: int, number: str, amount: int, due: date, currency: str = "EUR") -> int:
    created = invoices.create_invoice(
        session,
        ctx,
        invoices.InvoiceInput(debtor_id=debtor_id, number=number, amount_minor=amount, currency=currency, due_on=due),
    )
    session.commit()
    return created.id or 0


def test_a_debtor_owes_what_is_left_of_each_open_invoice_and_is_late_on_what_is_past_due(session: Session) -> None:
    _, ctx = sign_up(session)
    debtor, first = debtor_with_invoice(session, ctx, phone="+393331111111", number="A-1", due=TODAY - timedelta(40))
    invoice(session, ctx, debtor, "A-2", 50_000, TODAY - timedelta(5))
    invoice(session, ctx, debtor, "A-3", 20_000, TODAY + timedelta(10))  # not due yet: owed, not overdue
    invoice(session, ctx, debtor, "A-4", 9_900, TODAY - timedelta(60), currency="BRL")
    paid = invoice(session, ctx, debtor, "A-5", 70_000, TODAY - timedelta(90))
    written_off = invoice(session, ctx, debtor, "A-6", 30_000, TODAY - timedelta(200))
    invoices.record_payment(session, ctx, paid, amount_minor=70_000, paid_on=TODAY - timedelta(89))
    invoices.change_status(session, ctx, written_off, "written_off")
    invoices.record_payment(session, ctx, first, amount_minor=2_345, paid_on=TODAY)  # 12,345 -> 10,000 left
    session.commit()

    standing = balances.standings(session, ctx, [debtor], TODAY)[debtor]

    assert standing.balances == [Balance("BRL", 9_900, 9_900), Balance("EUR", 80_000, 60_000)]
    assert standing.oldest_overdue_on == TODAY - timedelta(60)
    assert standing.days_overdue == 60


def test_a_partial_payment_lowers_the_balance_at_once(session: Session) -> None:
    _, ctx = sign_up(session)
    debtor, first = debtor_with_invoice(session, ctx, phone="+393331111111", number="A-1", due=TODAY - timedelta(10))
    before = balances.standings(session, ctx, [debtor], TODAY)[debtor]
    invoices.record_payment(session, ctx, first, amount_minor=5_000, paid_on=TODAY)
    session.commit()
    after = balances.standings(session, ctx, [debtor], TODAY)[debtor]
    assert (before.balances, after.balances) == ([Balance("EUR", 12_345, 12_345)], [Balance("EUR", 7_345, 7_345)])
    invoices.record_payment(session, ctx, first, amount_minor=7_345, paid_on=TODAY)
    session.commit()
    settled = balances.standings(session, ctx, [debtor], TODAY)[debtor]
    assert (settled.balances, settled.days_overdue, settled.oldest_overdue_on) == ([], 0, None)


def test_a_promised_or_disputed_invoice_is_still_owed(session: Session) -> None:
    _, ctx = sign_up(session)
    debtor, first = debtor_with_invoice(session, ctx, phone="+393331111111", number="A-1", due=TODAY - timedelta(10))
    second = invoice(session, ctx, debtor, "A-2", 10_000, TODAY - timedelta(3))
    invoices.change_status(session, ctx, first, "disputed")
    invoices.change_status(session, ctx, second, "promised", promised_on=date.today() + timedelta(5))
    session.commit()
    standing = balances.standings(session, ctx, [debtor], TODAY)[debtor]
    assert standing.balances == [Balance("EUR", 22_345, 22_345)]


def test_behaviour_and_last_contact_are_read_for_a_page_of_debtors_at_once(session: Session) -> None:
    _, ctx = sign_up(session)
    punctual, paid = debtor_with_invoice(session, ctx, phone="+393331111111", number="P-1", due=TODAY - timedelta(30))
    chronic, _ = debtor_with_invoice(session, ctx, phone="+393332222222", number="C-1", due=TODAY - timedelta(120))
    silent, _ = debtor_with_invoice(session, ctx, phone="+393333333333", number="S-1", due=TODAY + timedelta(3))
    invoices.record_payment(session, ctx, paid, amount_minor=12_345, paid_on=TODAY - timedelta(29))
    sent_at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    replied_at = datetime(2026, 12, 2, 18, 30, tzinfo=UTC)
    session.add(Message(org_id=ctx.org_id, debtor_id=punctual, scheduled_at=sent_at, sent_at=sent_at, status="read"))
    session.add(Message(org_id=ctx.org_id, debtor_id=chronic, scheduled_at=sent_at, sent_at=sent_at, status="sent"))
    session.add(
        InboundMessage(
            org_id=ctx.org_id, debtor_id=chronic, wamid="w-1", sender="393332222222", text="ok", received_at=replied_at
        )
    )
    scheduled = Message(org_id=ctx.org_id, debtor_id=silent, scheduled_at=replied_at, status="scheduled")
    session.add(scheduled)  # planned, not sent: no contact yet
    session.commit()

    found = balances.standings(session, ctx, [punctual, chronic, silent], TODAY)

    assert found[punctual].assessment.behaviour == Behaviour.PUNCTUAL
    assert found[chronic].assessment.behaviour == Behaviour.CHRONIC
    assert found[silent].assessment.behaviour == Behaviour.UNKNOWN
    assert found[punctual].last_contact == balances.Contact(sent_at, inbound=False)
    assert found[chronic].last_contact == balances.Contact(replied_at, inbound=True)
    assert found[silent].last_contact is None


def test_standings_never_read_another_organizations_debtors(session: Session) -> None:
    _, alpha = sign_up(session)
    _, beta = sign_up(session)
    theirs, _ = debtor_with_invoice(session, beta, phone="+393331111111", number="B-1", due=TODAY - timedelta(5))
    found = balances.standings(session, alpha, [theirs], TODAY)
    assert found[theirs].balances == []
    assert found[theirs].days_overdue == 0


def test_refreshing_behaviour_reads_only_the_debtors_asked_for(session: Session) -> None:
    _, ctx = sign_up(session)
    late, first = debtor_with_invoice(session, ctx, phone="+393331111111", number="L-1", due=TODAY - timedelta(30))
    other, _ = debtor_with_invoice(session, ctx, phone="+393332222222", number="O-1", due=TODAY - timedelta(200))
    invoices.record_payment(session, ctx, first, amount_minor=12_345, paid_on=TODAY - timedelta(10))
    session.commit()
    assert debtors.refresh_behaviour(session, ctx.org_id, [late], TODAY) == 0  # record_payment refreshed it
    session.expire_all()
    assert session.get(Debtor, late).behaviour == "late"  # type: ignore[union-attr]
    assert session.get(Debtor, other).behaviour == "unknown"  # type: ignore[union-attr]
    assert debtors.refresh_behaviour(session, ctx.org_id, [other], TODAY) == 1
    session.expire_all()
    assert session.get(Debtor, other).behaviour == "chronic"  # type: ignore[union-attr]


def set_country(session: Session, org_id: int, country: str) -> None:
    org = session.get(Organization, org_id)
    assert org is not None
    org.country = country
    session.add(org)
    session.commit()


@pytest.mark.parametrize("locale", ["en", "it", "es", "pt", "fr"])
def test_a_bad_phone_is_refused_with_a_message_wholly_in_the_readers_language(session: Session, locale: str) -> None:
    """The refusal used to end in phonenumbers' English ("'123' is not a valid number for its country")."""
    _, ctx = sign_up(session)
    set_country(session, ctx.org_id, "IT")
    debtor, _ = debtor_with_invoice(session, ctx, phone="+393331111111", number="A-1", due=TODAY)
    data = debtors.input_of(session.get(Debtor, debtor))  # type: ignore[arg-type]
    data.phone = "123"
    with pytest.raises(ServiceError) as refused:
        debtors.update_debtor(session, ctx, debtor, data)
    assert refused.value.field == "phone"
    said = gettext(locale, refused.value.message, **refused.value.params)
    assert "123" in said
    assert "+39 312 345 6789" in said
    assert "valid number for its country" not in said
    if locale != "en":
        assert "phone number" not in said  # no English left in it
    data.phone = "   "
    with pytest.raises(ServiceError, match="Enter the debtor's phone number") as empty:
        debtors.update_debtor(session, ctx, debtor, data)
    assert empty.value.field == "phone"


def test_a_saved_profile_names_the_fields_that_changed_in_the_audit(session: Session) -> None:
    _, ctx = sign_up(session)
    debtor, _ = debtor_with_invoice(session, ctx, phone="+393331111111", number="A-1", due=TODAY)
    data = debtors.input_of(session.get(Debtor, debtor))  # type: ignore[arg-type]
    data.phone, data.email = "+39 333 999 8888", "ana@example.com"
    debtors.update_debtor(session, ctx, debtor, data)
    session.commit()
    entry = session.exec(select(AuditLog).where(AuditLog.action == "debtor.updated")).one()
    assert entry.details["changed"] == ["phone", "email"]
    assert session.get(Debtor, debtor).phone == "+393339998888"  # type: ignore[union-attr]


def test_a_debtor_is_assigned_to_a_member_who_collects_and_never_to_a_stranger(session: Session) -> None:
    _, ctx = sign_up(session)
    collector = add_member(session, ctx, "collector", email="carla@example.com")
    viewer = add_member(session, ctx, "viewer", email="vera@example.com")
    _, stranger_ctx = sign_up(session)
    debtor, _ = debtor_with_invoice(session, ctx, phone="+393331111111", number="A-1", due=TODAY)

    assert {c.user_id for c in debtors.collectors(session, ctx)} == {ctx.user_id, collector.user_id}  # no viewer
    for refused in (viewer.user_id, stranger_ctx.user_id, 999_999):
        with pytest.raises(ServiceError) as raised:
            debtors.assign(session, ctx, debtor, refused)
        assert raised.value.field == "assigned_user_id"
    debtors.assign(session, ctx, debtor, collector.user_id)
    session.commit()
    assert session.get(Debtor, debtor).assigned_user_id == collector.user_id  # type: ignore[union-attr]
    with pytest.raises(PermissionDenied):
        debtors.assign(session, viewer, debtor, None)
    with pytest.raises(NotFound):
        debtors.assign(session, stranger_ctx, debtor, None)
    debtors.assign(session, collector, debtor, None)
    session.commit()
    assert session.get(Debtor, debtor).assigned_user_id is None  # type: ignore[union-attr]
    moves = session.exec(select(AuditLog).where(AuditLog.action == "debtor.assigned").order_by(col(AuditLog.id))).all()
    assert [(m.details["to"], m.details["previous"]) for m in moves] == [
        (collector.user_id, None),
        (None, collector.user_id),
    ]


def test_notes_are_signed_kept_whole_and_refused_empty_too_long_or_by_a_viewer(session: Session) -> None:
    _, ctx = sign_up(session)
    viewer = add_member(session, ctx, "viewer")
    _, stranger = sign_up(session)
    debtor, _ = debtor_with_invoice(session, ctx, phone="+393331111111", number="A-1", due=TODAY)
    note = debtors.add_note(session, ctx, debtor, "  Called: pays on Friday.\nSecond line.  ")
    session.commit()
    assert (note.text, note.author_user_id) == ("Called: pays on Friday.\nSecond line.", ctx.user_id)
    for text in ("", "   ", "x" * (debtors.MAX_NOTE + 1)):
        with pytest.raises(ServiceError) as raised:
            debtors.add_note(session, ctx, debtor, text)
        assert raised.value.field == "note"
    with pytest.raises(PermissionDenied):
        debtors.add_note(session, viewer, debtor, "viewer note")
    with pytest.raises(NotFound):
        debtors.add_note(session, stranger, debtor, "stranger note")
    session.rollback()
    assert len(session.exec(select(DebtorNote)).all()) == 1


def test_consent_recorded_by_hand_is_audited_and_never_overrides_an_opt_out(session: Session) -> None:
    _, ctx = sign_up(session)
    viewer = add_member(session, ctx, "viewer")
    debtor, _ = debtor_with_invoice(session, ctx, phone="+393331111111", number="A-1", due=TODAY, consent=False)
    with pytest.raises(PermissionDenied):
        debtors.record_opt_in(session, viewer, debtor)
    recorded = debtors.record_opt_in(session, ctx, debtor)
    session.commit()
    assert (recorded.opt_in_source, recorded.opted_in_at is not None) == ("manual", True)
    assert session.exec(select(AuditLog).where(AuditLog.action == "debtor.opted_in")).one().actor_user_id == ctx.user_id
    debtors.opt_out(session, ctx, debtor, source="manual")
    session.commit()
    with pytest.raises(ServiceError, match="only they can start again"):
        debtors.record_opt_in(session, ctx, debtor)
