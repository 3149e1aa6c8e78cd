"""The simulated debtors' world: who reads a reminder, who answers, who promises and who pays, and when.

Each debtor has a behaviour as Cobro's field names it (punctual, late or chronic payer; casual:
can't pay now, or intentional: won't pay), drawn from the seed and their phone number alone, so a
debtor is the same person after a restart and a seeded run is repeatable. What they do with each
reminder about an invoice is drawn from their own random generator, in the order their reminders
come, from the profile of their behaviour:

=========================  =====  ========  =====  ==========  ========  =======  ==============
behaviour                  reads  within h  reply  pays after  pays in   partial  keeps promise
=========================  =====  ========  =====  ==========  ========  =======  ==============
punctual, casual           0.95   0-6       0.35   1 reminder  1-24 h    0.05     0.95
punctual, intentional      0.90   0-12      0.20   1 reminder  12-48 h   0        0.90
late, casual               0.85   2-24      0.50   2 reminders 24-96 h   0.35     0.75
late, intentional          0.70   6-48      0.30   3 reminders 48-168 h  0.10     0.40
chronic, casual            0.60   12-72     0.45   never       -         -        0
chronic, intentional       0.40   24-120    0.20   never       -         -        0
=========================  =====  ========  =====  ==========  ========  =======  ==============

- reads: the share of delivered reminders they open, `within h` hours after delivery.
- reply: the share of read reminders they answer, an hour or two after reading. Before paying they
  answer with what their profile says when stalling (Profile.stalls: punctual ones promise, casual
  late ones promise and ask for instalments or more time, intentional ones dispute, claim to have
  paid or change the subject); after paying, that they paid (a tap on "already paid", with or
  without a photo of the receipt).
- pays after: how many reminders about the invoice they read before they pay it, in full, `pays in`
  hours after reading the one that tips them. Chronic payers never pay.
- partial: the share who pay part of it first (30-70 %, in whole units) and the rest 3-10 days later.
- keeps promise: the share of promises kept: the whole amount is paid on the promised day.
- A share of debtors (WorldParameters.opt_out_share) opt out at the first reminder they read, by
  typing it or tapping the button, and do nothing else.

The shares of behaviours (WorldParameters.shares), of intentional debtors, of opt-outs and of
Stripe payers (the rest pay through a gateway that posts Cobro's own format) are parameters, as is
the time scale: WorldParameters.day_seconds seconds of the demo are one day of behaviour (60: a day
a minute, so a demo shows a week of payments in minutes).

A reminder is known by what its template's parameters carry: `invoice_number` and `amount`, the
amount as Cobro wrote it for the debtor (R$ 1.234,56), read back to minor units and a currency.
A payment is posted, signed, to the organization's payment endpoint (PaymentTarget): a Stripe
`checkout.session.completed` naming the invoice by its number (client_reference_id and metadata), or
Cobro's `payment.succeeded`. What the world knows (reminders read, amounts paid) lives in memory.
"""

import hashlib
import heapq
import itertools
import json
import random
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any

import httpx
from babel.numbers import get_territory_currencies

from saas_app.core import signatures
from saas_app.core.countries import currencies_in_use
from saas_app.core.invoices import Behaviour
from saas_app.core.money import AmountError, format_money, minor_digits, parse_amount
from saas_app.core.phones import region_of

_HOUR = 1 / 24  # of a day


class Kind(StrEnum):
    CASUAL = "casual"  # can't pay now: promises, asks for instalments, pays in parts
    INTENTIONAL = "intentional"  # won't pay: disputes, claims to have paid, pays late or never


BEHAVIOURS = (Behaviour.PUNCTUAL, Behaviour.LATE, Behaviour.CHRONIC)


@dataclass(frozen=True)
class Profile:
    """How debtors of one behaviour treat reminders; hours are hours of behaviour, not of the demo."""

    read: float
    read_hours: tuple[float, float]
    reply: float
    pays_after: int | None  # reminders about the invoice read before paying it; None: never pays
    pay_hours: tuple[float, float]
    partial: float
    keeps_promise: float
    stalls: Mapping[str, int]  # what they answer before they pay: simulator_replies.INTENTS keys, weighted


