"""Importing debtors and their invoices from a spreadsheet: check everything first, then write in one pass.

The file is read as a stream twice, a batch of rows at a time: once to check every row (nothing is written
while a row is bad), once to write. Memory holds a batch, the invoice numbers seen, and the first problems.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from saas_app.core.imports import (
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
from saas_app.i18n import N_
from saas_app.models import Debtor, Invoice, Organization
from saas_app.models.base import utcnow
from saas_app.services import audit
from saas_app.services.context import OrgContext
from saas_app.services.debtors import refresh_behaviour
from saas_app.services.errors import ServiceError

BATCH = 1000
MAX_REPORTED_ERRORS = 1000  # a file of bad rows could have a million problems; the first ones show the pattern
Progress = Callable[[int, int], None]  # rows written, rows to write
Checked = Callable[[int], None]  # rows checked so far
NO_ROWS = N_("This file cannot be imported: it has no rows below its headers.")
CHANGED = N_(
    "This file cannot be imported: it, or the organization's invoices, changed while it was being imported. "
    "Nothing was written; import it again."
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
    with _opened(source) as stream:
        return _check(session, ctx, filename, stream, mapping, checked)


def _check(
    session: Session,
    ctx: OrgContext,
    filename: str,
    stream: BinaryIO,
    mapping: dict[str, str] | None,
    checked: Checked | None,
) -> ImportReport:
    report = ImportReport()
    for _ in _checked_batches(session, ctx, filename, stream, mapping, report, checked):
        pass
    return report


@contextmanager
def _opened(source: bytes | BinaryIO) -> Iterator[BinaryIO]:
    """The file as a stream that can be read twice, refused with ServiceError if it is too large or empty.

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


def _checked_batches(
    session: Session,
    ctx: OrgContext,
    filename: str,
    stream: BinaryIO,
    mapping: dict[str, str] | None,
    report: ImportReport,
    checked: Checked | None,
) -> Iterator[list[ImportRow]]:
    """The file's valid rows, a batch at a time, as the report counts every row and problem."""
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    try:
        table = read_table(filename, stream)
        # The person's choices on top of the columns we recognised: naming one column keeps the others.
        report.mapping = _with_choices(suggest_mapping(table.headers), mapping or {})
        checker = RowChecker(table.headers, report.mapping, _defaults(org))
        for chunk in batches(table.rows, BATCH):
            valid: list[ImportRow] = []
            errors: list[RowError] = []
            for row_number, cells in chunk:
                row, row_errors = checker.check(row_number, cells)
                errors += row_errors
                if row is not None:
                    valid.append(row)
            existing = _existing_numbers(session, ctx.org_id, [row.invoice_number for row in valid])
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
            if checked:
                checked(report.total_rows)
            yield valid
    except FileError as error:
        raise _refusal(error) from None
    if report.total_rows == 0:
        raise ServiceError(NO_ROWS, field="file")


def _count(report: ImportReport, rows: int, valid: list[ImportRow], errors: list[RowError]) -> None:
    errors.sort(key=lambda e: (e.row, e.column))
    report.total_rows += rows
    report.valid_rows += len(valid)
    report.bad_rows += len({e.row for e in errors})
    report.problems += len(errors)
    report.errors += errors[: MAX_REPORTED_ERRORS - len(report.errors)]


def _existing_numbers(session: Session, org_id: int, numbers: list[str]) -> set[str]:
    if not numbers:
        return set()
    return set(session.exec(select(Invoice.number).where(Invoice.org_id == org_id, col(Invoice.number).in_(numbers))))


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

    The whole file is checked first (`checked` hears the rows checked), then read again and written a batch
    at a time (`progress` hears the rows written). A refusal while writing (the file or the invoices changed
    in between) rolls the session back, so that no row of the file stays.
    """
    ctx.require(Action.COLLECT)
    with _opened(source) as stream:
        start = stream.tell()
        report = _check(session, ctx, filename, stream, mapping, checked)
        if report.bad_rows and not accept_valid_rows:
            return report
        stream.seek(start)
        try:
            _write(session, ctx, filename, stream, report, progress)
        except IntegrityError:
            session.rollback()
            raise ServiceError(CHANGED, field="file") from None
        except BaseException:
            session.rollback()
            raise
    return report


def _write(
    session: Session, ctx: OrgContext, filename: str, stream: BinaryIO, report: ImportReport, progress: Progress | None
) -> None:
    """Read the file again and write its valid rows; a row that reads differently now refuses the whole file."""
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    now = utcnow()
    again = ImportReport()
    for chunk in _checked_batches(session, ctx, filename, stream, report.mapping, again, None):
        if again.bad_rows > report.bad_rows or again.valid_rows > report.valid_rows:
            raise ServiceError(CHANGED, field="file")
        if not chunk:
            continue
        debtor_ids, created, updated = _upsert_debtors(session, ctx.org_id, org, chunk, now)
        session.execute(
            insert(Invoice), [_invoice_values(ctx.org_id, row, debtor_ids[row.phone], now) for row in chunk]
        )
        refresh_behaviour(session, ctx.org_id, debtor_ids.values(), now.date())
        report.debtors_created += created
        report.debtors_updated += updated
        report.invoices_created += len(chunk)
        if progress:
            progress(report.invoices_created, report.valid_rows)
    if (again.total_rows, again.valid_rows, again.bad_rows) != (report.total_rows, report.valid_rows, report.bad_rows):
        raise ServiceError(CHANGED, field="file")
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


def _debtor_values(row: ImportRow, org: Organization, now: datetime) -> dict[str, object]:
    values: dict[str, object] = {  # validated by core.imports, as services.debtors.clean_debtor does for a form
        "name": row.name[:200],
        "email": row.email[:254],
        "locale": with_region(row.locale or org.default_locale, region_of(row.phone)),
        "timezone": row.timezone or org.timezone,
        "country": region_of(row.phone),
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
        session.execute(insert(Debtor), new_rows)
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
