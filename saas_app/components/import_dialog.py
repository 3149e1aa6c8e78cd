"""The import dialog the Debtors and Invoices pages share: upload, map the columns, check, review, write.

Every name and value from the file is shown as text (Reflex escapes text children): a cell holding
markup or a script is read, never run.
"""

from typing import Any

import reflex as rx

from saas_app import styles
from saas_app.components.forms import form_error
from saas_app.components.stats import stat_card
from saas_app.components.table import Column, data_table, table_row
from saas_app.core.imports import MAX_FILE_BYTES
from saas_app.i18n import N_
from saas_app.state.base import SessionState, t
from saas_app.state.imports import FIELD_LABELS, UPLOAD_ID, ImportState, MappedColumn, Problem

ACCEPTED = {
    "text/csv": [".csv"],
    "application/vnd.ms-excel": [".csv"],  # what Windows calls a .csv
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
}
MAPPING_COLUMNS = [Column(N_("Column in the file")), Column(N_("Imported as"))]
PROBLEM_COLUMNS = [Column(N_("Row"), align="right"), Column(N_("Column")), Column(N_("Value")), Column(N_("Reason"))]


def import_button(id: str = "import-open") -> rx.Component:  # noqa: A002 - the element id, as Reflex names it
    """The page's Import action, for members who may collect (the server checks the role again)."""
    return rx.cond(
        SessionState.can_collect,
        rx.button(rx.icon("upload", size=16), t("Import"), on_click=ImportState.open_dialog, id=id),
    )


def _buttons(*buttons: rx.Component) -> rx.Component:
    return rx.flex(*buttons, justify="end", spacing="3", wrap="wrap", width="100%")


def _cancel(label: str = N_("Cancel")) -> rx.Component:
    return rx.button(
        t(label), variant="soft", color_scheme="gray", on_click=ImportState.close_dialog, id="import-cancel"
    )


def _file_line() -> rx.Component:
    return rx.hstack(
        rx.icon("file-spreadsheet", size=16, color=styles.MUTED),
        rx.text(ImportState.file_name, weight="medium", overflow_wrap="anywhere", id="import-file-name"),
        align="center",
        spacing="2",
    )


def _choose_step() -> rx.Component:
    return rx.vstack(
        rx.upload.root(
            rx.vstack(
                rx.icon("file-up", size=32, color=styles.FAINT),
                rx.text(t("Drop a CSV or Excel (.xlsx) file here"), weight="medium", text_align="center"),
                rx.button(t("Choose a file"), variant="soft", type="button"),
                align="center",
                spacing="2",
            ),
            id=UPLOAD_ID,
            accept=ACCEPTED,
            multiple=False,
            max_files=1,
            max_size=MAX_FILE_BYTES,
            on_drop=ImportState.upload(rx.upload_files(upload_id=UPLOAD_ID)),
            on_drop_rejected=ImportState.rejected,
            border="2px dashed var(--gray-6)",
            border_radius=styles.RADIUS,
            padding="2em 1em",
            width="100%",
            cursor="pointer",
        ),
        rx.text(
            t(
                "One row per invoice, with the debtor's name and phone, the invoice number, the amount and the "
                "due date. Headings in English, Italian, Spanish, Portuguese or French are recognised."
            ),
            " ",
            ImportState.size_note,
            size="2",
            color=styles.MUTED,
        ),
        form_error(ImportState.error),
        _buttons(_cancel()),
        spacing="4",
        width="100%",
    )


def _mapping_row(column: MappedColumn) -> rx.Component:
    return table_row(
        rx.table.row_header_cell(rx.text(column["header"], overflow_wrap="anywhere")),
        rx.table.cell(
            rx.select.root(
                rx.select.trigger(width="100%", aria_label=column["header"]),
                rx.select.content(*[rx.select.item(t(label), value=name) for name, label in FIELD_LABELS.items()]),
                value=column["field"],
                on_change=lambda name: ImportState.choose_field(column["index"], name),
            ),
            min_width="12rem",
        ),
        class_name="import-mapping-row",
    )


def _map_step() -> rx.Component:
    return rx.vstack(
        _file_line(),
        rx.text(
            t("Each column of the file, and what it fills. Columns set to “Do not import” are left out."),
            size="2",
            color=styles.MUTED,
        ),
        rx.box(data_table(MAPPING_COLUMNS, ImportState.columns, _mapping_row, id="import-mapping"), width="100%"),
        rx.cond(
            ImportState.missing != "",
            rx.callout(
                rx.text(t("Choose a column for each required field:"), " ", rx.text.strong(ImportState.missing)),
                icon="info",
                color_scheme="amber",
                width="100%",
                id="import-missing",
            ),
        ),
        form_error(ImportState.error),
        _buttons(
            _cancel(),
            rx.button(
                t("Check the file"),
                on_click=ImportState.check,
                disabled=ImportState.missing != "",
                id="import-check",
            ),
        ),
        spacing="4",
        width="100%",
    )


