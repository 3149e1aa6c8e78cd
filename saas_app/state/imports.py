"""Importing a spreadsheet from the Debtors or Invoices page: upload, map the columns, check, review, write.

The file stays on the server, in a temporary file only this dialog knows (`_path`); the browser sees its
name, its columns and the report. Checking and writing run in background events, their database work in a
thread, so the page keeps answering and shows the figures as they grow. Every step re-checks the member:
the one who uploaded, in the organization they uploaded to, with a role that may collect.
"""

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypedDict, TypeVar

import reflex as rx
from babel.numbers import format_decimal

from saas_app import routes
from saas_app.core import imports as core_imports
from saas_app.core.imports import FIELDS, REQUIRED, FileError, RowError
from saas_app.core.roles import Action
from saas_app.core.text import neutralized
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.services import imports, timeline
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError
from saas_app.state.base import BadRequest, NotSignedIn, SessionState, guarded, parse_id, something_went_wrong

Result = TypeVar("Result")

UPLOAD_ID = "import-upload"
IGNORE = "ignore"  # a column read by no field
FIELD_LABELS: dict[str, str] = {
    "name": N_("Debtor name"),
    "phone": N_("Phone (WhatsApp)"),
    "email": N_("Email"),
    "locale": N_("Language"),
    "timezone": N_("Time zone"),
    "external_ref": N_("Customer ID"),
    "tags": N_("Tags"),
    "consent": N_("WhatsApp consent"),
    "invoice_number": N_("Invoice number"),
    "amount": N_("Amount"),
    "currency": N_("Currency"),
    "due_date": N_("Due date"),
    "issued_date": N_("Issue date"),
    "service": N_("Service"),
    "payment_link": N_("Payment link"),
    IGNORE: N_("Do not import"),
}
assert set(FIELD_LABELS) == {*FIELDS, IGNORE}
SHOWN_PROBLEMS = 100  # the review lists these; the download has every reported one
PUSH_EVERY = 0.4  # seconds between progress figures sent to the browser
STALE_AFTER = 24 * 3600  # an upload left behind by a closed tab is removed by the next upload after this
UPLOAD_DIR = Path(tempfile.gettempdir()) / "cobro-imports"
TOO_LARGE = N_("This file cannot be imported: it is larger than {limit} MB. Split it into smaller files.")
NOT_CSV_OR_XLSX = N_("This file cannot be imported: use a .csv or .xlsx file.")


class MappedColumn(TypedDict):
    index: str
    header: str
    field: str  # a key of FIELDS, or IGNORE


class Problem(TypedDict):
    row: str
    column: str
    value: str
    reason: str


@dataclass
class _Meter:
    """Figures the import's thread writes and the event loop reads: plain ints, replaced whole."""

    checked_rows: int = 0
    done: int = 0

    def checked(self, rows: int) -> None:
        self.checked_rows = rows

    def written(self, rows: int) -> None:
        self.done = rows


@dataclass(frozen=True)
class _Job:
    context: OrgContext
    path: str
    filename: str
    mapping: dict[str, str]


def _remove(path: str) -> None:
    if path:
        with contextlib.suppress(OSError):
            os.remove(path)


