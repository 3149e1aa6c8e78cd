"""`make screenshots`: every page of a running Cobro, signed in as the demo owner, saved as PNG, and the import
dialog's steps on a file with bad rows (cancelled, so the demo is unchanged).

    python -m tests.browser.screenshots --url http://localhost:3000 --out docs/screenshots

Each page is taken at 1280 px wide in English and in Italian (the longest labels), and at 390 px
(a phone) in English, the templates studio also in Portuguese, so that what a person sees can be
compared before and after a change.
"""

import argparse
import re
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

from saas_app.i18n import SUPPORTED
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, answers

DEMO_EMAIL = "demo@cobro.local"
DEMO_PASSWORD = "demo-password-2026"
PAGES = [
    "/dashboard",
    "/debtors",
    "/debtors/1",
    "/invoices",
    "/templates",
    "/templates/9",  # the demo's "1–30 days overdue — firm": the editor beside its bubble
    "/templates/9?view=all",  # every language side by side
    "/cadences",
    "/cadences/1",
    "/campaigns",
    "/campaigns/1",
    "/campaigns/new",
    "/inbox",
    "/settings",
    "/settings/organization",
    "/settings/whatsapp",
    "/settings/api-keys",
    "/settings/payments",
    "/settings/webhooks",
]
VIEWS = [("en", 1280), ("it", 1280), ("en", 390), ("pt", 1280)]
# Pages also taken in Portuguese (the studio, where a Brazilian team checks its messages, and its campaigns).
PORTUGUESE_PAGES = {"/templates", "/templates/9", "/templates/9?view=all", "/campaigns/1", "/campaigns/new"}
# The import dialog's steps, on a file with bad rows: chosen and mapped, then checked; cancelled, so nothing is written.
IMPORT_FILE = Path(__file__).parents[1] / "data" / "invoices_with_errors.csv"
IMPORT_VIEWS = {("en", 1280), ("it", 1280)}


def _name(path: str, language: str, width: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.strip("/")) or "landing"
    return f"{slug}.{language}.{width}.png"


def _log_in(page: Page) -> None:
    page.goto("/login")
    page.fill("#email", DEMO_EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/dashboard"))


def _choose_language(page: Page, language: str) -> None:
    page.click("#language-select")
    page.get_by_role("option").nth(SUPPORTED.index(language)).click()
    page.wait_for_timeout(500)


def wait_until_up(url: str, timeout: float = 300) -> None:
    """The app answers (it builds its frontend first when started)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(url):
            return
        time.sleep(1)
    raise SystemExit(f"{url} did not answer in {timeout:.0f} s")


def _settle(page: Page, path: str) -> None:
    """Wait for what the page shows once loaded; the Inbox waits (a while) for the demo's first replies."""
    page.wait_for_load_state("networkidle")
    if path == "/inbox":
        try:
            page.wait_for_selector(".conversation", timeout=60_000)
            page.locator(".conversation").first.click()
        except PlaywrightError:
            pass  # no reply yet: the empty Inbox is what a person would see
    page.wait_for_timeout(800)  # the page's on_load has filled it


def _import_steps(page: Page, out: Path, language: str, width: int) -> list[Path]:
    """The import dialog with its columns mapped, then with the file's bad rows listed; cancelled after."""
    page.goto("/invoices")
    _settle(page, "/invoices")
    page.click("#import-open")
    page.locator("#import-dialog input[type=file]").set_input_files(str(IMPORT_FILE))
    page.wait_for_selector(".import-mapping-row")
    steps = [out / _name("/import-1-columns", language, width)]
    page.screenshot(path=str(steps[0]), full_page=True)
    page.click("#import-check")
    page.wait_for_selector(".import-problem")
    steps.append(out / _name("/import-2-problems", language, width))
    page.screenshot(path=str(steps[1]), full_page=True)
    page.click("#import-cancel")
    return steps


def take(url: str, out: Path, pages: list[str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for language, width in VIEWS:
            context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            _log_in(page)
            _choose_language(page, language)  # from the sidebar, which a phone's width hides
            page.set_viewport_size({"width": width, "height": 900})
            for path in pages if language != "pt" else [p for p in pages if p in PORTUGUESE_PAGES]:
                page.goto(path)
                _settle(page, path)
                target = out / _name(path, language, width)
                page.screenshot(path=str(target), full_page=True)
                saved.append(target)
            if "/invoices" in pages and (language, width) in IMPORT_VIEWS:
                saved.extend(_import_steps(page, out, language, width))
            context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:3000")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--page", action="append", help="only these paths (repeatable)")
    args = parser.parse_args()
    wait_until_up(args.url)
    for path in take(args.url, args.out, args.page or PAGES):
        print(path)


if __name__ == "__main__":
    main()
