"""How fast a large spreadsheet imports: N rows checked, then written, with progress, timed.

    .venv/bin/python -m bench.imports --rows 100000 [--database postgresql://...] [--xlsx]

The issue asks that 100,000 rows import in one pass with progress; this prints how long it takes.
"""

import argparse
import csv
import io
import sys
import time

from openpyxl import Workbook
from sqlmodel import Session, func, select

from bench.harness import machine, prepare_database
from saas_app.core.roles import Role
from saas_app.models import Debtor, Invoice
from saas_app.services import accounts, imports
from saas_app.services.context import OrgContext

HEADERS = ["Nome", "Telefone", "Fatura", "Valor", "Vencimento", "Idioma", "Consentimento"]


def rows(n: int) -> list[list[str]]:
    # A debtor per two invoices, Brazilian numbers and amounts written the Brazilian way.
    return [
        [
            f"Cliente {i // 2}",
            f"(11) 9{i // 2:08d}",
            f"NF-{i:07d}",
            f"{1 + i % 5000}.{i % 1000:03d},{i % 100:02d}",
            f"{1 + i % 28:02d}/12/2026",
            "pt_BR",
            "sim",
        ]
        for i in range(n)
    ]


def csv_file(n: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    writer.writerows(rows(n))
    return out.getvalue().encode()


def xlsx_file(n: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADERS)
    for row in rows(n):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", default="")
    parser.add_argument("--xlsx", action="store_true")
    args = parser.parse_args()
    engine = prepare_database(args.database, "imports")
    print(machine())
    name = "faturas.xlsx" if args.xlsx else "faturas.csv"
    content = xlsx_file(args.rows) if args.xlsx else csv_file(args.rows)
    print(f"database: {engine.dialect.name}; file: {name}, {args.rows:,} rows, {len(content) / 1e6:.1f} MB")
    with Session(engine) as session:
        signup = accounts.sign_up(
            session,
            name="Bench",
            email="bench@example.com",
            password="bench-password-1",  # noqa: S106 - a throw-away benchmark account
            org_name="Bench",
            first_party_confirmed=True,
        )
        org = signup.organization
        org.country, org.currency, org.default_locale = "BR", "BRL", "pt_BR"
        session.add(org)
        session.commit()
        ctx = OrgContext(user_id=signup.user.id, org_id=org.id or 0, role=Role.OWNER)
        last_shown = [0.0]

        def progress(done: int, total: int) -> None:
            if time.perf_counter() - last_shown[0] > 1 or done == total:
                last_shown[0] = time.perf_counter()
                print(f"\r  {done:,}/{total:,} rows written", end="", file=sys.stderr, flush=True)

        started = time.perf_counter()
        report, _ = imports.check_file(session, ctx, name, content)
        checked = time.perf_counter() - started
        report = imports.import_file(session, ctx, name, content, progress=progress)
        session.commit()
        total = time.perf_counter() - started
        print(file=sys.stderr)
        invoices = session.exec(select(func.count()).select_from(Invoice)).one()
        debtors = session.exec(select(func.count()).select_from(Debtor)).one()
    print(f"checked {report.total_rows:,} rows in {checked:.1f} s ({len(report.errors)} errors)")
    print(
        f"imported {invoices:,} invoices and {debtors:,} debtors in {total:.1f} s (check + write, the file read twice):"
        f" {args.rows / total:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
