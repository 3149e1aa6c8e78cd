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
from tests.spreadsheets import HEADERS, csv_bytes, good_row, workbook


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


class CountingFile(io.BytesIO):
    """A file on disk, as `cobro import` opens it: tells how many of its bytes were read, in all."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def read1(self, size: int = -1) -> bytes:
        data = super().read1(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        count = super().readinto(buffer)
        self.bytes_read += count
        return count


@pytest.mark.parametrize(("name", "spreadsheet"), [("x.csv", csv_bytes), ("x.xlsx", workbook)])
def test_a_file_is_read_once_checked_and_written_batch_by_batch(session: Session, name: str, spreadsheet: Any) -> None:
    """It was read twice, checked whole then written; a large one took twice as long. Only the first
    bytes are read again: what tells a CSV file's encoding and separator, or a workbook's table of parts."""
    ctx = brazilian(session)
    file = CountingFile(spreadsheet([good_row(n) for n in range(2500)]))
    report = imports.import_file(session, ctx, name, file)
    assert (report.written, written(session, ctx)) == (True, (2500, 2500))
    assert file.bytes_read <= len(file.getvalue()) + core_imports.SAMPLE_BYTES


def test_a_stream_that_can_be_read_only_once_is_imported(session: Session) -> None:
    """A request body, a pipe: read once, as it arrives, never asked to go back."""
    ctx = brazilian(session)
    rows = iter(csv_bytes([good_row(n) for n in range(2500)]).splitlines(keepends=True))

    class OnceOnly(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            line = next(rows, b"")  # consumed: a second pass would find nothing
            buffer[: len(line)] = line
            return len(line)

    report = imports.import_file(session, ctx, "x.csv", io.BufferedReader(OnceOnly(), buffer_size=64))
    assert (report.written, report.invoices_created, written(session, ctx)) == (True, 2500, (2500, 2500))


@pytest.mark.parametrize("accept", [False, True])
def test_a_bad_row_after_batches_were_written_leaves_nothing_unless_the_valid_rows_are_accepted(
    session: Session, accept: bool
) -> None:
    """The batches before the bad row were written in the import's transaction: they are rolled back,
    and every row after it is still checked, so that the report names every problem."""
    ctx = brazilian(session)
    rows = [good_row(n) for n in range(3500)]
    rows[2300][4] = "soon"
    rows[3200][2] = rows[10][2]  # a number used twice: told after its first row was written, then rolled back
    written_counts: list[int] = []
    report = imports.import_file(
        session, ctx, "x.csv", csv_bytes(rows), accept_valid_rows=accept, progress=written_counts.append
    )
    session.commit()
    assert [(e.row, e.reason) for e in report.errors] == [
        (2302, "'soon' is not a date (use 2026-12-31 or 31/12/2026)"),
        (3202, "invoice NF-0000010 is also on row 12"),
    ]
    assert (report.total_rows, report.valid_rows, report.bad_rows) == (3500, 3498, 2)
    if accept:
        assert (report.written, report.invoices_created, written(session, ctx)) == (True, 3498, (3498, 3498))
    else:
        assert written_counts == [1000, 2000], "it stops writing at the batch of the bad row"
        assert (report.written, report.invoices_created, written(session, ctx)) == (False, 0, (0, 0))


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
    progress: list[int] = []
    upload = io.BufferedReader(Upload(csv_bytes([good_row(n) for n in range(2345)])))
    report = imports.import_file(session, ctx, "x.csv", upload, checked=checked.append, progress=progress.append)
    assert checked == [1000, 2000, 2345]
    assert progress == [1000, 2000, 2345]
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
