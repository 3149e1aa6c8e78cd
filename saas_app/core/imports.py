"""Reading debtor and invoice spreadsheets: columns mapped to fields, every row checked, every problem told.

Pure: a file (bytes or a binary stream) and plain settings in, validated rows and row-numbered errors out.
Nothing is written here. A file is read as a stream, one row at a time, and every limit is checked as it
is read: a file past one is refused at that point, without reading the rest.
"""

import codecs
import csv
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any, BinaryIO, TextIO, TypeVar, cast

from saas_app.core.languages import normalize_locale
from saas_app.core.money import AmountError, is_currency, minor_digits, parse_amount
from saas_app.core.phones import PhoneError, normalize_phone
from saas_app.core.schedule import is_time_zone
from saas_app.core.text import is_valid_email, normalize_email
from saas_app.i18n import N_

T = TypeVar("T")

# Field -> header names people use for it, in our five languages (compared without accents and case).
FIELDS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "customer",
        "client",
        "debtor",
        "nome",
        "cliente",
        "nombre",
        "nom",
        "devedor",
        "deudor",
        "debitore",
        "ragione sociale",
        "razao social",
        "razon social",
    ),
    "phone": (
        "phone",
        "mobile",
        "whatsapp",
        "telefone",
        "celular",
        "telefono",
        "cellulare",
        "telephone",
        "portable",
        "movil",
        "tel",
    ),
    "email": ("email", "e-mail", "mail", "correo", "courriel"),
    "locale": ("language", "locale", "idioma", "lingua", "langue"),
    "timezone": ("timezone", "time zone", "fuso horario", "zona horaria", "fuso orario", "fuseau horaire"),
    "external_ref": ("customer id", "customer ref", "external ref", "codigo cliente", "codice cliente", "ref client"),
    "tags": ("tags", "etiquetas", "etichette", "etiquettes"),
    "consent": (
        "consent",
        "opt-in",
        "opt in",
        "whatsapp consent",
        "consentimento",
        "consentimiento",
        "consenso",
        "consentement",
    ),
    "invoice_number": (
        "invoice",
        "invoice number",
        "invoice no",
        "number",
        "fatura",
        "numero fatura",
        "nota fiscal",
        "factura",
        "numero factura",
        "fattura",
        "numero fattura",
        "facture",
        "numero facture",
        "nf",
    ),
    "amount": ("amount", "total", "value", "valor", "importe", "importo", "montant", "valor total"),
    "currency": ("currency", "moeda", "moneda", "valuta", "devise"),
    "due_date": (
        "due",
        "due date",
        "vencimento",
        "data vencimento",
        "vencimiento",
        "fecha vencimiento",
        "scadenza",
        "data scadenza",
        "echeance",
        "date echeance",
    ),
    "issued_date": (
        "issued",
        "issue date",
        "date",
        "emissao",
        "data emissao",
        "emision",
        "fecha emision",
        "emissione",
        "data emissione",
        "emission",
        "date emission",
    ),
    "service": (
        "service",
        "description",
        "servico",
        "descricao",
        "servicio",
        "descripcion",
        "servizio",
        "descrizione",
        "prestation",
    ),
    "payment_link": (
        "payment link",
        "link",
        "link pagamento",
        "enlace de pago",
        "link di pagamento",
        "lien de paiement",
    ),
}
REQUIRED = ("name", "phone", "invoice_number", "amount", "due_date")
YES = {"yes", "y", "true", "1", "sim", "si", "sí", "oui", "x"}
NO = {"", "no", "n", "false", "0", "nao", "não", "non"}

# Limits on what a file may be, checked as it is read, so that a file past one is refused without reading
# the rest and memory stays bounded whatever is uploaded.
MAX_FILE_BYTES = 50 * 1024 * 1024  # 200,000 rows of a spreadsheet's usual columns take about 15 MB as CSV
MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # an .xlsx is a zip: what it unpacks to, so a small bomb cannot grow
MAX_ROWS = 200_000
MAX_COLUMNS = 1000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell: a longer one is a broken file, not a spreadsheet's
MAX_LINE_CHARS = 1_000_000  # one line of a CSV file; a row this long is a broken file too
MAX_NUMBER_CHARS = 60  # the invoice number's column: cut, two long numbers would become one
MAX_LINK_CHARS = 500  # the payment link's column: cut, a link would lead nowhere
MAX_AMOUNT_MINOR = 10**15  # far above any invoice, far below the database's 64-bit integers (as the API)
SAMPLE_BYTES = 64 * 1024  # what is looked at to tell the text's encoding and separator


