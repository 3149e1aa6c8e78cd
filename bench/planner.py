"""How fast the planner materializes messages: N enrollments, one message each, timed.

    .venv/bin/python -m bench.planner --enrollments 1000000 [--database postgresql://...]

Target (DESIGN.md): 1,000,000 enrollments scheduled in <= 60 s. Prints the machine it ran on.
"""

import argparse
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, literal, text, update
from sqlmodel import Session, col, func, select

from bench.harness import machine, prepare_database, report, settle
from saas_app.core.campaigns import EnrollmentState
from saas_app.models import (
    Cadence,
    CadenceStep,
    Campaign,
    Debtor,
    Enrollment,
    Invoice,
    Message,
    Template,
    TemplateVariant,
    WhatsAppAccount,
)
from saas_app.services import accounts
from saas_app.worker import planner

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
CHUNK = 20_000
ZONES = ["America/Sao_Paulo", "Europe/Rome", "Europe/Madrid", "Europe/Paris", "America/Mexico_City"]


def seed(session: Session, n: int, tenant: str = "Bench", messaging_limit: int = 0) -> int:
    """One organization, `tenant`, with n debtors, invoices and enrollments; returns its id.

    Its WhatsApp account (the sandbox number) gets `messaging_limit`: 0, Meta's unlimited tier, is
    the only one a million-invoice campaign can go out on in a day; a tier paces it over many.
    """
    signup = accounts.sign_up(
        session,
        name=tenant,
        email=f"{tenant.lower()}@example.com",
        password="bench-password-1",  # noqa: S106 - a throw-away benchmark account
        org_name=tenant,
        first_party_confirmed=True,
    )
    org_id = signup.organization.id
    session.execute(
        update(WhatsAppAccount).where(WhatsAppAccount.org_id == org_id).values(messaging_limit=messaging_limit)
    )
    template = Template(org_id=org_id, key="t", name="Reminder", purpose="due_today")
    session.add(template)
    session.flush()
    session.add(
        TemplateVariant(
            org_id=org_id,
            template_id=template.id,
            language="en",
            body="Hi {{customer_name}}, {{amount}} is due on {{due_date}}. Thanks.",
        )
    )
    cadence = Cadence(org_id=org_id, name="Bench")
    session.add(cadence)
    session.flush()
    for position, offset in enumerate((-7, 0, 5, 15)):
        session.add(
            CadenceStep(
                org_id=org_id, cadence_id=cadence.id, position=position, offset_days=offset, template_id=template.id
            )
        )
    campaign = Campaign(org_id=org_id, name="Bench", cadence_id=cadence.id)
    session.add(campaign)
    session.flush()
    for start in range(0, n, CHUNK):
        ids = range(start, min(n, start + CHUNK))
        session.execute(
            insert(Debtor),
            [
                {
                    "org_id": org_id,
                    "name": f"Debtor {i}",
                    "phone": f"+39347{i:07d}",
                    "email": "",
                    "locale": "en",
                    "timezone": ZONES[i % len(ZONES)],
                    "country": "",
                    "tags": [],
                    "attributes": {},
                    "behaviour": "unknown",
                    "opt_in_source": "import",
                    "opted_in_at": NOW,
                    "external_ref": "",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in ids
            ],
        )
        first = session.exec(
            select(func.min(Debtor.id)).where(Debtor.org_id == org_id, Debtor.phone == f"+39347{start:07d}")
        ).one()
        session.execute(
            insert(Invoice),
            [
                {
                    "org_id": org_id,
                    "debtor_id": first + k,
                    "number": f"F-{i}",
                    "service": "",
                    "amount_minor": 10_000 + i,
                    "paid_minor": 0,
                    "currency": "EUR",
                    "due_on": date(2026, 12, 1) + timedelta(days=i % 30),
                    "status": "open",
                    "payment_link": "",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for k, i in enumerate(ids)
            ],
        )
        first_invoice = session.exec(
            select(func.min(Invoice.id)).where(Invoice.org_id == org_id, Invoice.number == f"F-{start}")
        ).one()
        # One statement per chunk: PostgreSQL's enrollment trigger runs once per statement, and row by row
        # it would raise the campaign's invoice counter once per enrollment.
        chunk_invoices = select(
            Invoice.org_id,
            literal(campaign.id),
            Invoice.id,
            Invoice.debtor_id,
            literal(EnrollmentState.ACTIVE),
            literal(""),
            literal(0),
            literal(NOW, col(Enrollment.created_at).type),
        ).where(
            Invoice.org_id == org_id,
            col(Invoice.id) >= first_invoice,
            col(Invoice.id) < first_invoice + len(ids),
        )
        enrollment_columns = [
            "org_id",
            "campaign_id",
            "invoice_id",
            "debtor_id",
            "state",
            "stop_reason",
            "next_step",
            "created_at",
        ]
        session.execute(insert(Enrollment).from_select(enrollment_columns, chunk_invoices.order_by(col(Invoice.id))))
        session.commit()
    return org_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--database", default="")
    parser.add_argument(
        "--messaging-limit", type=int, default=0, help="the account's WhatsApp tier (0: unlimited, no pacing)"
    )
    args = parser.parse_args()
    engine = prepare_database(args.database, "planner")
    print(machine())
    print(
        f"database: {engine.dialect.name}; enrollments: {args.enrollments:,}; batch: {args.batch:,};"
        f" messaging limit: {args.messaging_limit or 'unlimited'}"
    )
    with Session(engine) as session:
        started = time.perf_counter()
        seed(session, args.enrollments, messaging_limit=args.messaging_limit)
        print(f"seeded in {time.perf_counter() - started:.1f} s")
        settle(engine)
        started = time.perf_counter()
        planned = planner.plan_all(session, now=NOW, batch=args.batch)
        elapsed = time.perf_counter() - started
        messages = session.exec(select(func.count()).select_from(Message)).one()
        last = session.exec(select(func.max(Message.scheduled_at))).one()
        if engine.dialect.name == "sqlite":
            session.execute(text("PRAGMA wal_checkpoint"))
    rate = planned / elapsed if elapsed else 0
    report(f"planner: {args.enrollments:,} enrollments", round(elapsed, 1), "s", "<= 60 s", database=args.database)
    print(f"planned {planned:,} messages ({messages:,} rows) in {elapsed:.1f} s: {rate:,.0f} enrollments/s")
    print(f"projected for 1,000,000: {1_000_000 / rate:.0f} s (target <= 60 s)" if rate else "nothing planned")
    if last is not None:
        print(f"the last message goes out {(last - NOW).total_seconds() / 86400:.1f} days after the first planning run")


if __name__ == "__main__":
    main()
