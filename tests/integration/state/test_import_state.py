"""The import dialog's handlers, called as a browser could call them: any caller, any arguments.

Only a member who may collect imports; the upload belongs to who made it, in the organization they made
it in; a mapping names only the file's columns and the importer's fields; a bad file is refused beside
the upload and nothing is written until the person chooses to import.
"""

import base64
import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import Session, func, select

from saas_app.auth.cookies import SESSION_COOKIE
from saas_app.models import Debtor, Invoice, Organization
from saas_app.state import imports as import_state
from saas_app.state.imports import ImportState
from tests import DATA, aio
from tests.factories import add_member, sign_up
from tests.integration.state.test_handlers import state_for, toast_text, token_of


@pytest.fixture
def tenants(session: Session) -> dict[str, Any]:
    """Alpha, a Brazilian organization with a viewer; Beta, another organization."""
    _, alpha = sign_up(session, org_name="Alpha", email="alpha@example.com")
    org = session.get(Organization, alpha.org_id)
    assert org is not None
    org.country, org.currency, org.default_locale, org.timezone = "BR", "BRL", "pt_BR", "America/Sao_Paulo"
    session.add(org)
    session.commit()
    sign_up(session, org_name="Beta", email="beta@example.com")
    add_member(session, alpha, "viewer", email="viewer@example.com")
    return {"alpha": alpha}


@pytest.fixture(autouse=True)
def upload_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Uploads go to a directory of the test's own, to see them kept and deleted."""
    folder = tmp_path / "uploads"
    monkeypatch.setattr(import_state, "UPLOAD_DIR", folder)
    return folder


def kept(folder: Path) -> list[Path]:
    return sorted(folder.glob("*")) if folder.exists() else []


def opened(session: Session, email: str = "alpha@example.com") -> Any:
    state = state_for(ImportState, token=token_of(session, email), path="/invoices")
    assert ImportState.open_dialog.fn(state) is None
    assert state.dialog_open
    return state


def as_member(state: Any, session: Session, email: str) -> None:
    """The same tab, now carrying another member's session cookie."""
    cookie = f"{SESSION_COOKIE}={token_of(session, email)}"
    root = state
    while root.parent_state is not None:
        root = root.parent_state
    root.router = RouterData.from_router_data(
        {"headers": {"cookie": cookie}, "pathname": "/invoices", "asPath": "/invoices"}
    )


def upload(state: Any, name: str, content: bytes) -> Any:
    files = [rx.UploadFile(file=io.BytesIO(content), path=Path(name))]
    return aio.run(ImportState.upload.fn(state, files))


def check(state: Any) -> Any:
    return aio.run(ImportState.check.fn(state))


def write(state: Any, choice: str) -> Any:
    handler = {"all": ImportState.write_all, "valid": ImportState.write_valid}[choice]
    return aio.run(handler.fn(state))


def invoice_count(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Invoice)).one()


def debtor_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Debtor)).one()


def downloaded(state: Any) -> tuple[str, list[list[str]]]:
    """The problems' download: its file name and rows."""
    spec = str(ImportState.download_problems.fn(state))
    encoded = re.search(r"base64,([A-Za-z0-9+/=]+)", spec)
    named = re.search(r"_var_value='([^']+\.csv)'", spec)
    assert encoded is not None, spec
    assert named is not None, spec
    text = base64.b64decode(encoded.group(1)).decode("utf-8").lstrip("\ufeff")
    return named.group(1), list(csv.reader(io.StringIO(text)))


def mapping_of(state: Any) -> dict[str, str]:
    return {column["header"]: column["field"] for column in state.columns}


def test_the_brazilian_file_is_mapped_checked_clean_and_imported(session: Session, tenants, upload_dir) -> None:
    state = opened(session)
    assert upload(state, "invoices_pt_BR.csv", (DATA / "invoices_pt_BR.csv").read_bytes()) is None
    assert (state.step, state.error, state.file_name) == ("map", "", "invoices_pt_BR.csv")
    found = mapping_of(state)
    assert found["Nome"] == "name"
    assert found["Telefone"] == "phone"
    assert found["Fatura"] == "invoice_number"
    assert found["Vencimento"] == "due_date"
    assert found["Valor"] == "amount"
    assert state.missing == ""
    assert len(kept(upload_dir)) == 1  # on the server only; the state has no path the browser sees
    assert str(upload_dir) not in str(state.dict())

    check(state)
    assert (state.step, state.total_rows, state.valid_rows, state.bad_rows) == ("review", "10", "10", "0")
    assert state.can_import_all
    assert not state.can_import_valid
    assert state.checked_label == "10 rows checked"
    assert invoice_count(session) == 0  # checking writes nothing

    write(state, "all")
    assert (state.step, state.invoices_created, state.debtors_created, state.percent) == ("done", "10", "9", 100)
    assert invoice_count(session) == 10
    assert kept(upload_dir) == []  # deleted once written
    ImportState.close_dialog.fn(state)
    assert not state.dialog_open


