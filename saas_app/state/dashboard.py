"""The dashboard: what is owed and how late, what came in, campaigns running, and a new organization's first steps."""

from datetime import date, datetime, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import reflex as rx
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from sqlmodel import Session

from saas_app import routes
from saas_app.core import receivables
from saas_app.core.money import format_money, to_decimal
from saas_app.core.roles import Action
from saas_app.db import session_scope
from saas_app.i18n import N_, gettext
from saas_app.services import dashboard, organizations
from saas_app.services.context import OrgContext
from saas_app.state.base import SessionState, guarded

RECOVERY_WEEKS = 13  # a quarter, week by week
BUCKET_LABELS = {
    "not_due": N_("Not yet due"),
    "1-30": N_("1-30 days late"),
    "31-90": N_("31-90 days late"),
    "90+": N_("Over 90 days late"),
}
BUCKET_TICKS = {"not_due": N_("Not due"), "1-30": "1-30", "31-90": "31-90", "90+": "90+"}


class Figure(TypedDict):
    value: str
    note: str


class ChartPoint(TypedDict):
    label: str
    tick: str  # the label, short enough for the chart's axis
    amount: float  # in major units, for the chart's scale; `text` is what a person reads
    text: str


class CampaignLine(TypedDict):
    campaign_id: str
    name: str
    sent: str
    read: str
    replied: str
    paid: str
    paid_share: int  # percent of the campaign's invoices paid, for its bar


class FirstStep(TypedDict):
    title: str
    note: str
    done: bool
    href: str
    action: str