PROFILES: dict[tuple[Behaviour, Kind], Profile] = {
    (Behaviour.PUNCTUAL, Kind.CASUAL): Profile(
        0.95, (0, 6), 0.35, 1, (1, 24), 0.05, 0.95, {"promise": 6, "not_received": 2, "off_topic": 1}
    ),
    (Behaviour.PUNCTUAL, Kind.INTENTIONAL): Profile(
        0.90, (0, 12), 0.20, 1, (12, 48), 0.0, 0.90, {"promise": 3, "dispute": 2, "not_received": 2}
    ),
    (Behaviour.LATE, Kind.CASUAL): Profile(
        0.85,
        (2, 24),
        0.50,
        2,
        (24, 96),
        0.35,
        0.75,
        {"promise": 8, "instalments": 5, "need_time_button": 4, "not_received": 2, "off_topic": 1},
    ),
    (Behaviour.LATE, Kind.INTENTIONAL): Profile(
        0.70,
        (6, 48),
        0.30,
        3,
        (48, 168),
        0.10,
        0.40,
        {"promise": 4, "dispute": 3, "paid": 3, "paid_button": 2, "off_topic": 2},
    ),
    (Behaviour.CHRONIC, Kind.CASUAL): Profile(
        0.60,
        (12, 72),
        0.45,
        None,
        (0, 0),
        0.0,
        0.0,
        {"instalments": 6, "need_time_button": 5, "promise": 4, "not_received": 3, "off_topic": 2},
    ),
    (Behaviour.CHRONIC, Kind.INTENTIONAL): Profile(
        0.40, (24, 120), 0.20, None, (0, 0), 0.0, 0.0, {"dispute": 4, "paid": 3, "off_topic": 3, "not_received": 3}
    ),
}
# What a debtor says once they have paid.
PAID_SAYINGS: Mapping[str, int] = {"paid_button": 4, "paid_with_receipt": 3, "paid": 2}
OPT_OUTS: Mapping[str, int] = {"opt_out": 1, "opt_out_button": 1}
REPLY_HOURS = (0.1, 2.0)  # after reading
PARTIAL_SHARE = (0.3, 0.7)  # of the amount due, paid first by those who pay in parts
REST_DAYS = (3, 10)  # until they pay the rest
# The methods a gateway posting Cobro's format reports, by the debtor's country; a card elsewhere.
METHODS = {"BR": "pix", "MX": "spei", "IT": "bank_transfer", "ES": "bizum", "FR": "bank_transfer", "PT": "mb_way"}
STRIPE_API_VERSION = "2024-06-20"


@dataclass(frozen=True)
class WorldParameters:
    """What shapes the world; the same parameters and seed make the same debtors do the same things."""

    seed: int = 0
    day_seconds: float = 60.0  # demo seconds per day of behaviour
    shares: Mapping[Behaviour, float] = field(
        default_factory=lambda: {Behaviour.PUNCTUAL: 0.5, Behaviour.LATE: 0.3, Behaviour.CHRONIC: 0.2}
    )
    intentional_share: float = 0.3
    opt_out_share: float = 0.03
    stripe_share: float = 0.5  # the others pay through a gateway posting Cobro's format

    def __post_init__(self) -> None:
        if self.day_seconds <= 0:
            raise ValueError("day_seconds must be above 0")
        if any(share < 0 for share in self.shares.values()) or sum(self.shares.values()) <= 0:
            raise ValueError("the behaviours' shares must be 0 or more, and not all 0")
        for name in ("intentional_share", "opt_out_share", "stripe_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")


def parse_shares(text: str) -> dict[Behaviour, float]:
    """'punctual=0.5,late=0.3,chronic=0.2' -> the shares; behaviours left out have none."""
    shares = dict.fromkeys(BEHAVIOURS, 0.0)
    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = pair.partition("=")
        try:
            shares[Behaviour(name.strip().lower())] = float(value)
        except ValueError:
            raise ValueError(f"write each share as punctual|late|chronic=<number>, not '{pair}'") from None
    return shares


@dataclass(frozen=True)
class Persona:
    phone: str  # digits only
    behaviour: Behaviour
    kind: Kind
    opts_out: bool
    pays_in_parts: bool
    provider: str  # stripe or cobro
    method: str

    @property
    def profile(self) -> Profile:
        """What debtors of this behaviour do with reminders."""
        return PROFILES[(self.behaviour, self.kind)]