@dataclass(frozen=True)
class RowError:
    """One problem of one cell: `message` is untranslated (marked with N_), its {placeholders} in `params`,
    so that a page says it in the reader's language; `reason` is the English text (the CLI, the logs)."""

    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str
    params: dict[str, object] = field(default_factory=dict, hash=False)
    value: str = ""  # the cell as read, cut to be shown beside the reason

    @property
    def reason(self) -> str:
        """The problem in English."""
        return self.message.format(**self.params) if self.params else self.message


@dataclass(frozen=True)
class ImportDefaults:
    currency: str
    region: str  # for phone numbers written without +country
    locale: str  # for amounts like 1.234 and for the debtor's language when the file has none
    day_first: bool = True  # 03/04/2026 is 3 April everywhere we sell, except the United States


@dataclass
class ImportRow:
    row: int
    name: str
    phone: str
    invoice_number: str
    amount_minor: int
    currency: str
    due_on: date
    email: str = ""
    locale: str = ""
    timezone: str = ""
    external_ref: str = ""
    tags: list[str] = field(default_factory=list)
    consent: bool = False
    issued_on: date | None = None
    service: str = ""
    payment_link: str = ""


Cells = list[Any]


@dataclass
class Table:
    """A file's headers, and its rows read one at a time as they are asked for."""

    headers: list[str]
    # (row number as the spreadsheet numbers it, cells); blank rows are left out. Reading past
    # MAX_ROWS rows, or a broken part of the file, raises FileError there.
    rows: Iterator[tuple[int, Cells]]


class FileError(ValueError):
    """The file as a whole cannot be read: an untranslated message (marked with N_) and its parameters."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid.format(**params) if params else msgid)
        self.msgid = msgid
        self.params = params


NOT_TEXT = N_(
    "This file cannot be imported: row {row} is not text in UTF-8 or Windows-1252. "
    "Save the file as CSV UTF-8, or as an .xlsx workbook."
)
NOT_A_WORKBOOK = N_("This file cannot be imported: it is not a valid Excel workbook.")
EMPTY = N_("This file cannot be imported: it is empty.")


class _CellTooLong(Exception):
    """A cell longer than MAX_CELL_CHARS, by its 0-based column: named once the headers are known."""

    def __init__(self, row: int, index: int) -> None:
        super().__init__(row, index)
        self.row = row
        self.index = index


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


def seekable(source: bytes | BinaryIO) -> BinaryIO:
    """The file as a stream that can be read again from where it starts, refused at once if too large.

    A stream that cannot go back (a pipe, an upload read once) is copied to a temporary file first,
    at most MAX_FILE_BYTES of it.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        stream: BinaryIO = io.BytesIO(source)
    elif source.seekable():
        stream = source
    else:
        stream = _copy(source)
    start = stream.tell()
    size = stream.seek(0, io.SEEK_END) - start
    stream.seek(start)
    if size > MAX_FILE_BYTES:
        raise FileError(
            N_("This file cannot be imported: it is larger than {limit} MB. Split it into smaller files."),
            limit=MAX_FILE_BYTES // (1024 * 1024),
        )
    if size == 0:
        raise FileError(EMPTY)
    return stream


def _copy(source: BinaryIO) -> BinaryIO:
    copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by whoever reads it
    while chunk := source.read(1024 * 1024):
        copy.write(chunk)
        if copy.tell() > MAX_FILE_BYTES:
            break  # enough to know it is too large: the rest is not read
    copy.seek(0)
    return cast(BinaryIO, copy)


