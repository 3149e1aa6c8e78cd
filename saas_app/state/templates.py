"""Templates: the list at /templates, grouped by stage and filtered on the server, and its Duplicate.

Filters arrive as event arguments and are checked against what the page offers; template ids are
looked up in the member's own organization by the services, so another tenant's id is as missing
as none.
"""

import json
import re
from datetime import date, datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import httpx
import reflex as rx
from babel.dates import format_time
from babel.numbers import format_decimal
from sqlmodel import Session

from saas_app import routes
from saas_app.core.languages import LANGUAGES
from saas_app.core.library import STAGES, TONES
from saas_app.core.message_values import placeholder_values
from saas_app.core.roles import Action
from saas_app.core.templates import MAX_BUTTONS, PLACEHOLDERS, Problem, Variant
from saas_app.core.text import neutralized
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.models import Template, TemplateVariant
from saas_app.services import organizations, presence, templates
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound, ServiceError
from saas_app.services.presence import EditorKind, StaleSave
from saas_app.services.templates import STATUSES, TemplateFilters, TemplateSummary
from saas_app.state.base import BadRequest, SessionState, guarded, label, parse_id
from saas_app.state.chat import BubbleRow, bubble_row
from saas_app.state.debtors import language_label, org_today
from saas_app.state.editors import PRESENCE_SCRIPT, others_here, stale_text
from saas_app.state.settings.whatsapp import API_TIMEOUT

ANY = "all"  # a filter's value for "any": Radix selects refuse an empty value