def persona(parameters: WorldParameters, phone: str) -> Persona:
    """The debtor behind `phone`: a function of the seed and the number only, drawn in a fixed order."""
    digits = phone.lstrip("+")
    rng = random.Random(f"cobro-simulator:{parameters.seed}:{digits}")  # noqa: S311 (a simulation, no secret)
    pick, total = rng.random(), sum(parameters.shares.values())
    behaviour, bound = BEHAVIOURS[-1], 0.0
    for candidate in BEHAVIOURS:
        bound += parameters.shares.get(candidate, 0.0) / total
        if pick < bound:
            behaviour = candidate
            break
    kind = Kind.INTENTIONAL if rng.random() < parameters.intentional_share else Kind.CASUAL
    opts_out = rng.random() < parameters.opt_out_share
    pays_in_parts = rng.random() < PROFILES[(behaviour, kind)].partial
    provider = "stripe" if rng.random() < parameters.stripe_share else "cobro"
    method = "card" if provider == "stripe" else METHODS.get(region_of(f"+{digits}") or "", "bank_transfer")
    return Persona(digits, behaviour, kind, opts_out, pays_in_parts, provider, method)


@dataclass(frozen=True)
class Reminder:
    """What a template message says about an invoice: its number and the amount due."""

    invoice_number: str
    amount_minor: int
    currency: str


def reminder_of(body: dict[str, Any], phone: str) -> Reminder | None:
    """The invoice a send is about, from its named body parameters; None for anything else."""
    template = body.get("template") or {}
    values: dict[str, str] = {}
    for component in template.get("components") or []:
        if component.get("type") == "body":
            values |= {str(p.get("parameter_name")): str(p.get("text", "")) for p in component.get("parameters") or []}
    number, amount = values.get("invoice_number", "").strip(), values.get("amount", "").strip()
    if not number or not amount:
        return None
    language = str((template.get("language") or {}).get("code", "en"))
    money = read_amount(amount, language, region_of("+" + phone.lstrip("+")) or "")
    return Reminder(number, *money) if money else None


@cache
def read_amount(text: str, language: str, country: str) -> tuple[int, str] | None:
    """(minor units, currency) of an amount Cobro wrote with Babel, found by writing it back the same way.

    The locale is the template's language or that language as the debtor's country speaks it; the
    country's own currencies are tried first ("$" is MXN in Mexico, USD in the United States).
    """
    base = language.replace("-", "_").split("_")[0]
    locales = dict.fromkeys([language, f"{base}_{country}" if country else language, base])
    currencies = dict.fromkeys([*(get_territory_currencies(country) if country else []), *currencies_in_use()])
    for currency in currencies:
        for locale in locales:
            try:
                minor = parse_amount(text, currency, locale)
                if format_money(minor, currency, locale) == text:
                    return minor, currency
            except (AmountError, ValueError):
                continue
    return None


@dataclass(frozen=True)
class PaymentTarget:
    """An organization's payment endpoint as its providers know it: the URL and the signing secrets."""

    url: str
    cobro_secret: str = ""
    stripe_secret: str = ""

    def provider_for(self, wanted: str) -> str:
        """The provider a payment goes through: the debtor's, unless only the other one is set up."""
        have = [p for p, secret in (("stripe", self.stripe_secret), ("cobro", self.cobro_secret)) if secret]
        return wanted if wanted in have else (have[0] if have else "")


@dataclass(frozen=True)
class Payment:
    phone_number_id: str  # the organization's number the reminder came from
    phone: str
    invoice_number: str
    amount_minor: int
    currency: str
    provider: str
    method: str
    reference: str  # the payment's id at the provider, the same for the same payment on every run


@dataclass(order=True)
class _DuePayment:
    at: float
    seq: int
    payment: Payment = field(compare=False)


@dataclass
class _Debt:
    """One invoice as its debtor sees it."""

    owed: int
    currency: str
    read: int = 0  # reminders about it they have read
    paid: int = 0  # what they paid or are on their way to paying
    settling: bool = False  # a payment or a promise they will keep is on its way: reminders change nothing

    @property
    def first_due(self) -> int:
        return self.owed + self.paid


@dataclass(frozen=True)
class Plan:
    """What a debtor does with one delivered message; seconds are the demo's."""

    read_after: float | None = None  # after delivery; None: never read
    intent: str = ""  # what they answer (a simulator_replies.INTENTS key), "" for nothing
    reply_after: float = 0.0  # after reading
    keeps_promise: bool = False  # when the answer is a promise


Pay = Callable[[str, bytes, dict[str, str]], Awaitable[int]]  # (url, body, headers) -> HTTP status


