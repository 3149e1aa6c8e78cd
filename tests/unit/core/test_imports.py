import io
from datetime import date
from typing import Any, BinaryIO

import pytest
from openpyxl import Workbook

from saas_app.core import imports as core_imports
from saas_app.core.imports import (
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    FileError,
    ImportDefaults,
    ImportRow,
    parse_date,
    read_table,
    suggest_mapping,
    validate,
)
from tests import DATA
from tests.spreadsheets import HEADERS, GeneratedCsv, csv_bytes, good_row, with_declared_size, with_part, workbook

BRAZIL = ImportDefaults(currency="BRL", region="BR", locale="pt_BR")
ITALY = ImportDefaults(currency="EUR", region="IT", locale="it")


def test_a_brazilian_csv_is_read_with_portuguese_headers() -> None:
    table = read_table("invoices_pt_BR.csv", (DATA / "invoices_pt_BR.csv").read_bytes())
    mapping = suggest_mapping(table.headers)
    assert mapping["phone"] == "Telefone"
    assert mapping["due_date"] == "Vencimento"
    assert mapping["amount"] == "Valor"
    rows, errors = validate(table, mapping, BRAZIL)
    assert errors == []
    first = rows[0]
    assert (first.phone, first.amount_minor, first.currency, first.due_on) == (
        "+5511987654321",
        19990,
        "BRL",
        date(2026, 12, 5),
    )
    assert [r.consent for r in rows if r.name == "Hugo Martins"] == [False]


def test_an_italian_workbook_is_read() -> None:
    table = read_table("fatture_it.xlsx", (DATA / "fatture_it.xlsx").read_bytes())
    rows, errors = validate(table, suggest_mapping(table.headers), ITALY)
    assert errors == []
    assert {r.invoice_number: r.amount_minor for r in rows}["FT-2026-002"] == 45050
    assert rows[0].phone == "+393471234567"
    assert rows[0].due_on == date(2026, 12, 10)


def test_every_bad_row_is_reported_with_row_column_and_reason() -> None:
    table = read_table("errors.csv", (DATA / "invoices_with_errors.csv").read_bytes())
    rows, errors = validate(table, suggest_mapping(table.headers), ITALY)
    assert [r.invoice_number for r in rows] == ["INV-1"]
    found = {(e.row, e.column): e.reason for e in errors}
    assert "not a valid number" in found[(3, "phone")]
    assert found[(4, "currency")] == "unknown currency 'EUROS'"
    assert found[(5, "due date")] == "'31/02/2026' is not a date (use 2026-12-31 or 31/12/2026)"
    assert found[(6, "amount")] == "no amount"
    assert found[(7, "invoice")] == "invoice INV-1 is also on row 2"
    assert found[(8, "name")] == "the name is empty"
    assert found[(8, "consent")] == "write yes or no, not 'maybe'"


def test_a_file_without_required_columns_is_refused_as_a_whole() -> None:
    table = read_table("x.csv", b"nome,telefone\nAna,+5511987654321\n")
    with pytest.raises(FileError, match="invoice_number, amount, due_date"):
        validate(table, suggest_mapping(table.headers), BRAZIL)


@pytest.mark.parametrize("name", ["x.pdf", "x.xls", "x"])
def test_other_file_types_are_refused(name: str) -> None:
    with pytest.raises(FileError, match=r"\.csv or \.xlsx"):
        read_table(name, b"anything")


def test_a_broken_workbook_is_refused() -> None:
    with pytest.raises(FileError, match="not a valid Excel"):
        read_table("x.xlsx", b"PK\x03\x04 not really")


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2026-12-31", True, date(2026, 12, 31)),
        ("31/12/2026", True, date(2026, 12, 31)),
        ("12/31/2026", False, date(2026, 12, 31)),
        ("05.01.26", True, date(2026, 1, 5)),
    ],
)
def test_dates(text: str, day_first: bool, expected: date) -> None:
    assert parse_date(text, day_first) == expected


