"""New campaign: a segment's rules (or invoices picked in the list) counted live, a cadence, a preview, a launch.

The page sends what a person types; every value is checked here and again by services.launch, and every
id (segment, cadence, invoice) is looked up in the organization before it is used.
"""

from datetime import UTC, date, datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import reflex as rx
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from sqlmodel import Session

from saas_app import routes
from saas_app.core.countries import countries_for
from saas_app.core.invoices import AGE_BUCKETS, Behaviour
from saas_app.core.message_values import placeholder_values
from saas_app.core.money import format_money, to_decimal
from saas_app.core.roles import Action
from saas_app.core.segments import CHASEABLE, DEFAULT_STATUSES
from saas_app.core.text import neutralized
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.services import cadences, invoices, launch, organizations, segments, templates
from saas_app.services.campaigns import PRIORITIES, CadenceNotReady
from saas_app.services.context import OrgContext
from saas_app.services.errors import ServiceError
from saas_app.state.base import BadRequest, NotSignedIn, SessionState, guarded, parse_id
from saas_app.state.cadences import message_bubble, problem_text
from saas_app.state.chat import BubbleRow
from saas_app.state.debtors import BEHAVIOUR_LABELS, language_label, org_today
from saas_app.state.invoices import BUCKET_LABELS, STATUS_LABELS, typed_amount

ANY = "any"
# The box or menu of the page that shows a segment rule's error, by the rule's name.
BOX_OF = {
    "min_days_overdue": "min_days",
    "max_days_overdue": "max_days",
    "min_amount_minor": "min_amount",
    "max_amount_minor": "max_amount",
    "locales": "languages",
}
PICKED_SHOWN = 10  # invoice numbers named when picked in the list; the others are counted
# The rules typed in a box, by the name the page sends.
TYPED = ("min_days", "max_days", "min_amount", "max_amount")
# The rules that hold several values picked as chips, each from what the organization's debtors have.
CHIPS = ("tags", "languages", "countries")
NOT_OFFERED = {
    "tags": N_("No debtor has this tag: choose one from the list."),
    "languages": N_("No debtor speaks this language: choose one from the list."),
    "countries": N_("No debtor is in this country: choose one from the list."),
}
LEFT_OUT_LABELS = {
    launch.NO_CONSENT: N_("No consent to be messaged on WhatsApp"),
    launch.OPTED_OUT: N_("Opted out"),
    launch.BUSY: N_("Already in a running campaign"),
    launch.NO_TEMPLATE: N_("No template in their language"),
}
PRIORITY_LABELS = {"oldest_first": N_("Oldest debts first"), "largest_first": N_("Largest debts first")}
assert set(PRIORITY_LABELS) == set(PRIORITIES)


class Option(TypedDict):
    value: str
    label: str


class Choice(TypedDict):
    """A value a chip picker offers, with how many debtors have it."""

    value: str
    label: str
    debtors: str


class CadenceOption(TypedDict):
    value: str
    label: str
    ready: bool
    note: str  # "Ready", or what keeps it from being chosen


class LeftOutRow(TypedDict):
    label: str
    debtors: str


class SampleRow(TypedDict):
    debtor: str
    invoice: str
    when: str
    bubble: BubbleRow