@dataclass
class World:
    parameters: WorldParameters = field(default_factory=WorldParameters)
    # The endpoint each organization's payments go to, by its phone number id; "" for any number.
    targets: dict[str, PaymentTarget] = field(default_factory=dict)
    due: list[_DuePayment] = field(default_factory=list)  # payments to post, soonest first
    posted: list[tuple[Payment, int]] = field(default_factory=list)  # each payment posted and the answer
    _rngs: dict[str, random.Random] = field(default_factory=dict)
    _debts: dict[tuple[str, str, str], _Debt] = field(default_factory=dict)
    _opted_out: set[str] = field(default_factory=set)
    _seq: Iterator[int] = field(default_factory=itertools.count)

    def persona(self, phone: str) -> Persona:
        """Who the debtor behind `phone` is in this world."""
        return persona(self.parameters, phone)

    def rng_of(self, phone: str) -> random.Random:
        """The debtor's own generator: what one debtor does never shifts what another does."""
        digits = phone.lstrip("+")
        if digits not in self._rngs:
            seed = f"cobro-simulator:{self.parameters.seed}:events:{digits}"
            self._rngs[digits] = random.Random(seed)  # noqa: S311 (a simulation, no secret)
        return self._rngs[digits]

    def seconds(self, hours: float) -> float:
        """Demo seconds for `hours` of behaviour."""
        return hours * _HOUR * self.parameters.day_seconds

    def react(self, phone_number_id: str, phone: str, reminder: Reminder | None, now: float) -> Plan:
        """What the debtor does with a message delivered at `now` (monotonic seconds); payments are queued."""
        who, rng = self.persona(phone), self.rng_of(phone)
        profile = who.profile
        if rng.random() >= profile.read:
            return Plan()
        read_after = self.seconds(rng.uniform(*profile.read_hours))
        reply_after = self.seconds(rng.uniform(*REPLY_HOURS))
        answers = rng.random() < profile.reply
        if who.phone in self._opted_out or reminder is None:  # they read it; it asks nothing of them
            return Plan(read_after)
        if who.opts_out:
            self._opted_out.add(who.phone)
            return Plan(read_after, _weighted(rng, OPT_OUTS), reply_after)
        debt = self._debt(phone_number_id, who.phone, reminder)
        debt.read += 1
        if debt.settling or debt.owed <= 0:
            return Plan(read_after)
        if profile.pays_after is not None and debt.read >= profile.pays_after:
            pays_after = read_after + self.seconds(rng.uniform(*profile.pay_hours))
            paying_at = now + pays_after
            if who.pays_in_parts and debt.paid == 0:
                part = _whole_units(round(debt.owed * rng.uniform(*PARTIAL_SHARE)), debt.currency)
                if 0 < part < debt.owed:
                    self._queue(paying_at, phone_number_id, who, reminder.invoice_number, part, debt)
                    paying_at += self.seconds(24 * rng.randint(*REST_DAYS))
            self._queue(paying_at, phone_number_id, who, reminder.invoice_number, debt.owed, debt)
            debt.settling = True
            if not answers:
                return Plan(read_after)
            return Plan(read_after, _weighted(rng, PAID_SAYINGS), max(reply_after, pays_after - read_after))
        if not answers:
            return Plan(read_after)
        intent = _weighted(rng, profile.stalls)
        return Plan(read_after, intent, reply_after, keeps_promise=rng.random() < profile.keeps_promise)

    def promised(self, phone_number_id: str, phone: str, invoice_number: str, days: int, at: float) -> None:
        """A kept promise: the debtor pays what they owe `days` days of behaviour after `at`, in the day."""
        who = self.persona(phone)
        debt = self._debts.get((phone_number_id, who.phone, invoice_number))
        if debt is None or debt.settling or debt.owed <= 0:
            return
        paying_at = at + self.seconds(24 * days + self.rng_of(phone).uniform(9, 18))
        self._queue(paying_at, phone_number_id, who, invoice_number, debt.owed, debt)
        debt.settling = True

    def _debt(self, phone_number_id: str, phone: str, reminder: Reminder) -> _Debt:
        key = (phone_number_id, phone, reminder.invoice_number)
        debt = self._debts.get(key)
        if debt is None:
            debt = self._debts[key] = _Debt(reminder.amount_minor, reminder.currency)
        elif not debt.settling:  # the newest reminder says what is due, never more than first asked less paid
            debt.owed = max(0, min(reminder.amount_minor, debt.first_due - debt.paid))
        return debt

    def _queue(
        self, at: float, phone_number_id: str, who: Persona, invoice_number: str, amount: int, debt: _Debt
    ) -> None:
        amount = min(amount, debt.owed)
        if amount <= 0:
            return
        debt.owed -= amount
        debt.paid += amount
        seed = f"{self.parameters.seed}:{phone_number_id}:{who.phone}:{invoice_number}:{debt.paid}"
        reference = hashlib.sha256(seed.encode()).hexdigest()[:24]
        payment = Payment(
            phone_number_id, who.phone, invoice_number, amount, debt.currency, who.provider, who.method, reference
        )
        heapq.heappush(self.due, _DuePayment(at, next(self._seq), payment))

    def target_for(self, phone_number_id: str) -> PaymentTarget | None:
        """Where payments to the organization of this number go: its own endpoint, else the one for all."""
        return self.targets.get(phone_number_id) or self.targets.get("")


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _whole_units(minor: int, currency: str) -> int:
    """A part people pay: whole units of the currency (R$ 500,00, not R$ 512,37)."""
    unit = 10 ** minor_digits(currency)
    return minor // unit * unit


