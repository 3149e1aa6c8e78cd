"""A debtor's file as one timeline: every message as they read it, every reply, payment, promise, dispute,
consent, note and change, with who did it. Evidence when a dispute goes to law.

Each source is read by the debtor's (or their invoices') own index, newest first and at most
`limit` rows (messages whole: a cadence sends a few per invoice); the sources are merged and cut
to `limit`, so a long file opens about as fast as a short one.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from saas_app.core.invoices import Status
from saas_app.core.messages import MessageKind, MessageStatus
from saas_app.core.roles import Action
from saas_app.models import ApiKey, AuditLog, Debtor, DebtorNote, InboundMessage, Invoice, Message, Payment, User
from saas_app.services.balances import owned
from saas_app.services.context import OrgContext
from saas_app.services.debtors import get_debtor
from saas_app.services.exports import safe_cell

S = MessageStatus
# Messages the debtor could have read, or that failed trying; and a person's reply still waiting for the worker.
_SHOWN = (S.SENDING, S.SENT, S.DELIVERED, S.READ, S.FAILED)
# Payments change these statuses: the payment itself says so, with its amount.
_PAYMENT_STATUSES = (Status.PAID, Status.PARTIALLY_PAID)
# Audit entries that attribute another event (a payment, a person's reply, a consent) rather than stand alone.
_ATTRIBUTING = ("payment.recorded", "inbox.replied", "debtor.opted_out", "debtor.opted_in")
# A consent recorded this close to the debtor's creation came with it (a form, the API): its creator gave it.
CREATED_WITH = 5


class Kind(StrEnum):
    MESSAGE = "message"  # we wrote
    REPLY = "reply"  # they wrote
    PAYMENT = "payment"
    PROMISE = "promise"
    DISPUTE = "dispute"
    STATUS = "status"  # an invoice written off or reopened
    CONSENT = "consent"  # opt-in, opt-out
    NOTE = "note"
    ACTIVITY = "activity"  # who changed what: profile, assignment, invoices, exports


# The timeline's filter: its name in the page -> the kinds it keeps (None: all).
FILTERS: dict[str, frozenset[Kind] | None] = {
    "all": None,
    "messages": frozenset({Kind.MESSAGE, Kind.REPLY}),
    "money": frozenset({Kind.PAYMENT, Kind.PROMISE, Kind.DISPUTE, Kind.STATUS}),
    "notes": frozenset({Kind.NOTE}),
    "activity": frozenset({Kind.CONSENT, Kind.ACTIVITY}),
}


@dataclass(frozen=True)
class Actor:
    """Who did it: a member or an API key by name, the debtor, Cobro itself, or nobody recorded (older data)."""

    kind: str = "system"  # member, api_key, debtor, system, unknown
    name: str = ""


SYSTEM = Actor()
DEBTOR = Actor("debtor")
UNKNOWN = Actor("unknown")


@dataclass(frozen=True)
class Event:
    key: str  # unique in the file: "message:12"
    at: datetime
    kind: Kind
    action: str  # what happened: "message.reminder", "reply", "payment", "invoice.promised", "debtor.updated", ...
    actor: Actor = SYSTEM
    invoice: str = ""  # the number of the invoice it concerns
    text: str = ""  # what was written: the message as the debtor read it, their reply, the note
    amount_minor: int = 0
    currency: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    steps: tuple[tuple[str, datetime], ...] = ()  # a message's statuses: ("sent", at), ("delivered", at) ...
    error: str = ""  # why a message failed
    document: bool = False  # the message carried the invoice's PDF


@dataclass(frozen=True)
class Timeline:
    events: list[Event]  # newest first
    more: bool  # older events than these exist


@dataclass(frozen=True)
class PaymentLine:
    payment_id: int
    invoice: str
    amount_minor: int
    currency: str
    paid_on: date
    method: str
    source: str


def timeline(
    session: Session,
    ctx: OrgContext,
    debtor_id: int,
    *,
    limit: int | None = 100,
    kinds: frozenset[Kind] | None = None,
) -> Timeline:
    """The debtor's events, newest first: `limit` of them (None: all), of `kinds` (None: every kind)."""
    ctx.require(Action.VIEW)
    debtor = get_debtor(session, ctx, debtor_id)
    reader = _Reader(session, ctx.org_id, debtor, limit)
    wanted = kinds or frozenset(Kind)
    events: list[Event] = []
    if Kind.MESSAGE in wanted:
        events += reader.messages()
    if Kind.REPLY in wanted:
        events += reader.replies()
    if Kind.PAYMENT in wanted:
        events += reader.payments()
    if Kind.NOTE in wanted:
        events += reader.notes()
    if Kind.CONSENT in wanted:
        events += reader.consent()
    events += [event for event in reader.changes() if event.kind in wanted]
    events.sort(key=lambda event: (event.at, event.key), reverse=True)
    if limit is None:
        return Timeline(events, False)
    return Timeline(events[:limit], len(events) > limit)