def read_table(filename: str, source: bytes | BinaryIO) -> Table:
    """A CSV (comma, semicolon or tab; UTF-8, UTF-16 or Windows-1252) or an XLSX file's first sheet, read as a
    stream: the first row that is not blank gives the headers, the others come one at a time."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        read_records = _xlsx_records
    elif name.endswith((".csv", ".txt", ".tsv")):
        read_records = _csv_records
    else:
        raise FileError(N_("This file cannot be imported: use a .csv or .xlsx file."))
    records = read_records(seekable(source))
    headers: list[str] = []

    def named_columns() -> Iterator[tuple[int, Cells]]:
        try:
            yield from records
        except _CellTooLong as too_long:
            raise FileError(
                N_(
                    "This file cannot be imported: row {row}, column {column} has more than {limit} characters "
                    "(a quote left open joins the rows after it into one cell)."
                ),
                row=too_long.row,
                column=_column_name(headers, too_long.index),
                limit=MAX_CELL_CHARS,
            ) from None

    rows = named_columns()
    first = next(rows, None)
    if first is None:
        raise FileError(EMPTY)
    headers.extend("" if cell is None else str(cell).strip() for cell in first[1])
    return Table(headers, _at_most(rows, MAX_ROWS))


def _column_name(headers: list[str], index: int) -> str:
    """The column's header, or its letter as spreadsheets show it when it has none."""
    if index < len(headers) and headers[index]:
        return headers[index]
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _at_most(rows: Iterator[tuple[int, Cells]], limit: int) -> Iterator[tuple[int, Cells]]:
    """The rows, refused at the first one past the limit: the rest of the file is never read."""
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise FileError(
                N_("This file cannot be imported: it has more than {limit} rows. Split it into smaller files."),
                limit=limit,
            )
        yield row


def _csv_records(stream: BinaryIO) -> Iterator[tuple[int, Cells]]:
    """Each row that is not blank, with its number; the file is decoded and split as it is read."""
    start = stream.tell()
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(start)
    encoding = _text_encoding(sample)
    delimiter = _delimiter(sample.decode(encoding, errors="replace"))
    text = io.TextIOWrapper(stream, encoding=encoding, errors=_UNDECODABLE, newline="")
    lines = _Lines(text)
    csv.field_size_limit(MAX_CELL_CHARS)  # the csv module refuses a longer cell instead of growing it
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    try:
        while True:
            lines.record.clear()
            try:
                cells = next(reader, None)
            except csv.Error:
                index = _long_cell_index("".join(lines.record), delimiter)
                if index is None:  # pragma: no cover - lenient and fed whole lines, the reader knows no other error
                    raise FileError(
                        N_("This file cannot be imported: row {row} is not valid CSV."), row=number + 1
                    ) from None
                raise _CellTooLong(number + 1, index) from None
            except _LineTooLong:
                raise FileError(
                    N_("This file cannot be imported: row {row} is longer than {limit} characters."),
                    row=number + 1,
                    limit=MAX_LINE_CHARS,
                ) from None
            except _NotText:
                raise FileError(NOT_TEXT, row=number + 1) from None
            if cells is None:
                return
            number += 1
            if len(cells) > MAX_COLUMNS:
                raise _too_many_columns(number)
            if any(cell.strip() for cell in cells):
                yield number, cells
    finally:
        # The caller's stream stays open, to be read again; if the caller closed it before letting go of
        # this reader (a refused file), there is nothing left to hand back.
        if not text.buffer.closed:
            text.detach()


def _too_many_columns(row: int) -> FileError:
    return FileError(
        N_("This file cannot be imported: row {row} has more than {limit} columns."), row=row, limit=MAX_COLUMNS
    )


class _LineTooLong(Exception):
    """A line longer than MAX_LINE_CHARS."""


class _NotText(Exception):
    """A NUL character, or bytes the encoding cannot read: binary data, which no database column may hold."""


def _mark_undecodable(error: UnicodeError) -> tuple[str, int]:
    """Bytes the encoding cannot read become a NUL, which the row's check then refuses with its number."""
    assert isinstance(error, UnicodeDecodeError)
    return "\x00", error.end


_UNDECODABLE = "cobro-import-undecodable"
codecs.register_error(_UNDECODABLE, _mark_undecodable)


