"""Importing debtors and their invoices from a spreadsheet: check everything first, then write in one pass."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from saas_app.core.imports import (
    FileError,
    ImportDefaults,
    ImportRow,
    RowError,
    batches,
    read_table,
    suggest_mapping,
    validate,
)
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
Progress = Callable[[int, int], None]  # rows written, rows to write


@dataclass
class ImportReport:
    total_rows: int
    valid_rows: int
    errors: list[RowError] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    written: bool = False
    debtors_created: int = 0
    debtors_updated: int = 0
    invoices_created: int = 0


def _defaults(org: Organization) -> ImportDefaults:
    return ImportDefaults(
        currency=org.currency, region=org.country, locale=org.default_locale, day_first=org.country != "US"
    )


def check_file(
    session: Session, ctx: OrgContext, filename: str, content: bytes, mapping: dict[str, str] | None = None
) -> tuple[ImportReport, list[ImportRow]]:
    """Validate the whole file, including invoice numbers the organization already has. Writes nothing."""
    ctx.require(Action.COLLECT)
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    try:
        table = read_table(filename, content)
        mapping = mapping or suggest_mapping(table.headers)
        valid, errors = validate(table, mapping, _defaults(org))
    except FileError as error:
        raise ServiceError(N_("This file cannot be imported: {reason}."), field="file", reason=str(error)) from None
    existing = _existing_numbers(session, ctx.org_id, [row.invoice_number for row in valid])
    if existing:
        column = mapping["invoice_number"]
        errors += [
            RowError(row.row, column, f"invoice {row.invoice_number} already exists")
            for row in valid
            if row.invoice_number in existing
        ]
        valid = [row for row in valid if row.invoice_number not in existing]
    errors.sort(key=lambda e: (e.row, e.column))
    return ImportReport(len(table.rows), len(valid), errors, mapping), valid


def _existing_numbers(session: Session, org_id: int, numbers: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(numbers), BATCH):
        chunk = numbers[start : start + BATCH]
        found.update(
            session.exec(select(Invoice.number).where(Invoice.org_id == org_id, col(Invoice.number).in_(chunk)))
        )
    return found


def import_file(
    session: Session,
    ctx: OrgContext,
    filename: str,
    content: bytes,
    *,
    mapping: dict[str, str] | None = None,
    accept_valid_rows: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Write the file's debtors and invoices. With bad rows, nothing is written unless the caller
    accepts importing only the valid ones."""
    report, rows = check_file(session, ctx, filename, content, mapping)
    if report.errors and not accept_valid_rows:
        return report
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    now = utcnow()
    done = 0
    for chunk in batches(rows, BATCH):
        debtor_ids, created, updated = _upsert_debtors(session, ctx.org_id, org, chunk, now)
        session.execute(
            insert(Invoice), [_invoice_values(ctx.org_id, row, debtor_ids[row.phone], now) for row in chunk]
        )
        refresh_behaviour(session, ctx.org_id, debtor_ids.values(), now.date())
        report.debtors_created += created
        report.debtors_updated += updated
        report.invoices_created += len(chunk)
        done += len(chunk)
        if progress:
            progress(done, len(rows))
    report.written = True
    audit.record_for(
        ctx,
        session,
        "import.completed",
        target_type="import",
        target_id=filename[:64],
        invoices=report.invoices_created,
        debtors_created=report.debtors_created,
        skipped_rows=len({e.row for e in report.errors}),
    )
    return report


def _debtor_values(row: ImportRow, org: Organization, now: datetime) -> dict[str, object]:
    values: dict[str, object] = {  # validated by core.imports, as services.debtors.clean_debtor does for a form
        "name": row.name[:200],
        "email": row.email[:254],
        "locale": row.locale or org.default_locale,
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
