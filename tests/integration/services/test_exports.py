"""The CSV export opens in a spreadsheet as text: a debtor's name never runs as a formula."""

import csv
import io
from datetime import date

import pytest
from sqlmodel import Session

from saas_app.services import debtors, exports, invoices
from tests.factories import add_member, sign_up


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.example","Pay")', "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "\t=1+1", "\r=1+1"],
)
def test_a_name_that_looks_like_a_formula_is_exported_as_text(session: Session, name: str) -> None:
    _, ctx = sign_up(session)
    debtor = debtors.create_debtor(session, ctx, debtors.DebtorInput(name=name, phone="+393331234567"))
    invoices.create_invoice(
        session,
        ctx,
        invoices.InvoiceInput(
            debtor_id=debtor.id or 0, number="-1", amount_minor=500, currency="EUR", due_on=date(2026, 12, 1)
        ),
    )
    out = io.StringIO()
    assert exports.export_invoices(session, add_member(session, ctx, "viewer"), out) == 1
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    fields = dict(zip(header, row, strict=True))
    assert fields["name"] == "'" + debtor.name
    # Numbers and phone numbers that start with a sign stay as they are: they run nothing.
    assert (fields["invoice"], fields["phone"]) == ("-1", "+393331234567")
