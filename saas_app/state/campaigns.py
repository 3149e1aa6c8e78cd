"""Campaigns: how far each one's messages got, what they brought in, and when the last one goes out."""

import asyncio
import csv
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import reflex as rx
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent
from sqlmodel import Session

from saas_app.core.campaigns import CampaignStatus
from saas_app.core.messages import RESENT, MessageStatus
from saas_app.core.money import format_money, to_decimal
from saas_app.core.reminders import EXPLANATION, StopReason
from saas_app.core.roles import Action
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.models import Campaign
from saas_app.models.base import utcnow
from saas_app.services import accounts, audit, cadences, campaigns, organizations
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound, ServiceError
from saas_app.services.exports import safe_cell
from saas_app.state.base import BadRequest, KeysetPages, NotSignedIn, SessionState, guarded
from saas_app.state.debtors import language_label
from saas_app.whatsapp.errors import READABLE

PAGE_SIZE = 20  # a page's figures come from its campaigns' counters, in a few queries
STATUS_LABELS: dict[str, str] = {
    CampaignStatus.RUNNING: N_("Running"),
    CampaignStatus.PAUSED: N_("Paused"),
    CampaignStatus.FINISHED: N_("Finished"),
    CampaignStatus.CANCELLED: N_("Cancelled"),
}
# The figures of CampaignStats a row and the detail show, in the order a message travels.
COUNTS = ("invoices", "scheduled", "sent", "delivered", "read", "replied", "paid", "failed", "expired")


class CampaignRow(TypedDict):
    campaign_id: str
    name: str
    status: str
    status_label: str
    last_planned: str
    invoices: str
    scheduled: str
    sent: str
    delivered: str
    read: str
    replied: str
    paid: str
    failed: str
    expired: str


class ProblemRow(TypedDict):
    text: str
    status: str


