"""The built-in template library and standard cadence every organization starts with.

The texts live in one TOML file per language beside this module (`en.toml`, `it.toml`, ...), so a
translator edits words, not code. Every file has the same templates and tones; `check()` says
what a file lacks or what WhatsApp would refuse.
"""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from saas_app.core.languages import LANGUAGES
from saas_app.core.templates import Variant, check_variant, placeholders_in

TONES = ("friendly", "neutral", "firm")

# The reminders a cadence escalates through come in every tone; the rest in the one that suits them.
STAGES: dict[str, tuple[str, ...]] = {
    "pre_due_7": TONES,
    "due_today": TONES,
    "overdue_1_30": TONES,
    "overdue_31_90": TONES,
    "overdue_90_plus": TONES,
    "final_notice": ("firm",),
    "installment_offer": ("friendly",),
    "payment_thanks": ("friendly",),
    "objection_not_received": ("neutral",),
    "objection_already_paid": ("neutral",),
    "objection_due_far": ("neutral",),
    "objection_late_invoice": ("neutral",),
    "objection_cannot_pay": ("neutral",),
}
REMINDERS = ("pre_due_7", "due_today", "overdue_1_30", "overdue_31_90", "overdue_90_plus", "final_notice")

# What each message must say: who writes, how much, by when, how to pay, whom to ask.
_EVERYWHERE = {"company_name", "invoice_number", "contact"}
REQUIRED: dict[str, set[str]] = {stage: _EVERYWHERE | {"amount", "due_date", "payment_link"} for stage in STAGES}
REQUIRED["overdue_1_30"] |= {"days_overdue"}
REQUIRED["overdue_31_90"] |= {"days_overdue"}
REQUIRED["overdue_90_plus"] |= {"days_overdue"}
REQUIRED["payment_thanks"] = _EVERYWHERE
REQUIRED["objection_already_paid"] = _EVERYWHERE | {"amount"}
REQUIRED["objection_late_invoice"] = _EVERYWHERE | {"amount", "due_date"}
REQUIRED["installment_offer"] = _EVERYWHERE | {"amount"}
REQUIRED["objection_cannot_pay"] = _EVERYWHERE | {"amount"}

# Reminders carry quick replies in this order, so an answer's meaning does not depend on its language.
REPLY_BUTTONS = ("already_paid", "need_time", "stop")

# The standard cadence: (day offset from the due date, stage, tone).
STANDARD_CADENCE: tuple[tuple[int, str, str], ...] = (
    (-7, "pre_due_7", "friendly"),
    (0, "due_today", "neutral"),
    (3, "overdue_1_30", "friendly"),
    (14, "overdue_1_30", "neutral"),
    (28, "overdue_1_30", "firm"),
    (45, "overdue_31_90", "neutral"),
    (75, "overdue_31_90", "firm"),
    (95, "overdue_90_plus", "firm"),
    (120, "final_notice", "firm"),
)


CADENCE_NAMES = {
    "en": "Standard reminders",
    "it": "Promemoria standard",
    "es": "Recordatorios estándar",
    "pt_BR": "Lembretes padrão",
    "fr": "Relances standard",
}
CADENCE_DESCRIPTIONS = {
    "en": "A week before the due date, on the day, then escalating up to a final notice at 120 days.",
    "it": "Una settimana prima della scadenza, il giorno stesso, poi sempre più fermo"
    " fino al sollecito finale a 120 giorni.",
    "es": "Una semana antes del vencimiento, el mismo día y luego con más firmeza hasta el aviso final a los 120 días.",
    "pt_BR": "Uma semana antes do vencimento, no dia e depois com mais firmeza até o aviso final aos 120 dias.",
    "fr": "Une semaine avant l'échéance, le jour même, puis de plus en plus ferme"
    " jusqu'à la dernière relance à 120 jours.",
}


@dataclass(frozen=True)
class LibraryText:
    stage: str
    tone: str
    language: str
    name: str
    variant: Variant

    @property
    def key(self) -> str:
        """The text's name in the library: its stage and tone, such as `overdue_firm`."""
        return f"{self.stage}_{self.tone}"


def _path(language: str) -> Path:
    return Path(__file__).with_name(f"{language}.toml")


def _read(language: str) -> dict[str, dict[str, dict[str, object]]]:
    with _path(language).open("rb") as handle:
        return tomllib.load(handle)


def _text(stage: str, tone: str, language: str, entry: dict[str, object]) -> LibraryText:
    buttons = entry.get("buttons", [])
    return LibraryText(
        stage=stage,
        tone=tone,
        language=language,
        name=str(entry.get("name", "")),
        variant=Variant(
            body=str(entry.get("body", "")).strip(),
            header=str(entry.get("header", "")),
            footer=str(entry.get("footer", "")),
            buttons=tuple(str(b) for b in buttons) if isinstance(buttons, list) else (),
        ),
    )


def check(language: str) -> list[str]:
    """Everything wrong with one language's file; empty when it is complete and WhatsApp-valid."""
    try:
        data = _read(language)
    except (OSError, tomllib.TOMLDecodeError) as error:
        return [f"{language}: {error}"]
    problems: list[str] = []
    for stage, tones in STAGES.items():
        for tone in tones:
            entry = data.get(stage, {}).get(tone)
            where = f"{language} [{stage}.{tone}]"
            if not isinstance(entry, dict):
                problems.append(f"{where}: missing")
                continue
            text = _text(stage, tone, language, entry)
            if not text.name.strip() or len(text.name) > 120:
                problems.append(f"{where}: name must have 1 to 120 characters")
            problems += [f"{where} {p.part}: {p.message}" for p in check_variant(text.variant)]
            used = set(placeholders_in(text.variant.body)) | set(placeholders_in(text.variant.header))
            missing = REQUIRED[stage] - used
            if missing:
                problems.append(f"{where}: the body must use {', '.join(sorted(missing))}")
            wants_buttons = len(REPLY_BUTTONS) if stage in REMINDERS else 0
            if len(text.variant.buttons) != wants_buttons:
                problems.append(f"{where}: needs {wants_buttons} buttons ({', '.join(REPLY_BUTTONS)})")
    return problems


@cache
def texts(language: str) -> tuple[LibraryText, ...]:
    """Every library text in one language, in the order of STAGES."""
    data = _read(language)
    return tuple(_text(stage, tone, language, data[stage][tone]) for stage, tones in STAGES.items() for tone in tones)


def main(argv: list[str]) -> int:
    """Checks the library's texts in the given languages (all by default); exit status 1 if any has a problem."""
    problems = [p for language in (argv or LANGUAGES) for p in check(language)]
    print("\n".join(problems) or "library: no problems")  # noqa: T201 - a command-line check
    return 1 if problems else 0
