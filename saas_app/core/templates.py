"""Message templates: named placeholders, WhatsApp's rules, and rendering for people and for the Cloud API.

One definition gives both the text a person reads and the parameter list the Cloud API needs.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

PLACEHOLDERS = (
    "customer_name",
    "amount",
    "due_date",
    "invoice_number",
    "service",
    "payment_link",
    "payment_methods",
    "days_overdue",
    "company_name",
    "contact",
)

# WhatsApp's limits for template components (Cloud API message templates reference).
MAX_BODY = 1024
MAX_HEADER = 60
MAX_FOOTER = 60
MAX_BUTTONS = 3
MAX_BUTTON_TEXT = 25
MAX_PARAMETER = 1024

# The name is taken whole and stripped after: `\{\{\s*([^{}]*?)\s*\}\}` let the three parts share the spaces
# between braces every way, and an unclosed "{{" followed by a thousand spaces took half a second to scan.
_PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# Meta rejects parameter values with new lines, tabs or more than four spaces in a row.
_BAD_PARAMETER_SPACING = re.compile(r"[\n\t]| {5,}")


@dataclass(frozen=True)
class Problem:
    """One reason a template cannot be used, with the part and placeholder it concerns."""

    part: str
    message: str
    placeholder: str = ""


@dataclass(frozen=True)
class Variant:
    body: str
    header: str = ""
    footer: str = ""
    buttons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rendered:
    text: str
    # The Cloud API's body parameters, in placeholder order: [{"type": "text", "parameter_name", "text"}].
    parameters: list[dict[str, str]] = field(default_factory=list)
    header_parameters: list[dict[str, str]] = field(default_factory=list)


def placeholders_in(text: str) -> list[str]:
    """Placeholder names in order of first appearance."""
    return list(_placeholders(text))


# The worker renders a thousand reminders a second from a handful of variants: each text is read,
# and each variant checked, once (measured: a fifth of the worker's time claiming messages).
@lru_cache(maxsize=1024)
def _placeholders(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name.strip() for name in _PLACEHOLDER.findall(text)))


def _unbalanced_braces(text: str) -> bool:
    stripped = _PLACEHOLDER.sub("", text)
    return "{{" in stripped or "}}" in stripped


def check_variant(variant: Variant) -> list[Problem]:
    """Everything that would make WhatsApp reject the template, or a placeholder we cannot fill."""
    return list(_problems(variant))


@lru_cache(maxsize=1024)
def _problems(variant: Variant) -> tuple[Problem, ...]:
    problems: list[Problem] = []
    parts = {"body": variant.body, "header": variant.header, "footer": variant.footer}
    limits = {"body": MAX_BODY, "header": MAX_HEADER, "footer": MAX_FOOTER}
    if not variant.body.strip():
        problems.append(Problem("body", "the body is empty"))
    for part, text in parts.items():
        if len(text) > limits[part]:
            problems.append(Problem(part, f"{part} has {len(text)} characters; WhatsApp allows {limits[part]}"))
        if _unbalanced_braces(text):
            problems.append(Problem(part, "a placeholder is not closed: write {{name}}"))
        problems.extend(
            Problem(part, f"unknown placeholder {{{{{name}}}}}", name)
            for name in placeholders_in(text)
            if not _NAME.match(name) or name not in PLACEHOLDERS
        )
    if variant.footer and placeholders_in(variant.footer):
        problems.append(Problem("footer", "WhatsApp does not allow placeholders in the footer"))
    if len(placeholders_in(variant.header)) > 1:
        problems.append(Problem("header", "WhatsApp allows one placeholder in the header"))
    body = variant.body.strip()
    if body.startswith("{{") or body.endswith("}}"):
        problems.append(Problem("body", "WhatsApp rejects a body that starts or ends with a placeholder"))
    if re.search(r"\}\}\s*\{\{", body):
        problems.append(Problem("body", "two placeholders need words between them"))
    if len(variant.buttons) > MAX_BUTTONS:
        problems.append(Problem("buttons", f"at most {MAX_BUTTONS} quick-reply buttons"))
    problems.extend(
        Problem("buttons", f"button texts have 1 to {MAX_BUTTON_TEXT} characters")
        for text in variant.buttons
        if not text.strip() or len(text) > MAX_BUTTON_TEXT
    )
    return tuple(problems)


def missing_values(variant: Variant, values: dict[str, str]) -> list[str]:
    """The header and body placeholders without a value, each once, in the order the text uses them."""
    needed = _placeholders(variant.header) + _placeholders(variant.body)
    return [name for name in dict.fromkeys(needed) if not str(values.get(name, "")).strip()]


def _parameter_text(value: str) -> str:
    """Fit a value to WhatsApp's parameter rules without changing what it says."""
    text = _BAD_PARAMETER_SPACING.sub(" ", str(value)).strip()
    return text[:MAX_PARAMETER]


def _fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: _parameter_text(values[m.group(1).strip()]), text)


def _parameters(text: str, values: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"type": "text", "parameter_name": name, "text": _parameter_text(values[name])} for name in _placeholders(text)
    ]


class RenderError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def render(variant: Variant, values: dict[str, str]) -> Rendered:
    """The message as the debtor reads it, and the parameters the Cloud API sends with the template."""
    problems = check_variant(variant)
    problems += [Problem("body", f"no value for {{{{{name}}}}}", name) for name in missing_values(variant, values)]
    if problems:
        raise RenderError(problems)
    parts = [_fill(variant.header, values), _fill(variant.body, values), variant.footer]
    return Rendered(
        text="\n\n".join(part for part in parts if part.strip()),
        parameters=_parameters(variant.body, values),
        header_parameters=_parameters(variant.header, values),
    )


def example_values(variant: Variant, values: dict[str, str]) -> dict[str, list[str]]:
    """Example values Meta asks for when a template with named parameters is submitted."""
    return {
        part: [_parameter_text(values.get(name, name)) for name in placeholders_in(text)]
        for part, text in (("header", variant.header), ("body", variant.body))
    }