def when(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """'Mar 14, 2025, 5:05 AM', '14 mar 2025, 05:05': a medium date and a short time, as the locale joins them."""
    local = moment.astimezone(zone)
    pattern = str(Locale.parse(locale).datetime_formats["medium"])
    date_text, time_text = format_date(local, "medium", locale=locale), format_time(local, "short", locale=locale)
    return pattern.replace("{1}", date_text).replace("{0}", time_text)


class CampaignFigures:
    """What the list and the detail say about one campaign, in the user's language and the org's time zone."""

    def __init__(self, campaign: Campaign, stats: campaigns.CampaignStats, zone: ZoneInfo, locale: str):
        self.stats = stats
        self.counts = {key: format_decimal(getattr(self.stats, key), locale=locale) for key in COUNTS}
        self.status_label = gettext(locale, STATUS_LABELS.get(campaign.status, campaign.status))
        last = self.stats.last_send_at
        self.last_planned = (
            gettext(locale, N_("Last planned message: {when}"), when=when(last, zone, locale))
            if last is not None
            else gettext(locale, N_("No message waiting to go out"))
        )


class CampaignsState(KeysetPages, SessionState):
    campaigns: list[CampaignRow] = []
    zone_name: str = ""
    error: str = ""

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            zone = ZoneInfo(organizations.settings_of(session, context).timezone)
            found = campaigns.scan_campaigns(session, context, after=self._after(), limit=PAGE_SIZE)
            stats = campaigns.campaigns_stats(session, context, [c.id or 0 for c in found.items])
            rows = []
            for campaign in found.items:
                figures = CampaignFigures(campaign, stats[campaign.id or 0], zone, self.locale)
                rows.append(
                    CampaignRow(
                        campaign_id=str(campaign.id),
                        name=campaign.name,
                        status=campaign.status,
                        status_label=figures.status_label,
                        last_planned=figures.last_planned,
                        invoices=figures.counts["invoices"],
                        scheduled=figures.counts["scheduled"],
                        sent=figures.counts["sent"],
                        delivered=figures.counts["delivered"],
                        read=figures.counts["read"],
                        replied=figures.counts["replied"],
                        paid=figures.counts["paid"],
                        failed=figures.counts["failed"],
                        expired=figures.counts["expired"],
                    )
                )
        self.campaigns = rows
        self.zone_name = zone.key
        self._paged(found.next_after, self.locale)

    @rx.event
    def load(self) -> Any:
        """Opening the campaigns list: its first page, or the refusal for a role that may not see it."""
        self._first_page()
        redirect, self.error = self._open_page(self._refresh)
        if self.error:
            self.campaigns, self.has_next = [], False
        return redirect


class FunnelRow(TypedDict):
    key: str
    label: str
    value: str
    rate: str  # "92% of those due": the stage against the one it follows
    width: str  # the bar's length against the widest stage, as CSS


class RecoveryRow(TypedDict):
    currency: str
    recovered: str
    rate: str  # "12% of what was owed at launch"


class ReasonRow(TypedDict):
    kind: str  # failed or expired, in the reader's language
    code: str
    text: str
    count: str


class StepRow(TypedDict):
    step: str
    language: str
    sent: str
    delivered: str
    read: str
    replied: str
    failed: str
    expired: str
    paid: str
    delivered_rate: str
    read_rate: str
    replied_rate: str
    paid_rate: str  # against the messages of this step and language that were sent


class DayPoint(TypedDict):
    tick: str
    sent: int
    recovered: float  # in major units of the chart's currency, for the scale
    text: str  # what a person reads: "12 sent · €1,234.00"


class MessageRow(TypedDict):
    debtor: str
    invoice: str
    step: str
    language: str
    status: str
    status_label: str
    at: str
    error: str


class ActivityRow(TypedDict):
    text: str
    who: str
    at: str


class NoteRow(TypedDict):
    body: str
    who: str
    at: str


class Choice(TypedDict):
    value: str
    label: str


MESSAGE_PAGE = 25
LIVE_SECONDS = 3.0  # how often an open campaign page reads its counters again
ANY = "all"  # a filter that lets everything through
MESSAGE_STATUS_LABELS: dict[str, str] = {
    MessageStatus.SCHEDULED: N_("Scheduled"),
    MessageStatus.SENDING: N_("Sending"),
    MessageStatus.SENT: N_("Sent"),
    MessageStatus.DELIVERED: N_("Delivered"),
    MessageStatus.READ: N_("Read"),
    MessageStatus.FAILED: N_("Failed"),
    MessageStatus.CANCELLED: N_("Cancelled"),
    MessageStatus.SKIPPED: N_("Skipped"),
    MessageStatus.EXPIRED: N_("Expired"),
}
ACTIVITY_TEXTS = {
    "campaign.created": N_("Launched"),
    "campaign.launched": N_("Launched"),
    "campaign.invoices_added": N_("Invoices added"),
    "campaign.paused": N_("Paused"),
    "campaign.resumed": N_("Resumed"),
    "campaign.edited": N_("Edited"),
    "campaign.stopped": N_("Stopped"),
}
CSV_HEADER = (N_("Debtor"), N_("Invoice"), N_("Step"), N_("Language"), N_("Status"), N_("Time"), N_("Error"))


def percent(part: int, whole: int, locale: str) -> str:
    """'45.3%' in the reader's language; '–' when there is nothing to divide by."""
    return format_percent(part / whole, "#,##0.#%", locale=locale) if whole else "–"


# Why a message was held back or cancelled, as the planner, the worker and the reminders service store it (a stop
# reason's code, or its English explanation), in the reader's language.
_STOP_TEXTS = {
    StopReason.OPTED_OUT: N_("the debtor opted out"),
    StopReason.NO_CONSENT: N_("no opt-in recorded for this debtor"),
    StopReason.PAID: N_("the invoice was paid"),
    StopReason.DISPUTED: N_("the invoice is disputed"),
    StopReason.WRITTEN_OFF: N_("the invoice was written off"),
}
HELD_TEXTS = {
    **{reason.value: text for reason, text in _STOP_TEXTS.items()},
    **{EXPLANATION[reason]: text for reason, text in _STOP_TEXTS.items()},
    RESENT: N_("sent again: the worker stopped and WhatsApp never confirmed the first try"),
    "no allowed send time in the next 120 days": N_("no allowed send time in the next 120 days"),
}


def error_text(code: str, message: str, locale: str) -> str:
    """Meta's code with our readable text for it when we have one, else what Meta (or the worker) said."""
    readable = READABLE.get(int(code)) if code.isdigit() else HELD_TEXTS.get(message)
    return gettext(locale, readable) if readable else message


def messages_csv(rows: list[MessageRow], locale: str) -> str:
    """The message list as CSV in the reader's language; a cell a spreadsheet would run as a formula stays text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(gettext(locale, heading) for heading in CSV_HEADER)
    for row in rows:
        cells = (
            row["debtor"],
            row["invoice"],
            row["step"],
            row["language"],
            row["status_label"],
            row["at"],
            row["error"],
        )
        writer.writerow(safe_cell(cell) for cell in cells)
    return out.getvalue()


@dataclass
class LiveFigures:
    """Everything on the campaign's page that moves while it runs, ready to show; read outside the state lock."""

    status: str
    status_label: str
    last_planned: str
    counts: dict[str, str]
    paid_amounts: str
    funnel: list[FunnelRow]
    recovery: list[RecoveryRow]
    reasons: list[ReasonRow]
    steps: list[StepRow]
    days: list[DayPoint]
    chart_currency: str
    step_choices: list[Choice]  # the message list's filters: the steps and languages the campaign has
    language_choices: list[Choice]


def read_figures(session: Session, context: OrgContext, campaign_id: int, locale: str, timezone: str) -> LiveFigures:
    """The campaign's moving figures from its counters, in the reader's language and the org's time zone."""
    campaign = campaigns.get_campaign(session, context, campaign_id)
    zone = ZoneInfo(timezone)
    stats = campaigns.campaign_stats(session, context, campaign_id)
    figures = CampaignFigures(campaign, stats, zone, locale)
    steps = campaigns.step_figures(session, context, campaign_id)
    amounts = campaigns.targeted_amounts(session, context, campaign_id)
    days = campaigns.daily_figures(session, context, campaign_id, timezone)
    reasons = campaigns.failure_reasons(session, context, campaign_id)
    chart_currency = max(amounts, key=lambda c: (amounts[c][0], amounts[c][1]), default="")

    def number(value: int) -> str:
        return format_decimal(value, locale=locale)

    return LiveFigures(
        status=campaign.status,
        status_label=figures.status_label,
        last_planned=figures.last_planned,
        counts=figures.counts,
        paid_amounts=" · ".join(
            format_money(minor, currency, locale) for currency, minor in sorted(stats.paid_minor.items())
        ),
        funnel=_funnel(stats, sum(s.replied for s in steps), locale),
        recovery=[
            RecoveryRow(
                currency=currency,
                recovered=format_money(paid, currency, locale),
                rate=gettext(locale, N_("{rate} of what was owed at launch"), rate=percent(paid, paid + owed, locale)),
            )
            for currency, (paid, owed) in amounts.items()
        ],
        reasons=[
            ReasonRow(
                kind=gettext(locale, MESSAGE_STATUS_LABELS[r.status]),
                code=r.code,
                text=error_text(r.code, r.message, locale),
                count=number(r.count),
            )
            for r in reasons
        ],
        steps=[
            StepRow(
                step=str(s.step + 1),  # positions count from 0, people from 1
                language=language_label(s.language, locale) if s.language else "–",
                sent=number(s.sent),
                delivered=number(s.delivered),
                read=number(s.read),
                replied=number(s.replied),
                failed=number(s.failed),
                expired=number(s.expired),
                paid=number(s.paid),
                delivered_rate=percent(s.delivered, s.sent, locale),
                read_rate=percent(s.read, s.delivered, locale),
                replied_rate=percent(s.replied, s.delivered, locale),
                paid_rate=percent(s.paid, s.sent, locale),
            )
            for s in steps
        ],
        days=[_day_point(d, chart_currency, locale) for d in days],
        chart_currency=chart_currency,
        step_choices=[Choice(value=ANY, label=gettext(locale, N_("All steps")))]
        + [
            Choice(value=str(step), label=gettext(locale, N_("Step {position}"), position=step + 1))
            for step in sorted({s.step for s in steps})
        ],
        language_choices=[Choice(value=ANY, label=gettext(locale, N_("All languages")))]
        + [
            Choice(value=language, label=language_label(language, locale))
            for language in sorted({s.language for s in steps if s.language})
        ],
    )


def _funnel(stats: campaigns.CampaignStats, answered: int, locale: str) -> list[FunnelRow]:
    """Targeted invoices, then their messages sent, delivered, read and answered, then invoices paid.

    Each rate is the stage against the one it follows; paid is against the invoices targeted.
    """
    due = stats.sent + stats.failed + stats.expired  # messages whose time came
    stages = [
        ("targeted", N_("Targeted"), stats.invoices, ""),
        (
            "sent",
            N_("Sent"),
            stats.sent,
            gettext(locale, N_("{rate} of those due"), rate=percent(stats.sent, due, locale)),
        ),
        (
            "delivered",
            N_("Delivered"),
            stats.delivered,
            gettext(locale, N_("{rate} of sent"), rate=percent(stats.delivered, stats.sent, locale)),
        ),
        (
            "read",
            N_("Read"),
            stats.read,
            gettext(locale, N_("{rate} of delivered"), rate=percent(stats.read, stats.delivered, locale)),
        ),
        (
            "replied",
            N_("Replied"),
            answered,
            gettext(locale, N_("{rate} of delivered"), rate=percent(answered, stats.delivered, locale)),
        ),
        (
            "paid",
            N_("Paid"),
            stats.paid,
            gettext(locale, N_("{rate} of invoices targeted"), rate=percent(stats.paid, stats.invoices, locale)),
        ),
    ]
    widest = max((value for _, _, value, _ in stages), default=0) or 1
    return [
        FunnelRow(
            key=key,
            label=gettext(locale, label),
            value=format_decimal(value, locale=locale),
            rate=rate,
            width=f"{max(1.0, 100 * value / widest):.1f}%",
        )
        for key, label, value, rate in stages
    ]


def _day_point(day: campaigns.DayFigures, currency: str, locale: str) -> DayPoint:
    minor = day.recovered_minor.get(currency, 0)
    sent = gettext(locale, N_("{count} sent"), count=format_decimal(day.sent, locale=locale))
    return DayPoint(
        tick=format_date(day.day, "d MMM", locale=locale),
        sent=day.sent,
        recovered=float(to_decimal(minor, currency)) if currency else 0.0,
        text=f"{sent} · {format_money(minor, currency, locale)}" if currency else sent,
    )


def message_row(line: campaigns.MessageLine, zone: ZoneInfo, locale: str) -> MessageRow:
    """One message as the list (and its CSV) shows it."""
    return MessageRow(
        debtor=line.debtor_name,
        invoice=line.invoice_number,
        step=str(line.step + 1) if line.step is not None else "",
        language=language_label(line.language, locale) if line.language else "",
        status=line.status,
        status_label=gettext(locale, MESSAGE_STATUS_LABELS.get(line.status, line.status)),
        at=when(line.at, zone, locale),
        error=error_text(line.error_code, line.error_message, locale),
    )


@dataclass(frozen=True)
class MessageView:
    """Which page of the message list a person is on: its filters and the id it starts after."""

    filters: campaigns.MessageFilters
    after: int | None


@dataclass
class LiveView:
    """The campaign's page as it moves: figures, the one page of messages the person looks at, activity, notes."""

    figures: LiveFigures
    messages: list[MessageRow]
    next_after: int | None  # where the next page of messages starts; None on the last
    activity: list[ActivityRow]
    notes: list[NoteRow]


def read_view(session: Session, context: OrgContext, campaign_id: int, locale: str, view: MessageView) -> LiveView:
    """Everything on the page that moves while the campaign runs; of the messages, only the page in `view`."""
    timezone = organizations.settings_of(session, context).timezone
    zone = ZoneInfo(timezone)
    figures = read_figures(session, context, campaign_id, locale, timezone)
    found = campaigns.campaign_messages(
        session, context, campaign_id, view.filters, after=view.after, limit=MESSAGE_PAGE
    )
    activity = campaigns.campaign_activity(session, context, campaign_id)
    notes = campaigns.campaign_notes(session, context, campaign_id)
    return LiveView(
        figures=figures,
        messages=[message_row(line, zone, locale) for line in found.items],
        next_after=found.next_after,
        activity=[
            ActivityRow(
                text=gettext(locale, ACTIVITY_TEXTS.get(entry.action, entry.action)),
                who=entry.who,
                at=when(entry.at, zone, locale),
            )
            for entry in activity
        ],
        notes=[NoteRow(body=note.body, who=note.who, at=when(note.at, zone, locale)) for note in notes],
    )


def view_for_session(session_token: str, ip: str, campaign_id: int, locale: str, view: MessageView) -> LiveView | None:
    """The live loop's read: the member behind the browser's session cookie, checked again each time.

    None when the session ended or the campaign is no longer theirs to see: the loop then stops.
    """
    with session_scope() as session:
        identity = accounts.resolve_session(session, session_token)
        if identity is None or identity.org_id is None or identity.role is None:
            return None
        context = OrgContext(user_id=identity.user_id, org_id=identity.org_id, role=identity.role, ip=ip)
        try:
            return read_view(session, context, campaign_id, locale, view)
        except ServiceError:
            return None


class CampaignState(KeysetPages, SessionState):
    """One campaign, at /campaigns/<id>: the id comes from the path and is looked up in the user's organization.

    The pager (KeysetPages) pages its message list.
    """

    name: str = ""
    status: str = ""
    status_label: str = ""
    started: str = ""
    cadence: str = ""
    last_planned: str = ""
    zone_name: str = ""
    counts: dict[str, str] = {}
    paid_amounts: str = ""
    problems: list[ProblemRow] = []
    funnel: list[FunnelRow] = []
    recovery: list[RecoveryRow] = []
    reasons: list[ReasonRow] = []
    steps: list[StepRow] = []
    days: list[DayPoint] = []
    chart_currency: str = ""
    messages: list[MessageRow] = []
    status_filter: str = ANY
    step_filter: str = ANY
    language_filter: str = ANY
    step_choices: list[Choice] = []
    language_choices: list[Choice] = []
    activity: list[ActivityRow] = []
    notes: list[NoteRow] = []
    note_error: str = ""
    error: str = ""
    # Which opening of the page the live loop belongs to: a new opening (or leaving) ends the old loop.
    _watch: str = ""

    @rx.var
    def status_choices(self) -> list[Choice]:
        """The message list's status filter, in the reader's language."""
        labels = [Choice(value=ANY, label=gettext(self.locale, N_("All statuses")))]
        return labels + [
            Choice(value=key, label=gettext(self.locale, text)) for key, text in MESSAGE_STATUS_LABELS.items()
        ]

    def _clear(self) -> None:
        self.name = self.status = self.status_label = self.started = self.cadence = ""
        self.last_planned = self.zone_name = self.paid_amounts = self.chart_currency = self.note_error = ""
        self.counts, self.problems = {}, []
        self.funnel, self.recovery, self.reasons, self.steps, self.days = [], [], [], [], []
        self.messages, self.step_choices, self.language_choices, self.activity, self.notes = [], [], [], [], []

    def _campaign_id(self) -> int:
        try:
            return int(self._current_path().rstrip("/").rsplit("/", 1)[-1])
        except ValueError:
            raise NotFound(N_("This campaign does not exist.")) from None

    def _show_figures(self, figures: LiveFigures) -> None:
        self.status, self.status_label, self.last_planned = figures.status, figures.status_label, figures.last_planned
        self.counts, self.paid_amounts = figures.counts, figures.paid_amounts
        self.funnel, self.recovery, self.reasons = figures.funnel, figures.recovery, figures.reasons
        self.steps, self.days, self.chart_currency = figures.steps, figures.days, figures.chart_currency
        self.step_choices, self.language_choices = figures.step_choices, figures.language_choices

    def _show_live(self, live: LiveView) -> None:
        """The moving parts of the page; a list that did not change is left alone (no delta for the browser)."""
        self._show_figures(live.figures)
        if live.messages != self.messages:
            self.messages = live.messages
        if live.activity != self.activity:
            self.activity = live.activity
        if live.notes != self.notes:
            self.notes = live.notes
        self._paged(live.next_after, self.locale)

    def _message_view(self) -> MessageView:
        return MessageView(self._filters(), self._after())

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        campaign_id = self._campaign_id()
        with session_scope() as session:
            campaign = campaigns.get_campaign(session, context, campaign_id)
            zone = ZoneInfo(organizations.settings_of(session, context).timezone)
            live = read_view(session, context, campaign_id, self.locale, self._message_view())
            cadence = cadences.get_cadence(session, context, campaign.cadence_id)
            problems = self._problems(session, context, campaign_id)
        self.name = campaign.name
        self.started = format_date(campaign.created_at.astimezone(zone), format="medium", locale=self.locale)
        self.cadence, self.zone_name = cadence.name, zone.key
        self.problems = problems
        self._show_live(live)

    def _filters(self) -> campaigns.MessageFilters:
        return campaigns.MessageFilters(
            status=None if self.status_filter == ANY else self.status_filter,
            step=None if self.step_filter == ANY else int(self.step_filter),
            language=None if self.language_filter == ANY else self.language_filter,
        )

    def _problems(self, session: Session, context: OrgContext, campaign_id: int) -> list[ProblemRow]:
        return [
            ProblemRow(
                text=gettext(
                    self.locale,
                    N_("Step {position} · {template} · {language}: {message}"),
                    position=problem.step_position + 1,  # positions count from 0, people from 1
                    template=problem.template_name,
                    language=language_label(problem.language, self.locale),
                    message=gettext(self.locale, problem.msgid, **problem.params),
                ),
                status=problem.status,
            )
            for problem in campaigns.campaign_problems(session, context, campaign_id)
        ]

    @rx.event
    def load(self) -> Any:
        """Opening a campaign: its figures, messages, activity and notes, then live figures while it stays open."""
        self._clear()
        self._first_page()
        self.status_filter = self.step_filter = self.language_filter = ANY
        self._watch = ""
        redirect, self.error = self._open_page(self._refresh)
        if self.error or redirect is not None:
            self._clear()
            return redirect
        self._watch = secrets.token_hex(8)
        return CampaignState.watch

    @rx.event
    @guarded
    def filter_messages(self, name: str, value: str) -> None:
        """A filter of the message list: status, step or language; a value our page never offers is refused."""
        if name == "status" and (value == ANY or value in MESSAGE_STATUS_LABELS):
            self.status_filter = value
        elif name == "step" and (value == ANY or (value.isdigit() and len(value) < 4)):
            self.step_filter = value
        elif name == "language" and (value == ANY or (value.isalpha() and len(value) <= 10)):
            self.language_filter = value.lower() if value != ANY else value
        else:
            raise BadRequest
        self._first_page()
        self._refresh()

    @rx.event
    @guarded
    def export_csv(self) -> Any:
        """Download the messages the filters select as CSV, cells that a spreadsheet would run made harmless."""
        context = self._context(Action.VIEW)
        campaign_id = self._campaign_id()
        with session_scope() as session:
            zone = ZoneInfo(organizations.settings_of(session, context).timezone)
            rows = [
                message_row(line, zone, self.locale)
                for line in campaigns.all_campaign_messages(session, context, campaign_id, self._filters())
            ]
            audit.record_for(
                context, session, "campaign.exported", target_type="campaign", target_id=campaign_id, rows=len(rows)
            )
        data = messages_csv(rows, self.locale)
        stamp = utcnow().astimezone(zone).strftime("%Y-%m-%d")
        return rx.download(data=data, filename=f"campaign-{campaign_id}-{stamp}.csv", mime_type="text/csv")

    @rx.event
    @guarded
    def pause(self) -> Any:
        """Pause: nothing more goes out, the schedule waits; for collectors and above (checked on the server)."""
        campaign_id = self._campaign_id()
        return self._steer(
            lambda s, c: campaigns.pause_campaign(s, c, campaign_id), N_("Campaign paused: nothing more goes out.")
        )

    @rx.event
    @guarded
    def resume(self) -> Any:
        """Resume a paused campaign: its next messages are planned again in their send windows."""
        campaign_id = self._campaign_id()
        return self._steer(lambda s, c: campaigns.resume_campaign(s, c, campaign_id), N_("Campaign resumed."))

    @rx.event
    @guarded
    def stop(self) -> Any:
        """Stop the campaign for good: what it still had planned is cancelled."""
        campaign_id = self._campaign_id()
        return self._steer(
            lambda s, c: campaigns.stop_campaign(s, c, campaign_id),
            N_("Campaign stopped: its planned messages are cancelled."),
        )

    def _steer(self, work: Any, saved: str) -> Any:
        return self._write(Action.COLLECT, work, saved=saved, inline=False)

    @rx.event
    @guarded
    def add_note(self, form: dict[str, Any]) -> Any:
        """Keep a note for the team on this campaign (never sent to a debtor)."""
        campaign_id = self._campaign_id()
        body = str(form.get("note", ""))
        self.note_error = ""
        context = self._context(Action.COLLECT)
        try:
            with session_scope() as session:
                campaigns.add_note(session, context, campaign_id, body)
        except NotSignedIn:
            raise
        except ServiceError as error:
            self.note_error = self._translate(error)
            return None
        self._refresh()
        return [rx.set_value("note", ""), self._saved(N_("Note saved."))]

    @rx.event(background=True)
    async def watch(self) -> None:
        """While this opening of the page stays open, read what moves every few seconds.

        The figures, the page of messages the person is on (with their filters: one page, never more),
        the activity and the notes. Stops when the page is opened again or left (another `_watch`,
        another path), when the tab's connection is gone (on any backend process, through Reflex's
        token manager), or when the session no longer sees the campaign. The database is read
        outside the state lock; a page or filter changed meanwhile keeps its own list, read by its
        own handler, and the next round follows it.
        """
        async with self:
            mine, path = self._watch, self._current_path()
            session_token, ip, client = self._token(), self._ip(), self.router.session.client_token
            try:
                campaign_id = self._campaign_id()
            except ServiceError:
                return
        while True:
            await asyncio.sleep(LIVE_SECONDS)
            if not await still_connected(client):
                return
            async with self:
                if self._watch != mine or self._current_path() != path:
                    return
                view, locale = self._message_view(), self.locale
            live = await asyncio.to_thread(view_for_session, session_token, ip, campaign_id, locale, view)
            async with self:
                if live is None or self._watch != mine or self._current_path() != path:
                    return
                self._take(live, view, locale)

    def _take(self, live: LiveView, view: MessageView, locale: str) -> None:
        """Show what the live loop read for `view` in `locale`, unless the person has since moved to another
        page, filter or language: that handler showed their list already, and the next round reads it."""
        if self._message_view() == view and self.locale == locale:
            self._show_live(live)


async def still_connected(client_token: str) -> bool:
    """Whether the browser tab behind this token still has its websocket, on any backend process.

    Reflex's token manager knows (locally, or through Redis with several processes); it has no public
    door to it in 0.10, hence the private attribute.
    """
    from saas_app.saas_app import app  # the built app; imported late, as it imports this module's page

    namespace = app.event_namespace
    if namespace is None:
        return True  # no socket layer (handlers called directly, in tests): the other checks decide
    return await namespace._token_manager.is_token_connected(client_token)
