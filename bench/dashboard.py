"""How fast the dashboard's figures are read for an organization with many invoices and payments.

    .venv/bin/python -m bench.dashboard --invoices 100000 [--database postgresql://...]

Target (issue 18): the dashboard renders in <= 1 s at 100,000 invoices. Times every service call the
page makes (DashboardState._refresh), as the median of several runs, and prints the machine.
"""

import argparse
import statistics
import time
from datetime import date, timedelta

from sqlalchemy import insert, text, update
from sqlmodel import Session, col, select

from bench.harness import machine, prepare_database, report
from bench.planner import CHUNK, seed
from saas_app.models import Invoice, Membership, Organization, Payment
from saas_app.services import dashboard
from saas_app.services.context import OrgContext

TODAY = date(2026, 12, 5)
RUNS = 5


def pay_some(session: Session, org_id: int, every: int) -> int:
    """Every `every`-th invoice paid in full on a day of the last four months; the rest stay owed."""
    ids = session.exec(select(Invoice.id).where(Invoice.org_id == org_id).order_by(col(Invoice.id))).all()
    paid = ids[::every]
    for start in range(0, len(paid), CHUNK):
        chunk = paid[start : start + CHUNK]
        session.execute(
            insert(Payment),
            [
                {
                    "org_id": org_id,
                    "invoice_id": invoice_id,
                    "amount_minor": 10_000,
                    "currency": "EUR",
                    "paid_on": TODAY - timedelta(days=invoice_id % 120),
                    "method": "",
                    "source": "import",
                }
                for invoice_id in chunk
            ],
        )
        session.execute(update(Invoice).where(col(Invoice.id).in_(chunk)).values(status="paid", paid_minor=10_000))
    # Spread the due dates over a year so that every ageing bucket has invoices.
    session.execute(
        update(Invoice)
        .where(Invoice.org_id == org_id, col(Invoice.id) % 4 == 0)
        .values(due_on=TODAY - timedelta(days=200))
    )
    return len(paid)


def page(session: Session, ctx: OrgContext) -> None:
    """What the dashboard page reads on opening."""
    owed = dashboard.receivables_by_currency(session, ctx, TODAY)
    dashboard.recovery(session, ctx, owed[0].currency, TODAY)
    dashboard.invoiced_since(session, ctx, owed[0].currency, TODAY - timedelta(days=90))
    dashboard.running_campaigns(session, ctx)
    dashboard.first_steps(session, ctx)
    dashboard.replies_waiting(session, ctx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    engine = prepare_database(args.database, "dashboard")
    print(machine())
    with Session(engine) as session:
        org_id = seed(session, args.invoices)
        paid = pay_some(session, org_id, every=3)
        session.commit()
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE"))  # as autovacuum would soon after a bulk load
        owner = session.exec(select(Membership).where(Membership.org_id == org_id)).one()
        ctx = OrgContext(user_id=owner.user_id, org_id=org_id, role=owner.role)
        assert session.get(Organization, org_id) is not None
        print(f"{args.invoices:,} invoices, {paid:,} paid, one running campaign ({engine.dialect.name})")
        medians: dict[str, float] = {}
        for name, call in (
            ("receivables by currency and age", lambda: dashboard.receivables_by_currency(session, ctx, TODAY)),
            ("recovered per day, 90 days", lambda: dashboard.recovery(session, ctx, "EUR", TODAY)),
            ("running campaigns' figures", lambda: dashboard.running_campaigns(session, ctx)),
            ("first steps", lambda: dashboard.first_steps(session, ctx)),
            ("the whole page", lambda: page(session, ctx)),
        ):
            times = []
            for _ in range(RUNS):
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
            spread = f"{min(times):.0f}-{max(times):.0f}"
            medians[name] = statistics.median(times)
            print(f"{name:34} median {medians[name]:7.1f} ms  (spread {spread} ms, {RUNS} runs)")
    # The parts say where the time goes; the target is the whole page's.
    report("dashboard: the whole page", medians["the whole page"], "ms", "<= 1,000 ms", database=args.database)
    print("target: the whole page <= 1,000 ms at 100,000 invoices")


if __name__ == "__main__":
    main()
