"""A Brazilian business imports its invoices from the Invoices page: upload, columns mapped, checked, written;
reads what is owed in reais on the dashboard, records a partial payment and sees it in the debtor's file; then a
file with bad rows is reviewed row by row and cancelled, writing nothing (issue 18's done-when)."""

import re
import uuid

from playwright.sync_api import Page, expect

from saas_app.core.money import format_money
from tests import DATA


def reais(minor: int) -> str:
    return format_money(minor, "BRL", "en")


def sign_up_in_brazil(page: Page, suffix: str) -> None:
    page.goto("/signup")
    page.fill("#name", "Dona Maria")
    page.fill("#email", f"maria-{suffix}@example.com.br")
    page.fill("#password", "a long enough password")
    page.fill("#org_name", f"Fibra Rápida {suffix}")
    page.select_option("#country", "BR")
    page.click("#first_party")
    page.click("#signup-submit")
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))


def choose_file(page: Page, name: str) -> None:
    page.click("#import-open")
    expect(page.locator("#import-dialog")).to_be_visible()
    page.locator("#import-dialog input[type=file]").set_input_files(str(DATA / name))


def mapped_as(page: Page, header: str) -> str:
    row = page.locator(".import-mapping-row").filter(has=page.get_by_text(header, exact=True))
    return row.locator("button[role=combobox]").inner_text()


def test_a_brazilian_business_imports_its_invoices_is_paid_in_part_and_refuses_a_bad_file(new_page) -> None:
    page = new_page()
    sign_up_in_brazil(page, uuid.uuid4().hex[:6])
    page.goto("/invoices")

    choose_file(page, "invoices_pt_BR.csv")
    expect(page.locator("#import-file-name")).to_have_text("invoices_pt_BR.csv")
    expect(page.locator(".import-mapping-row")).to_have_count(11)
    assert mapped_as(page, "Nome") == "Debtor name"
    assert mapped_as(page, "Vencimento") == "Due date"
    assert mapped_as(page, "Fatura") == "Invoice number"
    page.click("#import-check")
    expect(page.locator("#import-total")).to_have_text("10")
    expect(page.locator("#import-bad")).to_have_text("0")
    expect(page.locator("#import-valid-rows")).to_have_count(0)  # no bad row: only "Import all"
    page.click("#import-all")
    expect(page.locator("#import-done")).to_be_visible()
    expect(page.locator("#import-invoices-created")).to_have_text("10")
    expect(page.locator("#import-debtors-created")).to_have_text("9")
    page.click("#import-close")
    expect(page.locator("#import-dialog")).to_have_count(0)
    expect(page.locator("#page-label")).to_contain_text("10")
    expect(page.get_by_text(re.compile(r"R\$\s?199\.90")).first).to_be_visible()

    page.goto("/dashboard")  # the ten invoices' R$ 6,429.40, in the organization's currency
    expect(page.locator("#outstanding")).to_have_text(reais(642_940))
    expect(page.locator("#figures")).to_contain_text("10 invoices still owed")

    page.goto("/invoices")  # R$ 490.00 of Fábio's R$ 2,490.00 comes in
    fabio = page.locator(".invoice-row").filter(has_text="NF-1006")
    fabio.locator(".row-actions").click()
    page.locator(".action-pay").click()
    page.fill("#amount", "490")
    page.click("#dialog-confirm")
    expect(page.locator("#invoice-dialog")).to_have_count(0)
    expect(fabio.locator(".invoice-outstanding")).to_have_text(reais(200_000))
    expect(fabio.locator(".invoice-status")).to_have_text("Partly paid")

    page.goto("/debtors")
    page.locator(".debtor-row").get_by_role("link", name="Fábio Nunes").click()
    expect(page.locator("#file-outstanding")).to_contain_text(reais(200_000))
    expect(page.locator("#timeline .event-title").first).to_have_text(f"Payment of {reais(49_000)} on invoice NF-1006")
    page.goto("/dashboard")
    expect(page.locator("#outstanding")).to_have_text(reais(593_940))
    expect(page.locator("#recovered")).to_have_text(reais(49_000))

    page.goto("/invoices")

    choose_file(page, "invoices_with_errors.csv")
    page.click("#import-check")
    expect(page.locator("#import-bad")).to_have_text("6")
    problems = page.locator(".import-problem")
    expect(problems).to_have_count(7)  # row 8 has two: no name, and "maybe" for consent
    expect(problems.filter(has_text="EUROS")).to_contain_text("unknown currency 'EUROS'")
    expect(page.locator("#import-all")).to_have_count(0)
    expect(page.locator("#import-valid-rows")).to_have_text("Import the 1 valid row")
    with page.expect_download() as download:
        page.click("#import-download")
    assert download.value.suggested_filename == "invoices_with_errors-problems.csv"
    page.click("#import-cancel")
    expect(page.locator("#import-dialog")).to_have_count(0)
    page.reload()
    expect(page.locator("#page-label")).to_contain_text("of 10")
    expect(page.get_by_text("INV-1", exact=True)).to_have_count(0)
