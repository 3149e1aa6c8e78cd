"""Campaigns: how far each one's messages got, what they brought in, and when the last one goes out."""

from datetime import datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import reflex as rx
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from sqlmodel import Session

from saas_app.core.campaigns import CampaignStatus
from saas_app.core.money import format_money
from saas_app.core.roles import Action
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.models import Campaign
from saas_app.services import cadences, campaigns, organizations
from saas_app.services.context import OrgContext
from saas_app.services.errors import NotFound
from saas_app.state.base import KeysetPages, SessionState
from saas_app.state.debtors import language_label

PAGE_SIZE = 20  # each row reads its campaign's figures
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

    def __init__(self, session: Session, context: OrgContext, campaign: Campaign, zone: ZoneInfo, locale: str):
        self.stats = campaigns.campaign_stats(session, context, campaign.id or 0)
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
            rows = []
            for campaign in found.items:
                figures = CampaignFigures(session, context, campaign, zone, self.locale)
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


class CampaignState(SessionState):
    """One campaign, at /campaigns/<id>: the id comes from the path and is looked up in the user's organization."""

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
    error: str = ""

    def _clear(self) -> None:
        self.name = self.status = self.status_label = self.started = self.cadence = ""
        self.last_planned = self.zone_name = self.paid_amounts = ""
        self.counts, self.problems = {}, []

    def _campaign_id(self) -> int:
        try:
            return int(self._current_path().rstrip("/").rsplit("/", 1)[-1])
        except ValueError:
            raise NotFound(N_("This campaign does not exist.")) from None

    def _refresh(self) -> None:
        self._clear()
        context = self._context(Action.VIEW)
        campaign_id = self._campaign_id()
        with session_scope() as session:
            campaign = campaigns.get_campaign(session, context, campaign_id)
            zone = ZoneInfo(organizations.settings_of(session, context).timezone)
            figures = CampaignFigures(session, context, campaign, zone, self.locale)
            cadence = cadences.get_cadence(session, context, campaign.cadence_id)
            problems = self._problems(session, context, campaign_id)
        self.name, self.status, self.status_label = campaign.name, campaign.status, figures.status_label
        self.started = format_date(campaign.created_at.astimezone(zone), format="medium", locale=self.locale)
        self.cadence, self.last_planned, self.zone_name = cadence.name, figures.last_planned, zone.key
        self.counts = figures.counts
        self.paid_amounts = " · ".join(
            format_money(minor, currency, self.locale) for currency, minor in sorted(figures.stats.paid_minor.items())
        )
        self.problems = problems

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
        """Opening a campaign: its figures and problems, or the refusal when it is not the organization's."""
        self._clear()
        redirect, self.error = self._open_page(self._refresh)
        if self.error:
            self._clear()
        return redirect
