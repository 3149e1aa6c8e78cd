"""Cadences: the list at /cadences, and the editor at /cadences/<id> with its timeline, rules, readiness
and dry run.

The editor's draft (steps and rules) lives on the server, in backend-only vars; every handler reads the
cadence again from the path in the member's organization, checks the role, and has the services check
each rule (offsets, order, limits) before anything changes.
"""

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import reflex as rx
from babel.dates import format_date, format_time, get_day_names
from sqlmodel import Session

from saas_app import routes
from saas_app.core.countries import countries_for, time_zones_for
from saas_app.core.languages import LANGUAGES, is_fallback, pick_language
from saas_app.core.message_values import MessageFacts, placeholder_values
from saas_app.core.money import format_money
from saas_app.core.roles import Action
from saas_app.core.text import neutralized
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.models import Cadence, Template
from saas_app.services import cadences, campaigns, organizations, presence, templates
from saas_app.services.cadences import (
    CadenceSettings,
    Coverage,
    DryRunStep,
    SampleDebtor,
    StepDraft,
    TemplateProblem,
)
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound, ServiceError
from saas_app.services.presence import EditorKind, StaleSave
from saas_app.state.base import BadRequest, SessionState, guarded, parse_id
from saas_app.state.campaigns import when
from saas_app.state.chat import BubbleRow, bubble_row
from saas_app.state.debtors import language_label, org_today
from saas_app.state.editors import PRESENCE_SCRIPT, others_here, stale_text
from saas_app.state.templates import STATUS_LABELS, TONE_LABELS, Choice, label, split_rendered

# The timeline's ageing buckets and the share of its width each gets: the weeks around the due date are
# where most steps are, so they get more room than the long tail.
BUCKETS: list[tuple[str, str, float]] = [
    ("before", N_("Before due"), 0.18),
    ("1_30", N_("1–30 days"), 0.32),
    ("31_90", N_("31–90 days"), 0.27),
    ("90_plus", N_("90+ days"), 0.23),
]
CARD_SHARE = 0.19  # a step card's width as a share of the timeline's, to stack close steps in lanes
LANE_HEIGHT = 104  # px: a card with a two-line template name fits
MAX_TRACK_PX = 20_000  # no screen draws the timeline wider: a larger width is forged
TICK_ROOM = 24  # px under the last lane for the day ticks, so no card hides them
EDGE = 0.03  # a tick closer than this to either end would be cut in half: it is left out
TICKS = (-60, -30, -14, -7, 0, 7, 14, 30, 60, 90, 120, 180, 270, 365)


def span(offsets: list[int]) -> tuple[int, int]:
    """The days the timeline shows: a fortnight before the due date and five months after, or more."""
    low = max(cadences.EARLIEST_OFFSET, min([-14, *[o - 3 for o in offsets]]))
    high = min(cadences.LATEST_OFFSET + 10, max([150, *[o + 10 for o in offsets]]))
    return low, high


def position(offset: int, low: int, high: int) -> float:
    """Where a day sits on the timeline, 0 to 1: each bucket keeps its share, linear inside it."""
    edges = [(low, 0), (0, 30), (30, 90), (90, high)]
    start = 0.0
    for (first, last), (_, _, share) in zip(edges, BUCKETS, strict=True):
        if offset <= last or last == high:
            inside = (offset - first) / (last - first) if last > first else 0.0
            return round(start + share * min(1.0, max(0.0, inside)), 4)
        start += share
    return 1.0


def day_at(share: float, low: int, high: int) -> int:
    """The day a point of the timeline (0 to 1) stands for: the inverse of `position`, snapped to the nearest
    day, so a card dropped there lands where the page would draw that day."""
    return min(range(low, high + 1), key=lambda day: (abs(position(day, low, high) - share), abs(day)))


def lanes(places: list[float]) -> list[int]:
    """A lane for each card, in order, so that cards closer than a card's width do not overlap."""
    ends: list[float] = []
    chosen = []
    for place in places:
        lane = next((i for i, end in enumerate(ends) if end <= place), len(ends))
        if lane == len(ends):
            ends.append(0.0)
        ends[lane] = place + CARD_SHARE
        chosen.append(lane)
    return chosen


def day_label(offset: int, locale: str) -> str:
    """'Due day', '+3 d', '−7 d' in the reader's words."""
    if offset == 0:
        return gettext(locale, N_("Due day"))
    sign = "+" if offset > 0 else "−"
    return gettext(locale, N_("{sign}{days} d"), sign=sign, days=abs(offset))


def percent(share: float) -> str:
    """A share of the timeline as a CSS length."""
    return f"{share * 100:.2f}%"


class DotRow(TypedDict):
    left: str
    tone: str
    title: str


class CadenceRow(TypedDict):
    cadence_id: str
    name: str
    description: str
    built_in: bool
    steps: list[DotRow]
    step_count: str
    campaigns: str
    problems: int
    readiness: str