class _Lines:
    """The text's lines for the csv module, each at most MAX_LINE_CHARS, keeping those of the row being read."""

    def __init__(self, text: TextIO) -> None:
        self.text = text
        self.record: list[str] = []

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = self.text.readline(MAX_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_LINE_CHARS:
            raise _LineTooLong
        if "\x00" in line:
            raise _NotText
        self.record.append(line)
        return line


def _text_encoding(sample: bytes) -> str:
    """UTF-16 or UTF-8 when the file says so (a byte order mark) or reads as such, else Windows-1252.

    Binary data (a workbook, a PDF, an image renamed .csv) has NUL bytes: it is refused, by the row they are on."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # what Excel's "Unicode Text" saves
    if b"\x00" in sample:  # before the headers are read: a PNG renamed .csv is "not text", not "no column phone"
        raise FileError(NOT_TEXT, row=sample[: sample.index(b"\x00")].count(b"\n") + 1)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _delimiter(sample: str) -> str:
    """The separator the header row uses most: comma, semicolon or tab (comma when it has none)."""
    header = next((line for line in sample.splitlines() if line.strip()), "")
    counts = {delimiter: header.count(delimiter) for delimiter in ",;\t"}
    return max(counts, key=lambda delimiter: counts[delimiter]) if any(counts.values()) else ","


def _long_cell_index(record: str, delimiter: str) -> int | None:
    """Which cell (0-based) of the row the csv module gave up on outgrew MAX_CELL_CHARS; None if none did.

    The row's text is read again as the csv module reads it: quotes open a cell only at its start, and a
    doubled quote inside them is one character."""
    index = length = 0
    quoted = False
    position = 0
    while position < len(record):
        char = record[position]
        position += 1
        if quoted and char == '"':
            if record[position : position + 1] == '"':
                position += 1  # "" inside quotes is one quote
            else:
                quoted = False
                continue
        elif not quoted and char == '"' and length == 0:
            quoted = True
            continue
        elif not quoted and char == delimiter:
            index, length = index + 1, 0
            continue
        length += 1
        if length > MAX_CELL_CHARS:
            return index
    return None


def _xlsx_records(stream: BinaryIO) -> Iterator[tuple[int, Cells]]:
    """The first sheet's rows that are not blank, with their numbers, read from the workbook as a stream."""
    from openpyxl import load_workbook

    _check_unpacked_size(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds; all mean "not a workbook"
        raise FileError(NOT_A_WORKBOOK) from None
    try:
        if not workbook.worksheets:
            raise FileError(EMPTY)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the size a file declares is not trusted: a row is as wide as its cells
        # One column more than allowed, to tell a header row too wide; openpyxl pads each row to the width.
        header = next(_sheet_rows(sheet, 1, MAX_COLUMNS + 1), None)
        if header is None:
            return
        header_row, headers = header
        width = max(i for i, cell in enumerate(headers) if cell not in (None, "")) + 1
        if width > MAX_COLUMNS:
            raise _too_many_columns(header_row)
        yield header_row, list(headers[:width])
        # Cells past the last header have no name to map them by, and are not read.
        for number, cells in _sheet_rows(sheet, header_row + 1, width):
            yield number, list(cells)
    finally:
        workbook.close()


def _sheet_rows(sheet: Any, start: int, width: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows from `start` with a cell that is not blank, with their numbers, `width` cells each."""
    rows = sheet.iter_rows(min_row=start, max_col=width, values_only=True)
    number = start - 1
    while True:
        try:
            cells = next(rows, None)
        except Exception:  # noqa: BLE001 - a damaged part of the workbook; openpyxl raises many kinds
            raise FileError(NOT_A_WORKBOOK) from None
        if cells is None:
            return
        number += 1
        if cells.count(None) + cells.count("") == len(cells):
            continue
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise _CellTooLong(number, index)
        yield number, cells


def _check_unpacked_size(stream: BinaryIO) -> None:
    """Refuse a workbook that unpacks to more than MAX_UNPACKED_BYTES, before unpacking any of it.

    The sizes are those the zip declares; reading a part stops at its declared size, so they cannot lie.
    """
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except Exception:  # noqa: BLE001 - zipfile raises many kinds on a damaged archive; all mean "not a workbook"
        raise FileError(NOT_A_WORKBOOK) from None
    finally:
        stream.seek(start)
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileError(
            N_("This file cannot be imported: the workbook unpacks to more than {limit} MB."),
            limit=MAX_UNPACKED_BYTES // (1024 * 1024),
        )


def suggest_mapping(headers: list[str]) -> dict[str, str]:
    """field -> header, for the headers that look like a known field."""
    mapping: dict[str, str] = {}
    folded = {_fold(h): h for h in headers if h}
    for name, synonyms in FIELDS.items():
        for synonym in (name.replace("_", " "), *synonyms):
            header = folded.get(_fold(synonym))
            if header is not None and header not in mapping.values():
                mapping[name] = header
                break
    return mapping


NOT_A_DATE = N_("'{value}' is not a date (use 2026-12-31 or 31/12/2026)")


def parse_date(value: Any, day_first: bool) -> date:
    """A date from a spreadsheet cell: a date, ISO text, or day and month in the order the file uses."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if match:
            year, month, day = map(int, match.groups())
            return date(year, month, day)
        match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})", text)
        if match:
            first, second, year = int(match[1]), int(match[2]), int(match[3])
            year += 2000 if year < 100 else 0
            day, month = (first, second) if day_first else (second, first)
            return date(year, month, day)
    except ValueError:
        pass  # 31/02: the shape of a date, but no such day
    raise ValueError(NOT_A_DATE.format(value=_shown(text)))


def _shown(text: str) -> str:
    """A cell's text quoted in a message: a long one is cut, so that a report stays readable."""
    return text if len(text) <= 60 else text[:59] + "…"


def _cell(row: Cells, index: int | None) -> Any:
    if index is None or index >= len(row):
        return ""
    value = row[index]
    return "" if value is None else value


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 12345 as 12345.0
    return str(value).strip()


def _amount_text(value: Any) -> str:
    """An amount cell as text: a number from a workbook in plain digits, never as 1e+16."""
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value) if isinstance(value, int) else _text(value)


