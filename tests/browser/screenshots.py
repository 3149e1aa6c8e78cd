"""`make screenshots`: every page of a running Cobro, signed in as the demo owner, saved as PNG.

    python -m tests.browser.screenshots --url http://localhost:3000 --out docs/screenshots

Each page is taken at 1280 px wide in English and in Italian (the longest labels), and at 390 px
(a phone) in English, so that what a person sees can be compared before and after a change.
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from saas_app.i18n import SUPPORTED
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

DEMO_EMAIL = "demo@cobro.local"
DEMO_PASSWORD = "demo-password-2026"
PAGES = [
    "/dashboard",
    "/debtors",
    "/invoices",
    "/templates",
    "/cadences",
    "/campaigns",
    "/campaigns/1",
    "/inbox",
    "/settings",
    "/settings/organization",
    "/settings/whatsapp",
    "/settings/api-keys",
    "/settings/payments",
    "/settings/webhooks",
]
VIEWS = [("en", 1280), ("it", 1280), ("en", 390)]


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


def take(url: str, out: Path, pages: list[str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for language, width in VIEWS:
            context = browser.new_context(base_url=url, viewport={"width": width, "height": 900})
            page = context.new_page()
            _log_in(page)
            _choose_language(page, language)
            for path in pages:
                page.goto(path)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(800)  # the page's on_load has filled it
                target = out / _name(path, language, width)
                page.screenshot(path=str(target), full_page=True)
                saved.append(target)
            context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:3000")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--page", action="append", help="only these paths (repeatable)")
    args = parser.parse_args()
    for path in take(args.url, args.out, args.page or PAGES):
        print(path)


if __name__ == "__main__":
    main()