# The list's groups, in the order a debt ages, and the stages each holds: the five objection
# replies are one group.
GROUPS: dict[str, tuple[str, ...]] = {
    "pre_due": ("pre_due_7",),
    "due_today": ("due_today",),
    "overdue_1_30": ("overdue_1_30",),
    "overdue_31_90": ("overdue_31_90",),
    "overdue_90_plus": ("overdue_90_plus",),
    "final_notice": ("final_notice",),
    "installment_offer": ("installment_offer",),
    "payment_thanks": ("payment_thanks",),
    "objections": tuple(stage for stage in STAGES if stage.startswith("objection_")),
}
GROUP_LABELS = {
    "pre_due": N_("Before the due date"),
    "due_today": N_("Due today"),
    "overdue_1_30": N_("1–30 days overdue"),
    "overdue_31_90": N_("31–90 days overdue"),
    "overdue_90_plus": N_("Over 90 days overdue"),
    "final_notice": N_("Final notice"),
    "installment_offer": N_("Instalment offer"),
    "payment_thanks": N_("Thanks for paying"),
    "objections": N_("Objection replies"),
}
OTHER_GROUP = "other"  # a template whose stage the library does not know
TONE_LABELS = {"friendly": N_("Friendly"), "neutral": N_("Neutral"), "firm": N_("Firm")}
# Meta's review of one language, as the chips and the editor say it.
STATUS_LABELS = {
    "draft": N_("Draft"),
    "pending": N_("Pending approval"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "paused": N_("Paused by Meta"),
    "disabled": N_("Disabled by Meta"),
}
# Why Meta refused a template, as its status webhook says it (`reason`), in the reader's words; a reason
# Meta adds later is shown as Meta wrote it.
REJECTION_REASONS = {
    "ABUSIVE_CONTENT": N_("Meta found the text abusive."),
    "INCORRECT_CATEGORY": N_("Meta found the text does not fit the Utility category: keep it about the invoice."),
    "INVALID_FORMAT": N_("Meta found the format invalid: check the placeholders and the header."),
    "PROMOTIONAL": N_("Meta found the text promotional: a reminder may only speak of the debtor's invoice."),
    "SCAM": N_("Meta took the text for a scam."),
    "TAG_CONTENT_MISMATCH": N_("Meta found the text does not match the language or category it was submitted in."),
}
assert {stage for stages in GROUPS.values() for stage in stages} == set(STAGES)
assert set(TONE_LABELS) == set(TONES)
assert set(STATUS_LABELS) == set(STATUSES)


class Choice(TypedDict):
    value: str
    label: str


class LanguageChip(TypedDict):
    language: str
    code: str  # short, for the chip: EN, PT-BR
    name: str  # the language named in the reader's language
    status: str
    status_label: str


class TemplateRow(TypedDict):
    template_id: str
    name: str
    tone: str
    tone_label: str
    built_in: bool
    languages: list[LanguageChip]
    cadences: str
    excerpt: str  # the start of the body in the reader's language (or English), to recognise it


class GroupRow(TypedDict):
    group: str
    label: str
    templates: list[TemplateRow]


def group_of(stage: str) -> str:
    """The list's group for a template's stage."""
    return next((group for group, stages in GROUPS.items() if stage in stages), OTHER_GROUP)


def chip(language: str, status: str, locale: str) -> LanguageChip:
    """One language of a template, coloured by Meta's status."""
    return LanguageChip(
        language=language,
        code=language.replace("_", "-").upper(),
        name=language_label(language, locale),
        status=status,
        status_label=label(STATUS_LABELS, status, locale),
    )


def _excerpt(summary: TemplateSummary, locale: str) -> str:
    by_language = {row.language: row for row in summary.variants}
    reader = next((lang for lang in LANGUAGES if lang.split("_")[0] == locale), "en")
    row = by_language.get(reader) or by_language.get("en") or (summary.variants[0] if summary.variants else None)
    text = " ".join(row.body.split()) if row else ""
    return neutralized(text[:140] + ("…" if len(text) > 140 else ""))


def template_row(summary: TemplateSummary, locale: str) -> TemplateRow:
    """A template as the list shows it."""
    template = summary.template
    return TemplateRow(
        template_id=str(template.id),
        name=neutralized(template.name),
        tone=template.tone,
        tone_label=label(TONE_LABELS, template.tone, locale),
        built_in=template.built_in,
        languages=[chip(row.language, row.status, locale) for row in summary.variants],
        cadences=neutralized(", ".join(summary.cadences)),
        excerpt=_excerpt(summary, locale),
    )


def grouped(found: list[TemplateSummary], locale: str) -> list[GroupRow]:
    """The templates in their groups, in the groups' order; empty groups are left out."""
    order = [*GROUPS, OTHER_GROUP]
    rows: dict[str, list[TemplateRow]] = {group: [] for group in order}
    for summary in found:
        rows[group_of(summary.template.purpose)].append(template_row(summary, locale))
    return [
        GroupRow(
            group=group,
            label=label(GROUP_LABELS, group, locale) if group in GROUP_LABELS else "",
            templates=rows[group],
        )
        for group in order
        if rows[group]
    ]


def copy_name(name: str, locale: str) -> str:
    """The name of a duplicate: "Overdue, firm (copy)" in the reader's language."""
    return gettext(locale, N_("{name} (copy)"), name=name)


class TemplatesState(SessionState):
    """The list of templates. The browser holds the groups shown and the filters; nothing else."""

    groups: list[GroupRow] = []
    shown: int = 0
    any_template: bool = False  # the organization has templates, whatever the filters show
    error: str = ""

    group: str = ANY
    tone: str = ANY
    language: str = ANY
    status: str = ANY
    search: str = ""
    typed_filters: int = 0  # bumped when the search box must show a new value (it is not bound)

    @rx.var
    def filtering(self) -> bool:
        """Whether any filter narrows the list, so an empty list offers to clear them."""
        return any(value != ANY for value in (self.group, self.tone, self.language, self.status)) or bool(self.search)

    def _filters(self) -> TemplateFilters:
        def picked(value: str) -> str:
            return "" if value == ANY else value

        return TemplateFilters(
            stages=GROUPS.get(self.group, ()),
            tone=picked(self.tone),
            language=picked(self.language),
            status=picked(self.status),
            search=self.search,
        )

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            found = templates.summaries(session, context, self._filters())
            self.any_template = bool(found) or (self.filtering and bool(templates.summaries(session, context)))
        self.groups = grouped(found, self.locale)
        self.shown = len(found)

    @rx.var
    def group_choices(self) -> list[Choice]:
        """The stage filter's options, in the reader's language."""
        return [Choice(value=g, label=gettext(self.locale, text)) for g, text in GROUP_LABELS.items()]

    @rx.var
    def tone_choices(self) -> list[Choice]:
        """The tone filter's options."""
        return [Choice(value=v, label=gettext(self.locale, text)) for v, text in TONE_LABELS.items()]

    @rx.var
    def language_choices(self) -> list[Choice]:
        """The language filter's options: the languages Cobro writes templates in."""
        return [Choice(value=code, label=language_label(code, self.locale)) for code in LANGUAGES]

    @rx.var
    def status_choices(self) -> list[Choice]:
        """The status filter's options: Meta's review, as the chips say it."""
        return [Choice(value=v, label=gettext(self.locale, text)) for v, text in STATUS_LABELS.items()]

    @rx.event
    def load(self) -> Any:
        """Opening the list: every template of the organization, filters as they were left in this tab."""
        self.groups, self.shown = [], 0
        redirect, self.error = self._open_page(self._refresh)
        return redirect

    @rx.event
    @guarded
    def set_filter(self, name: str, value: str) -> None:
        """A filter menu changed; a menu or a value the page does not offer is refused."""
        offered = {
            "group": [ANY, *GROUPS],
            "tone": [ANY, *TONES],
            "language": [ANY, *LANGUAGES],
            "status": [ANY, *STATUSES],
        }
        if name not in offered or not isinstance(value, str) or value not in offered[name]:
            raise BadRequest
        setattr(self, name, value)
        self._refresh()

    @rx.event
    @guarded
    def apply_search(self, form: dict[str, Any]) -> None:
        """The search box, on Enter: a word of the name or of the text in any language."""
        self.search = str(form.get("search", "")).strip()[:100]
        self._refresh()

    @rx.event
    @guarded
    def clear_filters(self) -> None:
        """Every filter off: the whole list again."""
        self.group = self.tone = self.language = self.status = ANY
        self.search = ""
        self.typed_filters += 1
        self._refresh()

    @rx.event
    @guarded
    def duplicate(self, template_id: str) -> Any:
        """Duplicate: an editable copy "<name> (copy)", opened in the editor."""
        original = parse_id(template_id)
        context = self._context(Action.COLLECT)
        with session_scope() as session:
            name = templates.get_template(session, context, original).name
            copy: Template = templates.duplicate_template(session, context, original, copy_name(name, self.locale))
            copy_id = copy.id
        return [
            rx.redirect(routes.template_url(copy_id or 0)),
            self._saved(N_("Copy made: edit it, then submit it for approval.")),
        ]


# What check_variant and render say (in English, for logs and the API), in the reader's words.
PROBLEM_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^the body is empty$"), N_("Write the message.")),
    (
        re.compile(r"^(?P<part>\w+) has (?P<count>\d+) characters; WhatsApp allows (?P<limit>\d+)$"),
        N_("{count} characters: WhatsApp allows {limit}."),
    ),
    (
        re.compile(r"^a placeholder is not closed(?P<example>)"),
        N_("A placeholder is not closed: write it as {example}."),
    ),
    (re.compile(r"^unknown placeholder (?P<name>.*)$"), N_("{name} is not a placeholder Cobro fills in.")),
    (re.compile(r"^WhatsApp does not allow placeholders in the footer$"), N_("WhatsApp allows no placeholder here.")),
    (re.compile(r"^WhatsApp allows one placeholder in the header$"), N_("WhatsApp allows one placeholder here.")),
    (
        re.compile(r"^WhatsApp rejects a body that starts or ends with a placeholder$"),
        N_("WhatsApp refuses a message that starts or ends with a placeholder: add words before or after it."),
    ),
    (re.compile(r"^two placeholders need words between them$"), N_("Two placeholders need words between them.")),
    (re.compile(r"^at most (?P<limit>\d+) quick-reply buttons$"), N_("At most {limit} quick-reply buttons.")),
    (
        re.compile(r"^button texts have 1 to (?P<limit>\d+) characters$"),
        N_("Each button has 1 to {limit} characters."),
    ),
    (re.compile(r"^no value for (?P<name>.*)$"), N_("Nothing to fill {name} with for this invoice.")),
]