def _is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.lstrip().startswith("=")


class RowChecker:
    """Checks a file's rows one at a time, each on its own: an invoice number used twice is told by whoever
    remembers the numbers (`validate` in memory, an import in its database transaction)."""

    def __init__(self, headers: list[str], mapping: dict[str, str], defaults: ImportDefaults) -> None:
        missing = [f for f in REQUIRED if f not in mapping]
        if missing:
            raise FileError(
                N_("This file cannot be imported: map a column to each of: {fields}."), fields=", ".join(missing)
            )
        unknown = [header for header in mapping.values() if header not in headers]
        if unknown:
            raise FileError(
                N_("This file cannot be imported: it has no column named {columns}."), columns=", ".join(unknown)
            )
        self.mapping = mapping
        self.defaults = defaults
        self.index = {name: headers.index(header) for name, header in mapping.items()}

    def check(self, row_number: int, cells: Cells) -> tuple[ImportRow | None, list[RowError]]:
        """The row read into an ImportRow, or None and each of its problems."""
        errors: list[RowError] = []
        parsed = _parse_row(cells, self.index, self.mapping, self.defaults, row_number, errors)
        if errors or parsed is None:
            return None, errors
        return parsed, []

    def repeated(self, row: ImportRow, first_row: int) -> RowError:
        """The problem of a row whose invoice number is already on `first_row`."""
        return RowError(
            row.row,
            self.mapping["invoice_number"],
            N_("invoice {number} is also on row {other}"),
            {"number": row.invoice_number, "other": first_row},
            _shown(row.invoice_number),
        )


def validate(table: Table, mapping: dict[str, str], defaults: ImportDefaults) -> tuple[list[ImportRow], list[RowError]]:
    """Check every row; a row with any problem is left out and each of its problems reported.

    Holds every valid row and every invoice number: for a small file, or a test. An import checks and writes
    batch by batch, and remembers the numbers in its database transaction."""
    checker = RowChecker(table.headers, mapping, defaults)
    valid: list[ImportRow] = []
    errors: list[RowError] = []
    first_rows: dict[str, int] = {}
    for row_number, cells in table.rows:
        parsed, row_errors = checker.check(row_number, cells)
        if parsed is None:
            errors.extend(row_errors)
        elif parsed.invoice_number in first_rows:
            errors.append(checker.repeated(parsed, first_rows[parsed.invoice_number]))
        else:
            first_rows[parsed.invoice_number] = row_number
            valid.append(parsed)
    return valid, errors


