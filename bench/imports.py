"""How fast a large spreadsheet imports, and in how much memory: N rows read once, each batch checked then written.

    .venv/bin/python -m bench.imports --rows 100000 [--database postgresql://...] [--xlsx] [--no-memory]

The issue (23) asks that 100,000 rows import in <= 30 s on SQLite and PostgreSQL, the file read once, in
memory bounded by a batch. The file is read from disk as a stream, as `cobro import` reads it; the time is
the whole import, checked and written, with progress. Then the check alone (the import dialog's first step,
which writes nothing). Then the same file is imported into a second organization under tracemalloc (which
slows Python down) for the peak of memory Python allocated, and a file of 20,000 rows into a third: the two
peaks are alike when memory holds a batch, not the file.
"""

import argparse
import csv
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook
from sqlmodel import Session, func, select

from bench.harness import machine, prepare_database, report, settle
from saas_app.core.roles import Role
from saas_app.models import Debtor, Invoice
from saas_app.services import accounts, imports
from saas_app.services.context import OrgContext

HEADERS = ["Nome", "Telefone", "Fatura", "Valor", "Vencimento", "Idioma", "Consentimento"]
SMALL = 20_000  # the second file whose peak of memory is shown, to see it does not grow with the rows


def rows(n: int, first_number: int = 0) -> Iterator[list[str]]:
    # A debtor per two invoices, Brazilian numbers and amounts written the Brazilian way.
    for i in range(first_number, first_number + n):
        yield [
            f"Cliente {i // 2}",
            f"(11) 9{i // 2:08d}",
            f"NF-{i:07d}",
            f"{1 + i % 5000}.{i % 1000:03d},{i % 100:02d}",
            f"{1 + i % 28:02d}/12/2026",
            "pt_BR",
            "sim",
        ]


def write_file(path: Path, n: int) -> Path:
    """The spreadsheet written to disk row by row: the benchmark holds no more of it than the import does."""
    if path.suffix == ".xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(HEADERS)
        for row in rows(n):
            sheet.append(row)
        book.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, delimiter=";")
            writer.writerow(HEADERS)
            writer.writerows(rows(n))
    return path


def brazilian_org(session: Session, n: int) -> OrgContext:
    signup = accounts.sign_up(
        session,
        name="Bench",
        email=f"bench{n}@example.com",
        password="bench-password-1",  # noqa: S106 - a throw-away benchmark account
        org_name=f"Bench {n}",
        first_party_confirmed=True,
    )
    org = signup.organization
    org.country, org.currency, org.default_locale = "BR", "BRL", "pt_BR"
    session.add(org)
    session.commit()
    return OrgContext(user_id=signup.user.id, org_id=org.id or 0, role=Role.OWNER)


def show_progress(total: int) -> imports.Progress:
    last_shown = [0.0]

    def progress(done: int) -> None:
        if time.perf_counter() - last_shown[0] > 1 or done == total:
            last_shown[0] = time.perf_counter()
            print(f"\r  {done:,}/{total:,} rows written", end="", file=sys.stderr, flush=True)

    return progress


def peak_of_import(session: Session, ctx: OrgContext, path: Path) -> tuple[float, int]:
    """The peak of memory Python allocated while importing the file (bytes), and the invoices it wrote."""
    tracemalloc.start()
    with path.open("rb") as stream:
        result = imports.import_file(session, ctx, path.name, stream)
    session.commit()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, result.invoices_created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", default="")
    parser.add_argument("--xlsx", action="store_true")
    parser.add_argument("--no-memory", action="store_true", help="skip the imports under tracemalloc")
    args = parser.parse_args()
    engine = prepare_database(args.database, "imports")
    print(machine())
    kind = ".xlsx" if args.xlsx else ".csv"
    of_kind = ", .xlsx" if args.xlsx else ""  # figures keep their CSV names; the workbook's are told apart
    folder = Path(tempfile.mkdtemp(prefix="cobro-bench-"))
    path = write_file(folder / f"faturas{kind}", args.rows)
    size = path.stat().st_size
    print(f"database: {engine.dialect.name}; file: {path.name}, {args.rows:,} rows, {size / 1e6:.1f} MB")
    with Session(engine) as session:
        ctx = brazilian_org(session, 1)
        settle(engine)
        started, cpu = time.perf_counter(), time.process_time()
        with path.open("rb") as stream:
            result = imports.import_file(session, ctx, path.name, stream, progress=show_progress(args.rows))
        assert result.written, result.errors[:3]
        session.commit()
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(file=sys.stderr)
        invoices = session.exec(select(func.count()).select_from(Invoice)).one()
        debtors = session.exec(select(func.count()).select_from(Debtor)).one()
        print(
            f"imported {invoices:,} invoices and {debtors:,} debtors in {took:.1f} s, {cpu:.1f} s of CPU"
            f" (read once, checked and written): {args.rows / took:,.0f} rows/s"
        )
        report(f"import: {args.rows:,} rows{of_kind}", round(took, 1), "s", "<= 30 s", database=args.database)
        started = time.perf_counter()
        with path.open("rb") as stream:
            checked = imports.check_file(session, ctx, path.name, stream)
        session.rollback()
        print(
            f"checked it again (the dialog's first step, writing nothing): {time.perf_counter() - started:.1f} s,"
            f" {checked.problems:,} problems (each invoice already exists)"
        )
        if args.no_memory:
            return
        peak, written = peak_of_import(session, brazilian_org(session, 2), path)
        small = write_file(folder / f"small{kind}", min(SMALL, args.rows))
        small_peak, small_written = peak_of_import(session, brazilian_org(session, 3), small)
        print(
            f"peak memory Python allocated for an import: {peak / 1e6:.1f} MB for {written:,} rows"
            f" ({peak / size:.2f}x the file), {small_peak / 1e6:.1f} MB for {small_written:,} rows"
        )
        report(
            f"import: peak memory{of_kind}", round(peak / 1e6, 1), "MB", "bounded by a batch", database=args.database
        )
        report(
            f"import: peak memory at {small_written:,} rows{of_kind}",
            round(small_peak / 1e6, 1),
            "MB",
            "bounded by a batch",
            database=args.database,
        )


if __name__ == "__main__":
    main()
