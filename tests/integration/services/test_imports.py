"""Importing a spreadsheet into an organization: a file is refused with a clear message and nothing written,
or its rows are written whole; never a traceback, never part of a file."""

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from saas_app.core import imports as core_imports
from saas_app.models import Debtor, Invoice, Organization
from saas_app.services import imports
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError
from tests.factories import sign_up
from tests.properties import examples
from tests.spreadsheets import HEADERS, csv_bytes, good_row


def brazilian(session: Session) -> OrgContext:
    _, ctx = sign_up(session)
    org = session.get(Organization, ctx.org_id)
    assert org is not None
    org.country, org.currency, org.default_locale = "BR", "BRL", "pt_BR"
    session.add(org)
    session.commit()
    return ctx


def written(session: Session, ctx: OrgContext) -> tuple[int, int]:
    """The organization's invoices and debtors."""
    invoices = session.exec(select(func.count()).select_from(Invoice).where(Invoice.org_id == ctx.org_id)).one()
    debtors = session.exec(select(func.count()).select_from(Debtor).where(Debtor.org_id == ctx.org_id)).one()
    return invoices, debtors


def test_a_cell_past_the_limit_after_the_first_batch_is_refused_and_nothing_is_written(session: Session) -> None:
    """It was a csv.Error (a traceback in `cobro import`) from whatever read the file."""
    ctx = brazilian(session)
    rows = [good_row(n) for n in range(1500)]
    rows[1400][0] = "x" * 140_000
    with pytest.raises(ServiceError, match=r"row 1402, column name has more than 32767 characters"):
        imports.import_file(session, ctx, "big.csv", csv_bytes(rows), accept_valid_rows=True)
    assert written(session, ctx) == (0, 0)