def _remove_stale_uploads(now: float) -> None:
    """Uploads whose dialog was never closed (the tab went away) do not pile up."""
    for path in UPLOAD_DIR.glob("upload-*"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > STALE_AFTER:
                path.unlink()


def _store(source: BinaryIO, suffix: str) -> str:
    """The upload copied to a temporary file of its own; refused past the size core.imports accepts."""
    UPLOAD_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    _remove_stale_uploads(time.time())
    handle, path = tempfile.mkstemp(prefix="upload-", suffix=suffix, dir=UPLOAD_DIR)
    size = 0
    with os.fdopen(handle, "wb") as out:
        while chunk := source.read(1024 * 1024):
            size += len(chunk)
            if size > core_imports.MAX_FILE_BYTES:
                break
            out.write(chunk)
    if size > core_imports.MAX_FILE_BYTES:
        _remove(path)
        raise ServiceError(TOO_LARGE, field="file", limit=core_imports.MAX_FILE_BYTES // (1024 * 1024))
    return path


def _suffix(filename: str) -> str:
    """The file's kind, from its name: all the importer reads it by. Anything else is refused."""
    suffix = Path(filename.lower()).suffix
    if suffix not in (".csv", ".xlsx"):
        raise ServiceError(NOT_CSV_OR_XLSX, field="file")
    return suffix


def _headers(path: str, filename: str) -> list[str]:
    """The file's column names, read from its first row; a file that cannot be read, or has no row below
    them, is refused at once (the check reads the rest)."""
    try:
        with open(path, "rb") as stream:
            table = core_imports.read_table(filename, stream)
            if next(table.rows, None) is None:
                raise ServiceError(imports.NO_ROWS, field="file")
            return table.headers
    except FileError as error:
        raise ServiceError(error.msgid, field="file", **error.params) from None


def _check_file(job: _Job, meter: _Meter) -> imports.ImportReport:
    """The check, in a thread of its own: it reads the whole file and the organization's invoice numbers."""
    with session_scope() as session, open(job.path, "rb") as stream:
        return imports.check_file(session, job.context, job.filename, stream, job.mapping, checked=meter.checked)


def _write_file(job: _Job, meter: _Meter, choice: str) -> imports.ImportReport:
    """The import, in a thread of its own: the file read once more, each batch checked again, then written."""
    with session_scope() as session, open(job.path, "rb") as stream:
        return imports.import_file(
            session,
            job.context,
            job.filename,
            stream,
            mapping=job.mapping,
            accept_valid_rows=choice == "valid",
            progress=meter.written,
        )


class ImportState(SessionState):
    """The import dialog, step by step: choose, map, checking, review, writing, done."""

    dialog_open: bool = False
    step: str = "choose"
    file_name: str = ""
    error: str = ""  # a refusal, beside the upload or above the step's buttons
    size_note: str = ""  # the largest file accepted, in the reader's words
    columns: list[MappedColumn] = []
    missing: str = ""  # the required fields no column is mapped to, named for the reader
    checked_label: str = ""
    total_rows: str = "0"
    valid_rows: str = "0"
    bad_rows: str = "0"
    has_bad: bool = False
    has_valid: bool = False
    import_all_label: str = ""  # "Import all 10 rows"
    import_valid_label: str = ""  # "Import the 9 valid rows"
    problems: list[Problem] = []
    problems_note: str = ""  # when the list shows fewer problems than the file has
    percent: int = 0
    written_label: str = ""
    debtors_created: str = "0"
    debtors_updated: str = "0"
    invoices_created: str = "0"

    _path: str = ""
    _filename: str = ""
    _uploader: tuple[int, int | None] = (0, None)  # (organization, user) of the upload: no one else may go on with it
    _mapping: dict[str, str] = {}
    _headers_by_index: dict[str, str] = {}  # the select's column index -> the file's header
    _problems: list[Problem] = []  # every reported problem, for the download
    _bad: int = 0
    _valid: int = 0

    @rx.var
    def can_import_all(self) -> bool:
        """Whether "Import all" is offered: every row is valid."""
        return self.step == "review" and not self.has_bad and self.has_valid

    @rx.var
    def can_import_valid(self) -> bool:
        """Whether "Import the valid rows" is offered: some are bad, some are good."""
        return self.step == "review" and self.has_bad and self.has_valid

    def _figure(self, number: int) -> str:
        return format_decimal(number, locale=self.locale)

    def _words(self, message: str, **params: object) -> str:
        return gettext(self.locale, message, **params)

    def _reset(self) -> None:
        """Back to an empty dialog; the upload, if any, is deleted."""
        _remove(self._path)
        self._path, self._filename, self._uploader, self._mapping = "", "", (0, None), {}
        self._headers_by_index = {}
        self._problems, self._bad, self._valid = [], 0, 0
        self.step, self.file_name, self.error, self.missing = "choose", "", "", ""
        self.size_note = self._words(N_("At most {limit} MB."), limit=core_imports.MAX_FILE_BYTES // (1024 * 1024))
        self.columns, self.problems, self.problems_note = [], [], ""
        self.checked_label = self.written_label = ""
        self.total_rows = self.valid_rows = self.bad_rows = "0"
        self.has_bad = self.has_valid = False
        self.import_all_label = self.import_valid_label = ""
        self.percent = 0
        self.debtors_created = self.debtors_updated = self.invoices_created = "0"

    def _uploaders_context(self) -> OrgContext:
        """The member going on with the upload: the one who made it, in the same organization, still allowed."""
        context = self._context(Action.COLLECT)
        if not self._path or self._uploader != (context.org_id, context.user_id):
            raise BadRequest
        return context

    @rx.event
    @guarded
    def open_dialog(self) -> None:
        """The page's Import button: an empty dialog, for members who may collect."""
        self._context(Action.COLLECT)
        if self.step in ("checking", "writing"):
            raise BadRequest
        self._reset()
        self.dialog_open = True

    @rx.event
    def close_dialog(self) -> None:
        """Cancel, Close or Escape: the upload is deleted; nothing is written. Not while a step is running."""
        self._close()

    @rx.event
    def dialog_changed(self, is_open: bool) -> None:
        """The dialog closed by Escape or a click beside it: as Cancel."""
        if not is_open:
            self._close()

    def _close(self) -> None:
        if self.step in ("checking", "writing"):
            return
        self._reset()
        self.dialog_open = False

    @rx.event
    async def upload(self, files: list[rx.UploadFile]) -> Any:
        """The chosen file: kept on the server, its columns read and matched to fields, or refused beside it."""
        return self._receive(files)

    @guarded
    def _receive(self, files: list[rx.UploadFile]) -> None:
        context = self._context(Action.COLLECT)
        if self.step in ("checking", "writing"):
            raise BadRequest
        self._reset()
        if len(files) != 1:
            self.error = self._words(N_("Choose one file."))
            return
        upload = files[0]
        filename = Path(upload.name or "").name[:200]
        self.file_name = neutralized(filename)
        try:
            path = _store(upload.file, _suffix(filename))
            try:
                headers = _headers(path, filename)
            except BaseException:
                _remove(path)
                raise
        except ServiceError as error:
            self.error = self._translate(error)
            return
        self._path, self._filename, self._uploader = path, filename, (context.org_id, context.user_id)
        suggested = core_imports.suggest_mapping(headers)
        by_header = {header: name for name, header in suggested.items()}
        self.columns = [
            MappedColumn(index=str(index), header=neutralized(header), field=by_header.get(header, IGNORE))
            for index, header in enumerate(headers)
            if header
        ]
        self._headers_by_index = {str(index): header for index, header in enumerate(headers) if header}
        self._mapping = dict(suggested)
        self._say_missing()
        self.step = "map"

    @rx.event
    def rejected(self, rejections: list[dict[str, Any]]) -> None:
        """The browser refused the file before sending it (too large, not CSV or XLSX): said beside the upload."""
        codes = {str(error.get("code", "")) for item in rejections[:5] for error in item.get("errors", [])[:5]}
        if "file-too-large" in codes:
            limit = core_imports.MAX_FILE_BYTES // (1024 * 1024)
            self.error = self._words(TOO_LARGE, limit=limit)
        elif "too-many-files" in codes:
            self.error = self._words(N_("Choose one file."))
        else:
            self.error = self._words(NOT_CSV_OR_XLSX)

    @rx.event
    @guarded
    def choose_field(self, index: str, name: str) -> None:
        """A column's select: the field it fills, or none; a field takes one column, so another loses it."""
        self._uploaders_context()
        if self.step != "map":
            raise BadRequest
        header = self._headers_by_index.get(str(parse_id(index)))
        if header is None or name not in FIELD_LABELS:
            raise BadRequest
        mapping = {field: column for field, column in self._mapping.items() if column != header and field != name}
        if name != IGNORE:
            mapping[name] = header
        self._mapping = mapping
        by_header = {column: field for field, column in mapping.items()}
        self.columns = [
            MappedColumn(
                index=c["index"], header=c["header"], field=by_header.get(self._headers_by_index[c["index"]], IGNORE)
            )
            for c in self.columns
        ]
        self._say_missing()

    def _say_missing(self) -> None:
        missing = [field for field in REQUIRED if field not in self._mapping]
        self.missing = ", ".join(self._words(FIELD_LABELS[field]) for field in missing)

    @rx.event(background=True)
    async def check(self) -> Any:
        """Check every row of the file, writing nothing; the rows checked so far are shown as it goes."""
        async with self:
            job = self._begin("map", "checking")
        if job is None:
            return None
        meter = _Meter()
        outcome = await self._in_thread(lambda: _check_file(job, meter), meter, self._show_checked)
        async with self:
            return self._after_check(outcome)

    @rx.event(background=True)
    async def write_all(self) -> Any:
        """ "Import all N rows", offered when none is bad, with a progress bar."""
        return await self._write_rows("all")

    @rx.event(background=True)
    async def write_valid(self) -> Any:
        """ "Import the N valid rows", offered when some are bad, with a progress bar."""
        return await self._write_rows("valid")

    async def _write_rows(self, choice: str) -> Any:
        async with self:
            job = self._begin("review", "writing", choice=choice)
        if job is None:
            return None
        meter = _Meter()
        outcome = await self._in_thread(lambda: _write_file(job, meter, choice), meter, self._show_written)
        async with self:
            return self._after_write(outcome)

    def _begin(self, expected: str, running: str, *, choice: str = "") -> _Job | None:
        """The step about to run, checked: the member, the dialog's step, and what the report allows."""
        self.error = ""
        try:
            context = self._uploaders_context()
            if self.step != expected:
                raise BadRequest
            if running == "checking" and self.missing:
                raise ServiceError(N_("Choose a column for: {fields}."), fields=self.missing)
            if choice and not (
                (choice == "all" and self.can_import_all) or (choice == "valid" and self.can_import_valid)
            ):
                raise BadRequest
        except ServiceError as error:
            self.error = self._translate(error)
            return None
        self.step, self.percent, self.checked_label, self.written_label = running, 0, "", ""
        return _Job(context, self._path, self._filename, dict(self._mapping))

    async def _in_thread(
        self, work: Callable[[], Result], meter: _Meter, show: Callable[[_Meter], None]
    ) -> Result | Exception:
        """Run `work` (database and file work) in a thread, showing `meter` every PUSH_EVERY seconds."""
        task = asyncio.get_running_loop().run_in_executor(None, work)
        while True:
            done, _ = await asyncio.wait({task}, timeout=PUSH_EVERY)
            async with self:
                show(meter)
            if done:
                break
        try:
            return task.result()
        except Exception as error:  # noqa: BLE001 - handed back, said by the step that ran it
            return error

    def _show_checked(self, meter: _Meter) -> None:
        self.checked_label = self._words(N_("{count} rows checked"), count=self._figure(meter.checked_rows))

    def _show_written(self, meter: _Meter) -> None:
        total = self._valid  # as the check counted them: the import writes as it reads, without counting first
        self.percent = min(100, meter.done * 100 // total) if total else 0
        self.written_label = self._words(
            N_("{done} of {total} rows written"), done=self._figure(meter.done), total=self._figure(total)
        )

    def _failed(self, outcome: Exception, back_to: str) -> Any:
        """A step that did not finish: refusals are said in the dialog, a lost session logs in again."""
        self.step = back_to
        if isinstance(outcome, NotSignedIn):
            self._reset()
            self.dialog_open = False
            return rx.redirect(routes.login_url(self._current_path()))
        if isinstance(outcome, ServiceError):
            self.error = self._translate(outcome)
            return None
        try:
            raise outcome
        except Exception:  # noqa: BLE001 - a bug: logged with a reference the person can quote
            return something_went_wrong(self, "ImportState")

    def _after_check(self, outcome: imports.ImportReport | Exception) -> Any:
        if isinstance(outcome, Exception):
            return self._failed(outcome, "map")
        self._show_report(outcome)
        return None

    def _after_write(self, outcome: imports.ImportReport | Exception) -> Any:
        if isinstance(outcome, Exception):
            return self._failed(outcome, "review")
        if not outcome.written:  # rows went bad since the check (another import took their numbers)
            self._show_report(outcome)
            self.error = self._words(N_("Nothing was written: some rows are no longer valid. Look at them again."))
            return None
        _remove(self._path)
        self._path = ""
        self.debtors_created = self._figure(outcome.debtors_created)
        self.debtors_updated = self._figure(outcome.debtors_updated)
        self.invoices_created = self._figure(outcome.invoices_created)
        self.percent, self.step = 100, "done"
        return None

    def _show_report(self, report: imports.ImportReport) -> None:
        self._bad, self._valid = report.bad_rows, report.valid_rows
        self.total_rows, self.valid_rows = self._figure(report.total_rows), self._figure(report.valid_rows)
        self.bad_rows = self._figure(report.bad_rows)
        self.has_bad, self.has_valid = report.bad_rows > 0, report.valid_rows > 0
        every = N_("Import the 1 row") if report.total_rows == 1 else N_("Import all {count} rows")
        valid = N_("Import the 1 valid row") if report.valid_rows == 1 else N_("Import the {count} valid rows")
        self.import_all_label = self._words(every, count=self.total_rows)
        self.import_valid_label = self._words(valid, count=self.valid_rows)
        self._problems = [self._problem(error) for error in report.errors]
        self.problems = self._problems[:SHOWN_PROBLEMS]
        self.problems_note = ""
        if report.problems > len(self.problems):
            self.problems_note = self._words(
                N_("The first {shown} of {count} problems are listed here; the download has {reported} of them."),
                shown=self._figure(len(self.problems)),
                count=self._figure(report.problems),
                reported=self._figure(len(self._problems)),
            )
        self.step = "review"

    def _problem(self, error: RowError) -> Problem:
        return Problem(
            row=self._figure(error.row),
            column=neutralized(error.column),
            value=neutralized(error.value),
            reason=gettext(self.locale, error.message, **error.params),
        )

    @rx.event
    @guarded
    def download_problems(self) -> Any:
        """The bad rows as CSV (row, column, value, reason), in the reader's language; cells never run as formulas."""
        self._uploaders_context()
        if self.step != "review":
            raise BadRequest
        header = [self._words(label) for label in (N_("Row"), N_("Column"), N_("Value"), N_("Reason"))]
        rows = [[p["row"], p["column"], p["value"], p["reason"]] for p in self._problems]
        stem = Path(self._filename).stem[:60] or "import"
        return rx.download(data=timeline.csv_text(header, rows), filename=f"{stem}-problems.csv", mime_type="text/csv")