def stripe_event(payment: Payment, created: datetime) -> dict[str, Any]:
    """A Checkout payment as Stripe posts it, naming the invoice by its number."""
    at = int(created.timestamp())
    return {
        "id": f"evt_sim{payment.reference}",
        "object": "event",
        "api_version": STRIPE_API_VERSION,
        "created": at,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": f"cs_test_sim{payment.reference}",
                "object": "checkout.session",
                "amount_subtotal": payment.amount_minor,
                "amount_total": payment.amount_minor,
                "client_reference_id": payment.invoice_number,
                "created": at,
                "currency": payment.currency.lower(),
                "customer_details": {"phone": f"+{payment.phone}"},
                "livemode": False,
                "metadata": {"invoice_number": payment.invoice_number},
                "mode": "payment",
                "payment_intent": f"pi_sim{payment.reference}",
                "payment_method_types": [payment.method],
                "payment_status": "paid",
                "status": "complete",
            }
        },
    }


def cobro_event(payment: Payment, created: datetime) -> dict[str, Any]:
    """A payment in Cobro's own format, as a bank or gateway without Stripe's posts it."""
    return {
        "id": f"evt-sim-{payment.reference}",
        "type": "payment.succeeded",
        "created": int(created.timestamp()),
        "data": {
            "invoice_number": payment.invoice_number,
            "amount_minor": payment.amount_minor,
            "currency": payment.currency,
            "paid_on": created.date().isoformat(),
            "method": payment.method,
            "payment_id": f"sim-{payment.reference}",
        },
    }


def signed(payment: Payment, target: PaymentTarget, now: datetime) -> tuple[bytes, dict[str, str]] | None:
    """The event's body and headers, signed with the target's secret for its provider; None without one."""
    provider = target.provider_for(payment.provider)
    if not provider:
        return None
    event = stripe_event(payment, now) if provider == "stripe" else cobro_event(payment, now)
    raw = json.dumps(event, ensure_ascii=False).encode()
    secret, name = (
        (target.stripe_secret, "Stripe-Signature")
        if provider == "stripe"
        else (
            target.cobro_secret,
            "Cobro-Signature",
        )
    )
    return raw, {"Content-Type": "application/json", name: signatures.header(secret, int(now.timestamp()), raw)}


PAYMENT_RETRY_SECONDS = 5.0  # like a provider: a payment the app did not take is posted again


async def post_payments(world: World, pay: Pay, until: float | None = None, now: datetime | None = None) -> int:
    """Post every payment due by `until` (default: now, monotonic) to its organization's endpoint.

    An answer of 5xx or no answer is tried again later; any other answer is final, as with Stripe
    after its retries (a refused signature stays refused). Returns how many were answered 2xx.
    """
    limit = time.monotonic() if until is None else until
    accepted, again = 0, []
    while world.due and world.due[0].at <= limit:
        payment = heapq.heappop(world.due).payment
        target = world.target_for(payment.phone_number_id)
        made = signed(payment, target, now or datetime.now(UTC)) if target else None
        if target is None or made is None:
            world.posted.append((payment, 0))  # nowhere to pay: the debtor gives up
            continue
        try:
            status = await pay(target.url, *made)
        except httpx.HTTPError:
            status = 599
        if status >= 500:
            again.append(payment)
            continue
        world.posted.append((payment, status))
        accepted += 200 <= status < 300
    for payment in again:
        heapq.heappush(world.due, _DuePayment(time.monotonic() + PAYMENT_RETRY_SECONDS, next(world._seq), payment))
    return accepted


def http_payer(client: httpx.AsyncClient) -> Pay:
    """Posts payment events over HTTP; the answer's status decides whether the event is posted again."""

    async def pay(url: str, raw: bytes, headers: dict[str, str]) -> int:
        return (await client.post(url, content=raw, headers=headers)).status_code

    return pay