def test_a_file_past_the_row_limit_is_refused_and_nothing_is_written(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = brazilian(session)
    monkeypatch.setattr(core_imports, "MAX_ROWS", 1200)
    with pytest.raises(ServiceError, match="it has more than 1200 rows"):
        imports.import_file(session, ctx, "x.csv", csv_bytes([good_row(n) for n in range(1201)]))
    assert written(session, ctx) == (0, 0)
    report = imports.import_file(session, ctx, "x.csv", csv_bytes([good_row(n) for n in range(1200)]))
    assert (report.written, written(session, ctx)) == (True, (1200, 1200))


def test_invoice_numbers_and_amounts_the_database_cannot_hold_are_bad_rows(session: Session) -> None:
    """Two numbers alike in their first 60 characters were both cut to one, and the import failed on the
    unique index; an amount over 64 bits failed the insert."""
    ctx = brazilian(session)
    rows = [
        ["Ana", "+5511987654321", "N" * 60 + "1", "10.00", "2026-12-01"],
        ["Bea", "+5511987654322", "N" * 60 + "2", "10.00", "2026-12-01"],
        ["Caio", "+5511987654323", "C-1", "99999999999999999999", "2026-12-01"],
        good_row(4),
    ]
    report = imports.import_file(session, ctx, "x.csv", csv_bytes(rows))
    assert (report.written, report.bad_rows, written(session, ctx)) == (False, 3, (0, 0))
    report = imports.import_file(session, ctx, "x.csv", csv_bytes(rows), accept_valid_rows=True)
    assert (report.written, report.invoices_created, written(session, ctx)) == (True, 1, (1, 1))


class ChangingFile(io.BytesIO):
    """A file that another program rewrites once it has been read to its end: the next read differs."""

    def __init__(self, first: bytes, then: bytes) -> None:
        super().__init__(first)
        self.then = then
        self.read_whole = False

    def read1(self, size: int | None = -1) -> bytes:
        data = super().read1(size)
        self.read_whole = self.read_whole or not data
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if self.read_whole and self.then:
            super().seek(0)
            self.truncate()
            self.write(self.then)
            self.then = b""
        return super().seek(offset, whence)


@pytest.mark.parametrize(
    ("row_2100", "message"),
    [
        (["Ana", "12345", "A-1", "10.00", "2026-12-01"], "changed while it was being imported. Nothing was written"),
        (["x" * 40_000, "", "", "", ""], "row 2102, column name has more than 32767 characters"),
        ([], "changed while it was being imported"),  # cut short there: every row read well, but fewer
    ],
)
def test_a_file_that_changes_between_check_and_write_is_refused_and_rolled_back(
    session: Session, row_2100: list[str], message: str
) -> None:
    ctx = brazilian(session)
    rows = [good_row(n) for n in range(2500)]
    checked = csv_bytes(rows)
    rows[2100:] = [row_2100] if row_2100 else []  # read after two batches are written
    with pytest.raises(ServiceError, match=message):
        imports.import_file(session, ctx, "x.csv", ChangingFile(checked, csv_bytes(rows)))
    assert written(session, ctx) == (0, 0)


def test_an_invoice_number_taken_at_the_same_moment_refuses_the_file_and_rolls_it_back(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two imports of one number at once: each checked it before the other wrote it; the unique index decides."""
    ctx = brazilian(session)
    assert imports.import_file(session, ctx, "first.csv", csv_bytes([good_row(2100)])).written
    session.commit()
    monkeypatch.setattr(imports, "_existing_numbers", lambda *_: set())  # the check ran before it was written
    with pytest.raises(ServiceError, match="changed while it was being imported"):
        imports.import_file(session, ctx, "x.csv", csv_bytes([good_row(n) for n in range(2500)]))
    assert written(session, ctx) == (1, 1)


def test_invoices_added_between_check_and_write_refuse_the_file_and_roll_it_back(session: Session) -> None:
    """Another import (another person, the API) adds one of the file's invoices while it is being checked."""
    ctx = brazilian(session)
    rows = [good_row(n) for n in range(2500)]

    def meanwhile(done: int) -> None:
        if done == len(rows):
            with Session(session.get_bind()) as other:
                report = imports.import_file(other, ctx, "other.csv", csv_bytes([rows[2100]]))
                assert report.written
                other.commit()

    with pytest.raises(ServiceError, match="changed while it was being imported"):
        imports.import_file(session, ctx, "x.csv", csv_bytes(rows), checked=meanwhile)
    assert written(session, ctx) == (1, 1), "only the other import's invoice"


def test_a_stream_is_imported_with_the_rows_checked_and_written_told_as_it_goes(session: Session) -> None:
    """What the browser's import dialog needs: a binary stream and a name in, counts out, no Reflex."""
    ctx = brazilian(session)

    class Upload(io.RawIOBase):  # read once, like a request body: it cannot go back
        def __init__(self, content: bytes) -> None:
            self.content = io.BytesIO(content)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            return self.content.readinto(buffer)

    checked: list[int] = []
    progress: list[tuple[int, int]] = []
    upload = io.BufferedReader(Upload(csv_bytes([good_row(n) for n in range(2345)])))
    report = imports.import_file(
        session, ctx, "x.csv", upload, checked=checked.append, progress=lambda *counts: progress.append(counts)
    )
    assert checked == [1000, 2000, 2345]
    assert progress == [(1000, 2345), (2000, 2345), (2345, 2345)]
    assert (report.written, written(session, ctx)) == (True, (2345, 2345))


def test_a_file_of_bad_rows_reports_the_first_problems_and_counts_all(session: Session) -> None:
    ctx = brazilian(session)
    rows = [["", "12345", f"A-{n}", "ten", "soon"] for n in range(1500)]
    report = imports.check_file(session, ctx, "x.csv", csv_bytes(rows))
    assert (report.total_rows, report.bad_rows, report.problems) == (1500, 1500, 6000)
    assert len(report.errors) == imports.MAX_REPORTED_ERRORS
    assert (report.errors[0].row, report.errors[-1].row) == (2, 251)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "it is empty"),
        (csv_bytes([]), "it has no rows below its headers"),
        (b"\x00" * 100, "row 1 is not text"),
        (b"nome;telefone\nAna;+5511987654321\n", "map a column to each of: invoice_number, amount, due_date"),
    ],
)
def test_a_file_that_cannot_be_imported_is_one_clear_error(session: Session, content: bytes, message: str) -> None:
    ctx = brazilian(session)
    with pytest.raises(ServiceError, match=message) as refusal:
        imports.check_file(session, ctx, "x.csv", content)
    assert refusal.value.field == "file"


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(
        st.lists(
            st.one_of(
                st.sampled_from([*good_row(1), *good_row(2), "=1+1", "N" * 61, "9" * 30, "", '"']),
                st.text(max_size=20),
            ),
            min_size=5,
            max_size=6,
        ),
        max_size=6,
    ),
    accept=st.booleans(),
    cut=st.integers(50, 100),
)
def test_any_file_is_refused_with_nothing_written_or_written_whole(
    session: Session, rows: list[list[str]], accept: bool, cut: int
) -> None:
    ctx = session.info.get("ctx") or session.info.setdefault("ctx", brazilian(session))
    before = written(session, ctx)
    content = csv_bytes(rows, headers=HEADERS)
    content = content[: len(content) * cut // 100]
    try:
        result = attempt(session, ctx, content, accept)
    finally:
        session.commit()
    if isinstance(result, ServiceError):
        assert str(result).startswith("This file cannot be imported: ")
        assert written(session, ctx) == before
        return
    invoices, _ = written(session, ctx)
    assert result.written == (accept or result.bad_rows == 0)
    assert invoices - before[0] == (result.invoices_created if result.written else 0)
    assert result.invoices_created == (result.valid_rows if result.written else 0)


def attempt(session: Session, ctx: OrgContext, content: bytes, accept: bool) -> imports.ImportReport | ServiceError:
    try:
        return imports.import_file(session, ctx, "x.csv", content, accept_valid_rows=accept)
    except ServiceError as refusal:
        return refusal


def test_naming_one_column_keeps_the_columns_recognised_by_their_headers(session: Session) -> None:
    """`cobro import --map phone="Col B"`: the phone is read from Col B, the rest by their usual names."""
    ctx = brazilian(session)
    rows = [good_row(n) for n in range(3)]
    file = csv_bytes(rows, headers=["name", "Col B", "invoice", "amount", "due"])
    with pytest.raises(ServiceError):
        imports.import_file(session, ctx, "clients.csv", file)  # no column is recognised as the phone
    report = imports.import_file(session, ctx, "clients.csv", file, mapping={"phone": "Col B"})
    assert (report.mapping["phone"], report.mapping["invoice_number"]) == ("Col B", "invoice")
    assert written(session, ctx) == (3, 3)