def problem_text(problem: Problem, locale: str) -> str:
    """One reason WhatsApp would refuse the text, in the reader's words (the English one if it is new)."""
    for pattern, message in PROBLEM_MESSAGES:
        found = pattern.match(problem.message)
        if found:
            params = {k: v for k, v in found.groupdict().items() if k != "part"}
            if "example" in params:
                params["example"] = "{{name}}"
            if "count" in params:
                params["count"] = format_decimal(int(params["count"]), locale=locale)
            return gettext(locale, message, **params)
    return problem.message


def problems_by_part(problems: list[Problem], locale: str) -> dict[str, str]:
    """Each part's problems as one sentence or more, to show beside its field."""
    texts: dict[str, list[str]] = {part: [] for part in templates.PARTS}
    for problem in problems:
        texts.setdefault(problem.part, []).append(problem_text(problem, locale))
    return {part: " ".join(dict.fromkeys(lines)) for part, lines in texts.items()}


class Draft(TypedDict):
    """One language as the editor holds it: what is typed, and the version it started from."""

    header: str
    body: str
    footer: str
    buttons: list[str]
    version: int
    status: str
    reason: str
    whatsapp_name: str
    saved: list[str]  # header, body, footer and buttons as stored, to tell whether it changed


class TabRow(TypedDict):
    language: str
    name: str
    status: str
    status_label: str
    changed: bool
    invalid: bool