def test_bad_rows_are_listed_and_cancel_writes_nothing(session: Session, tenants, upload_dir) -> None:
    state = opened(session)
    upload(state, "invoices_with_errors.csv", (DATA / "invoices_with_errors.csv").read_bytes())
    check(state)
    assert (state.total_rows, state.valid_rows, state.bad_rows) == ("7", "1", "6")
    assert state.can_import_valid
    assert not state.can_import_all
    problems = {(p["row"], p["column"]): (p["value"], p["reason"]) for p in state.problems}
    assert problems[("3", "phone")] == ("12345", "'12345' is not a valid number for its country")
    assert problems[("4", "currency")] == ("EUROS", "unknown currency 'EUROS'")
    assert problems[("8", "consent")] == ("maybe", "write yes or no, not 'maybe'")

    name, rows = downloaded(state)
    assert name == "invoices_with_errors-problems.csv"
    assert rows[0] == ["Row", "Column", "Value", "Reason"]
    assert ["4", "currency", "EUROS", "unknown currency 'EUROS'"] in rows
    assert len(rows) == 1 + len(state.problems)

    write(state, "all")  # forged: "Import all" is not offered while rows are bad
    assert state.step == "review"
    assert state.error == "That request was not valid."
    ImportState.close_dialog.fn(state)
    assert (state.dialog_open, invoice_count(session), kept(upload_dir)) == (False, 0, [])


def test_only_the_valid_rows_are_written_when_chosen(session: Session, tenants) -> None:
    state = opened(session)
    upload(state, "invoices_with_errors.csv", (DATA / "invoices_with_errors.csv").read_bytes())
    check(state)
    write(state, "valid")
    assert (state.step, state.invoices_created) == ("done", "1")
    assert list(session.exec(select(Invoice.number))) == ["INV-1"]


def test_a_viewer_gets_no_dialog_and_cannot_upload_check_or_write(session: Session, tenants, upload_dir) -> None:
    state = state_for(ImportState, token=token_of(session, "viewer@example.com"), path="/invoices")
    refusal = ImportState.open_dialog.fn(state)
    assert refusal is not None
    assert not state.dialog_open
    upload(state, "invoices_pt_BR.csv", (DATA / "invoices_pt_BR.csv").read_bytes())
    assert (state.step, state.columns, kept(upload_dir)) == ("choose", [], [])
    check(state)
    write(state, "all")
    assert invoice_count(session) == 0


def test_a_viewer_cannot_go_on_with_an_owners_upload(session: Session, tenants) -> None:
    state = opened(session)
    upload(state, "invoices_pt_BR.csv", (DATA / "invoices_pt_BR.csv").read_bytes())
    as_member(state, session, "viewer@example.com")
    check(state)
    assert state.step == "map"
    assert state.error != ""


def test_another_organizations_member_cannot_touch_the_upload(session: Session, tenants, upload_dir) -> None:
    state = opened(session)
    upload(state, "invoices_pt_BR.csv", (DATA / "invoices_pt_BR.csv").read_bytes())
    as_member(state, session, "beta@example.com")  # the owner of Beta, in this tab
    before = mapping_of(state)
    ImportState.choose_field.fn(state, "0", "ignore")
    assert mapping_of(state) == before
    check(state)
    assert (state.step, state.error) == ("map", "That request was not valid.")
    assert "not valid" in toast_text(ImportState.download_problems.fn(state))
    state.step = "review"  # even with the review step forced, Beta writes nothing
    state.has_valid = True
    write(state, "all")
    assert invoice_count(session) == 0
    as_member(state, session, "alpha@example.com")  # the uploader goes on
    state.step = "map"
    check(state)
    assert state.step == "review"


@pytest.mark.parametrize(
    ("index", "field"),
    [("0", "password"), ("0", ""), ("99", "name"), ("-1", "name"), ("x", "name"), ("0", "org_id")],
)
def test_a_forged_mapping_is_refused(session: Session, tenants, index: str, field: str) -> None:
    state = opened(session)
    upload(state, "invoices_pt_BR.csv", (DATA / "invoices_pt_BR.csv").read_bytes())
    before = mapping_of(state)
    assert "not valid" in toast_text(ImportState.choose_field.fn(state, index, field))
    assert mapping_of(state) == before