def test_language_time_zone_and_email_are_checked_like_the_debtor_form() -> None:
    content = (
        b"name,phone,invoice,amount,due date,language,timezone,email\n"
        b"Ana,+5511987654321,A-1,10.00,2026-12-01,PT-br,America/Sao_Paulo,ana@example.com\n"
        b"Bea,+5511987654322,A-2,10.00,2026-12-01,klingon,America/Sao_Paulo,\n"
        b"Caio,+5511987654323,A-3,10.00,2026-12-01,pt_BR,America/Rio,\n"
        b"Davi,+5511987654324,A-4,10.00,2026-12-01,,,davi-at-example\n"
    )
    table = read_table("people.csv", content)
    rows, errors = validate(table, suggest_mapping(table.headers), BRAZIL)
    assert [(r.locale, r.timezone, r.email) for r in rows] == [("pt_BR", "America/Sao_Paulo", "ana@example.com")]
    found = {(e.row, e.column): e.reason for e in errors}
    assert found[(3, "language")].startswith("unknown language or region 'klingon'")
    assert found[(4, "timezone")] == "unknown time zone 'America/Rio': write it like America/Sao_Paulo"
    assert found[(5, "email")] == "'davi-at-example' is not an email address"


def rows_and_errors(filename: str, content: bytes | BinaryIO) -> tuple[list[ImportRow], dict[tuple[int, str], str]]:
    table = read_table(filename, content)
    rows, errors = validate(table, suggest_mapping(table.headers), BRAZIL)
    return rows, {(e.row, e.column): e.reason for e in errors}


def test_a_cell_past_the_limit_is_refused_naming_its_row_and_column() -> None:
    """It was a traceback from the csv module ("field larger than field limit") for any cell over 128 kB."""
    long_cell = csv_bytes([good_row(1), [*good_row(2)[:2], "x" * (MAX_CELL_CHARS + 1), *good_row(2)[3:]]])
    with pytest.raises(FileError, match=r"row 3, column invoice has more than 32767 characters"):
        rows_and_errors("big.csv", long_cell)
    # Separators and doubled quotes inside quotes belong to their cell: the column is still the right one.
    quoted = [f'"Souza, Ana ""{n}"""' for n in range(3)]
    long_quoted = ["+5511987654322", '"said ""hi"", then ' + "x" * MAX_CELL_CHARS + '"']
    content = b"name;phone;invoice;amount;due\n" + ";".join([quoted[0], *long_quoted]).encode()
    with pytest.raises(FileError, match=r"row 2, column invoice has more than"):
        rows_and_errors("big.csv", content)


def test_a_quote_left_open_is_refused_at_its_row_and_column_not_read_to_the_end() -> None:
    opened = (
        b"name,phone,invoice,amount,due\n"
        + b'Ana,"+5511987654321,A-1,10.00,2026-12-01\n'
        + b"".join(b"Bea,+5511987654322,A-%d,10.00,2026-12-01\n" % n for n in range(2000))
    )
    with pytest.raises(FileError, match=r"row 2, column phone has more than 32767 characters \(a quote left open"):
        rows_and_errors("quote.csv", opened)


def test_a_file_past_the_row_limit_is_refused_without_reading_the_rest() -> None:
    """Before, the whole file was parsed into memory (about 17 times its size) and then counted."""
    generated = GeneratedCsv(2 * MAX_ROWS, fuse=0)
    # The rows up to one past the limit, and what the buffers read ahead: not a byte of the rest.
    generated.fuse = generated.offset_after(MAX_ROWS + 1) + 256 * 1024
    table = read_table("big.csv", io.BufferedReader(generated))
    read: list[int] = []
    with pytest.raises(FileError, match=f"more than {MAX_ROWS} rows"):
        read.extend(number for number, _ in table.rows)
    assert len(read) == MAX_ROWS