class SideRow(TypedDict):
    language: str
    name: str
    bubble: BubbleRow
    problems: str


def _saved_texts(header: str, body: str, footer: str, buttons: list[str]) -> list[str]:
    return [header, body, footer, "\n".join(buttons)]


def draft_of(row: TemplateVariant) -> Draft:
    """A stored variant as the editor starts from it."""
    return Draft(
        header=row.header,
        body=row.body,
        footer=row.footer,
        buttons=list(row.buttons),
        version=row.version,
        status=row.status,
        reason=row.rejection_reason,
        whatsapp_name=row.whatsapp_name,
        saved=_saved_texts(row.header, row.body, row.footer, list(row.buttons)),
    )


def variant_of(draft: Draft) -> Variant:
    """The typed text as the checks and rendering take it, placeholders without spaces."""
    return templates.tidied(
        Variant(body=draft["body"], header=draft["header"], footer=draft["footer"], buttons=tuple(draft["buttons"]))
    )


def changed(draft: Draft) -> bool:
    """Whether the typed text differs from the stored one."""
    return _saved_texts(draft["header"], draft["body"], draft["footer"], draft["buttons"]) != draft["saved"]


def bubble_of(draft: Draft, language: str, values: dict[str, str], time: str) -> tuple[BubbleRow, list[Problem]]:
    """The message as the debtor would see it, filled with `values`; unfilled, with the problems, when it
    cannot be sent as written."""
    variant = variant_of(draft)
    row = TemplateVariant(
        org_id=0,
        template_id=0,
        language=language,
        header=variant.header,
        body=variant.body,
        footer=variant.footer,
        buttons=list(variant.buttons),
    )
    shown = templates.preview({language: row}, language, values)
    if shown.rendered is None:
        unfilled = bubble_row(
            variant.body,
            header=variant.header,
            footer=variant.footer,
            buttons=list(variant.buttons),
            time=time,
            status="read",
        )
        return unfilled, shown.problems
    header, body, footer = split_rendered(variant, shown.rendered.text)
    return bubble_row(body, header=header, footer=footer, buttons=list(variant.buttons), time=time, status="read"), []


def split_rendered(variant: Variant, text: str) -> tuple[str, str, str]:
    """The rendered text (header, body and footer joined by blank lines) in its three parts again."""
    header = ""
    if variant.header.strip():
        header, _, text = text.partition("\n\n")
    footer = variant.footer
    if footer.strip() and text.endswith("\n\n" + footer):
        text = text[: -len(footer) - 2]
    return header, text, footer if footer.strip() else ""