def _parse_row(
    raw: Cells,
    index: dict[str, int],
    mapping: dict[str, str],
    defaults: ImportDefaults,
    row: int,
    errors: list[RowError],
) -> ImportRow | None:
    failed: set[str] = set()

    def fail(name: str, message: str, **params: object) -> None:
        if name not in failed:  # one problem per cell: a formula is not also "empty"
            failed.add(name)
            shown = _shown(_text(_cell(raw, index.get(name))))
            errors.append(RowError(row, mapping.get(name, name), message, params, shown))

    def get(name: str) -> Any:
        value = _cell(raw, index.get(name))
        if _is_formula(value):
            # Nothing computes it here, and a formula kept as text runs when the file is opened again.
            fail(
                name,
                N_("'{value}' is a formula: save the file with its values, not its formulas"),
                value=_shown(value.strip()),
            )
            return ""
        return value

    name = _text(get("name"))
    if not name:
        fail("name", N_("the name is empty"))
    phone = ""
    phone_text = _text(get("phone"))
    try:
        phone = normalize_phone(phone_text, defaults.region)
    except PhoneError as error:
        problem, params = _phone_problem(phone_text, error)
        fail("phone", problem, **params)
    number = _text(get("invoice_number"))
    if not number:
        fail("invoice_number", N_("the invoice number is empty"))
    elif len(number) > MAX_NUMBER_CHARS:
        fail(
            "invoice_number",
            N_("the invoice number has {length} characters; at most {limit}"),
            length=len(number),
            limit=MAX_NUMBER_CHARS,
        )
    currency = (_text(get("currency")) or defaults.currency).upper()
    if not is_currency(currency):
        fail("currency", N_("unknown currency '{value}'"), value=_shown(currency))
        currency = ""
    amount = 0
    if currency:
        amount_text = _amount_text(get("amount"))
        try:
            amount = parse_amount(amount_text, currency, defaults.locale)
        except AmountError as error:
            problem, params = _amount_problem(amount_text, currency, error)
            fail("amount", problem, **params)
        if amount > MAX_AMOUNT_MINOR:
            fail("amount", N_("the amount is too large"))
    due: date | None = None
    try:
        due = parse_date(get("due_date"), defaults.day_first)
    except ValueError:
        fail("due_date", NOT_A_DATE, value=_shown(_text(get("due_date"))))
    issued: date | None = None
    if _text(get("issued_date")):
        try:
            issued = parse_date(get("issued_date"), defaults.day_first)
        except ValueError:
            fail("issued_date", NOT_A_DATE, value=_shown(_text(get("issued_date"))))
    consent_text = _fold(_text(get("consent")))
    if consent_text not in YES and consent_text not in NO:
        fail("consent", N_("write yes or no, not '{value}'"), value=_shown(_text(get("consent"))))
    locale = _text(get("locale"))
    if locale and normalize_locale(locale) is None:
        fail(
            "locale", N_("unknown language or region '{value}': write it like es, es_MX or pt_BR"), value=_shown(locale)
        )
    zone = _text(get("timezone"))
    if zone and not is_time_zone(zone):
        fail("timezone", N_("unknown time zone '{value}': write it like America/Sao_Paulo"), value=_shown(zone))
    email = normalize_email(_text(get("email")))
    if email and not is_valid_email(email):
        fail("email", N_("'{value}' is not an email address"), value=_shown(email))
    link = _text(get("payment_link"))
    if link and not link.startswith(("https://", "http://")):
        fail("payment_link", N_("the link must start with https://"))
    elif len(link) > MAX_LINK_CHARS:
        fail(
            "payment_link",
            N_("the link has {length} characters; at most {limit}"),
            length=len(link),
            limit=MAX_LINK_CHARS,
        )
    external_ref, tags, service = _text(get("external_ref")), _text(get("tags")), _text(get("service"))
    if errors or due is None:
        return None
    return ImportRow(
        row=row,
        name=name,
        phone=phone,
        invoice_number=number,
        amount_minor=amount,
        currency=currency,
        due_on=due,
        email=email,
        locale=normalize_locale(locale) or "" if locale else "",
        timezone=zone,
        external_ref=external_ref,
        tags=[t.strip() for t in re.split(r"[;,]", tags) if t.strip()],
        consent=consent_text in YES,
        issued_on=issued,
        service=service,
        payment_link=link,
    )


def _phone_problem(text: str, error: PhoneError) -> tuple[str, dict[str, object]]:
    """core.phones' refusal as a message the pages translate (its own is English)."""
    if not text:
        return N_("no phone number"), {}
    if str(error).endswith("for its country"):
        return N_("'{value}' is not a valid number for its country"), {"value": _shown(text)}
    return N_("'{value}' is not a phone number"), {"value": _shown(text)}


def _amount_problem(text: str, currency: str, error: AmountError) -> tuple[str, dict[str, object]]:
    """core.money's refusal as a message the pages translate (its own is English)."""
    reason = str(error)
    if reason == "no amount":
        return N_("no amount"), {}
    if reason.endswith("decimal places"):
        return N_("{currency} amounts have at most {digits} decimal places"), {
            "currency": currency,
            "digits": minor_digits(currency),
        }
    if reason.endswith("greater than zero"):
        return N_("the amount must be greater than zero"), {}
    return N_("'{value}' is not an amount"), {"value": _shown(text)}


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """The items in consecutive lists of at most `size`: one bulk write each, with progress reported between them.

    Takes a stream of rows as well as a list, holding one batch at a time."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
