"""Whatever file is uploaded, the importer answers with a clear refusal (FileError) or with checked rows
that the database can hold: never another exception."""

import csv
import io
from datetime import datetime

from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st

from saas_app.core.imports import (
    MAX_AMOUNT_MINOR,
    MAX_LINK_CHARS,
    MAX_NUMBER_CHARS,
    FileError,
    ImportDefaults,
    ImportRow,
    RowError,
    read_table,
    suggest_mapping,
    validate,
)
from tests import DATA
from tests.properties import examples
from tests.spreadsheets import HEADERS, good_row, workbook

BRAZIL = ImportDefaults(currency="BRL", region="BR", locale="pt_BR")
KNOWN_HEADERS = [*HEADERS, "currency", "email", "language", "timezone", "consent", "issued", "payment link", "tags"]

# Cells as people and attackers write them: good values, near misses, formulas, quotes and separators,
# control characters, and lengths around the limits.
cells = st.one_of(
    st.sampled_from([*good_row(1), "R$ 1.234,56", "31/02/2026", "sim", "pt_BR", "America/Sao_Paulo", "", " "]),
    st.sampled_from(["=1+2", '=HYPERLINK("x")', "+55 11 98765-4321", "-5", "@SUM(A1)", '"', '""', ",;\t"]),
    st.sampled_from(["1e+16", "99999999999999999999", "0,001", "NaN", "inf", "١٢٣", "٢٠٢٦-١٢-٠١"]),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.builds(lambda c, n: c * n, st.sampled_from(["x", "N", '"', "\n", "9"]), st.sampled_from([59, 61, 501, 33_000])),
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])


def check(filename: str, content: bytes) -> None:
    """The property: a clear refusal, or rows each valid for the database and errors each naming a row."""
    result = read(filename, content)
    if isinstance(result, FileError):
        assert str(result).startswith("This file cannot be imported: ")
        return
    rows, errors = result
    assert all(isinstance(row, ImportRow) and storable(row) for row in rows)
    assert all(isinstance(error, RowError) and error.row >= 2 and error.reason for error in errors)
    assert len({row.row for row in rows}) == len(rows)
    assert not {row.row for row in rows} & {error.row for error in errors}


def read(filename: str, content: bytes) -> tuple[list[ImportRow], list[RowError]] | FileError:
    try:
        table = read_table(filename, content)
        return validate(table, suggest_mapping(table.headers), BRAZIL)
    except FileError as refusal:
        return refusal


def storable(row: ImportRow) -> bool:
    texts = [row.name, row.phone, row.invoice_number, row.email, row.external_ref, row.service, row.payment_link]
    return (
        0 < len(row.invoice_number) <= MAX_NUMBER_CHARS
        and 0 < row.amount_minor <= MAX_AMOUNT_MINOR
        and len(row.payment_link) <= MAX_LINK_CHARS
        and row.phone.startswith("+")
        and not any("\x00" in text for text in [*texts, *row.tags])
    )


@settings(max_examples=examples(200), deadline=None)
@given(content=st.binary(max_size=3000), name=st.sampled_from(["x.csv", "x.txt", "x.tsv", "x.xlsx"]))
@example(content=b"name,phone,invoice,amount,due\n" + b"A" * 140_000, name="x.csv")  # the traceback of finding 10
@example(content=b'"' + b',"' * 10_000, name="x.csv")  # what made csv.Sniffer think for seconds
def test_any_bytes_are_refused_clearly_or_read(content: bytes, name: str) -> None:
    check(name, content)


@settings(max_examples=examples(200), deadline=None)
@given(
    headers=st.lists(st.one_of(st.sampled_from(KNOWN_HEADERS), st.text(max_size=10)), min_size=1, max_size=12),
    rows=st.lists(st.lists(cells, max_size=14), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]),
    encoding=encodings,
    cut=st.integers(0, 100),
)
def test_any_spreadsheet_text_is_refused_clearly_or_read(
    headers: list[str], rows: list[list[str]], delimiter: str, quoting: int, encoding: str, cut: int
) -> None:
    out = io.StringIO()
    # Unquoted, separators and quotes inside cells are escaped with a backslash, which the importer reads as is.
    writer = csv.writer(
        out, delimiter=delimiter, quoting=quoting, escapechar="\\" if quoting == csv.QUOTE_NONE else None
    )
    try:
        writer.writerow(headers)
        writer.writerows(rows)
    except csv.Error:
        reject()  # a row the writer itself refuses (an empty one, unquoted): no file to try
    content = out.getvalue().encode(encoding, errors="replace")
    check("x.csv", content)
    check("x.csv", content[: len(content) * cut // 100])  # a file cut short, as an upload that stopped


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.lists(st.sampled_from(KNOWN_HEADERS), min_size=1, max_size=8, unique=True),
    rows=st.lists(
        st.lists(
            st.one_of(
                cells.map(lambda text: "".join(c for c in text if c.isprintable() or c in "\t\n")),
                st.integers(-(2**70), 2**70),
                st.floats(),
                st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 1, 1)),
                st.booleans(),
                st.none(),
            ),
            max_size=10,
        ),
        max_size=6,
    ),
)
def test_any_workbook_is_refused_clearly_or_read(headers: list[str], rows: list[list[object]]) -> None:
    check("x.xlsx", workbook(rows, headers=headers))


SAMPLE = (DATA / "fatture_it.xlsx").read_bytes()


@settings(max_examples=examples(150), deadline=None)
@given(flips=st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), min_size=1, max_size=6))
def test_a_damaged_workbook_is_refused_clearly_or_read(flips: list[tuple[int, int]]) -> None:
    damaged = bytearray(SAMPLE)
    for position, value in flips:
        damaged[position] = value
    check("x.xlsx", bytes(damaged))
