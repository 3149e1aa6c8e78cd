"""Reading debtor and invoice spreadsheets: columns mapped to fields, every row checked, every problem told.

Pure: bytes and plain settings in, validated rows and row-numbered errors out. Nothing is written here.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from saas_app.core.languages import SUPPORTED_LOCALES, normalize_locale
from saas_app.core.money import AmountError, is_currency, parse_amount
from saas_app.core.phones import PhoneError, normalize_phone
from saas_app.core.schedule import is_time_zone
from saas_app.core.text import is_valid_email, normalize_email

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
MAX_ROWS = 200_000


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    reason: str


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


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]


class FileError(ValueError):
    """The file as a whole cannot be read."""


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


def read_table(filename: str, content: bytes) -> Table:
    """A CSV (comma, semicolon or tab; UTF-8 or Latin-1) or an XLSX file, first sheet, first row as headers."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(content)
    if name.endswith((".csv", ".txt", ".tsv")):
        return _read_csv(content)
    raise FileError("use a .csv or .xlsx file")


def _read_csv(content: bytes) -> Table:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise FileError("the file is not text")
    sample = text[:20_000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    if not rows:
        raise FileError("the file is empty")
    return Table([h.strip() for h in rows[0]], rows[1:])


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds; all mean "not a workbook"
        raise FileError("the file is not a valid Excel workbook") from None
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True) if any(c not in (None, "") for c in row)]
    workbook.close()
    if not rows:
        raise FileError("the first sheet is empty")
    return Table([str(h or "").strip() for h in rows[0]], rows[1:])


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
    raise ValueError(f"'{text}' is not a date (use 2026-12-31 or 31/12/2026)")


def _cell(row: list[Any], index: int | None) -> Any:
    if index is None or index >= len(row):
        return ""
    value = row[index]
    return "" if value is None else value


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 12345 as 12345.0
    return str(value).strip()


def validate(table: Table, mapping: dict[str, str], defaults: ImportDefaults) -> tuple[list[ImportRow], list[RowError]]:
    """Check every row; a row with any problem is left out and each of its problems reported."""
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        raise FileError("map a column to each of: " + ", ".join(missing))
    unknown = [header for header in mapping.values() if header not in table.headers]
    if unknown:
        raise FileError("no column named " + ", ".join(unknown))
    if len(table.rows) > MAX_ROWS:
        raise FileError(f"at most {MAX_ROWS:,} rows per file")
    index = {name: table.headers.index(header) for name, header in mapping.items()}
    valid: list[ImportRow] = []
    errors: list[RowError] = []
    seen_numbers: dict[str, int] = {}
    for offset, raw in enumerate(table.rows):
        row_number = offset + 2
        row_errors: list[RowError] = []
        parsed = _parse_row(raw, index, mapping, defaults, row_number, row_errors)
        if parsed is not None and parsed.invoice_number in seen_numbers:
            row_errors.append(
                RowError(
                    row_number,
                    mapping["invoice_number"],
                    f"invoice {parsed.invoice_number} is also on row {seen_numbers[parsed.invoice_number]}",
                )
            )
        if row_errors or parsed is None:
            errors.extend(row_errors)
            continue
        seen_numbers[parsed.invoice_number] = row_number
        valid.append(parsed)
    return valid, errors


def _parse_row(
    raw: list[Any],
    index: dict[str, int],
    mapping: dict[str, str],
    defaults: ImportDefaults,
    row: int,
    errors: list[RowError],
) -> ImportRow | None:
    def get(name: str) -> Any:
        return _cell(raw, index.get(name))

    def fail(name: str, reason: str) -> None:
        errors.append(RowError(row, mapping.get(name, name), reason))

    name = _text(get("name"))
    if not name:
        fail("name", "the name is empty")
    phone = ""
    try:
        phone = normalize_phone(_text(get("phone")), defaults.region)
    except PhoneError as error:
        fail("phone", str(error))
    number = _text(get("invoice_number"))
    if not number:
        fail("invoice_number", "the invoice number is empty")
    currency = (_text(get("currency")) or defaults.currency).upper()
    if not is_currency(currency):
        fail("currency", f"unknown currency '{currency}'")
        currency = ""
    amount = 0
    if currency:
        value = get("amount")
        try:
            amount = parse_amount(
                str(value) if isinstance(value, int | float) else _text(value), currency, defaults.locale
            )
        except AmountError as error:
            fail("amount", str(error))
    due: date | None = None
    try:
        due = parse_date(get("due_date"), defaults.day_first)
    except ValueError as error:
        fail("due_date", str(error))
    issued: date | None = None
    if _text(get("issued_date")):
        try:
            issued = parse_date(get("issued_date"), defaults.day_first)
        except ValueError as error:
            fail("issued_date", str(error))
    consent_text = _fold(_text(get("consent")))
    if consent_text not in YES and consent_text not in NO:
        fail("consent", f"write yes or no, not '{_text(get('consent'))}'")
    locale = _text(get("locale"))
    if locale and normalize_locale(locale) is None:
        fail("locale", f"unsupported language '{locale}': use one of {', '.join(SUPPORTED_LOCALES)}")
    zone = _text(get("timezone"))
    if zone and not is_time_zone(zone):
        fail("timezone", f"unknown time zone '{zone}': write it like America/Sao_Paulo")
    email = normalize_email(_text(get("email")))
    if email and not is_valid_email(email):
        fail("email", f"'{email}' is not an email address")
    link = _text(get("payment_link"))
    if link and not link.startswith(("https://", "http://")):
        fail("payment_link", "the link must start with https://")
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
        external_ref=_text(get("external_ref")),
        tags=[t.strip() for t in re.split(r"[;,]", _text(get("tags"))) if t.strip()],
        consent=consent_text in YES,
        issued_on=issued,
        service=_text(get("service")),
        payment_link=link,
    )


def batches(items: list[ImportRow], size: int) -> Iterator[list[ImportRow]]:
    """The rows in consecutive slices of at most `size`: one bulk write each, with progress reported between them."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