class BandRow(TypedDict):
    bucket: str
    label: str
    left: str
    width: str


class TickRow(TypedDict):
    left: str
    label: str


class StepCard(TypedDict):
    index: int
    offset: int
    day: str
    template_id: str
    template_name: str
    tone: str
    tone_label: str
    left: str
    top: str
    problems: int
    first: bool  # nothing before it: −1 day stops at the range or its neighbour (the server checks again)
    last: bool


class CoverageCell(TypedDict):
    language: str
    code: str
    chosen: str
    fallback: bool  # sent in another language or region than the debtors' own (outlined)
    status: str
    status_label: str
    title: str


class ReadinessRow(TypedDict):
    index: int
    day: str
    template_name: str
    cells: list[CoverageCell]


class ProblemRow(TypedDict):
    text: str
    href: str


class DryRunRow(TypedDict):
    index: int
    day: str
    template_name: str
    skipped: bool
    local: str
    org_time: str
    language: str
    moved: str  # why it goes later than its own rules would send it; "" when nothing moved it
    bubble: BubbleRow


def timeline_dots(offsets: list[tuple[int, str, str]]) -> list[DotRow]:
    """The list's small timeline: a dot per step at its day."""
    low, high = span([o for o, _, _ in offsets])
    return [DotRow(left=percent(position(o, low, high)), tone=tone, title=title) for o, tone, title in offsets]


def problem_text(problem: TemplateProblem, day: str, locale: str) -> str:
    """'Step 3 (+3 d), Overdue, friendly, Italian: No version in it …' in the reader's words."""
    explanation = gettext(locale, problem.msgid, **problem.params)
    return gettext(
        locale,
        N_("Step {number} ({day}), {template}, {language}: {explanation}"),
        number=problem.step_position + 1,
        day=day,
        template=problem.template_name,
        language=language_label(problem.language, locale),
        explanation=explanation,
    )


def message_bubble(variants: dict, locale: str, values: dict[str, str], chain: list[str], time: str) -> BubbleRow:
    """The step's message as the debtor would read it, filled; as written (placeholders showing) when a value
    is missing, such as a payment link the organization has not set."""
    shown = templates.preview(variants, locale, values, chain)
    if not shown.language:
        return bubble_row("")
    row = variants[shown.language]
    if shown.rendered is None:
        return bubble_row(row.body, header=row.header, footer=row.footer, buttons=list(row.buttons), time=time)
    header, body, footer = split_rendered(templates.as_variant(row), shown.rendered.text)
    return bubble_row(body, header=header, footer=footer, buttons=list(row.buttons), time=time, status="read")


def _variant_to_write(locale: str) -> str:
    """The template language that would reach a debtor: Italian for it_IT, Brazil's Portuguese for pt_PT."""
    return pick_language(locale, set(LANGUAGES)) or locale


class CadencesState(SessionState):
    """The organization's cadences: their steps drawn small, the campaigns using each, their readiness."""

    rows: list[CadenceRow] = []
    error: str = ""
    new_name: str = ""
    new_from: str = "standard"  # "standard" (a copy of the built-in cadence) or "blank"
    creating: bool = False

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            found = cadences.list_cadences(session, context)
            ids = [c.id or 0 for c in found]
            using = cadences.campaigns_using(session, context, ids)
            locales = cadences.debtor_locales(session, context)
            approval = campaigns.requires_approval(session, context.org_id)
            tones = {t.id: (t.name, t.tone) for t in templates.list_templates(session, context)}
            rows = []
            for cadence in found:
                steps = cadences.steps_of(session, cadence.id or 0)
                problems = cadences.readiness(session, context, cadence.id or 0, locales, require_approval=approval)
                rows.append(self._row(cadence, steps, using.get(cadence.id or 0, []), problems, tones))
        self.rows = rows

    def _row(
        self, cadence: Cadence, steps: list[Any], using: list[Any], problems: list[Any], tones: dict
    ) -> CadenceRow:
        locale = self.locale
        dots = [
            (
                s.offset_days,
                tones.get(s.template_id, ("", "neutral"))[1],
                neutralized(f"{day_label(s.offset_days, locale)} · {tones.get(s.template_id, ('', ''))[0]}"),
            )
            for s in steps
        ]
        if not steps:
            readiness = gettext(locale, N_("No steps yet"))
        elif problems:
            readiness = gettext(locale, N_("Problems: {count}"), count=len(problems))
        else:
            readiness = gettext(locale, N_("Ready"))
        return CadenceRow(
            cadence_id=str(cadence.id),
            name=neutralized(cadence.name),
            description=neutralized(cadence.description),
            built_in=cadence.built_in,
            steps=timeline_dots(dots),
            step_count=gettext(locale, N_("Steps: {count}"), count=len(steps)),
            campaigns=neutralized(", ".join(c.name for c in using)),
            problems=len(problems) if steps else -1,
            readiness=readiness,
        )

    @rx.event
    def load(self) -> Any:
        """Opening the list: every cadence of the organization."""
        self.rows, self.creating = [], False
        redirect, self.error = self._open_page(self._refresh)
        return redirect

    @rx.event
    def open_new(self, opened: bool) -> None:
        """The New cadence dialog opened or closed."""
        self.creating = bool(opened)
        self.new_name, self.new_from = "", "standard"

    @rx.event
    @guarded
    def create(self, form: dict[str, Any]) -> Any:
        """New cadence: blank, or a copy of the standard one, opened in the editor."""
        context = self._context(Action.COLLECT)
        start = str(form.get("start", "standard"))
        if start not in ("standard", "blank"):
            raise BadRequest
        name = str(form.get("name", ""))[:200]
        with session_scope() as session:
            standard = cadences.standard_cadence(session, context) if start == "standard" else None
            if start == "standard" and standard is None:
                raise NotFound(N_("This cadence does not exist."))
            made = cadences.create_cadence(session, context, name, copy_of=standard.id if standard else None)
            made_id = made.id
        self.creating = False
        return [rx.redirect(routes.cadence_url(made_id or 0)), self._saved(N_("Cadence created."))]