class DashboardState(SessionState):
    currencies: list[str] = []
    currency: str = ""
    figures: dict[str, Figure] = {}
    ageing: list[ChartPoint] = []
    recovered: list[ChartPoint] = []
    recovered_any: bool = False
    campaigns: list[CampaignLine] = []
    first_steps: list[FirstStep] = []
    steps_done: bool = True
    loaded: bool = False
    error: str = ""

    def _say(self, message: str, **params: Any) -> str:
        return gettext(self.locale, message, **params)

    def _number(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def _money(self, minor: int) -> str:
        return format_money(minor, self.currency, self.locale)

    def _refresh(self) -> None:
        context = self._context(Action.VIEW)
        with session_scope() as session:
            org = organizations.settings_of(session, context)
            zone = ZoneInfo(org.timezone)
            today = datetime.now(zone).date()
            owed = dashboard.receivables_by_currency(session, context, today)
            self.currencies = [r.currency for r in owed]
            if self.currency not in self.currencies:
                # The organization's own currency first; else the one it is owed most in.
                own = org.currency
                self.currency = own if own in self.currencies else next(iter(self.currencies), "")
            chosen = next((r for r in owed if r.currency == self.currency), None)
            self._show_receivables(session, context, chosen, today)
            self._show_campaigns(session, context)
            self._show_first_steps(dashboard.first_steps(session, context))
            waiting = dashboard.replies_waiting(session, context)
        self.figures["waiting"] = Figure(
            value=self._number(waiting), note=self._say(N_("Replies in the Inbox that wait for a person"))
        )
        self.loaded = True

    def _show_receivables(
        self, session: Session, context: OrgContext, owed: dashboard.Receivables | None, today: date
    ) -> None:
        if owed is None:
            self.figures, self.ageing, self.recovered, self.recovered_any = {}, [], [], False
            return
        recovery = dashboard.recovery(session, context, owed.currency, today)
        period_start = today - timedelta(days=receivables.DSO_PERIOD_DAYS)
        invoiced = dashboard.invoiced_since(session, context, owed.currency, period_start)
        dso = receivables.days_sales_outstanding(owed.outstanding, invoiced)
        self.figures = {
            "outstanding": Figure(
                value=self._money(owed.outstanding),
                note=self._say(N_("{count} invoices still owed"), count=self._number(owed.invoices)),
            ),
            "overdue": Figure(
                value=self._money(owed.overdue),
                note=self._say(N_("{count} invoices past their due date"), count=self._number(owed.overdue_invoices)),
            ),
            "recovered": Figure(value=self._money(recovery.this_month), note=self._compared(recovery)),
            "dso": Figure(
                value=self._say(N_("{days} days"), days=self._number(dso)) if dso is not None else "—",
                note=self._say(
                    N_("Days sales outstanding, over the last {days} days"), days=receivables.DSO_PERIOD_DAYS
                ),
            ),
        }
        self.ageing = [
            self._point(self._say(BUCKET_LABELS[name]), owed.by_bucket.get(name, 0), self._say(BUCKET_TICKS[name]))
            for name in receivables.BUCKETS
        ]
        self.recovered = [
            self._point(format_date(monday, "d MMM", locale=self.locale), amount)
            for monday, amount in receivables.by_week(recovery.by_day, today, RECOVERY_WEEKS)
        ]
        self.recovered_any = any(point["amount"] for point in self.recovered)

    def _compared(self, recovery: dashboard.Recovery) -> str:
        change = receivables.change_ratio(recovery.this_month, recovery.last_month_to_date)
        if change is None:
            return self._say(N_("This month so far; nothing came in last month by this day"))
        return self._say(
            N_("This month so far: {change} against last month by this day"),
            change=format_percent(change, "+#,##0%;-#,##0%", locale=self.locale),
        )

    def _point(self, label: str, minor: int, tick: str = "") -> ChartPoint:
        amount = float(to_decimal(minor, self.currency))
        return ChartPoint(label=label, tick=tick or label, amount=amount, text=self._money(minor))

    def _show_campaigns(self, session: Session, context: OrgContext) -> None:
        self.campaigns = [
            CampaignLine(
                campaign_id=str(campaign.id),
                name=campaign.name,
                sent=self._number(stats.sent),
                read=self._number(stats.read),
                replied=self._number(stats.replied),
                paid=self._number(stats.paid),
                paid_share=round(100 * stats.paid / stats.invoices) if stats.invoices else 0,
            )
            for campaign, stats in dashboard.running_campaigns(session, context)
        ]

    def _show_first_steps(self, steps: dashboard.FirstSteps) -> None:
        whatsapp_note = (
            N_("You are trying Cobro with the sandbox number; connect your own when you are ready.")
            if steps.sandbox
            else N_("Your WhatsApp Business number sends the reminders.")
        )
        rows = [
            (
                N_("Connect WhatsApp"),
                whatsapp_note,
                steps.whatsapp,
                routes.SETTINGS_WHATSAPP,
                N_("Open WhatsApp settings"),
            ),
            (
                N_("Add your debtors"),
                N_("Import a spreadsheet of customers and their open invoices."),
                steps.debtors,
                routes.DEBTORS,
                N_("Go to debtors"),
            ),
            (
                N_("Check your templates"),
                N_("Every reminder needs a message in each language your debtors speak."),
                steps.templates_ready,
                routes.TEMPLATES,
                N_("Go to templates"),
            ),
            (
                N_("Launch your first campaign"),
                N_("Choose the invoices and the cadence; Cobro sends each reminder on time."),
                steps.campaign,
                routes.CAMPAIGNS,
                N_("Go to campaigns"),
            ),
        ]
        self.first_steps = [
            FirstStep(title=self._say(title), note=self._say(note), done=done, href=href, action=self._say(action))
            for title, note, done, href, action in rows
        ]
        self.steps_done = steps.done

    @rx.event
    def load(self) -> Any:
        """Opening the dashboard: every figure read again, in the organization's time zone."""
        self.loaded = False
        redirect, self.error = self._open_page(self._refresh)
        return redirect

    @rx.event
    @guarded
    def pick_currency(self, currency: str) -> None:
        """The currency picker: the figures and charts in another currency the organization is owed in."""
        if currency in self.currencies:
            self.currency = currency
        self._refresh()
