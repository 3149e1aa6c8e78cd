"""Every UI message is translated in every language, with its placeholders intact."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from saas_app.i18n import SUPPORTED, gettext

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [lang for lang in SUPPORTED if lang != "en"]


def catalog(lang: str):
    with (ROOT / f"locales/{lang}/LC_MESSAGES/messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def test_the_template_lists_every_message_in_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "t",
            "-k",
            "N_",
            "--no-location",
            "--sort-output",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with fresh.open("rb") as f:
        in_code = {m.id for m in read_po(f) if m.id}
    with (ROOT / "locales/messages.pot").open("rb") as f:
        committed = {m.id for m in read_po(f) if m.id}
    assert in_code == committed, "run `make i18n-extract` and translate the new messages"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders(lang: str) -> None:
    with (ROOT / "locales/messages.pot").open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    translated = {m.id: m.string for m in catalog(lang) if m.id and m.string and not m.fuzzy}
    assert wanted - set(translated) == set()
    for message, text in translated.items():
        assert set(re.findall(r"\{\w+\}", message)) == set(re.findall(r"\{\w+\}", text)), message


def test_the_compiled_catalogs_are_used() -> None:
    assert gettext("it", "Debtors") == "Debitori"
    assert gettext("pt", "Too many failed attempts. Try again in {minutes} minutes.", minutes=5) == (
        "Muitas tentativas sem sucesso. Tente de novo em 5 minutos."
    )
    assert gettext("de", "Debtors") == "Debtors", "an unsupported language falls back to English"