def test_a_file_over_the_size_limit_is_refused_before_any_of_it_is_read() -> None:
    too_big = GeneratedCsv(MAX_FILE_BYTES // 50, fuse=0)  # any read fails the test
    assert too_big.size > MAX_FILE_BYTES
    with pytest.raises(FileError, match=r"larger than 50 MB"):
        read_table("big.csv", io.BufferedReader(too_big))


class Pipe(io.RawIOBase):
    """A stream that cannot go back, as a request body: reading past byte `fuse` fails the test."""

    def __init__(self, content: bytes, fuse: int | None = None) -> None:
        self.content = io.BytesIO(content)
        self.fuse = len(content) + 1 if fuse is None else fuse

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.content.tell() >= self.fuse:
            raise AssertionError(f"read past byte {self.fuse:,}: the rest should not be read")
        return self.content.readinto(buffer)


def test_a_stream_that_cannot_go_back_is_read_like_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    rows, errors = rows_and_errors("pipe.csv", io.BufferedReader(Pipe(csv_bytes([good_row(1), good_row(2)]))))
    assert ([r.invoice_number for r in rows], errors) == (["NF-0000001", "NF-0000002"], {})
    monkeypatch.setattr(core_imports, "MAX_FILE_BYTES", 1024 * 1024)
    with pytest.raises(FileError, match="larger than 1 MB"):
        read_table("pipe.csv", Pipe(b"x" * 10 * 1024 * 1024, fuse=2 * 1024 * 1024))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "it is empty"),
        (b"\r\n  \r\n,,,\r\n", "it is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "row 3 is not text in UTF-8"),
        (csv_bytes([good_row(1)]) + b"Bea,+5511987654322,A\x00,10,2026-12-01\n", "row 3 is not text"),
        (csv_bytes([good_row(1), good_row(2)]).replace(b"Ana", b"An\x81", 1) + b"\xe9", "row 2 is not text"),
        (csv_bytes([good_row(1), ["x"] * 1001]), "row 3 has more than 1000 columns"),
        (csv_bytes([good_row(1), ["x" * 30_000] * 34]), "row 3 is longer than 1000000 characters"),
    ],
)
def test_files_that_are_not_a_spreadsheet_are_refused_with_a_reason(content: bytes, message: str) -> None:
    with pytest.raises(FileError, match=message):
        rows_and_errors("x.csv", content)


def test_utf16_and_windows_1252_files_are_read() -> None:
    """Excel's "Unicode Text" is UTF-16 with tabs; older Excel saves CSV in the Windows code page."""
    text = "Nome\tTelefone\tFatura\tValor\tVencimento\nJoão Ação\t(11) 98765-4321\tNF-1\tR$ 1.234,56\t05/12/2026\n"
    for encoded in (text.encode("utf-16"), text.replace("\t", ";").encode("cp1252")):
        rows, errors = rows_and_errors("x.txt", encoded)
        assert errors == {}
        assert [(r.name, r.amount_minor) for r in rows] == [("João Ação", 123456)]


def test_rows_keep_the_numbers_the_spreadsheet_shows_past_blank_lines() -> None:
    content = csv_bytes([good_row(1), ["", "", "", "", ""], good_row(2)]) + b"\r\n" + b"Bea,12345,B-1,10,2026-12-01\r\n"
    rows, errors = rows_and_errors("x.csv", content)
    assert [r.row for r in rows] == [2, 4]
    assert list(errors) == [(6, "phone")]


def test_formulas_are_refused_with_what_to_do_instead() -> None:
    content = csv_bytes(
        [
            ['=HYPERLINK("https://evil.example","Ana")', "+5511987654321", "A-1", "10.00", "2026-12-01", ""],
            ["Bea", "+5511987654322", "A-2", "=B2*2", "2026-12-01", ""],
            ["Caio", "+5511987654323", "A-3", "10.00", "2026-12-01", " =1+1"],
            ["Davi", "+5511987654324", "A-4", "10.00", "2026-12-01", "'=1+1, as text"],
        ],
        headers=[*HEADERS, "service"],
    )
    rows, errors = rows_and_errors("x.csv", content)
    assert [(r.name, r.service) for r in rows] == [("Davi", "'=1+1, as text")]
    assert errors == {
        (2, "name"): '\'=HYPERLINK("https://evil.example","Ana")\' is a formula: save the file with its values, '
        "not its formulas",
        (3, "amount"): "'=B2*2' is a formula: save the file with its values, not its formulas",
        (4, "service"): "'=1+1' is a formula: save the file with its values, not its formulas",
    }


def test_values_the_database_could_not_hold_are_bad_rows_not_a_crash_later() -> None:
    """Numbers longer than the column were cut when written, so two could become one and fail the whole import."""
    content = csv_bytes(
        [
            ["Ana", "+5511987654321", "N" * 60 + "1", "10.00", "2026-12-01"],
            ["Bea", "+5511987654322", "B-1", "99999999999999999999", "2026-12-01"],
            ["Caio", "+5511987654323", "C-1", "10.00", "2026-12-01", "https://pay.example/" + "x" * 500],
        ],
        headers=[*HEADERS, "payment link"],
    )
    rows, errors = rows_and_errors("x.csv", content)
    assert rows == []
    assert errors == {
        (2, "invoice"): "the invoice number has 61 characters; at most 60",
        (3, "amount"): "the amount is too large",
        (4, "payment link"): "the link has 520 characters; at most 500",
    }