def template_id_in(path: str) -> int:
    """The template's id in /templates/<id>; anything else is no template."""
    parts = path.strip("/").split("/")
    if len(parts) != 2 or not parts[1].isdigit() or len(parts[1]) > 18:
        raise NotFound(N_("This template does not exist."))
    return int(parts[1])


MAX_TYPED = 4000  # longer than any part WhatsApp allows, so the counter can say by how much
# Puts a placeholder where the cursor is in the field, as typing it would (React sees an input event);
# gives back the placeholder when the field is not on the page, and the server appends it instead.
INSERT_SCRIPT = """(() => {
  const field = document.getElementById(%s);
  const text = %s;
  if (!field) { return text; }
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? start;
  const value = field.value.slice(0, start) + text + field.value.slice(end);
  const proto = field.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, "value").set.call(field, value);
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.focus();
  field.setSelectionRange(start + text.length, start + text.length);
  return "";
})()"""


class TemplateEditorState(SessionState):
    """One template's editor. The typed texts live on the server (`_drafts`); every handler reads the template
    again from the path in the member's organization, and every change checks the role."""

    template_id: str = ""
    name: str = ""
    group_label: str = ""
    tone: str = ""
    tone_label: str = ""
    built_in: bool = False
    category: str = "UTILITY"
    tabs: list[TabRow] = []
    language: str = ""
    header: str = ""
    body: str = ""
    footer: str = ""
    buttons: list[str] = []
    typed_key: int = 0  # bumped when the fields must show what the server holds (tab change, reload)
    status: str = ""
    status_label: str = ""
    reason: str = ""
    whatsapp_name: str = ""
    problems: dict[str, str] = {}
    bubble: BubbleRow = bubble_row("")
    side_by_side: bool = False
    side: list[SideRow] = []
    addable: list[Choice] = []
    sample_label: str = ""
    invoice_choices: list[Choice] = []
    others: list[str] = []
    stale: str = ""
    error: str = ""
    _drafts: dict[str, Draft] = {}
    _invoice_id: int | None = None
    _focused: str = "body"
    _purpose: str = ""  # the template's stage: how late the sample invoice is

    @rx.var
    def dirty(self) -> bool:
        """Whether the open language has unsaved changes."""
        return any(tab["changed"] for tab in self.tabs if tab["language"] == self.language)

    @rx.var
    def needs_new_approval(self) -> bool:
        """Whether saving now would take back Meta's approval of the open language."""
        return self.status == "approved" and self.dirty

    def _template_id(self) -> int:
        return template_id_in(self._current_path())

    def _values(self, session: Session, context: OrgContext, language: str, today: date) -> dict[str, str]:
        if self._invoice_id is not None:
            facts = templates.invoice_facts(session, context, self._invoice_id)
        else:
            facts = templates.sample_facts(session, context, language, purpose=self._purpose, today=today)
        return placeholder_values(facts, today)

    def _refresh(self) -> None:
        """Read the template and its languages afresh; what is typed and not saved is kept."""
        context = self._context(Action.VIEW)
        template_id = self._template_id()
        with session_scope() as session:
            template = templates.get_template(session, context, template_id)
            stored = templates.variants_of(session, template.id or 0)
            self.others = others_here(session, context, EditorKind.TEMPLATE, template.id or 0)
        self.template_id, self.name = str(template.id), neutralized(template.name)
        self.group_label = label(GROUP_LABELS, group_of(template.purpose), self.locale)
        self.tone, self.tone_label = template.tone, label(TONE_LABELS, template.tone, self.locale)
        self.built_in, self.category, self._purpose = template.built_in, template.category, template.purpose
        ordered = sorted(stored.values(), key=lambda row: templates.language_order(row.language))
        self._drafts = {
            row.language: self._drafts[row.language]
            if row.language in self._drafts and self._drafts[row.language]["version"] == row.version
            else draft_of(row)
            for row in ordered
        }
        if self.language not in self._drafts:
            self.language = ordered[0].language if ordered else ""
        self.addable = [
            Choice(value=code, label=language_label(code, self.locale)) for code in LANGUAGES if code not in stored
        ]
        self._show_language()

    def _show_language(self) -> None:
        """The open language's fields, problems and bubble, the tabs, and side by side when it is on."""
        draft = self._drafts.get(self.language)
        if draft is None:
            return
        self.header, self.body, self.footer, self.buttons = (
            draft["header"],
            draft["body"],
            draft["footer"],
            list(draft["buttons"]),
        )
        self.status, self.whatsapp_name = draft["status"], draft["whatsapp_name"]
        self.reason = label(REJECTION_REASONS, draft["reason"], self.locale)
        self.status_label = label(STATUS_LABELS, draft["status"], self.locale)
        self._preview()

    def _preview(self) -> None:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            zone = ZoneInfo(organizations.settings_of(session, context).timezone)
            languages = list(self._drafts) if self.side_by_side else [self.language]
            today = org_today(zone)
            values = {language: self._values(session, context, language, today) for language in languages}
        time = format_time(datetime.now(zone), "short", locale=self.locale)  # the clock where the team works
        side: list[SideRow] = []
        invalid: dict[str, bool] = {}
        for language in languages:
            bubble, problems = bubble_of(self._drafts[language], language, values[language], time)
            invalid[language] = bool(problems)
            if language == self.language:
                self.bubble = bubble
                self.problems = problems_by_part(problems, self.locale)
            side.append(
                SideRow(
                    language=language,
                    name=language_label(language, self.locale),
                    bubble=bubble,
                    problems=" ".join(problem_text(p, self.locale) for p in problems),
                )
            )
        self.side = side
        self.tabs = [
            TabRow(
                language=language,
                name=language_label(language, self.locale),
                status=draft["status"],
                status_label=label(STATUS_LABELS, draft["status"], self.locale),
                changed=changed(draft),
                invalid=invalid.get(language, False),
            )
            for language, draft in self._drafts.items()
        ]

    @rx.event
    def load(self) -> Any:
        """Opening the editor: the template's languages, the first one open, its bubble filled for a sample."""
        self._drafts, self._invoice_id, self.language, self.stale, self.side_by_side = {}, None, "", "", False
        self.tabs, self.others = [], []
        redirect, self.error = self._open_page(self._refresh)
        self.typed_key += 1
        self.sample_label = gettext(self.locale, N_("Sample debtor in each language"))
        if redirect is not None or self.error:
            self.template_id = ""
            return redirect
        requested = self._query("language")
        if requested in self._drafts:
            self.language = requested
        # ?view=all opens every language side by side: a link a translator can be sent.
        self.side_by_side = self._query("view") == "all"
        self._show_language()
        return rx.call_script(PRESENCE_SCRIPT)

    @rx.event
    @guarded
    def heartbeat(self) -> None:
        """Every 20 seconds while the editor is open: still here; who else is."""
        context = self._context(Action.VIEW)
        with session_scope() as session:
            self.others = others_here(session, context, EditorKind.TEMPLATE, self._template_id())

    @rx.event
    @guarded
    def select_language(self, language: str) -> None:
        """A language tab: its texts in the fields (what was typed in the others is kept)."""
        self._template_id()
        if not isinstance(language, str) or language not in self._drafts:
            raise BadRequest
        self.language, self.stale = language, ""
        self.typed_key += 1
        self._show_language()

    @rx.event
    @guarded
    def edit(self, part: str, value: str) -> None:
        """A keystroke in the header, body or footer: checks and the bubble follow at once."""
        self._template_id()
        if part not in ("header", "body", "footer") or not isinstance(value, str) or self.language not in self._drafts:
            raise BadRequest
        self._drafts[self.language][part] = value[:MAX_TYPED]  # type: ignore[literal-required]
        setattr(self, part, value[:MAX_TYPED])
        self._preview()

    @rx.event
    @guarded
    def edit_button(self, index: int, value: str) -> None:
        """A quick-reply button's text typed."""
        self._template_id()
        draft = self._drafts.get(self.language)
        if draft is None or not isinstance(value, str) or not isinstance(index, int):
            raise BadRequest
        if not 0 <= index < len(draft["buttons"]):
            raise BadRequest
        draft["buttons"][index] = value[:100]
        self.buttons = list(draft["buttons"])
        self._preview()

    @rx.event
    @guarded
    def add_button(self) -> None:
        """Add a quick-reply button (WhatsApp allows three)."""
        self._template_id()
        draft = self._drafts.get(self.language)
        if draft is None or len(draft["buttons"]) >= MAX_BUTTONS:
            raise BadRequest
        draft["buttons"].append("")
        self._show_language()

    @rx.event
    @guarded
    def remove_button(self, index: int) -> None:
        """Take a quick-reply button away."""
        self._template_id()
        draft = self._drafts.get(self.language)
        if draft is None or not isinstance(index, int) or not 0 <= index < len(draft["buttons"]):
            raise BadRequest
        draft["buttons"].pop(index)
        self.typed_key += 1
        self._show_language()

    @rx.event
    def focus(self, part: str) -> None:
        """The header or the body got the cursor: the placeholder chips write there."""
        if part in ("header", "body"):
            self._focused = part

    @rx.event
    @guarded
    def insert(self, placeholder: str) -> Any:
        """A placeholder chip: `{{name}}` at the cursor in the header or body (a script in the page does it)."""
        self._template_id()
        if placeholder not in PLACEHOLDERS:
            raise BadRequest
        text = "{{" + placeholder + "}}"
        script = INSERT_SCRIPT % (json.dumps(f"template-{self._focused}"), json.dumps(text))
        return rx.call_script(script, callback=TemplateEditorState.insert_missed)

    @rx.event
    @guarded
    def insert_missed(self, text: str) -> None:
        """The page could not insert at the cursor (no field, or no script): the placeholder goes at the end."""
        if not isinstance(text, str) or not text:
            return
        if text.strip("{}") not in PLACEHOLDERS or text != "{{" + text.strip("{}") + "}}":
            raise BadRequest
        draft = self._drafts.get(self.language)
        if draft is None:
            return
        draft[self._focused] = (draft[self._focused] + " " + text)[:MAX_TYPED]  # type: ignore[literal-required]
        self.typed_key += 1
        self._show_language()

    @rx.event
    @guarded
    def set_side_by_side(self, on: bool) -> None:
        """The switch: every language's bubble side by side, each filled."""
        self._template_id()
        self.side_by_side = bool(on)
        self._preview()

    @rx.event
    @guarded
    def find_invoices(self, text: str) -> None:
        """The invoice picker's search: the organization's invoices by number or debtor."""
        if not isinstance(text, str):
            raise BadRequest
        context = self._context(Action.VIEW)
        with session_scope() as session:
            found = templates.find_invoices(session, context, text[:60])
        self.invoice_choices = [
            Choice(value=str(c.invoice_id), label=neutralized(f"{c.number} · {c.debtor}")) for c in found
        ]

    @rx.event
    @guarded
    def pick_invoice(self, invoice_id: str) -> None:
        """An invoice picked: every bubble filled for it, in its debtor's language and currency."""
        self._template_id()
        chosen = parse_id(invoice_id)
        context = self._context(Action.VIEW)
        with session_scope() as session:
            facts = templates.invoice_facts(session, context, chosen)
        self._invoice_id = chosen
        self.sample_label = gettext(
            self.locale, N_("Invoice {number} of {name}"), number=facts.invoice_number, name=facts.customer_name
        )
        self.invoice_choices = []
        self._preview()

    @rx.event
    @guarded
    def use_sample(self) -> None:
        """Back to the sample debtor of each language."""
        self._template_id()
        self._invoice_id = None
        self.sample_label = gettext(self.locale, N_("Sample debtor in each language"))
        self._preview()

    @rx.event
    @guarded
    def save(self) -> Any:
        """Save the open language, if nobody saved it since it was read; an approved text goes back to draft."""
        context = self._context(Action.COLLECT)
        template_id, language = self._template_id(), self.language
        draft = self._drafts.get(language)
        if draft is None:
            raise BadRequest
        if any(self.problems.values()):
            return rx.toast.error(gettext(self.locale, N_("Put right what is marked in red, then save.")))
        was_approved = draft["status"] == "approved"
        try:
            with session_scope() as session:
                row = templates.save_variant(
                    session, context, template_id, language, variant_of(draft), version=draft["version"]
                )
                saved = draft_of(row)
        except StaleSave as stale:
            self.stale = stale_text(context, self.locale, stale)
            return None
        self._drafts[language] = saved
        self.stale = ""
        self.typed_key += 1
        self._show_language()
        if was_approved and saved["status"] == "draft":
            return rx.toast.warning(
                gettext(self.locale, N_("Saved. Meta must approve the new text before it is sent again."))
            )
        return self._saved(N_("Saved."))

    @rx.event
    @guarded
    def reload(self) -> None:
        """Read the open language again as it is stored now, dropping what was typed in it."""
        self._template_id()
        self._drafts.pop(self.language, None)
        self.stale = ""
        self.typed_key += 1
        self._refresh()

    @rx.event
    @guarded
    def add_language(self, language: str) -> Any:
        """Add a language from those Cobro writes in: the library's text, or a copy to translate."""
        template_id = self._template_id()
        if language not in LANGUAGES:
            raise BadRequest
        context = self._context(Action.COLLECT)
        with session_scope() as session:
            templates.add_language(session, context, template_id, language)
        self.language = language
        self.typed_key += 1
        self._refresh()
        return self._saved(N_("Language added: translate it, then save."))

    @rx.event
    @guarded
    def remove_language(self, language: str) -> Any:
        """Remove a language (never the last one)."""
        template_id = self._template_id()
        if language not in self._drafts:
            raise BadRequest
        context = self._context(Action.COLLECT)
        with session_scope() as session:
            templates.remove_language(session, context, template_id, language)
        self._drafts.pop(language, None)
        self.typed_key += 1
        self._refresh()
        return self._saved(N_("Language removed."))

    @rx.event(background=True)
    async def submit(self, which: str) -> Any:
        """Submit for approval: the open language, or every language ("all"); saved texts only."""
        async with self:
            try:
                template_id, context = self._template_id(), self._context(Action.COLLECT)
            except ServiceError as error:
                return rx.toast.error(self._translate(error))
            if which == "all":
                languages = list(self._drafts)
            elif which in self._drafts:
                languages = [which]
            else:
                return rx.toast.error(gettext(self.locale, BadRequest().message))
            if any(changed(self._drafts[language]) for language in languages):
                return rx.toast.error(gettext(self.locale, N_("Save your changes first: Meta reviews the saved text.")))
        try:
            async with httpx.AsyncClient(timeout=API_TIMEOUT) as http:
                verdicts = await templates.submit_for_approval(session_scope, context, http, template_id, languages)
        except ServiceError as error:
            async with self:
                return rx.toast.error(self._translate(error))
        async with self:
            for language in languages:
                self._drafts.pop(language, None)
            self._refresh()
            return self._submitted(verdicts)

    def _submitted(self, verdicts: dict[str, str]) -> Any:
        """What became of a submission: refused (the reason shows under Meta's review), approved, or sent for review."""
        refused = [language_label(language, self.locale) for language, status in verdicts.items() if status == "draft"]
        if refused:
            return rx.toast.error(
                gettext(
                    self.locale,
                    N_("Meta did not take {languages}: its reason is under Meta's review."),
                    languages=", ".join(refused),
                )
            )
        if all(status == "approved" for status in verdicts.values()):
            return rx.toast.success(gettext(self.locale, N_("Approved: reminders can use it now.")))
        return rx.toast.success(gettext(self.locale, N_("Sent to Meta for approval.")))

    @rx.event
    def leave(self) -> None:
        """The editor closed: nobody needs to see this member in it any more."""
        try:
            context, template_id = self._context(Action.VIEW), int(self.template_id or 0)
        except ServiceError:
            return
        with session_scope() as session:
            presence.left(session, context, EditorKind.TEMPLATE, template_id)
