"""How fast the debtors list and a debtor's file answer over N invoices of one organization.

    .venv/bin/python -m bench.debtors_page --invoices 100000 [--database postgresql://...]

A page of /debtors reads 50 debtors and, for those 50 alone, their balances and oldest overdue
invoice, their payment history (behaviour) and their last contact (services.balances.standings).
A file reads one debtor's standing, invoices, payments and the latest 100 events of the timeline.
`record_payment` refreshes the payer's behaviour: it must read that debtor's history only.
Each figure is the median of several runs, in ms; prints the machine it ran on.
"""

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text
from sqlmodel import Session, func, select

from bench.harness import machine, prepare_database, report
from saas_app.models import AuditLog, Debtor, DebtorNote, InboundMessage, Invoice, Message, Payment
from saas_app.services import accounts, balances, debtors, invoices, timeline
from saas_app.services.context import OrgContext

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TODAY = NOW.date()
CHUNK = 20_000
INVOICES_PER_DEBTOR = 5
STATUSES = ["open"] * 5 + ["partially_paid", "promised", "disputed", "paid", "paid", "paid", "written_off"]
CURRENCIES = ["EUR"] * 8 + ["BRL", "USD"]
RUNS = 7
PAGE = 50


def _insert(session: Session, model: type, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start : start + CHUNK])


