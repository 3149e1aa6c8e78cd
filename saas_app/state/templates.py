"""Templates: the list at /templates, grouped by stage and filtered on the server, and its Duplicate.

Filters arrive as event arguments and are checked against what the page offers; template ids are
looked up in the member's own organization by the services, so another tenant's id is as missing
as none.
"""

from typing import Any, TypedDict

import reflex as rx

from saas_app import routes
from saas_app.core.languages import LANGUAGES
from saas_app.core.library import STAGES, TONES
from saas_app.core.roles import Action
from saas_app.core.text import neutralized
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.models import Template
from saas_app.services import templates
from saas_app.services.templates import STATUSES, TemplateFilters, TemplateSummary
from saas_app.state.base import BadRequest, SessionState, guarded, parse_id
from saas_app.state.debtors import language_label

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


def label(labels: dict[str, str], value: str, locale: str) -> str:
    """A stored code in the reader's words, or the code itself when it has none."""
    return gettext(locale, labels[value]) if value in labels else value


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