def cadence_id_in(path: str) -> int:
    """The cadence's id in /cadences/<id>; anything else is no cadence."""
    parts = path.strip("/").split("/")
    if len(parts) != 2 or not parts[1].isdigit() or len(parts[1]) > 18:
        raise NotFound(N_("This cadence does not exist."))
    return int(parts[1])


WEEKDAYS = range(7)
HOURS = [str(hour) for hour in range(25)]
# Every zone the sample debtor may live in, for the page's list (the organization's debtors' zones come first).
ALL_ZONES = time_zones_for("")
SAMPLE_DUE_LABELS = {
    -30: N_("30 days overdue"),
    -7: N_("7 days overdue"),
    0: N_("Due today"),
    7: N_("Due in 7 days"),
    14: N_("Due in 14 days"),
}
assert set(SAMPLE_DUE_LABELS) == set(cadences.SAMPLE_DUE_IN_DAYS)


def _whole_number(value: Any) -> int | None:
    text = str(value).strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) < 5 else None


class CadenceEditorState(SessionState):
    """One cadence's editor. The draft lives in `_steps` and `_settings`; the page sees cards and labels."""

    cadence_id: str = ""
    name: str = ""
    built_in: bool = False
    cards: list[StepCard] = []
    bands: list[BandRow] = []
    ticks: list[TickRow] = []
    zero: str = "0%"
    track_height: str = "120px"
    window_start: str = "9"
    window_end: str = "19"
    weekdays: list[bool] = [True] * 5 + [False] * 2
    weekday_names: list[str] = []
    skip_holidays: bool = True
    min_gap_hours: str = "20"
    weekly_cap: str = "3"
    reply_pause_days: str = "3"
    promise_grace_days: str = "2"
    readiness: list[ReadinessRow] = []
    problems: list[ProblemRow] = []
    readiness_label: str = ""
    languages: list[str] = []
    dirty: bool = False
    others: list[str] = []
    stale: str = ""
    choice_open: bool = False
    choice_campaigns: str = ""
    open_step: int = -1
    step_template: str = ""
    step_bubble: BubbleRow = bubble_row("")
    step_template_href: str = ""
    template_choices: list[Choice] = []
    invoice_label: str = ""
    invoice_choices: list[Choice] = []
    dry_run: list[DryRunRow] = []
    shown_message: int = -1  # the dry run's row whose message is shown as a bubble; one at a time keeps it short
    dry_run_note: str = ""
    sample_label: str = ""  # the sample debtor tried, when it is one: where they live, what they read, what they owe
    sample_zone: str = ""
    sample_locale: str = ""
    sample_country: str = ""
    sample_due: str = "0"
    sample_zones: list[str] = []  # the organization's debtors' zones, offered first
    sample_locales: list[Choice] = []
    sample_countries: list[Choice] = []
    sample_dues: list[Choice] = []
    sample_error: str = ""
    sample_open: bool = False
    error: str = ""
    typed_key: int = 0
    _steps: list[StepDraft] = []
    _settings: CadenceSettings = CadenceSettings()
    _stored: tuple[str, list[StepDraft], CadenceSettings] = ("", [], CadenceSettings())
    _version: int = 0
    _invoice_id: int | None = None
    _sample: tuple[str, str, str, int] | None = None  # zone, locale, country, days until due: checked again each use

    def _cadence_id(self) -> int:
        return cadence_id_in(self._current_path())

    def _read(self) -> None:
        """The cadence as stored: the draft starts from it."""
        context = self._context(Action.VIEW)
        with session_scope() as session:
            cadence = cadences.get_cadence(session, context, self._cadence_id())
            steps = [StepDraft(s.offset_days, s.template_id) for s in cadences.steps_of(session, cadence.id or 0)]
            self.others = others_here(session, context, EditorKind.CADENCE, cadence.id or 0)
        self.cadence_id, self.name, self.built_in = str(cadence.id), cadence.name, cadence.built_in
        self._steps, self._settings = steps, CadenceSettings.of(cadence)
        self._stored = (cadence.name, list(steps), self._settings)
        self._version = cadence.version
        self.typed_key += 1

    def _refresh(self) -> None:
        """Everything the page shows, from the draft: timeline, rules, readiness, dry run."""
        context = self._context(Action.VIEW)
        with session_scope() as session:
            found = templates.list_templates(session, context)
            names = {t.id or 0: t for t in found}
            locales = sorted(cadences.debtor_locales(session, context))
            covered = cadences.coverage(session, context, list(enumerate(s.template_id for s in self._steps)), locales)
            chain = cadences.language_chain(session, context.org_id)
            approval = campaigns.requires_approval(session, context.org_id)
            problems = cadences.problems_in(covered, chain, require_approval=approval)
            self._show_dry_run(session, context)
            if self.open_step >= 0:
                self._show_step(session, context)
        self.template_choices = [
            Choice(value=str(t.id), label=neutralized(f"{t.name} · {label(TONE_LABELS, t.tone, self.locale)}"))
            for t in found
        ]
        self._show_timeline(names, problems)
        self._show_rules()
        self._show_readiness(covered, problems, locales)
        self.dirty = (self.name, self._steps, self._settings) != self._stored

    def _show_timeline(self, names: dict[int, Template], problems: list[TemplateProblem]) -> None:
        offsets = [s.offset_days for s in self._steps]
        low, high = span(offsets)
        places = [position(o, low, high) for o in offsets]
        chosen = lanes(places)
        count: dict[int, int] = {}
        for problem in problems:
            count[problem.step_position] = count.get(problem.step_position, 0) + 1
        self.cards = [
            StepCard(
                index=index,
                offset=step.offset_days,
                day=day_label(step.offset_days, self.locale),
                template_id=str(step.template_id),
                template_name=neutralized(names[step.template_id].name) if step.template_id in names else "—",
                tone=names[step.template_id].tone if step.template_id in names else "neutral",
                tone_label=label(TONE_LABELS, names[step.template_id].tone, self.locale)
                if step.template_id in names
                else "",
                left=percent(place),
                top=f"{44 + lane * LANE_HEIGHT}px",
                problems=count.get(index, 0),
                first=index == 0,
                last=index == len(self._steps) - 1,
            )
            for index, (step, place, lane) in enumerate(zip(self._steps, places, chosen, strict=True))
        ]
        self.track_height = f"{44 + max([0, *[lane + 1 for lane in chosen]]) * LANE_HEIGHT + TICK_ROOM}px"
        edges = [low, 0, 30, 90, high]
        self.bands = [
            BandRow(
                bucket=bucket,
                label=gettext(self.locale, text),
                left=percent(position(edges[i], low, high)),
                width=percent(position(edges[i + 1], low, high) - position(edges[i], low, high)),
            )
            for i, (bucket, text, _) in enumerate(BUCKETS)
        ]
        self.ticks = [
            TickRow(left=percent(position(day, low, high)), label=day_label(day, self.locale) if day else "0")
            for day in TICKS
            if low <= day <= high and EDGE <= position(day, low, high) <= 1 - EDGE
        ]
        self.zero = percent(position(0, low, high))

    def _show_rules(self) -> None:
        rules = self._settings
        self.window_start = str(rules.window_start_minute // 60)
        self.window_end = str(rules.window_end_minute // 60)
        self.weekdays = [day in rules.weekdays for day in WEEKDAYS]
        names = get_day_names("abbreviated", locale=self.locale)
        self.weekday_names = [str(names[day]) for day in WEEKDAYS]
        self.skip_holidays = rules.skip_holidays
        self.min_gap_hours, self.weekly_cap = str(rules.min_gap_hours), str(rules.weekly_cap)
        self.reply_pause_days, self.promise_grace_days = str(rules.reply_pause_days), str(rules.promise_grace_days)

    def _show_readiness(self, covered: list[Coverage], problems: list[TemplateProblem], locales: list[str]) -> None:
        locale = self.locale
        self.languages = [language_label(code, locale) for code in locales]
        rows: dict[int, ReadinessRow] = {}
        for c in covered:
            row = rows.setdefault(
                c.step_position,
                ReadinessRow(
                    index=c.step_position,
                    day=day_label(self._steps[c.step_position].offset_days, locale),
                    template_name=neutralized(c.template_name),
                    cells=[],
                ),
            )
            status_label = (
                gettext(locale, N_("Missing")) if c.status == "missing" else label(STATUS_LABELS, c.status, locale)
            )
            title = language_label(c.language, locale) + " · " + status_label
            if c.chosen and c.chosen != c.language:
                title += " · " + gettext(locale, N_("sent in {language}"), language=language_label(c.chosen, locale))
            row["cells"].append(
                CoverageCell(
                    language=c.language,
                    code=c.language.replace("_", "-").upper(),
                    chosen=c.chosen,
                    fallback=is_fallback(c.language, c.chosen),
                    status=c.status,
                    status_label=status_label,
                    title=title,
                )
            )
        self.readiness = [rows[i] for i in sorted(rows)]
        ids = {c.step_position: c.template_id for c in covered}
        self.problems = [
            ProblemRow(
                text=neutralized(problem_text(p, day_label(self._steps[p.step_position].offset_days, locale), locale)),
                href=f"{routes.template_url(ids[p.step_position])}?language={_variant_to_write(p.language)}",
            )
            for p in problems
        ]
        if not self._steps:
            self.readiness_label = gettext(locale, N_("No steps yet"))
        elif problems:
            self.readiness_label = gettext(locale, N_("Problems: {count}"), count=len(problems))
        else:
            self.readiness_label = gettext(locale, N_("Ready"))

    def _sample_debtor(self, session: Session, context: OrgContext) -> SampleDebtor | None:
        if self._sample is None:
            return None
        zone, locale, country, due_in_days = self._sample
        return cadences.sample_debtor(
            session,
            context,
            timezone=zone,
            locale=locale,
            country=country,
            due_in_days=due_in_days,
            now=datetime.now(UTC),
        )

    def _facts(self, session: Session, context: OrgContext, default_locale: str) -> MessageFacts:
        """What the messages say: the invoice tried, the sample debtor, or the templates studio's sample."""
        sample = self._sample_debtor(session, context)
        if sample is not None:
            return cadences.sample_facts(session, context, sample)
        if self._invoice_id is not None:
            return templates.invoice_facts(session, context, self._invoice_id)
        return templates.sample_facts(session, context, default_locale)

    def _show_dry_run(self, session: Session, context: OrgContext) -> None:
        self.dry_run, self.dry_run_note = [], ""
        sample = self._sample_debtor(session, context)
        if (self._invoice_id is None and sample is None) or not self._steps:
            return
        org = organizations.settings_of(session, context)
        zone = ZoneInfo(org.timezone)
        found = cadences.dry_run(
            session,
            context,
            self._cadence_id(),
            None if sample is not None else self._invoice_id,
            datetime.now(UTC),
            steps=self._steps,
            settings=self._settings,
            sample=sample,
        )
        facts = self._facts(session, context, org.default_locale)
        values = placeholder_values(facts, org_today(zone))
        chain = cadences.language_chain(session, context.org_id)
        variants = {s.template_id: templates.variants_of(session, s.template_id) for s in found}
        self.dry_run = [self._dry_run_row(s, zone, facts.locale, values, variants, chain) for s in found]
        sent = [row["index"] for row in self.dry_run if not row["skipped"]]
        if self.shown_message not in sent:
            self.shown_message = sent[0] if sent else -1
        self.dry_run_note = gettext(self.locale, N_("Times in the debtor's zone; yours below each."))

    def _dry_run_row(
        self, step: DryRunStep, zone: ZoneInfo, debtor_locale: str, values: dict, variants: dict, chain: list[str]
    ) -> DryRunRow:
        locale = self.locale
        local_time = format_time(step.local, "short", locale=locale) if step.local else ""
        bubble = message_bubble(variants.get(step.template_id, {}), debtor_locale, values, chain, local_time)
        moved = ""
        if step.paced_until is not None:
            moved = gettext(
                locale,
                N_("Moved: the account's daily limit is full until {time} (your time)."),
                time=when(step.paced_until, zone, locale),
            )
        elif step.moved_by is not None and step.local is not None:
            moved = gettext(
                locale,
                N_("Moved: another reminder to this debtor on {time}."),
                time=when(step.moved_by, ZoneInfo(str(step.local.tzinfo)), locale),
            )
        if step.skipped:
            local, org_time = gettext(locale, N_("Not sent: the invoice starts at a later step")), ""
        elif step.local is None or step.send_at is None:
            local, org_time = gettext(locale, N_("No moment fits the rules within four months")), ""
        else:
            debtor_zone = ZoneInfo(str(step.local.tzinfo))
            weekday = format_date(step.local, "EEEE", locale=locale)
            local = f"{weekday} {when(step.local, debtor_zone, locale)} ({step.local.tzinfo})"
            org_time = gettext(locale, N_("{time} your time"), time=when(step.send_at, zone, locale))
        language = language_label(step.language, locale) if step.language else gettext(locale, N_("No variant"))
        if step.fallback:
            language = gettext(locale, N_("{language} (fallback)"), language=language)
        return DryRunRow(
            index=step.position,
            day=day_label(step.offset_days, locale),
            template_name=neutralized(step.template_name),
            skipped=step.skipped,
            local=local,
            org_time=org_time,
            language=language,
            moved=moved,
            bubble=bubble,
        )

    def _show_step(self, session: Session, context: OrgContext) -> None:
        """The opened step's template and its bubble, filled for the invoice tried or a sample."""
        if not 0 <= self.open_step < len(self._steps):
            self.open_step = -1
            return
        template_id = self._steps[self.open_step].template_id
        self.step_template = str(template_id)
        self.step_template_href = routes.template_url(template_id)
        org = organizations.settings_of(session, context)
        facts = self._facts(session, context, org.default_locale)
        values = placeholder_values(facts, org_today(ZoneInfo(org.timezone)))
        variants = templates.variants_of(session, template_id)
        chain = cadences.language_chain(session, context.org_id)
        self.step_bubble = message_bubble(variants, facts.locale, values, chain, "")

    def _change(self, steps: list[StepDraft] | None = None, settings: CadenceSettings | None = None) -> None:
        """A draft change, refused (nothing changes) when it breaks a rule the services keep."""
        self._context(Action.COLLECT)
        self._cadence_id()
        if steps is not None:
            cadences.check_steps(steps)
            self._steps = steps
        if settings is not None:
            cadences.check_settings(settings)
            self._settings = settings
        self._refresh()

    def _index(self, index: Any) -> int:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(self._steps):
            raise BadRequest
        return index

    @rx.event
    def load(self) -> Any:
        """Opening the editor: the cadence as stored, the most recent open invoice tried on it."""
        self._steps, self._invoice_id, self.stale, self.open_step, self.choice_open = [], None, "", -1, False
        self._sample, self.sample_label, self.sample_open, self.sample_error = None, "", False, ""
        self.cards, self.others, self.dry_run, self.invoice_label, self.shown_message = [], [], [], "", -1
        redirect, self.error = self._open_page(self._first_look)
        if redirect is not None or self.error:
            self.cadence_id = ""
            return redirect
        return rx.call_script(PRESENCE_SCRIPT)

    def _first_look(self) -> None:
        self._read()
        context = self._context(Action.VIEW)
        with session_scope() as session:
            found = cadences.find_open_invoices(session, context, "", limit=1)
        if found:
            self._invoice_id = found[0].invoice_id
            self.invoice_label = neutralized(f"{found[0].number} · {found[0].debtor}")
        self._refresh()

    @rx.event
    @guarded
    def heartbeat(self) -> None:
        """Every 20 seconds while the editor is open: still here; who else is."""
        context = self._context(Action.VIEW)
        with session_scope() as session:
            self.others = others_here(session, context, EditorKind.CADENCE, self._cadence_id())

    @rx.event
    @guarded
    def nudge(self, index: int, days: int) -> None:
        """−1 day / +1 day on a step card's buttons."""
        self._nudge(index, days)

    def _nudge(self, index: Any, days: Any) -> None:
        index = self._index(index)
        if days not in (-1, 1) or isinstance(days, bool):
            raise BadRequest
        self._move(index, self._steps[index].offset_days + days)

    @rx.event
    @guarded
    def move(self, index: int, offset: int) -> None:
        """A step put on another day (dragged); refused outside the range, on a taken day or past a neighbour."""
        self._move(index, offset)

    def _move(self, index: Any, offset: Any) -> None:
        index = self._index(index)
        if not isinstance(offset, int) or isinstance(offset, bool):
            raise BadRequest
        steps = list(self._steps)
        steps[index] = replace(steps[index], offset_days=offset)
        self._change(steps=steps)

    @rx.event
    @guarded
    def drop(self, index: int, moved: int, width: int) -> None:
        """A step card dragged `moved` px along a track `width` px wide: it goes to the day drawn where it was
        dropped (the page's own scale), if the rules allow that day."""
        index = self._index(index)
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (moved, width)):
            raise BadRequest
        if not 0 < width <= MAX_TRACK_PX or abs(moved) > width:
            raise BadRequest
        low, high = span([s.offset_days for s in self._steps])
        share = position(self._steps[index].offset_days, low, high) + moved / width
        self._move(index, day_at(share, low, high))

    @rx.event
    @guarded
    def key_on_step(self, index: int, key: str) -> None:
        """Arrow keys on a focused step card move it a day; Enter opens it."""
        if key == "ArrowLeft":
            self._nudge(index, -1)
        elif key == "ArrowRight":
            self._nudge(index, 1)
        elif key == "Enter":
            self._open(index)

    @rx.event
    @guarded
    def add_step(self) -> None:
        """A new step a week after the last one (or on the first free day), sending the last step's template."""
        self._context(Action.COLLECT)
        taken = {s.offset_days for s in self._steps}
        last = self._steps[-1].offset_days if self._steps else -7
        wanted = [last + 7, *range(last + 1, cadences.LATEST_OFFSET + 1), *range(last, cadences.EARLIEST_OFFSET, -1)]
        day = next((d for d in wanted if d not in taken and cadences.EARLIEST_OFFSET <= d <= cadences.LATEST_OFFSET), 0)
        template_id = self._steps[-1].template_id if self._steps else self._first_template()
        steps = sorted([*self._steps, StepDraft(day, template_id)], key=lambda s: s.offset_days)
        self._change(steps=steps)
        self.open_step = steps.index(StepDraft(day, template_id))
        self._refresh()

    def _first_template(self) -> int:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            found = templates.list_templates(session, context)
        if not found:
            raise ServiceError(N_("Make a template first: every step sends one."))
        return found[0].id or 0

    @rx.event
    @guarded
    def remove_step(self, index: int) -> None:
        """Take a step off the cadence."""
        index = self._index(index)
        self.open_step = -1
        self._change(steps=[s for i, s in enumerate(self._steps) if i != index])

    @rx.event
    @guarded
    def open(self, index: int) -> None:
        """A step card opened: its template, to change, with its bubble."""
        self._open(index)

    def _open(self, index: Any) -> None:
        self._cadence_id()
        self.open_step = self._index(index)
        self._refresh()

    @rx.event
    def close_step(self, opened: bool = False) -> None:
        """The step's dialog closed."""
        if not opened:
            self.open_step = -1

    @rx.event
    @guarded
    def choose_template(self, template_id: str) -> None:
        """The opened step sends another of the organization's templates."""
        index = self._index(self.open_step)
        chosen = parse_id(template_id)
        context = self._context(Action.COLLECT)
        with session_scope() as session:
            templates.get_template(session, context, chosen)  # another tenant's is as missing as none
        steps = list(self._steps)
        steps[index] = replace(steps[index], template_id=chosen)
        self._change(steps=steps)

    @rx.event
    @guarded
    def set_name(self, value: str) -> None:
        """The cadence's name, typed."""
        self._context(Action.COLLECT)
        if not isinstance(value, str):
            raise BadRequest
        self.name = value[:120]
        self._refresh()

    @rx.event
    @guarded
    def set_window(self, end: str, hour: str) -> None:
        """The send window's start or end hour, in the debtor's local time."""
        if end not in ("start", "end") or hour not in HOURS:
            raise BadRequest
        name = "window_end_minute" if end == "end" else "window_start_minute"
        changes: dict[str, Any] = {name: int(hour) * 60}
        self._change(settings=replace(self._settings, **changes))

    @rx.event
    @guarded
    def toggle_weekday(self, day: int) -> None:
        """A weekday allowed or not (Monday is 0)."""
        if day not in WEEKDAYS or isinstance(day, bool):
            raise BadRequest
        days = set(self._settings.weekdays) ^ {day}
        self._change(settings=replace(self._settings, weekdays=tuple(sorted(days))))

    @rx.event
    @guarded
    def set_skip_holidays(self, on: bool) -> None:
        """Skip the debtor's country's public holidays, or not."""
        if not isinstance(on, bool):
            raise BadRequest
        self._change(settings=replace(self._settings, skip_holidays=on))

    @rx.event
    @guarded
    def set_number(self, name: str, value: str) -> None:
        """One of the numbers: hours between messages, weekly cap, pause after a reply, grace after a promise."""
        if name not in cadences.SETTING_RANGES or not isinstance(value, str):
            raise BadRequest
        text = value.strip()
        if not text.isdigit() or len(text) > 4:
            self.typed_key += 1  # the field shows the kept value again
            raise ServiceError(N_("Write a whole number."), field=name)
        changes: dict[str, Any] = {name: int(text)}
        self._change(settings=replace(self._settings, **changes))

    @rx.event
    @guarded
    def find_invoices(self, text: str) -> None:
        """The dry run's invoice search: the organization's open invoices by number or debtor."""
        if not isinstance(text, str):
            raise BadRequest
        context = self._context(Action.VIEW)
        with session_scope() as session:
            found = cadences.find_open_invoices(session, context, text[:60])
        self.invoice_choices = [
            Choice(value=str(c.invoice_id), label=neutralized(f"{c.number} · {c.debtor}")) for c in found
        ]

    @rx.event
    @guarded
    def show_message(self, index: int) -> None:
        """A dry run's row opened: its message as the debtor would read it (the others fold away)."""
        self._cadence_id()
        if not any(row["index"] == index and not row["skipped"] for row in self.dry_run) or isinstance(index, bool):
            raise BadRequest
        self.shown_message = index

    @rx.event
    @guarded
    def pick_invoice(self, invoice_id: str) -> None:
        """An invoice picked: the dry run lists each step's moment for its debtor."""
        self._cadence_id()
        chosen = parse_id(invoice_id)
        context = self._context(Action.VIEW)
        with session_scope() as session:
            facts = templates.invoice_facts(session, context, chosen)  # the organization's, or missing
        self._invoice_id, self._sample, self.sample_label = chosen, None, ""
        self.invoice_label = neutralized(f"{facts.invoice_number} · {facts.customer_name}")
        self.invoice_choices = []
        self._refresh()

    @rx.event
    @guarded
    def open_sample(self, opened: bool) -> None:
        """The sample debtor's form opened: the zones of the organization's debtors first, its languages, the
        countries, and the sample tried last (or the organization's own) filled in."""
        self._cadence_id()
        self.sample_open, self.sample_error = bool(opened), ""
        if not opened:
            return
        context = self._context(Action.VIEW)
        with session_scope() as session:
            zones = cadences.debtor_zones(session, context)
            offered = cadences.sample_locales(session, context)
            org = organizations.settings_of(session, context)
        locale = self.locale
        self.sample_zones = zones
        self.sample_locales = [Choice(value=code, label=language_label(code, locale)) for code in offered]
        self.sample_countries = [
            Choice(value="", label=gettext(locale, N_("None: no public holidays"))),
            *(Choice(value=code, label=name) for code, name in countries_for(locale)),
        ]
        self.sample_dues = [
            Choice(value=str(days), label=gettext(locale, text)) for days, text in SAMPLE_DUE_LABELS.items()
        ]
        zone, language, country, due = self._sample or (zones[0], org.default_locale, org.country, 0)
        self.sample_zone, self.sample_locale, self.sample_country, self.sample_due = zone, language, country, str(due)

    @rx.event
    @guarded
    def try_sample(self, form: dict[str, Any]) -> None:
        """A sample debtor chosen: the dry run lists each step's moment where they live, in their language."""
        self._cadence_id()
        context = self._context(Action.VIEW)
        if not isinstance(form, dict):
            raise BadRequest
        zone, locale, country = (str(form.get(name, ""))[:64].strip() for name in ("zone", "locale", "country"))
        due = _whole_number(form.get("due", ""))
        try:
            with session_scope() as session:
                sample = cadences.sample_debtor(
                    session,
                    context,
                    timezone=zone,
                    locale=locale,
                    country=country,
                    due_in_days=due if due is not None else -1,
                    now=datetime.now(UTC),
                )
                currency = organizations.settings_of(session, context).currency
        except ServiceError as refused:
            self.sample_error = self._translate(refused)
            return
        self._sample = (sample.timezone, sample.locale, sample.country, due or 0)
        self._invoice_id, self.invoice_label, self.invoice_choices = None, "", []
        self.sample_open, self.sample_error = False, ""
        self.sample_label = self._sample_text(sample, currency, due or 0)
        self._refresh()

    def _sample_text(self, sample: SampleDebtor, currency: str, due_in_days: int) -> str:
        """'Sample debtor · America/Sao_Paulo · Portuguese (Brazil) · Brazil · R$1,234.56, due today'."""
        locale = self.locale
        country = dict(countries_for(locale)).get(sample.country, "") if sample.country else ""
        parts = [
            gettext(locale, N_("Sample debtor")),
            sample.timezone,
            language_label(sample.locale, locale),
            *([country] if country else []),
            format_money(cadences.SAMPLE_AMOUNT_MINOR, currency, locale),
            gettext(locale, SAMPLE_DUE_LABELS[due_in_days]),
        ]
        return " · ".join(parts)

    @rx.event
    @guarded
    def save(self, running: str = "") -> Any:
        """Save the draft, if nobody saved the cadence since it was read; campaigns under way ask first."""
        context = self._context(Action.COLLECT)
        if running not in ("", *cadences.CHOICES):
            raise BadRequest
        try:
            with session_scope() as session:
                cadences.save_cadence(
                    session,
                    context,
                    self._cadence_id(),
                    name=self.name,
                    steps=self._steps,
                    settings=self._settings,
                    version=self._version,
                    running=running or None,
                )
        except cadences.ChoiceNeeded as needed:
            self.choice_open = True
            self.choice_campaigns = neutralized(", ".join(needed.campaigns))
            return None
        except StaleSave as stale:
            self.choice_open = False
            self.stale = stale_text(context, self.locale, stale)
            return None
        self.choice_open, self.stale = False, ""
        self._read()
        self._refresh()
        if running == cadences.REPLAN:
            return self._saved(N_("Saved. Reminders not yet planned follow the new cadence."))
        if running == cadences.NEW_ONLY:
            return self._saved(N_("Saved. Campaigns under way keep the cadence as it was."))
        return self._saved(N_("Saved."))

    @rx.event
    def close_choice(self, opened: bool = False) -> None:
        """The question about campaigns under way, dismissed: nothing saved."""
        self.choice_open = bool(opened)

    @rx.event
    @guarded
    def reload(self) -> None:
        """Read the cadence again as it is stored now, dropping the draft."""
        self.stale, self.open_step = "", -1
        self._read()
        self._refresh()

    @rx.event
    def leave(self) -> None:
        """The editor closed: nobody needs to see this member in it any more."""
        try:
            context, cadence_id = self._context(Action.VIEW), int(self.cadence_id or 0)
        except ServiceError:
            return
        with session_scope() as session:
            presence.left(session, context, EditorKind.CADENCE, cadence_id)
