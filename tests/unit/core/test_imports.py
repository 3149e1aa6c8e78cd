from datetime import date

import pytest

from saas_app.core.imports import FileError, ImportDefaults, parse_date, read_table, suggest_mapping, validate
from tests import DATA

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
    assert found[(3, "language")].startswith("unsupported language 'klingon'")
    assert found[(4, "timezone")] == "unknown time zone 'America/Rio': write it like America/Sao_Paulo"
    assert found[(5, "email")] == "'davi-at-example' is not an email address"