class CampaignLaunchState(SessionState):
    error: str = ""
    error_field: str = ""

    picked_count: int = 0  # invoices picked in the list; 0: the segment's rules choose
    picked_closed: int = 0  # of those, paid, disputed or written off: left out
    picked_numbers: str = ""  # which they are (the first few)
    picked_figures: list[str] = ["", ""]  # picked and left out, as the reader writes numbers
    min_days: str = ""
    max_days: str = ""
    bucket: str = ANY
    currency: str = ANY
    min_amount: str = ""
    max_amount: str = ""
    statuses: list[str] = list(DEFAULT_STATUSES)
    behaviours: list[str] = []
    # The chips picked for each rule of CHIPS, and what each picker still offers.
    tags: list[Option] = []
    languages: list[Option] = []
    countries: list[Option] = []
    tags_offered: list[Choice] = []
    languages_offered: list[Choice] = []
    countries_offered: list[Choice] = []
    typed_rules: int = 0  # bumped when the boxes must show values the server set (a saved segment)

    currencies: list[str] = []
    saved_segments: list[Option] = []
    segment: str = ""  # the saved segment whose rules are shown, if any

    count_invoices: str = ""
    count_debtors: str = ""
    count_amounts: str = ""

    cadence_options: list[CadenceOption] = []
    cadence: str = ""
    priority: str = "oldest_first"

    previewed: bool = False
    preview_invoices: str = ""
    preview_messages: str = ""
    left_out: list[LeftOutRow] = []
    timing: str = ""
    timing_note: str = ""
    samples: list[SampleRow] = []
    cadence_problems: list[str] = []

    _picked: list[int] = []
    _zone: str = "UTC"
    _offered: dict[str, list[Choice]] = {}  # every value each chip picker offers, chosen or not

    def _today(self) -> date:
        return org_today(ZoneInfo(self._zone))

    def _rules(self) -> dict[str, Any]:
        """The rules as the segments service reads them, amounts typed in the reader's way."""
        currency = "" if self.currency == ANY else self.currency
        amounts = {}
        for name in ("min_amount", "max_amount"):
            text = getattr(self, name).strip()
            if text:
                if not currency:
                    raise ServiceError(N_("Choose the currency the amounts are in."), field="currency")
                amounts[f"{name}_minor"] = typed_amount(text, currency, self.locale, name)
        return {
            "min_days_overdue": self.min_days.strip(),
            "max_days_overdue": self.max_days.strip(),
            "currency": currency,
            **amounts,
            "statuses": self.statuses,
            "behaviours": self.behaviours,
            "tags": [chip["value"] for chip in self.tags],
            "locales": [chip["value"] for chip in self.languages],
            "countries": [chip["value"] for chip in self.countries],
        }

    def _selection(self, session: Session, context: OrgContext) -> launch.Selection:
        if self._picked:
            return launch.picked(session, context, self._picked)
        return launch.Selection(rules=segments.rules_from(self._rules()))

    def _refresh(self) -> None:
        """Count the selection again, then the cadences' readiness and the preview; a bad rule is said by its box."""
        self._say_error("", "")
        context = self._context(Action.VIEW)
        try:
            with session_scope() as session:
                selection = self._selection(session, context)
                today = self._today()
                found = launch.audience(session, context, selection, today)
                self._show_count(found)
                self._read_cadences(session, context, selection, today)
                self._preview(session, context, selection, today)
        except ServiceError as error:
            self._say_error(self._translate(error), BOX_OF.get(error.field, error.field or "rules"))
            self.count_invoices = self.count_debtors = self.count_amounts = ""
            self.previewed = False

    def _show_count(self, found: launch.Audience) -> None:
        number = lambda n: format_decimal(n, locale=self.locale)  # noqa: E731 - a local shorthand
        self.count_invoices = number(found.invoices)
        self.count_debtors = number(found.debtors)
        self.count_amounts = " · ".join(
            format_money(total, currency, self.locale) for currency, total in found.outstanding_minor.items()
        )

    def _read_cadences(self, session: Session, context: OrgContext, selection: launch.Selection, today: date) -> None:
        locales = launch.reachable_locales(session, context, selection, today)
        options = []
        for cadence in cadences.list_cadences(session, context):
            steps = cadences.steps_of(session, cadence.id or 0)
            problems = launch.cadence_problems(session, context, cadence.id or 0, locales)[0] if steps else []
            if not steps:
                note = gettext(self.locale, N_("No steps yet"))
            elif problems:
                note = gettext(self.locale, N_("Problems: {count}"), count=len(problems))
            else:
                note = gettext(self.locale, N_("Ready"))
            options.append(
                CadenceOption(
                    value=str(cadence.id),
                    label=neutralized(cadence.name),
                    ready=bool(steps) and not problems,
                    note=note,
                )
            )
        self.cadence_options = options
        if self.cadence not in {o["value"] for o in options if o["ready"]}:
            self.cadence = ""

    def _preview(self, session: Session, context: OrgContext, selection: launch.Selection, today: date) -> None:
        self.previewed, self.cadence_problems = False, []
        if not self.cadence:
            return
        try:
            shown = launch.preview(session, context, selection, int(self.cadence), now=datetime.now(UTC), today=today)
        except CadenceNotReady as refused:
            self.cadence_problems = [problem_text(p, "", self.locale) for p in refused.problems]
            return
        locale = self.locale
        self.preview_invoices = format_decimal(shown.invoices, locale=locale)
        self.preview_messages = format_decimal(shown.messages, locale=locale)
        self.left_out = [
            LeftOutRow(label=gettext(locale, LEFT_OUT_LABELS[reason]), debtors=format_decimal(n.debtors, locale=locale))
            for reason, n in shown.left_out.items()
        ]
        self.timing = self._timing(shown)
        limit = format_decimal(shown.per_day, locale=locale)
        self.timing_note = (
            gettext(
                locale,
                N_(
                    "Estimated by day: each step on its day from the due date, at most {limit} template messages "
                    "a day (your WhatsApp messaging limit, less a margin), after the messages already planned. "
                    "Send windows, weekends and holidays can move a message later."
                ),
                limit=limit,
            )
            if shown.per_day
            else gettext(locale, N_("Estimated by day: each step on its day from the due date."))
        )
        self.samples = self._samples(session, context, shown.samples)
        self.previewed = True

    def _timing(self, shown: launch.Preview) -> str:
        if shown.first_day is None or shown.last_day is None:
            return ""
        first = format_date(shown.first_day, "medium", locale=self.locale)
        last = format_date(shown.last_day, "medium", locale=self.locale)
        return gettext(self.locale, N_("First message {first}, last message {last}"), first=first, last=last)

    def _samples(self, session: Session, context: OrgContext, samples: list[launch.Sample]) -> list[SampleRow]:
        zone = ZoneInfo(self._zone)
        chain = cadences.language_chain(session, context.org_id)
        rows = []
        for sample in samples:
            facts = templates.invoice_facts(session, context, sample.invoice_id)
            values = placeholder_values(facts, org_today(zone))
            at = sample.send_at.astimezone(zone) if sample.send_at else None
            time = format_time(at, "short", locale=self.locale) if at else ""
            day = format_date(at, "medium", locale=self.locale) if at else ""
            variants = templates.variants_of(session, sample.template_id)
            rows.append(
                SampleRow(
                    debtor=neutralized(sample.debtor_name),
                    invoice=neutralized(sample.invoice_number),
                    when=f"{day} {time}".strip(),
                    bubble=message_bubble(variants, facts.locale, values, chain, time),
                )
            )
        return rows

    def _load_choices(self) -> None:
        """The menus: currencies, saved segments, and what the organization's debtors have for the chips."""
        context = self._context(Action.VIEW)
        with session_scope() as session:
            self._zone = organizations.settings_of(session, context).timezone
            self.currencies = invoices.filter_choices(session, context).currencies
            choices = segments.rule_choices(session, context)
            self.saved_segments = [
                Option(value=str(s.id), label=neutralized(s.name)) for s in segments.list_segments(session, context)
            ]
        found = {"tags": choices.tags, "languages": choices.languages, "countries": choices.countries}
        self._offered = {
            name: [
                Choice(value=value, label=self._chip_label(name, value), debtors=format_decimal(n, locale=self.locale))
                for value, n in found[name]
            ]
            for name in CHIPS
        }
        self._show_chips()

    def _show_chips(self) -> None:
        """Each picker offers what is not chosen yet; a chosen value keeps its label even if nobody has it now."""
        for name in CHIPS:
            chosen = {chip["value"] for chip in getattr(self, name)}
            setattr(self, f"{name}_offered", [c for c in self._offered.get(name, []) if c["value"] not in chosen])

    def _chip_label(self, name: str, value: str) -> str:
        """A chip's words in the reader's language: the tag itself, the language or the country named."""
        if name == "languages":
            return language_label(value, self.locale)
        if name == "countries":
            return dict(countries_for(self.locale)).get(value, value)
        return neutralized(value)

    def _set_chips(self, name: str, values: list[str]) -> None:
        setattr(self, name, [Option(value=v, label=self._chip_label(name, v)) for v in values])
        self._show_chips()

    def _pick_from_address(self) -> ServiceError | None:
        """Invoices picked in the list (?invoices=1,2,3), each checked as the organization's own and still chased."""
        self._picked, self.picked_count, self.picked_closed = [], 0, 0
        raw = self._query("invoices")
        if not raw:
            return None
        try:
            ids = [parse_id(i) for i in raw.split(",") if i]
            context = self._context(Action.VIEW)
            with session_scope() as session:
                selection = launch.picked(session, context, ids)
                numbers = launch.picked_numbers(session, context, selection, PICKED_SHOWN)
        except NotSignedIn:
            raise
        except ServiceError as refused:
            return refused
        self._picked, self.picked_closed = list(selection.invoice_ids), selection.closed
        self.picked_count = len(self._picked) + selection.closed
        more = len(self._picked) > PICKED_SHOWN
        self.picked_numbers = ", ".join(neutralized(n) for n in numbers) + (", …" if more else "")
        self.picked_figures = [format_decimal(n, locale=self.locale) for n in (self.picked_count, selection.closed)]
        return None

    def _reset_rules(self) -> None:
        self.min_days = self.max_days = self.min_amount = self.max_amount = self.segment = ""
        self.bucket = self.currency = ANY
        self.statuses, self.behaviours = list(DEFAULT_STATUSES), []
        self.tags, self.languages, self.countries = [], [], []
        self.cadence, self.priority = "", "oldest_first"
        self.typed_rules += 1

    @rx.event
    def load(self) -> Any:
        """Opening the page: the menus, invoices picked in the list (?invoices=1,2,3), the first count."""
        self._reset_rules()
        self._picked, self.picked_count, self.picked_closed = [], 0, 0
        redirect, refusal = self._open_page(self._open)
        if refusal:
            self._say_error(refusal, "")
        return redirect

    def _open(self) -> None:
        self._load_choices()
        refused = self._pick_from_address()
        self._refresh()
        if refused is not None:  # a link with invoices we may not use: said where they would show; the rules count
            self._say_error(self._translate(refused), "invoices")

    @rx.event
    @guarded
    def set_rule(self, name: str, value: str) -> None:
        """A rule box or menu changed (debounced by the page): the count follows."""
        allowed: dict[str, list[str] | None] = {
            "min_days": None,
            "max_days": None,
            "min_amount": None,
            "max_amount": None,
            "bucket": [ANY, *AGE_BUCKETS],
            "currency": [ANY, *self.currencies],
        }
        if name not in allowed or not isinstance(value, str):
            raise BadRequest
        menu = allowed[name]
        if len(value) > 40 or (menu is not None and value not in menu):
            self._say_error(gettext(self.locale, N_("Choose one from the list.") if menu else N_("Too long.")), name)
            return
        setattr(self, name, value)
        if name == "bucket":
            low, high = AGE_BUCKETS.get(value, (None, None))
            self.min_days = "" if low is None else str(low)
            self.max_days = "" if high is None else str(high)
            self.typed_rules += 1
        self._refresh()

    @rx.event
    @guarded
    def add_chip(self, name: str, value: str) -> None:
        """A tag, language or country picked: one more chip, and the count follows."""
        if name not in CHIPS or not isinstance(value, str):
            raise BadRequest
        if value not in {c["value"] for c in self._offered.get(name, [])}:
            self._say_error(gettext(self.locale, NOT_OFFERED[name]), name)
            return
        chosen = [chip["value"] for chip in getattr(self, name)]
        if value not in chosen:
            self._set_chips(name, [*chosen, value])
        self._refresh()

    @rx.event
    @guarded
    def remove_chip(self, name: str, value: str) -> None:
        """A chip's ×: the rule widens, and the count follows."""
        if name not in CHIPS or not isinstance(value, str):
            raise BadRequest
        self._set_chips(name, [chip["value"] for chip in getattr(self, name) if chip["value"] != value])
        self._refresh()

    @rx.event
    @guarded
    def toggle_rule(self, name: str, value: str) -> None:
        """A status or payment behaviour ticked or unticked."""
        allowed = {"statuses": CHASEABLE, "behaviours": tuple(b.value for b in Behaviour)}
        if name not in allowed or value not in allowed[name]:
            raise BadRequest
        chosen: list[str] = getattr(self, name)
        setattr(self, name, [v for v in chosen if v != value] if value in chosen else [*chosen, value])
        self._refresh()

    @rx.event
    @guarded
    def use_rules(self) -> None:
        """Leave the invoices picked in the list and build a segment instead."""
        self._picked, self.picked_count, self.picked_closed = [], 0, 0
        self._refresh()

    @rx.event
    @guarded
    def use_segment(self, segment_id: str) -> None:
        """A saved segment picked: its rules fill the boxes."""
        context = self._context(Action.VIEW)
        with session_scope() as session:
            rules = segments.rules_from(segments.get_segment(session, context, parse_id(segment_id)).rules)
        currency = rules.currency or ANY
        self._picked, self.picked_count, self.picked_closed, self.segment = [], 0, 0, segment_id
        self.min_days = "" if rules.min_days_overdue is None else str(rules.min_days_overdue)
        self.max_days = "" if rules.max_days_overdue is None else str(rules.max_days_overdue)
        self.currency = currency
        self.min_amount = self._typed(rules.min_amount_minor, rules.currency)
        self.max_amount = self._typed(rules.max_amount_minor, rules.currency)
        self.statuses, self.behaviours = sorted(rules.statuses), sorted(rules.behaviours)
        self._set_chips("tags", sorted(rules.tags))
        self._set_chips("languages", sorted(rules.locales))
        self._set_chips("countries", sorted(rules.countries))
        self.bucket = ANY
        self.typed_rules += 1
        self._refresh()

    def _typed(self, minor: int | None, currency: str) -> str:
        if minor is None:
            return ""
        return format_decimal(to_decimal(minor, currency), locale=self.locale)

    @rx.event
    @guarded
    def save_segment(self, form: dict[str, Any]) -> Any:
        """Keep the current rules under a name, to reuse them."""
        name = str(form.get("segment_name", ""))[:120]

        def save(session: Session, context: OrgContext) -> None:
            segment = segments.save_segment(session, context, name=name, rules=self._rules())
            self.segment = str(segment.id)

        result = self._write(Action.COLLECT, save, saved=N_("Segment saved."))
        self._load_choices()
        return result

    @rx.event
    @guarded
    def choose_cadence(self, cadence_id: str) -> None:
        """A cadence picked; one with problems is refused here and by the preview."""
        parse_id(cadence_id)
        if cadence_id not in {o["value"] for o in self.cadence_options if o["ready"]}:
            raise ServiceError(N_("This cadence cannot start yet: put its templates right first."), field="cadence")
        self.cadence = cadence_id
        self._refresh()

    @rx.event
    @guarded
    def set_priority(self, value: str) -> None:
        """Who goes first when the messaging limit makes the campaign wait."""
        if value not in PRIORITIES:
            raise BadRequest
        self.priority = value

    @rx.event
    @guarded
    def launch_campaign(self, form: dict[str, Any]) -> Any:
        """Launch, once confirmed: the campaign is created and the page moves to it."""
        name = str(form.get("name", "")).strip()[:120] or gettext(self.locale, N_("Campaign"))
        if not self.cadence:
            raise ServiceError(N_("Choose a cadence."), field="cadence")
        cadence_id, segment_id = parse_id(self.cadence), parse_id(self.segment) if self.segment else None
        context = self._context(Action.COLLECT)
        with session_scope() as session:
            campaign = launch.launch(
                session,
                context,
                name=name,
                cadence_id=cadence_id,
                selection=self._selection(session, context),
                now=datetime.now(UTC),
                today=self._today(),
                priority=self.priority,
                segment_id=segment_id if not self._picked else None,
            )
            campaign_id = campaign.id
        return [rx.redirect(f"{routes.CAMPAIGNS}/{campaign_id}"), self._saved(N_("Campaign launched."))]


def behaviour_options() -> list[tuple[str, str]]:
    """The payment behaviours a rule may ask for, with their labels."""
    return [(b.value, BEHAVIOUR_LABELS[b]) for b in Behaviour]


def status_options() -> list[tuple[str, str]]:
    """The invoice statuses a segment may chase, with their labels."""
    return [(s, STATUS_LABELS[s]) for s in CHASEABLE]


def bucket_options() -> list[tuple[str, str]]:
    """The ageing buckets, each a preset of the days-overdue range."""
    return [(b, BUCKET_LABELS[b]) for b in AGE_BUCKETS]


def priority_options() -> list[tuple[str, str]]:
    """Who goes first, with their labels."""
    return list(PRIORITY_LABELS.items())