def test_a_workbook_amount_too_large_is_not_read_as_another_number() -> None:
    """1e16 was read through its text '1e+16' as 116."""
    content = workbook([["Ana", "+5511987654321", "A-1", 1e16, "2026-12-01"], [*good_row(2)[:3], 250.5, "2026-12-01"]])
    rows, errors = rows_and_errors("x.xlsx", content)
    assert errors == {(2, "amount"): "the amount is too large"}
    assert [r.amount_minor for r in rows] == [25050]


def test_a_workbook_reads_only_the_columns_its_headers_name_and_keeps_row_numbers() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    sheet.append(good_row(1))
    sheet["A9"], sheet["B9"], sheet["C9"], sheet["D9"], sheet["E9"] = good_row(2)
    sheet["XFD9"] = "far away"  # the widest column Excel has: not read, and not what a row is padded to
    out = io.BytesIO()
    book.save(out)
    rows, errors = rows_and_errors("x.xlsx", out.getvalue())
    assert ([r.row for r in rows], errors) == ([2, 9], {})


SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>'
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(b'<!ENTITY %c "%s">' % (name, b"&%c;" % (name - 1) * 10) for name in range(ord("b"), ord("k")))
    + b"]>"
    + SHEET % b'<row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row>'
)


@pytest.mark.parametrize(
    ("part", "content", "message"),
    [
        # A number with more digits than Python reads: openpyxl's ValueError escaped while iterating.
        (
            "xl/worksheets/sheet1.xml",
            SHEET % b'<row r="1"><c r="A1"><v>%s</v></c></row>' % (b"9" * 5000),
            "not a valid Excel",
        ),
        # Entities that expand ten billion-fold (the "billion laughs"): expat refuses them.
        ("xl/worksheets/sheet1.xml", BILLION_LAUGHS, "not a valid Excel workbook"),
    ],
)
def test_a_damaged_workbook_is_refused_not_a_traceback(part: str, content: bytes, message: str) -> None:
    with pytest.raises(FileError, match=message):
        rows_and_errors("x.xlsx", with_part(workbook([good_row(1)]), part, content))


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_it_is_unpacked() -> None:
    bomb = with_declared_size(workbook([good_row(1)]), "xl/worksheets/sheet1.xml", MAX_UNPACKED_BYTES + 1)
    with pytest.raises(FileError, match="unpacks to more than 512 MB"):
        read_table("bomb.xlsx", bomb)


def test_a_workbook_cell_past_the_limit_or_a_header_too_wide_is_refused() -> None:
    # openpyxl cuts a cell to Excel's limit when it writes one: this sheet is written by hand.
    cells = [*HEADERS, "x" * (MAX_CELL_CHARS + 1)]
    row = b"".join(
        b'<c r="%c3" t="inlineStr"><is><t>%s</t></is></c>' % (65 + i, v.encode()) for i, v in enumerate(cells)
    )
    long_cell = with_part(workbook([good_row(1)]), "xl/worksheets/sheet1.xml", SHEET % (b'<row r="3">%s</row>' % row))
    with pytest.raises(FileError, match="row 3, column F has more than 32767 characters"):
        rows_and_errors("x.xlsx", long_cell)
    with pytest.raises(FileError, match="row 1 has more than 1000 columns"):
        rows_and_errors("x.xlsx", workbook([good_row(1)], headers=[*HEADERS, *(f"extra {n}" for n in range(996))]))


@pytest.mark.parametrize(
    "content",
    [
        workbook([], headers=[]),
        with_part(
            workbook([good_row(1)]),
            "xl/workbook.xml",
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>',
        ),
    ],
)
def test_a_workbook_without_a_filled_sheet_is_empty(content: bytes) -> None:
    with pytest.raises(FileError, match="it is empty"):
        read_table("x.xlsx", content)


def test_a_mapping_to_a_column_the_file_lacks_is_refused() -> None:
    table = read_table("x.csv", csv_bytes([good_row(1)]))
    with pytest.raises(FileError, match="it has no column named Celular"):
        validate(table, suggest_mapping(table.headers) | {"phone": "Celular"}, BRAZIL)


def test_an_issue_date_and_a_payment_link_are_checked_when_given() -> None:
    content = csv_bytes([[*good_row(1), "31/02/2026", "pay.example/1"]], headers=[*HEADERS, "issued", "payment link"])
    rows, errors = rows_and_errors("x.csv", content)
    assert rows == []
    assert errors == {
        (2, "issued"): "'31/02/2026' is not a date (use 2026-12-31 or 31/12/2026)",
        (2, "payment link"): "the link must start with https://",
    }