def _working(message: str, figure: Any, bar: rx.Component | None = None) -> rx.Component:
    parts: list[rx.Component] = [
        _file_line(),
        rx.hstack(rx.spinner(size="3"), rx.text(t(message)), align="center", spacing="3"),
    ]
    if bar is not None:
        parts.append(bar)
    parts.append(rx.text(figure, size="2", color=styles.MUTED, id="import-progress-label"))
    return rx.vstack(*parts, spacing="4", width="100%", padding_y="1em", id="import-working")


def _problem_row(problem: Problem) -> rx.Component:
    return table_row(
        rx.table.cell(problem["row"], text_align="right"),
        rx.table.cell(rx.text(problem["column"], overflow_wrap="anywhere")),
        rx.table.cell(rx.code(problem["value"], variant="ghost", overflow_wrap="anywhere")),
        rx.table.cell(rx.text(problem["reason"], overflow_wrap="anywhere")),
        class_name="import-problem",
    )


def _counts(*cards: rx.Component) -> rx.Component:
    return rx.grid(*cards, columns="3", spacing="3", width="100%")


def _review_step() -> rx.Component:
    state = ImportState
    return rx.vstack(
        _file_line(),
        _counts(
            stat_card(N_("Rows in the file"), state.total_rows, id="import-total"),
            stat_card(N_("Ready to import"), state.valid_rows, id="import-valid"),
            stat_card(N_("Rows with problems"), state.bad_rows, id="import-bad"),
        ),
        rx.cond(
            state.has_bad,
            rx.vstack(
                rx.hstack(
                    rx.heading(t("Problems to fix"), size="3"),
                    rx.spacer(),
                    rx.button(
                        rx.icon("download", size=14),
                        t("Download problems (CSV)"),
                        variant="soft",
                        size="2",
                        on_click=state.download_problems,
                        id="import-download",
                    ),
                    align="center",
                    width="100%",
                    wrap="wrap",
                ),
                rx.scroll_area(
                    data_table(PROBLEM_COLUMNS, state.problems, _problem_row, id="import-problems", size="1"),
                    type="auto",
                    scrollbars="both",
                    max_height="40vh",
                ),
                rx.cond(state.problems_note != "", rx.text(state.problems_note, size="2", color=styles.MUTED)),
                spacing="3",
                width="100%",
            ),
            rx.callout(t("Every row is valid."), icon="circle-check", color_scheme="green", width="100%"),
        ),
        rx.cond(
            ~state.has_valid,
            rx.text(t("No row can be imported: fix the file and choose it again."), color=styles.MUTED),
        ),
        form_error(state.error),
        _buttons(
            _cancel(N_("Cancel, import nothing")),
            rx.cond(
                state.has_bad,
                rx.button(t("Choose another file"), variant="soft", on_click=state.open_dialog, id="import-again"),
            ),
            rx.cond(
                state.can_import_all,
                rx.button(state.import_all_label, on_click=state.write_all, id="import-all"),
            ),
            rx.cond(
                state.can_import_valid,
                rx.button(state.import_valid_label, on_click=state.write_valid, id="import-valid-rows"),
            ),
        ),
        spacing="4",
        width="100%",
    )


def _done_step(reload: Any) -> rx.Component:
    state = ImportState
    return rx.vstack(
        rx.callout(t("Import finished."), icon="circle-check", color_scheme="green", width="100%", id="import-done"),
        _counts(
            stat_card(N_("Invoices created"), state.invoices_created, id="import-invoices-created"),
            stat_card(N_("New debtors"), state.debtors_created, id="import-debtors-created"),
            stat_card(N_("Debtors updated"), state.debtors_updated, id="import-debtors-updated"),
        ),
        _buttons(rx.button(t("Close"), on_click=[state.close_dialog, reload], id="import-close")),
        spacing="4",
        width="100%",
    )


def import_dialog(reload: Any) -> rx.Component:
    """The dialog the Import button opens; `reload` is the page's event that reads its list again after it."""
    state = ImportState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Import debtors and invoices")),
            rx.dialog.description(
                t("Nothing is written until the whole file is checked and you choose to import."),
                size="2",
                color=styles.MUTED,
                margin_bottom="1em",
            ),
            rx.match(
                state.step,
                ("map", _map_step()),
                ("checking", _working(N_("Checking every row; nothing is written yet."), state.checked_label)),
                ("review", _review_step()),
                (
                    "writing",
                    _working(
                        N_("Writing the rows."),
                        state.written_label,
                        rx.progress(value=state.percent, max=100, width="100%", id="import-progress"),
                    ),
                ),
                ("done", _done_step(reload)),
                _choose_step(),
            ),
            max_width="min(860px, 96vw)",
            id="import-dialog",
        ),
        open=state.dialog_open,
        on_open_change=[state.dialog_changed, reload],
    )
