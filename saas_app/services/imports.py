"""Importing debtors and their invoices from a spreadsheet, in one pass: each batch of rows is checked, then
written, inside one database transaction that is rolled back when the file is refused.

The file is read once, as a stream. Nothing of a file with a bad row stays unless the caller accepts the valid
rows: the batches written before it are rolled back, and the rest is only checked, to report every problem.
Memory holds a batch and the first problems; the invoice numbers read so far, to tell one used twice, are kept
in a temporary table of the transaction, not in memory.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import BinaryIO

from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable
from sqlmodel import Session, col, select

from saas_app.core.imports import (
    Cells,
    FileError,
    ImportDefaults,
    ImportRow,
    RowChecker,
    RowError,
    batches,
    read_table,
    seekable,
    suggest_mapping,
)
from saas_app.core.languages import with_region
from saas_app.core.phones import region_of
from saas_app.core.roles import Action
from saas_app.db import one_of
from saas_app.i18n import N_
from saas_app.models import Debtor, Invoice, Organization
from saas_app.models.base import utcnow
from saas_app.services import audit
from saas_app.services.context import OrgContext
from saas_app.services.debtors import refresh_behaviour
from saas_app.services.errors import ServiceError

BATCH = 1000
MAX_REPORTED_ERRORS = 1000  # a file of bad rows could have a million problems; the first ones show the pattern
Progress = Callable[[int], None]  # rows written so far
Checked = Callable[[int], None]  # rows checked so far
NO_ROWS = N_("This file cannot be imported: it has no rows below its headers.")
CHANGED = N_(
    "This file cannot be imported: it, or the organization's invoices, changed while it was being imported. "
    "Nothing was written; import it again."
)

# Rows are inserted into the tables as such: the ORM's bulk insert spent as long again on each row, for nothing
# an import uses (its rows are plain values, never objects of the session).
# Rows are inserted into the tables as such: the ORM's bulk insert spent as long again on each row, for nothing
# an import uses (its rows are plain values, never objects of the session).
_INVOICES = Invoice.__table__  # type: ignore[attr-defined]
_DEBTORS = Debtor.__table__  # type: ignore[attr-defined]

# The invoice numbers of the rows read so far and the row each is on, for "invoice X is also on row N".
# Temporary: each database connection has its own, emptied when an import begins, rolled back with it.
_NUMBERS_READ = Table(
    "cobro_import_number",
    MetaData(),
    Column("number", String, primary_key=True),
    Column("first_row", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)


@dataclass
class ImportReport:
    total_rows: int = 0
    valid_rows: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS, by row and column
    mapping: dict[str, str] = field(default_factory=dict)
    written: bool = False
    debtors_created: int = 0
    debtors_updated: int = 0
    invoices_created: int = 0
    bad_rows: int = 0  # every row with a problem, reported or not
    problems: int = 0  # every problem, reported or not


def _defaults(org: Organization) -> ImportDefaults:
    return ImportDefaults(
        currency=org.currency, region=org.country, locale=org.default_locale, day_first=org.country != "US"
    )


def check_file(
    session: Session,
    ctx: OrgContext,
    filename: str,
    source: bytes | BinaryIO,
    mapping: dict[str, str] | None = None,
    *,
    checked: Checked | None = None,
) -> ImportReport:
    """Read and check the whole file, including invoice numbers the organization already has. Writes nothing.

    `source` is the file's bytes or a binary stream (read from where it stands); `checked` is told the rows
    checked so far after each batch. A file that cannot be read as a whole raises ServiceError.
    """
    ctx.require(Action.COLLECT)
    return _in_one_pass(session, ctx, filename, source, mapping, _Writing.NOTHING, checked, None)


def import_file(
    session: Session,
    ctx: OrgContext,
    filename: str,
    source: bytes | BinaryIO,
    *,
    mapping: dict[str, str] | None = None,
    accept_valid_rows: bool = False,
    progress: Progress | None = None,
    checked: Checked | None = None,
) -> ImportReport:
    """Write the file's debtors and invoices. With bad rows, nothing is written unless the caller
    accepts importing only the valid ones.

    One pass over the file: a batch is checked (`checked` hears the rows checked), then written (`progress`
    hears the rows written). The import owns the session's transaction: when the file is refused, has a bad
    row that was not accepted, or an invoice number is taken meanwhile, it is rolled back, so that no row of
    the file stays; otherwise the caller commits.
    """
    ctx.require(Action.COLLECT)
    writing = _Writing.VALID_ROWS if accept_valid_rows else _Writing.ALL_OR_NOTHING
    try:
        report = _in_one_pass(session, ctx, filename, source, mapping, writing, checked, progress)
    except IntegrityError:
        session.rollback()
        raise ServiceError(CHANGED, field="file") from None
    except BaseException:
        session.rollback()
        raise
    if not report.written:
        session.rollback()
        report.debtors_created = report.debtors_updated = report.invoices_created = 0
    return report


class _Writing(Enum):
    """What a pass writes: nothing (a check), the valid rows whatever the others, or every row or none."""

    NOTHING = "nothing"
    VALID_ROWS = "valid rows"
    ALL_OR_NOTHING = "all or nothing"


def _in_one_pass(
    session: Session,
    ctx: OrgContext,
    filename: str,
    source: bytes | BinaryIO,
    mapping: dict[str, str] | None,
    writing: _Writing,
    checked: Checked | None,
    progress: Progress | None,
) -> ImportReport:
    """Read the file once, a batch at a time: check the batch, count its rows and problems, write its valid
    rows unless the pass writes nothing or a bad row already decided that it writes nothing."""
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    _plan_each_batch(session)
    numbers = _NumbersRead(session)
    report = ImportReport()
    now = utcnow()
    with _opened(source) as stream:
        try:
            table = read_table(filename, stream)
            # The person's choices on top of the columns we recognised: naming one column keeps the others.
            report.mapping = _with_choices(suggest_mapping(table.headers), mapping or {})
            checker = RowChecker(table.headers, report.mapping, _defaults(org))
            for chunk in batches(table.rows, BATCH):
                valid = _check_batch(session, ctx.org_id, checker, numbers, chunk, report)
                if checked:
                    checked(report.total_rows)
                if writing == _Writing.NOTHING or (writing == _Writing.ALL_OR_NOTHING and report.bad_rows):
                    continue  # the rows are checked still: the report tells every problem
                _write_batch(session, ctx.org_id, org, valid, now, report)
                if progress:
                    progress(report.invoices_created)
        except FileError as error:
            raise _refusal(error) from None
    if report.total_rows == 0:
        raise ServiceError(NO_ROWS, field="file")
    numbers.forget()
    if writing != _Writing.NOTHING and (writing == _Writing.VALID_ROWS or not report.bad_rows):
        report.written = True
        audit.record_for(
            ctx,
            session,
            "import.completed",
            target_type="import",
            target_id=filename[:64],
            invoices=report.invoices_created,
            debtors_created=report.debtors_created,
            skipped_rows=report.bad_rows,
        )
    return report


def _plan_each_batch(session: Session) -> None:
    """On PostgreSQL, plan each batch's statements for its own values, until the transaction ends.

    psycopg prepares a statement run five times, and PostgreSQL then plans it once for any values. That plan
    trusts the tables' statistics, which never see the rows this transaction has written and not committed:
    on a large import into small tables it scanned them whole, and each batch took longer than the one before
    (100,000 rows: from 9,000 down to 1,000 rows/s midway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


class _NumbersRead:
    """The invoice numbers of the rows read so far, each with the first row it is on, in a temporary table."""

    def __init__(self, session: Session) -> None:
        self.session = session
        connection = session.connection()
        connection.execute(CreateTable(_NUMBERS_READ, if_not_exists=True))
        self.forget()  # an import refused on this connection may have left its numbers
        self.earlier = select(_NUMBERS_READ.c.number, _NUMBERS_READ.c.first_row).where(
            one_of(connection.dialect.name, _NUMBERS_READ.c.number, "numbers")
        )

    def first_rows(self, numbers: list[str]) -> dict[str, int]:
        """Those of these numbers read before, and the row each was first on."""
        if not numbers:
            return {}
        found = self.session.connection().execute(self.earlier, {"numbers": numbers})
        return {row.number: row.first_row for row in found}

    def add(self, rows: list[ImportRow]) -> None:
        if rows:
            self.session.connection().execute(
                insert(_NUMBERS_READ), [{"number": row.invoice_number, "first_row": row.row} for row in rows]
            )

    def forget(self) -> None:
        self.session.connection().execute(_NUMBERS_READ.delete())


def _check_batch(
    session: Session,
    org_id: int,
    checker: RowChecker,
    numbers: _NumbersRead,
    chunk: list[tuple[int, Cells]],
    report: ImportReport,
) -> list[ImportRow]:
    """The batch's valid rows; every row and problem counted in the report."""
    valid: list[ImportRow] = []
    errors: list[RowError] = []
    for row_number, cells in chunk:
        row, row_errors = checker.check(row_number, cells)
        errors += row_errors
        if row is not None:
            valid.append(row)
    valid = _not_repeated(checker, numbers, valid, errors)
    existing = _existing_numbers(session, org_id, [row.invoice_number for row in valid])
    if existing:
        column = report.mapping["invoice_number"]
        errors += [
            RowError(
                row.row,
                column,
                N_("invoice {number} already exists"),
                {"number": row.invoice_number},
                row.invoice_number[:60],
            )
            for row in valid
            if row.invoice_number in existing
        ]
        valid = [row for row in valid if row.invoice_number not in existing]
    _count(report, len(chunk), valid, errors)
    return valid


def _not_repeated(
    checker: RowChecker, numbers: _NumbersRead, rows: list[ImportRow], errors: list[RowError]
) -> list[ImportRow]:
    """The rows whose invoice number no row before has; each other one a problem. The numbers are remembered.

    A number the organization already has is remembered too (its row is a problem of its own), as the file
    says it first there."""
    first_rows = numbers.first_rows(list({row.invoice_number for row in rows}))
    first: list[ImportRow] = []
    for row in rows:
        if row.invoice_number in first_rows:
            errors.append(checker.repeated(row, first_rows[row.invoice_number]))
        else:
            first_rows[row.invoice_number] = row.row
            first.append(row)
    numbers.add(first)
    return first


@contextmanager
def _opened(source: bytes | BinaryIO) -> Iterator[BinaryIO]:
    """The file as a stream core.imports can read, refused with ServiceError if it is too large or empty.

    A copy made for it (of bytes, or of a stream that cannot go back) is closed after; the caller's stream is not.
    """
    try:
        stream = seekable(source)
    except FileError as error:
        raise _refusal(error) from None
    try:
        yield stream
    finally:
        if stream is not source:
            stream.close()


def _refusal(error: FileError) -> ServiceError:
    return ServiceError(error.msgid, field="file", **error.params)


def _count(report: ImportReport, rows: int, valid: list[ImportRow], errors: list[RowError]) -> None:
    errors.sort(key=lambda e: (e.row, e.column))
    report.total_rows += rows
    report.valid_rows += len(valid)
    report.bad_rows += len({e.row for e in errors})
    report.problems += len(errors)
    report.errors += errors[: MAX_REPORTED_ERRORS - len(report.errors)]


def _existing_numbers(session: Session, org_id: int, numbers: list[str]) -> set[str]:
    """Those of these invoice numbers the organization has. Only numbers this import has not read before are
    asked about, so its own rows written in the transaction are never among them."""
    if not numbers:
        return set()
    return set(session.exec(select(Invoice.number).where(Invoice.org_id == org_id, col(Invoice.number).in_(numbers))))


def _write_batch(
    session: Session, org_id: int, org: Organization, rows: list[ImportRow], now: datetime, report: ImportReport
) -> None:
    if not rows:
        return
    debtor_ids, created, updated = _upsert_debtors(session, org_id, org, rows, now)
    session.connection().execute(
        insert(_INVOICES), [_invoice_values(org_id, row, debtor_ids[row.phone], now) for row in rows]
    )
    refresh_behaviour(session, org_id, debtor_ids.values(), now.date())
    report.debtors_created += created
    report.debtors_updated += updated
    report.invoices_created += len(rows)


def _debtor_values(row: ImportRow, org: Organization, now: datetime) -> dict[str, object]:
    country = region_of(row.phone)
    values: dict[str, object] = {  # validated by core.imports, as services.debtors.clean_debtor does for a form
        "name": row.name[:200],
        "email": row.email[:254],
        "locale": with_region(row.locale or org.default_locale, country),
        "timezone": row.timezone or org.timezone,
        "country": country,
        "updated_at": now,
    }
    if row.external_ref:
        values["external_ref"] = row.external_ref[:100]
    if row.tags:
        values["tags"] = sorted({t.lower() for t in row.tags})
    if row.consent:
        values["opt_in_source"], values["opted_in_at"] = "import", now
    return values


def _upsert_debtors(
    session: Session, org_id: int, org: Organization, chunk: list[ImportRow], now: datetime
) -> tuple[dict[str, int], int, int]:
    """Debtors are matched by phone: known ones are updated, new ones created. Returns phone -> id."""
    by_phone: dict[str, ImportRow] = {}
    for row in chunk:
        by_phone[row.phone] = row  # the last row of a phone wins, like a spreadsheet read top to bottom
    existing = {
        d.phone: d
        for d in session.exec(select(Debtor).where(Debtor.org_id == org_id, col(Debtor.phone).in_(list(by_phone))))
    }
    for phone, debtor in existing.items():
        for key, value in _debtor_values(by_phone[phone], org, now).items():
            setattr(debtor, key, value)
        session.add(debtor)
    new_rows = [
        {
            "org_id": org_id,
            "phone": phone,
            "tags": [],
            "attributes": {},
            "behaviour": "unknown",
            "opt_in_source": "",
            "opted_in_at": None,
            "external_ref": "",
            "created_at": now,
        }
        | _debtor_values(row, org, now)
        for phone, row in by_phone.items()
        if phone not in existing
    ]
    if new_rows:
        session.connection().execute(insert(_DEBTORS), new_rows)
    session.flush()
    ids = dict(
        session.exec(
            select(Debtor.phone, Debtor.id).where(Debtor.org_id == org_id, col(Debtor.phone).in_(list(by_phone)))
        ).all()
    )
    return {phone: i or 0 for phone, i in ids.items()}, len(new_rows), len(existing)


def _invoice_values(org_id: int, row: ImportRow, debtor_id: int, now: datetime) -> dict[str, object]:
    return {
        "org_id": org_id,
        "debtor_id": debtor_id,
        "number": row.invoice_number[:60],
        "service": row.service[:200],
        "amount_minor": row.amount_minor,
        "paid_minor": 0,
        "currency": row.currency,
        "issued_on": row.issued_on,
        "due_on": row.due_on,
        "status": "open",
        "promised_on": None,
        "payment_link": row.payment_link[:500],
        "created_at": now,
        "updated_at": now,
    }


def _with_choices(suggested: dict[str, str], chosen: dict[str, str]) -> dict[str, str]:
    """The suggested mapping with the chosen fields overriding it; a column chosen for a field leaves the other."""
    taken = set(chosen.values())
    return {**{name: header for name, header in suggested.items() if header not in taken}, **chosen}