def test_choosing_a_field_moves_it_and_a_missing_one_stops_the_check(session: Session, tenants) -> None:
    state = opened(session)
    upload(state, "invoices_pt_BR.csv", (DATA / "invoices_pt_BR.csv").read_bytes())
    email = next(c["index"] for c in state.columns if c["header"] == "E-mail")
    ImportState.choose_field.fn(state, email, "phone")  # the phone's field moves to E-mail
    assert mapping_of(state)["E-mail"] == "phone"
    assert mapping_of(state)["Telefone"] == "ignore"
    ImportState.choose_field.fn(state, email, "ignore")
    assert state.missing == "Phone (WhatsApp)"
    check(state)
    assert (state.step, state.error) == ("map", "Choose a column for: Phone (WhatsApp).")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "it is empty"),
        ("garbage.csv", bytes(range(256)) * 4, "is not text in UTF-8 or Windows-1252"),
        ("report.pdf", b"%PDF-1.4", "use a .csv or .xlsx file"),
        ("broken.xlsx", b"PK\x03\x04 not a workbook", "not a valid Excel workbook"),
        ("headers.csv", b"nome,telefone,fatura,valor,vencimento\n\n", "no rows below its headers"),
        ("quote.csv", b'nome,telefone,fatura,valor,vencimento\nAna,"' + b"x" * 40_000, "more than 32767 characters"),
    ],
)
def test_a_bad_file_is_refused_beside_the_upload_and_nothing_is_kept(
    session: Session, tenants, upload_dir, name: str, content: bytes, message: str
) -> None:
    state = opened(session)
    upload(state, name, content)
    if state.step == "map":  # read as a table: refused when checked as a whole
        check(state)
        assert state.step == "map"
    else:
        assert (state.step, kept(upload_dir)) == ("choose", [])
    assert message in state.error
    assert invoice_count(session) == 0


def test_a_file_past_the_size_limit_is_refused(session: Session, tenants, upload_dir, monkeypatch) -> None:
    monkeypatch.setattr(import_state.core_imports, "MAX_FILE_BYTES", 1024 * 1024)
    state = opened(session)
    upload(state, "big.csv", b"name,phone\n" + b"x" * (1024 * 1024))
    assert "larger than 1 MB" in state.error
    assert (state.step, kept(upload_dir)) == ("choose", [])
    ImportState.rejected.fn(state, [{"file": {"name": "huge.csv"}, "errors": [{"code": "file-too-large"}]}])
    assert "larger than 1 MB" in state.error


def test_formulas_and_markup_are_bad_rows_shown_as_text(session: Session, tenants) -> None:
    content = (
        b"nome,telefone,fatura,valor,vencimento\n"
        b'"=HYPERLINK(""http://evil"",""x"")",(11) 98765-4321,F-1,10,05/12/2026\n'
        b"<script>alert(1)</script>,(11) 98765-4322,=1+1,10,05/12/2026\n"
    )
    state = opened(session)
    upload(state, "<img src=x onerror=alert(1)>.csv", content)
    assert state.file_name == "<img src=x onerror=alert(1)>.csv"  # text, which the page shows escaped
    check(state)
    problems = {(p["row"], p["column"]): p for p in state.problems}
    assert "is a formula" in problems[("2", "nome")]["reason"]
    assert "is a formula" in problems[("3", "fatura")]["reason"]
    assert problems[("3", "fatura")]["value"] == "=1+1"
    _, rows = downloaded(state)
    assert rows[-1][:3] == ["3", "fatura", "'=1+1"]  # a formula in the download stays text in a spreadsheet
    ImportState.close_dialog.fn(state)
    assert invoice_count(session) == 0


def test_problems_are_said_in_the_readers_language(session: Session, tenants) -> None:
    state = opened(session)
    state.locale = "it"
    upload(state, "invoices_with_errors.csv", (DATA / "invoices_with_errors.csv").read_bytes())
    check(state)
    problems = {(p["row"], p["column"]): p["reason"] for p in state.problems}
    assert problems[("4", "currency")] == "valuta sconosciuta 'EUROS'"
    assert problems[("7", "invoice")] == "la fattura INV-1 è anche alla riga 2"
    assert state.import_valid_label == "Importa l'unica riga valida"
    _, rows = downloaded(state)
    assert rows[0] == ["Riga", "Colonna", "Valore", "Motivo"]