def payments_of(session: Session, ctx: OrgContext, debtor_id: int) -> list[PaymentLine]:
    """Every payment on the debtor's invoices, newest first."""
    ctx.require(Action.VIEW)
    debtor = get_debtor(session, ctx, debtor_id)
    rows = session.exec(
        select(Payment, Invoice.number)
        .join(Invoice, col(Invoice.id) == Payment.invoice_id)
        .where(col(Invoice.debtor_id).in_(owned(ctx.org_id, [debtor.id or 0])))
        .order_by(col(Payment.paid_on).desc(), col(Payment.id).desc())
    ).all()
    return [
        PaymentLine(p.id or 0, number, p.amount_minor, p.currency, p.paid_on, p.method, p.source) for p, number in rows
    ]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A CSV file (UTF-8 with its mark, so spreadsheets read accents) whose cells never run as formulas."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


class _Reader:
    """The sources of one debtor's timeline, each read newest first and at most `limit` rows."""

    def __init__(self, session: Session, org_id: int, debtor: Debtor, limit: int | None) -> None:
        self.session, self.org_id, self.debtor, self.limit = session, org_id, debtor, limit
        self.debtor_id = debtor.id or 0
        self.owned = owned(org_id, [self.debtor_id])  # rows are scoped through their debtor (services.balances)
        rows = session.exec(
            select(Invoice.id, Invoice.number, Invoice.amount_minor).where(col(Invoice.debtor_id).in_(self.owned))
        ).all()
        self.numbers = {invoice_id or 0: number for invoice_id, number, _ in rows}
        self.amounts = {invoice_id or 0: amount for invoice_id, _, amount in rows}
        self._audits: list[AuditLog] | None = None
        self._people: dict[int, str] = {}
        self._keys: dict[int, str] = {}

    def _limited(self, query: Any) -> Any:
        return query if self.limit is None else query.limit(self.limit)

    def audits(self) -> list[AuditLog]:
        """What was done to the debtor and to their invoices, newest first."""
        if self._audits is None:
            newest = (col(AuditLog.created_at).desc(), col(AuditLog.id).desc())
            # Entries that only attribute others are read beyond the limit, so that each finds its event.
            cap = None if self.limit is None else self.limit * 3
            entries: list[AuditLog] = []
            # One query per target type, each on the (org, type, id) index; OR-ed, SQLite walks created_at.
            for target_type, ids in (("debtor", [self.debtor_id]), ("invoice", list(self.numbers))):
                query = select(AuditLog).where(
                    AuditLog.org_id == self.org_id,
                    AuditLog.target_type == target_type,
                    col(AuditLog.target_id).in_([str(target) for target in ids]),
                )
                entries += self.session.exec(query.order_by(*newest).limit(cap))
            entries.sort(key=lambda entry: (entry.created_at, entry.id or 0), reverse=True)
            self._audits = entries[:cap]
            self._learn_actors(self._audits)
        return self._audits

    def _learn_people(self, user_ids: Iterable[int | None]) -> None:
        wanted = {user_id for user_id in user_ids if user_id is not None} - set(self._people)
        if wanted:
            query = select(User.id, User.name, User.email).where(col(User.id).in_(wanted))
            for user_id, name, email in self.session.exec(query):
                self._people[user_id or 0] = name or email

    def person(self, user_id: int | None) -> str:
        """A member's name (their email when they gave none); "" for nobody."""
        return "" if user_id is None else self._people.get(user_id, "?")

    def member(self, user_id: int | None) -> Actor:
        """The member by name; Cobro itself when no member acted (a webhook, the worker, the command line)."""
        return SYSTEM if user_id is None else Actor("member", self.person(user_id))

    def _learn_actors(self, entries: list[AuditLog]) -> None:
        assigned = [
            e.details.get(part) for e in entries if e.action == "debtor.assigned" for part in ("to", "previous")
        ]
        self._learn_people([e.actor_user_id for e in entries] + [a for a in assigned if isinstance(a, int)])
        keys = {int(e.details["api_key_id"]) for e in entries if str(e.details.get("api_key_id", "")).isdigit()}
        if keys - set(self._keys):
            for key_id, name in self.session.exec(
                select(ApiKey.id, ApiKey.name).where(ApiKey.org_id == self.org_id, col(ApiKey.id).in_(keys))
            ):
                self._keys[key_id or 0] = name

    def actor_of(self, entry: AuditLog | None) -> Actor:
        """Who made an audited change: the member, the API key, or Cobro itself."""
        if entry is None:
            return SYSTEM
        key = entry.details.get("api_key_id")
        if key is not None and str(key).isdigit():
            return Actor("api_key", self._keys.get(int(key), "?"))
        return self.member(entry.actor_user_id)

    def messages(self) -> list[Event]:
        """What we sent, as the debtor read it, with each status it reached.

        Every message of the debtor is read (a cadence writes a few per invoice) and those never sent
        are left out here: filtered by status in SQL, SQLite walks the status index over every message.
        """
        found = self.session.exec(select(Message).where(col(Message.debtor_id).in_(self.owned)))
        shown = [
            m
            for m in found
            if m.status in _SHOWN or (m.status == S.SCHEDULED and m.template_id is None)  # a reply being sent
        ]
        shown.sort(key=lambda m: (m.sent_at or m.failed_at or m.scheduled_at, m.id or 0), reverse=True)
        writers = {
            int(e.details["message_id"]): e
            for e in self.audits()
            if e.action == "inbox.replied" and e.details.get("message_id")
        }
        events = []
        for m in shown[: self.limit]:
            steps = tuple(
                (name, at)
                for name, at in (
                    ("sent", m.sent_at),
                    ("delivered", m.delivered_at),
                    ("read", m.read_at),
                    ("failed", m.failed_at),
                )
                if at is not None
            )
            events.append(
                Event(
                    key=f"message:{m.id}",
                    at=m.sent_at or m.failed_at or m.scheduled_at,
                    kind=Kind.MESSAGE,
                    action=f"message.{m.kind}",
                    actor=self.actor_of(writers.get(m.id or 0)),
                    invoice=self.numbers.get(m.invoice_id or 0, ""),
                    text=m.text,
                    details={"status": m.status},
                    steps=steps,
                    error=m.error_message if m.status == S.FAILED else "",
                    document=m.kind == MessageKind.DOCUMENT,
                )
            )
        return events

    def replies(self) -> list[Event]:
        """What the debtor wrote, with what Cobro read in it."""
        query = (
            select(InboundMessage)
            .where(col(InboundMessage.debtor_id).in_(self.owned))
            .order_by(col(InboundMessage.received_at).desc(), col(InboundMessage.id).desc())
        )
        return [
            Event(
                key=f"reply:{r.id}",
                at=r.received_at,
                kind=Kind.REPLY,
                action="reply",
                actor=DEBTOR,
                text=r.text,
                details={"intent": r.intent, "promised_on": r.promised_on},
            )
            for r in self.session.exec(self._limited(query))
        ]

    def payments(self) -> list[Event]:
        """Each payment, who recorded it, and what was left to pay on its invoice after it."""
        if not self.numbers:
            return []
        rows = list(
            self.session.exec(
                select(Payment).where(col(Payment.invoice_id).in_(list(self.numbers))).order_by(col(Payment.id))
            )
        )
        recorders: dict[tuple[str, int], list[AuditLog]] = {}
        for entry in reversed(self.audits()):  # oldest first, as the payments
            if entry.action == "payment.recorded":
                recorders.setdefault((entry.target_id, int(entry.details.get("amount_minor", 0))), []).append(entry)
        paid: dict[int, int] = {}
        events = []
        for p in rows:  # in the order they were recorded, so that each balance follows the ones before
            paid[p.invoice_id] = paid.get(p.invoice_id, 0) + p.amount_minor
            queue = recorders.get((str(p.invoice_id), p.amount_minor), [])
            events.append(
                Event(
                    key=f"payment:{p.id}",
                    at=p.created_at,
                    kind=Kind.PAYMENT,
                    action="payment",
                    actor=self.actor_of(queue.pop(0) if queue else None),
                    invoice=self.numbers[p.invoice_id],
                    amount_minor=p.amount_minor,
                    currency=p.currency,
                    details={
                        "paid_on": p.paid_on,
                        "method": p.method,
                        "source": p.source,
                        "left_minor": max(0, self.amounts[p.invoice_id] - paid[p.invoice_id]),
                    },
                )
            )
        return events

    def notes(self) -> list[Event]:
        """The team's internal notes, signed."""
        query = (
            select(DebtorNote)
            .where(DebtorNote.org_id == self.org_id, DebtorNote.debtor_id == self.debtor_id)
            .order_by(col(DebtorNote.created_at).desc(), col(DebtorNote.id).desc())
        )
        notes = list(self.session.exec(self._limited(query)))
        self._learn_people(n.author_user_id for n in notes)
        return [
            Event(
                key=f"note:{n.id}",
                at=n.created_at,
                kind=Kind.NOTE,
                action="note",
                actor=self.member(n.author_user_id),
                text=n.text,
            )
            for n in notes
        ]

    def consent(self) -> list[Event]:
        """When the debtor agreed to be written to, and when they asked to stop, with where it came from."""
        wanted = ("debtor.opted_in", "debtor.opted_out", "debtor.created")
        by_action = {e.action: e for e in reversed(self.audits()) if e.action in wanted}  # the latest of each
        events = []
        if self.debtor.opted_in_at is not None:
            events.append(
                Event(
                    key="consent:in",
                    at=self.debtor.opted_in_at,
                    kind=Kind.CONSENT,
                    action="opted_in",
                    actor=self._consenter(by_action),
                    details={"source": self.debtor.opt_in_source},
                )
            )
        if self.debtor.opted_out_at is not None:
            entry = by_action.get("debtor.opted_out")
            events.append(
                Event(
                    key="consent:out",
                    at=self.debtor.opted_out_at,
                    kind=Kind.CONSENT,
                    action="opted_out",
                    actor=self.actor_of(entry),
                    details={"source": entry.details.get("source", "") if entry else ""},
                )
            )
        return events

    def _consenter(self, by_action: dict[str, AuditLog]) -> Actor:
        """Who recorded the opt-in: the debtor when they wrote first, the person who recorded it, or whoever
        created the debtor with it (same moment); an import or older data does not say."""
        if self.debtor.opt_in_source == "replied_first":
            return DEBTOR
        if "debtor.opted_in" in by_action:
            return self.actor_of(by_action["debtor.opted_in"])
        created = by_action.get("debtor.created")
        given = self.debtor.opted_in_at
        if (
            created is not None
            and given is not None
            and abs((given - created.created_at).total_seconds()) < CREATED_WITH
        ):
            return self.actor_of(created)
        return UNKNOWN

    def changes(self) -> list[Event]:
        """Promises, disputes and other status changes, and who changed the debtor or their invoices."""
        events = []
        for entry in self.audits():
            if entry.action in _ATTRIBUTING:
                continue
            invoice = self.numbers.get(int(entry.target_id), "") if entry.target_type == "invoice" else ""
            kind, action = Kind.ACTIVITY, entry.action
            if entry.action == "invoice.status_changed":
                status = entry.details.get("status", "")
                if status in _PAYMENT_STATUSES:
                    continue
                kind = {Status.PROMISED: Kind.PROMISE, Status.DISPUTED: Kind.DISPUTE}.get(status, Kind.STATUS)
                action = f"invoice.{status}"
            details = dict(entry.details)
            if entry.action == "debtor.assigned":  # the members by name, as they were called then or now
                details |= {
                    "to_name": self.person(details.get("to")),
                    "previous_name": self.person(details.get("previous")),
                }
            events.append(
                Event(
                    key=f"audit:{entry.id}",
                    at=entry.created_at,
                    kind=kind,
                    action=action,
                    actor=self.actor_of(entry),
                    invoice=invoice,
                    details=details,
                )
            )
        return events
