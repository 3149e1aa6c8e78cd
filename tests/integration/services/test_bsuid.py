"""Debtors known by their WhatsApp business-scoped user id (BSUID): learned from the webhooks that name it,
then the only way to recognise a debtor with a username, whose phone number Meta leaves out."""

import json
from datetime import date, timedelta

from sqlmodel import Session, select

from saas_app.core.roles import Role
from saas_app.models import Debtor, Enrollment, InboundMessage, Invoice, Message
from saas_app.services import campaigns, inbox, webhooks, whatsapp
from saas_app.services.context import OrgContext
from saas_app.whatsapp.webhooks import contact, envelope, signature_of, status_item, text_message
from saas_app.worker import planner
from tests.factories import debtor_with_invoice, sign_up, simple_cadence
from tests.integration.services.test_collections import NOW
from tests.integration.services.test_meta_examples import our_message, receive, reference

PABLO = "US.13491208655302741918"  # the BSUID in Meta's examples
NUMBER, WABA = "106540352242922", "102290129340398"  # the number and WABA test_meta_examples connects


def _debtor(session: Session, message: Message) -> Debtor:
    debtor = session.get(Debtor, message.debtor_id)
    assert debtor is not None
    session.refresh(debtor)
    return debtor


def _owner(message: Message) -> OrgContext:
    """The organization our_message set up, as its owner."""
    return OrgContext(user_id=None, org_id=message.org_id, role=Role.OWNER)


def _post(session: Session, number: str, secret: str, **value: object) -> webhooks.Outcome:
    payload = envelope(WABA if number == NUMBER else "2098765499", number, "+15550783881", **value)
    raw = json.dumps(payload).encode()
    outcome = webhooks.receive(session, raw, signature_of(raw, secret))
    session.commit()
    return outcome


def _status(session: Session, wamid: str, status: str, user_id: str, phone: str = "") -> webhooks.Outcome:
    item = status_item(wamid, status, phone, NOW, user_id=user_id)
    return _post(session, NUMBER, "meta-app-secret", contacts=[contact(phone, "Pablo M.", user_id)], statuses=[item])


def _username_reply(session: Session, number: str, secret: str, wamid: str, text: str) -> webhooks.Outcome:
    """A text from Meta's username user: named by their BSUID alone, no phone number anywhere."""
    message = text_message(wamid, "", NOW + timedelta(hours=1), text, user_id=PABLO)
    return _post(session, number, secret, contacts=[contact("", "Pablo M.", PABLO)], messages=[message])


def test_a_debtors_bsuid_is_stored_from_the_first_status_that_names_it(session: Session) -> None:
    payload = reference("status_delivered_bsuid_only")  # Meta's delivered status naming the user by BSUID only
    wamid = payload["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    message = our_message(session, wamid)
    assert _debtor(session, message).whatsapp_user_id is None
    assert receive(session, payload).statuses_applied == 1
    session.refresh(message)
    assert message.status == "delivered", "the status still finds its message, by wamid"
    assert _debtor(session, message).whatsapp_user_id == PABLO
    # Kept from then on: a later status naming another id does not replace it.
    assert _status(session, wamid, "read", "US.99999999999999999999").statuses_applied == 1
    assert _debtor(session, message).whatsapp_user_id == PABLO


def test_a_bsuid_another_debtor_of_the_organization_holds_is_not_given_to_a_second_one(session: Session) -> None:
    message = our_message(session, "wamid.OURS")
    holder_id, _ = debtor_with_invoice(session, _owner(message), phone="+393330000001", number="X-1", due=NOW.date())
    holder = session.get(Debtor, holder_id)
    assert holder is not None
    holder.whatsapp_user_id = PABLO
    session.add(holder)
    session.commit()
    assert _status(session, "wamid.OURS", "delivered", PABLO, phone="+16505551234").http_status == 200
    assert _debtor(session, message).whatsapp_user_id is None, "the POST is applied; the id stays with its holder"
    session.refresh(message)
    assert message.status == "delivered"


def test_a_username_debtors_promise_lands_on_them_and_pauses_their_reminders(session: Session) -> None:
    message = our_message(session, "wamid.OURS")
    _status(session, "wamid.OURS", "delivered", PABLO)  # Meta names them by BSUID: Cobro learns it here
    promised = NOW.date() + timedelta(days=20)
    reply = _username_reply(session, NUMBER, "meta-app-secret", "wamid.IN1", f"Vou pagar dia {promised:%d/%m}")
    assert reply.http_status == 200
    debtor = _debtor(session, message)
    stored = session.exec(select(InboundMessage)).one()
    assert (stored.debtor_id, stored.sender, stored.profile_name) == (debtor.id, PABLO, "Pablo M.")
    assert (stored.intent, stored.promised_on) == ("promise", promised)
    invoice = session.exec(select(Invoice).execution_options(populate_existing=True)).one()
    assert (invoice.status, invoice.promised_on) == ("promised", promised)
    enrollment = session.exec(select(Enrollment).execution_options(populate_existing=True)).one()
    assert enrollment.paused_until is not None
    assert enrollment.paused_until > promised, "no reminder before the promised day"
    [conversation] = inbox.conversations(session, _owner(message))
    assert (conversation.debtor_id, conversation.last_intent) == (debtor.id, "promise")


def test_another_organizations_debtor_with_the_same_bsuid_is_never_matched(session: Session) -> None:
    """BSUIDs are scoped to a business portfolio, not to Cobro: two tenants may see the same string."""
    ours = our_message(session, "wamid.OURS")
    _status(session, "wamid.OURS", "delivered", PABLO)
    _, other = sign_up(session)
    whatsapp.save_account(
        session,
        other,
        whatsapp.AccountInput(phone_number_id="1098765499", waba_id="2098765499", app_secret="other-secret"),
    )
    cadence_id = simple_cadence(session, other, offsets=(0,))
    their_debtor_id, invoice_id = debtor_with_invoice(
        session, other, phone="+16505551234", number="NF-1", due=date(2026, 11, 23)
    )
    campaigns.create_campaign(session, other, name="C", cadence_id=cadence_id, invoice_ids=[invoice_id], now=NOW)
    session.commit()

    # Their number hears from the same BSUID before they know it: kept, for nobody.
    assert _username_reply(session, "1098765499", "other-secret", "wamid.IN1", "Who is this?").http_status == 200
    unknown = session.exec(select(InboundMessage).where(InboundMessage.wamid == "wamid.IN1")).one()
    assert (unknown.org_id, unknown.debtor_id, unknown.sender) == (other.org_id, None, PABLO)
    assert inbox.conversations(session, _owner(ours)) == []

    # Once their own debtor is named by that BSUID, it is theirs to match; ours is never touched.
    planner.plan_all(session, now=NOW)
    theirs = session.exec(select(Message).where(Message.org_id == other.org_id)).one()
    theirs.status, theirs.wamid = "sent", "wamid.THEIRS"
    session.add(theirs)
    session.commit()
    item = status_item("wamid.THEIRS", "delivered", "", NOW, user_id=PABLO)
    assert _post(session, "1098765499", "other-secret", statuses=[item]).statuses_applied == 1
    assert _username_reply(session, "1098765499", "other-secret", "wamid.IN2", "Pago amanhã").http_status == 200
    matched = session.exec(select(InboundMessage).where(InboundMessage.wamid == "wamid.IN2")).one()
    assert matched.debtor_id == their_debtor_id
    assert _debtor(session, ours).whatsapp_user_id == PABLO
    assert session.exec(select(InboundMessage).where(InboundMessage.org_id == ours.org_id)).all() == []