def seed(session: Session, n: int) -> OrgContext:
    """One organization with n invoices over n/5 debtors, their payments, two reminders per invoice
    (read, delivered), a reply from one debtor in four, an audit entry per invoice and a note per debtor."""
    signup = accounts.sign_up(
        session,
        name="Bench",
        email="bench-debtors@example.com",
        password="bench-password-1",  # noqa: S106 - a throw-away benchmark account
        org_name="Bench debtors",
        first_party_confirmed=True,
    )
    org_id, user_id = signup.organization.id or 0, signup.user.id
    people = max(1, n // INVOICES_PER_DEBTOR)
    _insert(
        session,
        Debtor,
        [
            {
                "org_id": org_id,
                "name": f"Debtor {i:06d}",
                "phone": f"+39347{i:07d}",
                "email": "",
                "locale": "en",
                "timezone": "Europe/Rome",
                "country": "IT",
                "tags": [],
                "attributes": {},
                "behaviour": "unknown",
                "opt_in_source": "import",
                "opted_in_at": NOW if i % 7 else None,
                "external_ref": "",
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i in range(people)
        ],
    )
    first = session.exec(select(func.min(Debtor.id)).where(Debtor.org_id == org_id)).one() or 0
    rows = []
    for i in range(n):
        amount = 5_000 + (i * 7919) % 500_000
        status = STATUSES[i % len(STATUSES)]
        rows.append(
            {
                "org_id": org_id,
                "debtor_id": first + i % people,
                "number": f"F-{i:07d}",
                "service": "Monthly plan",
                "amount_minor": amount,
                "paid_minor": {"paid": amount, "partially_paid": amount // 3}.get(status, 0),
                "currency": CURRENCIES[i % len(CURRENCIES)],
                "due_on": TODAY + timedelta(days=60 - (i * 31) % 261),
                "status": status,
                "payment_link": "",
                "document_url": "",
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    _insert(session, Invoice, rows)
    listed = session.exec(
        select(Invoice.id, Invoice.debtor_id, Invoice.status, Invoice.paid_minor, Invoice.due_on, Invoice.currency)
        .where(Invoice.org_id == org_id)
        .order_by(Invoice.id)
    ).all()
    _insert(
        session,
        Payment,
        [
            {
                "org_id": org_id,
                "invoice_id": invoice_id,
                "amount_minor": paid,
                "currency": currency,
                "paid_on": min(TODAY, due + timedelta(days=(invoice_id % 11) - 3)),
                "method": "bank_transfer",
                "source": "import",
                "created_at": NOW,
            }
            for invoice_id, _, status, paid, due, currency in listed
            if paid
        ],
    )
    sent = [NOW - timedelta(days=20), NOW - timedelta(days=3)]
    _insert(
        session,
        Message,
        [
            {
                "org_id": org_id,
                "debtor_id": debtor_id,
                "invoice_id": invoice_id,
                "kind": "reminder",
                "language": "en",
                "status": status,
                "scheduled_at": at,
                "sent_at": at,
                "delivered_at": at,
                "read_at": at if status == "read" else None,
                "text": "Hi, invoice F is due.",
                "parameters": [],
                "attempts": 1,
                "error_code": "",
                "error_message": "",
                "created_at": at,
            }
            for invoice_id, debtor_id, *_ in listed
            for at, status in zip(sent, ("read", "delivered"), strict=True)
        ],
    )
    _insert(
        session,
        InboundMessage,
        [
            {
                "org_id": org_id,
                "debtor_id": first + k,
                "wamid": f"wamid.{k}",
                "sender": f"39347{k:07d}",
                "profile_name": "",
                "kind": "text",
                "text": "I pay next week",
                "intent": "promise",
                "received_at": NOW - timedelta(days=2),
            }
            for k in range(0, people, 4)
        ],
    )
    _insert(
        session,
        AuditLog,
        [
            {
                "org_id": org_id,
                "actor_user_id": user_id,
                "action": "invoice.created",
                "target_type": "invoice",
                "target_id": str(invoice_id),
                "details": {},
                "ip": "",
                "created_at": NOW,
            }
            for invoice_id, *_ in listed
        ],
    )
    _insert(
        session,
        DebtorNote,
        [
            {"org_id": org_id, "debtor_id": first + k, "author_user_id": user_id, "text": "Called.", "created_at": NOW}
            for k in range(people)
        ],
    )
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()
    return OrgContext(user_id=user_id, org_id=org_id, role="owner")


def median_ms(work: Callable[[], object]) -> float:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def list_page(session: Session, ctx: OrgContext, after: int | None, consent: str | None = None) -> int:
    """What DebtorsState reads for one page: the debtors, where each stands, and the consent count."""
    found = debtors.scan_debtors(session, ctx, after=after, limit=PAGE, consent=consent)
    balances.standings(session, ctx, [d.id or 0 for d in found.items], TODAY)
    debtors.count_by_consent(session, ctx, "missing")
    return len(found.items)


def open_file(session: Session, ctx: OrgContext, debtor_id: int) -> None:
    """What DebtorFileState reads: the debtor, their standing, invoices, payments, the latest events."""
    debtors.get_debtor(session, ctx, debtor_id)
    balances.standings(session, ctx, [debtor_id], TODAY)
    invoices.list_invoices(session, ctx, debtor_id=debtor_id, limit=200)
    timeline.payments_of(session, ctx, debtor_id)
    timeline.timeline(session, ctx, debtor_id, limit=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    engine = prepare_database(args.database, "debtors_page")
    print(machine())
    with Session(engine) as session:
        started = time.perf_counter()
        ctx = seed(session, args.invoices)
        count = session.exec(select(func.count()).select_from(Debtor)).one()
        print(
            f"database: {engine.dialect.name}; {args.invoices:,} invoices, {count:,} debtors"
            f" (seeded in {time.perf_counter() - started:.0f} s)"
        )
        ids = session.exec(select(Debtor.id).where(Debtor.org_id == ctx.org_id).order_by(Debtor.id)).all()
        deep = ids[-PAGE - 1] if len(ids) > PAGE else None
        middle = ids[len(ids) // 2]
        pages = []
        for label, after, consent in (
            ("first page", None, None),
            ("a page in the middle", middle, None),
            ("the last page", deep, None),
            ("without opt-in", None, "missing"),
        ):
            pages.append(median_ms(lambda: list_page(session, ctx, after, consent)))  # noqa: B023 - called at once
            print(f"list, {label + ':':21} {pages[-1]:7.1f} ms")
        file = median_ms(lambda: open_file(session, ctx, middle or 0))
        print(f"a debtor's file:            {file:7.1f} ms")
        whole = median_ms(lambda: timeline.timeline(session, ctx, middle, limit=None))
        print(f"the file's whole timeline:  {whole:7.1f} ms")
        refresh = median_ms(lambda: debtors.refresh_behaviour(session, ctx.org_id, [middle], date(2026, 11, 23)))
        print(f"behaviour after a payment:  {refresh:7.1f} ms")
    report("debtors: a page of the list, the slowest of four", max(pages), "ms", database=args.database)
    report("debtors: a debtor's file", file, "ms", database=args.database)
    report("debtors: behaviour after a payment", refresh, "ms", database=args.database)


if __name__ == "__main__":
    main()
